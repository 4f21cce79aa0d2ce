"""A read-only token cache (a mount into a container): the refresh token is never spent by default.

The cache directory is made really read-only for the process under test, so
the package's own check (a probe file it cannot create) meets the kernel's
refusal, as in a container:

- not root: ``chmod 0500`` on the directory;
- root (here and in CI), where modes stop nothing: a read-only bind mount of
  the directory in a private mount namespace (``unshare --mount``) that only
  the process under test lives in.

Where neither works (root without the right to mount) the tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import COMMAND, SSO_CONFIG, in_minutes, token_path

pytestmark = pytest.mark.functional

OPT_IN = "BOTOCORE_SSO_REFRESH_UNWRITABLE_CACHE"

RESOLVE = """
import json, logging, sys
import boto3
from botocore.exceptions import TokenRetrievalError, UnauthorizedSSOTokenError
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
try:
    key = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials().access_key
    print(json.dumps({"ok": True, "access_key": key}))
except Exception as err:
    print(json.dumps({
        "ok": False,
        "type": type(err).__name__,
        "message": str(err),
        "catchable": isinstance(err, (TokenRetrievalError, UnauthorizedSSOTokenError)),
        "profile": getattr(err, "kwargs", {}).get("profile"),
        "session_name": getattr(err, "kwargs", {}).get("session_name"),
    }))
"""

_MOUNT_READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def _can_mount_read_only(scratch: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    scratch.mkdir()
    probe = ["sh", "-c", 'touch "$1/probe" 2>/dev/null && exit 1 || exit 0', "sh", str(scratch)]
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", _MOUNT_READ_ONLY, "sh", str(scratch), *probe],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0 and not (scratch / "probe").exists()


@pytest.fixture
def run_with_read_only(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``command`` (default ``python -c RESOLVE``) with ``directory`` read-only for that process alone."""
    as_root = os.geteuid() == 0
    if as_root and not _can_mount_read_only(tmp_path / "mount-probe"):
        pytest.skip("running as root without the right to make a read-only bind mount (unshare --mount)")

    def run(
        directory: Path, env: Dict[str, str], command: Optional[List[str]] = None
    ) -> subprocess.CompletedProcess[str]:
        command = command or [sys.executable, "-c", RESOLVE]
        if as_root:
            command = ["unshare", "--mount", "sh", "-c", _MOUNT_READ_ONLY, "sh", str(directory), *command]
        else:
            directory.chmod(0o500)
        try:
            return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
        finally:
            directory.chmod(0o700)

    return run


@pytest.fixture(autouse=True)
def _config(write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)


def outcome(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, (done.stdout, done.stderr)
    return json.loads(lines[-1])


def test_an_expired_token_in_a_read_only_cache_is_not_refreshed_and_the_error_names_both_fixes(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    aws_home: Path,
    run_with_read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    seeded = seed_login(expiresAt=in_minutes(-1))
    cache_dir = token_path(aws_home, "corp").parent
    before = token_path(aws_home, "corp").read_bytes()

    done = run_with_read_only(cache_dir, dict(os.environ))

    result = outcome(done)
    assert not result["ok"], result
    assert idc.request_counts().get("CreateToken", 0) == 0, "the shared refresh token was not spent"
    assert idc.refresh_token_is_valid(seeded["refreshToken"])
    assert token_path(aws_home, "corp").read_bytes() == before
    assert result["catchable"], "a botocore error callers already catch"
    assert result["session_name"] == "corp" and result["profile"] == "dev"
    message = result["message"]
    assert "\n" not in message
    assert str(cache_dir) in message
    assert "botocore-sso login --sso-session corp" in message, "fix one: refresh where it is writable"
    assert "make it writable" in message, "fix two"
    assert OPT_IN in message
    assert "Traceback" not in done.stderr


def test_the_opt_in_refreshes_in_memory_with_a_warning_that_others_need_a_login(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    aws_home: Path,
    run_with_read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    seed_login(expiresAt=in_minutes(-1))
    cache_dir = token_path(aws_home, "corp").parent
    before = token_path(aws_home, "corp").read_bytes()

    done = run_with_read_only(cache_dir, {**os.environ, OPT_IN: "1"})

    result = outcome(done)
    assert result["ok"], result
    assert result["access_key"].startswith("ASIA")
    assert idc.request_counts()["CreateToken"] == 1
    assert "in this process only" in done.stderr
    assert "Other processes will need a new login: botocore-sso login --sso-session corp" in done.stderr
    assert token_path(aws_home, "corp").read_bytes() == before


@pytest.mark.parametrize("value", ["0", "", "no", "maybe"])
def test_anything_but_a_yes_leaves_the_opt_in_off(
    value: str,
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    aws_home: Path,
    run_with_read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    seed_login(expiresAt=in_minutes(-1))
    done = run_with_read_only(token_path(aws_home, "corp").parent, {**os.environ, OPT_IN: value})
    assert not outcome(done)["ok"]
    assert idc.request_counts().get("CreateToken", 0) == 0


def test_a_valid_token_keeps_working_from_a_read_only_cache(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    aws_home: Path,
    run_with_read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    seeded = seed_login(expiresAt=in_minutes(5))  # due for a refresh, still valid
    done = run_with_read_only(token_path(aws_home, "corp").parent, dict(os.environ))
    result = outcome(done)
    assert result["ok"], result
    assert idc.request_counts().get("CreateToken", 0) == 0
    assert idc.refresh_token_is_valid(seeded["refreshToken"])
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_the_command_says_the_same_in_one_line_and_spends_nothing(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    aws_home: Path,
    run_with_read_only: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    seed_login(expiresAt=in_minutes(-1))
    cache_dir = token_path(aws_home, "corp").parent
    done = run_with_read_only(
        cache_dir, dict(os.environ), [*COMMAND, "credential-process", "--profile", "dev"]
    )
    assert done.returncode != 0 and not done.stdout
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()  # one sentence: no "caching in memory" notice, nothing is
    assert line.startswith("botocore-sso: The SSO login for")
    assert str(cache_dir) in line and "botocore-sso login --sso-session corp" in line
    assert "make it writable" in line and OPT_IN in line
    assert idc.request_counts().get("CreateToken", 0) == 0
