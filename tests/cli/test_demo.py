"""The demo, run as a user runs it: a subprocess that must exit 0 and touch no real ~/.aws."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional


def test_the_demo_runs_end_to_end_in_its_own_home(tmp_path: Path) -> None:
    home = tmp_path / "user-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "botocore_sso_provider", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Logged in" in out
    assert "STS GetCallerIdentity answered" in out
    assert "wrote and read back 'hello from IAM Identity Center'" in out
    assert "with 0 GetRoleCredentials calls" in out
    assert re.search(
        r"8 processes resolved at once .*inside the refresh window\): 8 of 8 succeeded with "
        r"1 CreateToken and 1 GetRoleCredentials between them",
        out,
    ), out
    native = re.search(
        r"The same herd with botocore's own SSO provider .*: \d of 8 succeeded with (\d+) CreateToken", out
    )
    assert native, out  # its count varies from run to run: it has no lock, so it is only shown
    assert "Traceback" not in result.stderr
    assert list(home.iterdir()) == [], "the demo never writes to the user's HOME"
