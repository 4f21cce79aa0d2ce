"""Hostile and broken cache files: never a hang, never a stranger's secret, never a lost login.

We run as root here, where file modes stop nothing: "another user" is
simulated honestly by chown-ing a file to uid 65534 (the check is on the
owner, which root cannot fake away), and a read-only cache by patching the
write primitives of the cache module for every directory (as the existing
read-only tests do): a root process ignores modes, and chattr is unavailable.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable

import filelock
import pytest

from botocore_sso_provider import settings
from botocore_sso_provider.errors import CorruptCacheError, SSOProviderError, UnsafeCacheError
from botocore_sso_provider.provider import credentials as credentials_module
from botocore_sso_provider.rules import timestamps as clock_module
from botocore_sso_provider.rules.keys import role_cache_key_of
from botocore_sso_provider.store import cache as cache_module
from botocore_sso_provider.store import files as files_module
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, FakeClock, clocked_session, in_minutes, run_python, token_path

pytestmark = pytest.mark.functional

STRANGER = 65534


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """What one process remembers (trusted directories, warnings, skew) starts empty in each test."""
    monkeypatch.setattr(files_module, "_trusted_directories", set())
    monkeypatch.setattr(cache_module, "_warned", set())
    monkeypatch.setattr(cache_module, "_memory", {})
    monkeypatch.setattr(credentials_module, "_unusable_warned", set())
    monkeypatch.setattr(clock_module, "_skew", clock_module._skew * 0)
    monkeypatch.delenv("SUDO_UID", raising=False)


def resolve() -> Any:
    return clocked_session("dev", FakeClock()).get_credentials().get_frozen_credentials()


def resolve_within(seconds: float = 30) -> Any:
    """Resolve in a thread: a test of "never hangs" must fail, not hang, when it would."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = resolve()
        except BaseException as err:  # handed to the test thread
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "resolution hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def role_dir(home: Path) -> Path:
    return home / ".aws" / "cli" / "cache"


def role_file(home: Path) -> Path:
    key = role_cache_key_of(
        "111111111111", "ReadOnly", session_name="corp", start_url="https://fake-idc.awsapps.com/start"
    )
    return role_dir(home) / f"{key}.json"


PLANTED = {
    "ProviderType": "sso",
    "Credentials": {
        "AccessKeyId": "ASIAPLANTED",
        "SecretAccessKey": "planted-secret",
        "SessionToken": "planted-token",
        "Expiration": in_minutes(60),
        "AccountId": "111111111111",
    },
}


# -- trust no stranger ----------------------------------------------------------------------


def test_role_credentials_planted_by_another_user_are_not_used(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    login()
    path = role_file(aws_home)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(PLANTED))
    os.chown(path, STRANGER, STRANGER)
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        frozen = resolve()
    assert frozen.access_key != "ASIAPLANTED"
    assert idc.request_counts()["GetRoleCredentials"] == 1
    message = "\n".join(r.getMessage() for r in caplog.records)
    assert str(path) in message and "sudo chown" in message


