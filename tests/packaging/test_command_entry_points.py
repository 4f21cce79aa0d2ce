"""``python -m botocore_sso_provider`` is the ``botocore-sso`` command pip installs, run both ways."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider import __version__
from tests.conftest import SSO_CONFIG

pytestmark = pytest.mark.functional

SCRIPT = Path(sysconfig.get_path("scripts"), "botocore-sso")
"""The console script pip installed beside this Python (bin/ of the virtual environment)."""

BOTH_WAYS = pytest.mark.parametrize(
    "command", [[sys.executable, "-m", "botocore_sso_provider"], [str(SCRIPT)]], ids=["python -m", "script"]
)


def run(command: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    assert Path(command[0]).is_file(), f"{command[0]} is missing: install the package (pip install -e .)"
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=dict(os.environ), timeout=60, check=False
    )


@BOTH_WAYS
def test_the_version_is_the_packages(command: list[str]) -> None:
    done = run(command, "--version")
    assert (done.returncode, done.stdout) == (0, f"botocore-sso {__version__}\n")


def test_both_ways_give_the_same_help() -> None:
    by_module = run([sys.executable, "-m", "botocore_sso_provider"], "--help")
    by_script = run([str(SCRIPT)], "--help")
    assert by_module.returncode == by_script.returncode == 0
    assert by_module.stdout == by_script.stdout
    assert by_module.stdout.startswith("usage: botocore-sso ")
    for name in ("login", "fake-server", "demo"):
        assert name in by_module.stdout


@BOTH_WAYS
def test_an_error_is_one_line_and_exit_status_1(
    command: list[str], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    done = run(command, "login", "--profile", "ghost")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f'botocore-sso: The profile "ghost" does not exist in {aws_home / ".aws" / "config"}.'
    ]
