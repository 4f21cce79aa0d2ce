"""With every logger at DEBUG, no secret of ours shows anywhere: logs, stdout, stderr, errors, reprs.

Each case runs in a new process that calls ``logging.basicConfig(level=DEBUG)``
first, the way people debug, so botocore's own loggers (``botocore.endpoint``
request dicts, ``botocore.parsers`` response bodies, ...) are on. The secrets
looked for are every token, client secret and role key the case had or got:
read from the cache files before and after the run. The table is meant to
grow: a new command or error path is one more row.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Optional

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, in_minutes, run_python, token_path

pytestmark = pytest.mark.functional

RESOLVE = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
import botocore.session
try:
    credentials = botocore.session.Session(profile="dev").get_credentials()
    credentials.get_frozen_credentials()
    print("resolved", repr(credentials), credentials.method)
except Exception as err:
    print("error", type(err).__name__, str(err), repr(err), getattr(err, "kwargs", None))
"""

CLI = """
import logging, sys
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
from botocore_sso_provider.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


class Case(NamedTuple):
    """``prepare(idc, home)`` sets the scene; ``argv`` runs in a fresh process, with ``env(idc)`` added."""

    prepare: Callable[[FakeIdentityCenter, Path, Callable[..., dict]], None]
    argv: tuple[str, ...]
    env: Optional[Callable[[FakeIdentityCenter], dict[str, str]]] = None
    prints_credentials: bool = False
    """The command's job is to print role credentials on stdout: only those may show, only there."""


def _logged_in(**overrides: object) -> Callable[[FakeIdentityCenter, Path, Callable[..., dict]], None]:
    def prepare(idc: FakeIdentityCenter, home: Path, seed: Callable[..., dict]) -> None:
        seed(**overrides)

    return prepare


def _then(
    first: Callable[[FakeIdentityCenter, Path, Callable[..., dict]], None],
    then: Callable[[FakeIdentityCenter, Path], None],
) -> Callable[[FakeIdentityCenter, Path, Callable[..., dict]], None]:
    def prepare(idc: FakeIdentityCenter, home: Path, seed: Callable[..., dict]) -> None:
        first(idc, home, seed)
        then(idc, home)

    return prepare


def _nothing(idc: FakeIdentityCenter, home: Path, seed: Callable[..., dict]) -> None:
    return None


def _corrupt_token(idc: FakeIdentityCenter, home: Path) -> None:
    path = token_path(home, "corp")
    path.write_text(path.read_text()[:-10])


def _stranger_token(idc: FakeIdentityCenter, home: Path) -> None:
    os.chown(token_path(home, "corp"), 65534, 65534)


def _stranger_lock(idc: FakeIdentityCenter, home: Path) -> None:
    lock = token_path(home, "corp").with_suffix(".lock")
    lock.touch()
    os.chown(lock, 65534, 65534)


def _fifo_token(idc: FakeIdentityCenter, home: Path) -> None:
    path = token_path(home, "corp")
    path.unlink()
    os.mkfifo(path)


def _bad_region(idc: FakeIdentityCenter, home: Path, seed: Callable[..., dict]) -> None:
    config = home / ".aws" / "config"
    config.write_text(config.read_text().replace("sso_region = us-east-1", "sso_region = us east 1"))