@pytest.mark.parametrize("where", ["default-dir-world-writable", "variable-dir-of-another-user"])
def test_a_role_cache_directory_others_can_write_is_neither_read_nor_written(
    where: str,
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    aws_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    login()
    if where == "default-dir-world-writable":
        directory = role_dir(aws_home)
        directory.mkdir(parents=True)
        os.chmod(directory, 0o777)  # noqa: S103 - the stranger's doing, under test
        fix = "chmod go-w"
    else:
        directory = tmp_path / "shared-roles"
        directory.mkdir()
        os.chown(directory, STRANGER, STRANGER)
        monkeypatch.setenv("BOTOCORE_SSO_ROLE_CACHE_DIR", str(directory))
        fix = "sudo chown"
    planted = directory / role_file(aws_home).name
    planted.write_text(json.dumps(PLANTED))
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        assert resolve().access_key != "ASIAPLANTED"
        assert resolve().access_key != "ASIAPLANTED"
    assert json.loads(planted.read_text()) == PLANTED, "nothing written into it"
    message = "\n".join(r.getMessage() for r in caplog.records)
    assert str(directory) in message and fix in message


@pytest.mark.parametrize(
    ("group", "trusted"), [(os.getgid(), True), (STRANGER, False)], ids=["own", "shared"]
)
def test_a_group_writable_cache_directory_is_trusted_only_when_the_group_is_ours_alone(
    group: int,
    trusted: bool,
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    aws_home: Path,
) -> None:
    """umask 002 (a group per user) makes botocore create 0775 cache directories: that is no stranger."""
    login()
    directory = role_dir(aws_home)
    directory.mkdir(parents=True)
    os.chown(directory, os.getuid(), group)
    os.chmod(directory, 0o775)  # noqa: S103 - what botocore's JSONFileCache creates under umask 002
    planted = role_file(aws_home)
    planted.write_text(json.dumps(PLANTED))
    used = resolve().access_key == "ASIAPLANTED"
    assert used is trusted
    assert idc.request_counts().get("GetRoleCredentials", 0) == (0 if trusted else 1)


def test_a_token_file_of_another_user_is_refused_naming_the_file_and_the_fix(
    login: Callable[..., dict], aws_home: Path
) -> None:
    login()
    path = token_path(aws_home, "corp")
    os.chown(path, STRANGER, STRANGER)
    with pytest.raises(UnsafeCacheError) as caught:
        resolve()
    assert str(path) in str(caught.value)
    assert "sudo chown" in str(caught.value)


# -- the lock -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["another-users-file", "symlink", "directory"])
def test_a_lock_that_cannot_be_taken_never_leads_to_an_unlocked_refresh(
    kind: str,
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    aws_home: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The token is in its refresh window but valid: it is used, and the file and login stay."""
    token = login(expiresAt=in_minutes(10))
    path = token_path(aws_home, "corp")
    lock = path.with_suffix(".lock")
    victim = tmp_path / "victim"
    victim.write_text("precious")
    if kind == "another-users-file":
        lock.touch()
        os.chown(lock, 0 if os.getuid() != 0 else STRANGER, STRANGER)
    elif kind == "symlink":
        lock.symlink_to(victim)
    else:
        lock.mkdir()
    before = path.read_text()
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        assert resolve().access_key
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert path.read_text() == before
    assert victim.read_text() == "precious", "a symlinked lock never truncates its target"
    assert idc.refresh_token_is_valid(token["refreshToken"])
    message = "\n".join(r.getMessage() for r in caplog.records)
    assert str(lock) in message


def test_an_expired_token_behind_another_users_lock_fails_with_the_chown_fix(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login(expiresAt=in_minutes(-1))
    lock = token_path(aws_home, "corp").with_suffix(".lock")
    lock.touch()
    os.chown(lock, STRANGER, STRANGER)
    with pytest.raises(UnsafeCacheError) as caught:
        resolve()
    assert str(lock) in str(caught.value) and "sudo chown" in str(caught.value)
    assert idc.grant_counts().get("refresh_token", 0) == 0


# -- never lose a login: an unwritable cache -------------------------------------------------


def make_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cache directory on a read-only file system (see the module docstring)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files_module, "write_atomically", refuse)
    monkeypatch.setattr(files_module, "probe_write", refuse)
    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)


@pytest.fixture
def read_only_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    make_read_only(monkeypatch)


def test_an_unwritable_cache_never_spends_the_refresh_token_while_the_token_works(
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    read_only_cache: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = login(expiresAt=in_minutes(10))
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        for _ in range(3):  # three processes' worth of sessions
            assert resolve().access_key
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert idc.refresh_token_is_valid(token["refreshToken"]), "other processes can still refresh"
    assert any("Not refreshing" in r.getMessage() for r in caplog.records)


def test_an_expired_token_with_an_unwritable_cache_refreshes_if_opted_in_and_says_others_need_a_login(
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    read_only_cache: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOTOCORE_SSO_REFRESH_UNWRITABLE_CACHE", "1")  # off by default (test_read_only_cache)
    login(expiresAt=in_minutes(-1))
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        assert resolve().access_key
    assert idc.grant_counts()["refresh_token"] == 1
    warning = next(r.getMessage() for r in caplog.records if "this process only" in r.getMessage())
    assert "Other processes will need a new login: botocore-sso login --sso-session corp" in warning


def test_after_a_memory_fallback_a_new_login_on_disk_is_seen(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(expiresAt=in_minutes(-1))
    with monkeypatch.context() as patch:
        make_read_only(patch)
        patch.setenv("BOTOCORE_SSO_REFRESH_UNWRITABLE_CACHE", "1")
        resolve()  # refreshed into memory only
    fresh = login()  # the directory is fixed and another process logged in anew
    assert cache_module.JSONFileCache(settings.token_cache_dir).read(
        token_path(aws_home, "corp").stem
    ) == json.loads(token_path(aws_home, "corp").read_text())
    assert fresh["accessToken"] in token_path(aws_home, "corp").read_text()


# -- never hang, never a bare traceback --------------------------------------------------------


def _fifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    os.mkfifo(path)


def _zero(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    path.symlink_to("/dev/zero")


def _directory(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    path.mkdir()


def _bytes(content: bytes) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    return write


HOSTILE = {
    "fifo": _fifo,
    "dev-zero": _zero,
    "directory": _directory,
    "non-utf8": _bytes(b'{"accessToken": "\xff\xfe"}'),
    "nested-100000-deep": _bytes(b"[" * 100_000 + b"]" * 100_000),
    "huge": _bytes(b'{"x": "' + b"a" * (2 << 20) + b'"}'),
}


@pytest.mark.parametrize("make", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_token_file_ends_in_our_error_naming_it(
    make: Callable[[Path], None], login: Callable[..., dict], aws_home: Path
) -> None:
    login()
    path = token_path(aws_home, "corp")
    make(path)
    with pytest.raises(CorruptCacheError) as caught:
        resolve_within()
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("make", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_role_file_is_fetched_anew_and_replaced_where_possible(
    make: Callable[[Path], None], login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()
    path = role_file(aws_home)
    make(path)
    assert resolve_within().access_key
    assert idc.request_counts()["GetRoleCredentials"] == 1
    if not path.is_dir():
        assert json.loads(path.read_text())["ProviderType"] == "sso"


@pytest.mark.parametrize(
    "credentials",
    [
        {"AccessKeyId": 1, "SecretAccessKey": "s", "SessionToken": "t"},
        {"AccessKeyId": "a", "SecretAccessKey": ["s"], "SessionToken": "t"},
        {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": {"t": 1}},
        {"AccessKeyId": "a", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": 12345},
    ],
    ids=["number-key", "list-secret", "object-token", "number-expiration"],
)
def test_a_role_file_with_fields_of_the_wrong_type_is_fetched_anew(
    credentials: dict, login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()
    path = role_file(aws_home)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps({"ProviderType": "sso", "Credentials": {"Expiration": in_minutes(60), **credentials}})
    )
    frozen = resolve()
    assert isinstance(frozen.secret_key, str) and isinstance(frozen.token, str)
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_a_file_where_the_token_directory_should_be_is_named(
    login: Callable[..., dict], aws_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login()
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("BOTOCORE_SSO_TOKEN_CACHE_DIR", str(blocker))
    with pytest.raises(UnsafeCacheError) as caught:
        resolve()
    assert str(blocker) in str(caught.value) and "mv" in str(caught.value)


def test_a_file_where_the_role_directory_should_be_still_resolves(
    login: Callable[..., dict],
    idc: FakeIdentityCenter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    login()
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("BOTOCORE_SSO_ROLE_CACHE_DIR", str(blocker))
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        assert resolve().access_key
    assert blocker.read_text() == "x"
    assert str(blocker) in "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("value", [123, "not a date", ["2027-01-01"], {"a": 1}, "99999-01-01T00:00:00Z"])
def test_a_garbled_registration_expiry_does_not_break_a_valid_token(
    value: object, login: Callable[..., dict], idc: FakeIdentityCenter
) -> None:
    login(expiresAt=in_minutes(10), registrationExpiresAt=value)
    assert resolve().access_key
    assert idc.grant_counts()["refresh_token"] == 1, "the service, not the garbled field, decides"


def test_an_absurd_lock_timeout_is_capped_not_an_overflow(
    login: Callable[..., dict], idc: FakeIdentityCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(expiresAt=in_minutes(10))
    monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", "1e10")
    assert resolve().access_key
    assert idc.grant_counts()["refresh_token"] == 1


def test_every_hostile_case_raises_only_documented_errors(login: Callable[..., dict], aws_home: Path) -> None:
    """The errors above are ours: callers catch them as botocore errors, never a bare traceback."""
    login()
    _fifo(token_path(aws_home, "corp"))
    with pytest.raises(SSOProviderError):
        resolve_within()


def test_login_behind_another_users_login_lock_is_one_sentence_naming_the_fix(
    write_config: Callable[[str], Path], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    """The login's own lock meets the same check; the command prints it instead of a traceback."""
    write_config(SSO_CONFIG)
    lock = token_path(aws_home, "corp").with_suffix(".login.lock")
    lock.parent.mkdir(parents=True)
    lock.touch()
    os.chown(lock, STRANGER, STRANGER)
    done = run_python("-m", "botocore_sso_provider", "login", "--sso-session", "corp", "--no-browser")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert str(lock) in done.stderr and "sudo chown" in done.stderr, done.stderr
    assert idc.request_counts().get("CreateToken", 0) == 0


def test_the_credential_process_fast_path_hands_a_hostile_role_file_to_the_full_path(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    """JSON nested 100,000 deep raises RecursionError, not ValueError, in json.loads."""
    from botocore_sso_provider.cli import fast as quick_credentials

    login()
    _bytes(b"[" * 100_000 + b"]" * 100_000)(role_file(aws_home))
    assert quick_credentials.cached_credentials("dev") is None