CASES = {
    "login": Case(_nothing, ("-c", CLI, "login", "--sso-session", "corp", "--no-browser")),
    "resolution": Case(_logged_in(), ("-c", RESOLVE)),
    "refresh": Case(_logged_in(expiresAt=in_minutes(10)), ("-c", RESOLVE)),
    "refresh-after-expiry": Case(_logged_in(expiresAt=in_minutes(-1)), ("-c", RESOLVE)),
    "error-not-logged-in": Case(_nothing, ("-c", RESOLVE)),
    "error-session-ended": Case(
        _then(_logged_in(expiresAt=in_minutes(-1)), lambda idc, home: idc.end_sessions()), ("-c", RESOLVE)
    ),
    "error-create-token-garbage": Case(
        _then(
            _logged_in(expiresAt=in_minutes(-1)),
            lambda idc, home: idc.inject_answer("CreateToken", body=b'{"refreshToken": "x"}', times=3),
        ),
        ("-c", RESOLVE),
    ),
    "error-service-down": Case(
        _then(
            _logged_in(expiresAt=in_minutes(-1)),
            lambda idc, home: idc.inject("CreateToken", "InternalServerException", times=10),
        ),
        ("-c", RESOLVE),
    ),
    "error-proxy-403": Case(
        _then(
            _logged_in(),
            lambda idc, home: idc.inject_answer(
                "GetRoleCredentials", status=403, body=b"<html>no</html>", content_type="text/html", times=3
            ),
        ),
        ("-c", RESOLVE),
    ),
    "error-role-denied": Case(
        _then(
            _logged_in(), lambda idc, home: idc.inject("GetRoleCredentials", "ForbiddenException", times=3)
        ),
        ("-c", RESOLVE),
    ),
    "error-corrupt-token-file": Case(_then(_logged_in(), _corrupt_token), ("-c", RESOLVE)),
    "error-stranger-token-file": Case(_then(_logged_in(), _stranger_token), ("-c", RESOLVE)),
    "error-stranger-lock": Case(_then(_logged_in(expiresAt=in_minutes(-1)), _stranger_lock), ("-c", RESOLVE)),
    "error-registration-expired": Case(
        _logged_in(expiresAt=in_minutes(-1), registrationExpiresAt=in_minutes(-5)), ("-c", RESOLVE)
    ),
    "error-invalid-client": Case(
        _then(
            _logged_in(expiresAt=in_minutes(-1)),
            lambda idc, home: idc.inject("CreateToken", "invalid_client", times=3),
        ),
        ("-c", RESOLVE),
    ),
    "error-role-garbage": Case(
        _then(_logged_in(), lambda idc, home: idc.inject_answer("GetRoleCredentials", body=b"{}", times=3)),
        ("-c", RESOLVE),
    ),
    "error-fifo-token-file": Case(_then(_logged_in(), _fifo_token), ("-c", RESOLVE)),
    "command-logout": Case(_logged_in(), ("-c", CLI, "logout", "--sso-session", "corp")),
    "command-list": Case(_logged_in(), ("-c", CLI, "list", "--sso-session", "corp")),
    "command-status": Case(_logged_in(), ("-c", CLI, "status")),
    "command-status-short": Case(
        _logged_in(), ("-c", CLI, "status", "--short"), lambda idc: {"AWS_PROFILE": "dev"}
    ),
    "command-populate-dry-run": Case(
        _logged_in(), ("-c", CLI, "populate", "--sso-session", "corp", "--dry-run")
    ),
    "command-console": Case(
        _logged_in(),
        ("-c", CLI, "console", "--profile", "dev", "--no-browser"),
        lambda idc: idc.federation_environ(),
    ),
    "command-login-with-debug": Case(
        _nothing, ("-c", CLI, "login", "--sso-session", "corp", "--no-browser", "--debug")
    ),
    "command-credential-process": Case(
        _logged_in(), ("-c", CLI, "credential-process", "--profile", "dev"), prints_credentials=True
    ),
    "command-export": Case(_logged_in(), ("-c", CLI, "export", "--profile", "dev"), prints_credentials=True),
    "error-login-denied-region": Case(
        _bad_region, ("-c", CLI, "login", "--sso-session", "corp", "--no-browser")
    ),
}


def _secrets_in(home: Path) -> set[str]:
    """Every secret value in the cache files under ``home`` (tokens, client secrets, role keys)."""
    found: set[str] = set()
    for path in (home / ".aws").rglob("*.json"):
        if not path.is_file() or path.is_symlink():
            continue  # a FIFO planted by a case would block this reader
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        found.update(_secret_values(data))
    return found


def _role_secrets_in(home: Path) -> set[str]:
    found: set[str] = set()
    for path in (home / ".aws" / "cli" / "cache").glob("*.json"):
        found.update(_secret_values(json.loads(path.read_text())))
    return found


def _secret_values(data: object) -> Iterator[str]:
    names = {"accessToken", "refreshToken", "clientSecret", "SecretAccessKey", "SessionToken"}
    if isinstance(data, dict):
        for key, value in data.items():
            if key in names and isinstance(value, str) and value:
                yield value
            else:
                yield from _secret_values(value)


@pytest.mark.parametrize("name", list(CASES))
def test_no_secret_in_any_output_at_debug(
    name: str,
    idc: FakeIdentityCenter,
    aws_home: Path,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
) -> None:
    case = CASES[name]
    write_config(SSO_CONFIG)
    case.prepare(idc, aws_home, seed_login)
    before = _secrets_in(aws_home)
    env = dict(os.environ, **(case.env(idc) if case.env else {}))
    result = run_python(*case.argv, env=env, timeout=120)
    secrets = before | _secrets_in(aws_home)
    output = result.stdout + result.stderr
    if not name.startswith("command-status"):  # status reads files only: no call, no DEBUG line
        assert "DEBUG" in result.stderr, "botocore's DEBUG logging was on"
    assert "Traceback" not in output, output[-3000:]
    if RESOLVE in case.argv:
        expected = "resolved" if name in ("resolution", "refresh", "refresh-after-expiry") else "error"
        assert result.stdout.startswith(expected), output[-3000:]
    if name in ("login", "refresh", "refresh-after-expiry", "resolution"):
        assert secrets - before, "the case produced new secrets (tokens or role keys) to look for"
    if case.prints_credentials:
        role_secrets = _role_secrets_in(aws_home)
        assert any(secret in result.stdout for secret in role_secrets), "it printed the credentials"
        found = [s for s in secrets if s in result.stderr]
        found += [s for s in secrets - role_secrets if s in result.stdout]
    else:
        found = [s for s in secrets if s in output]
    leaked = sorted(s[:6] + "..." for s in found)
    assert not leaked, f"secrets leaked into the output (first characters): {leaked}"
