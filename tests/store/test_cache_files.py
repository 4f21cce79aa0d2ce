"""The token and role files under pressure: rotation by another tool, failures, locks, odd homes."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import boto3
import filelock
import pytest

from botocore_sso_provider import SSOProviderError
from botocore_sso_provider.store import cache as cache_module
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import in_minutes, resolve_here, seed_token, token_path
from tests.herds import Workers, wait_until


def test_after_invalid_grant_the_token_another_tool_rotated_meanwhile_is_used(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path
) -> None:
    idc = make_idc(rotate_refresh_tokens=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    # Another tool (the CLI) refreshes with the same refresh token: the one in our file is now dead.
    oidc = boto3.client("sso-oidc", region_name="us-east-1", endpoint_url=idc.url)
    theirs = oidc.create_token(
        grantType="refresh_token",
        clientId=seeded["clientId"],
        clientSecret=seeded["clientSecret"],
        refreshToken=seeded["refreshToken"],
    )
    their_file = json.dumps(
        dict(
            seeded,
            accessToken=theirs["accessToken"],
            refreshToken=theirs["refreshToken"],
            expiresAt=in_minutes(60),
        )
    )
    idc.set_faults(latency=0.5)  # keeps our CreateToken in flight while the other tool writes its file
    outcome: Dict[str, Any] = {}

    def resolve() -> None:
        try:
            outcome["access_key"] = resolve_here()
        except Exception as err:
            outcome["error"] = err

    thread = threading.Thread(target=resolve)
    thread.start()
    wait_until(lambda: idc.grant_counts()["refresh_token"] == 2)  # ours has reached the server
    token_path(aws_home, "corp").write_text(their_file)  # in place, as the CLI writes
    idc.set_faults(latency=0)
    thread.join(timeout=30)

    assert "error" not in outcome, outcome
    assert outcome["access_key"].startswith("ASIA")
    assert idc.grant_counts()["refresh_token"] == 2, "one refused attempt of ours, no more"
    assert token_path(aws_home, "corp").read_text() == their_file, "their login is kept as written"
    assert idc.refresh_token_is_valid(theirs["refreshToken"])


@pytest.mark.parametrize(
    ("minutes_left", "error", "times"),
    [
        pytest.param(5, "invalid_grant", 1, id="invalid-grant-token-still-valid"),
        pytest.param(-1, "invalid_grant", 1, id="invalid-grant-token-expired"),
        pytest.param(5, "InternalServerException", 3, id="server-errors"),
        pytest.param(-1, "access_denied", 1, id="access-denied-token-expired"),
    ],
)
def test_a_failed_refresh_never_overwrites_the_login(
    minutes_left: float,
    error: str,
    times: int,
    idc: FakeIdentityCenter,
    herd_config: Path,
    aws_home: Path,
) -> None:
    seed_token(idc, aws_home, minutes=minutes_left)
    before = token_path(aws_home, "corp").read_bytes()
    idc.inject("CreateToken", error, times=times)
    # Whether it may go on with the old token is the refresh policy's business; the file is ours.
    with contextlib.suppress(SSOProviderError):
        resolve_here()
    assert idc.grant_counts()["refresh_token"] >= 1
    assert token_path(aws_home, "corp").read_bytes() == before


def test_a_lock_held_too_long_ends_in_an_error_that_names_the_lock_not_a_hang(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_token(idc, aws_home, minutes=-1)  # expired: no cached token to fall back to
    monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", "0.3")
    lock_path = token_path(aws_home, "corp").with_suffix(".lock")
    # Another process's lock: filelock on its own descriptor excludes us like another process.
    with filelock.FileLock(str(lock_path)):
        started = time.monotonic()
        with pytest.raises(SSOProviderError) as caught:
            resolve_here()
        waited = time.monotonic() - started
    assert 0.3 <= waited < 30  # the variable's 0.3 s, not the default 60 s (a loaded machine may be slow)
    assert str(lock_path) in str(caught.value)
    assert "0.3 s" in str(caught.value)
    assert idc.request_counts()["CreateToken"] == 0


@contextlib.contextmanager
def read_only(directory: Path) -> Iterator[None]:
    """``directory`` behaves as a read-only file system (we run as root, so chmod would not do).

    Every call that would create, change or remove a file below it fails with
    EROFS, as on a read-only mount; reading works.
    """
    root = str(directory) + os.sep

    def below(path: Any) -> bool:
        return isinstance(path, (str, os.PathLike)) and os.path.abspath(os.fspath(path)).startswith(root)

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))

    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC

    def guard_open(real: Callable[..., int]) -> Callable[..., int]:
        def guarded(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if below(path) and flags & writing:
                refuse(path)
            return real(path, flags, *args, **kwargs)

        return guarded

    def guard(real: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(path: Any, *args: Any, **kwargs: Any) -> Any:
            if below(path) or (args and below(args[0])):
                refuse(path)
            return real(path, *args, **kwargs)

        return guarded

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "open", guard_open(os.open))
        for name in ("mkdir", "replace", "rename", "unlink", "chmod"):
            patch.setattr(os, name, guard(getattr(os, name)))
        yield


def test_a_read_only_cache_directory_degrades_to_memory_with_one_warning(
    idc: FakeIdentityCenter,
    herd_config: Path,
    aws_home: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache_module, "_warned", set())  # "once per process": start this test afresh
    seeded = seed_token(idc, aws_home, minutes=5)  # due for a refresh, still valid
    (aws_home / ".aws" / "cli" / "cache").mkdir(parents=True)
    before = token_path(aws_home, "corp").read_bytes()
    caplog.set_level(logging.WARNING, logger="botocore_sso_provider")
    with read_only(aws_home / ".aws"):
        keys = [resolve_here("dev"), resolve_here("dev"), resolve_here("prod"), resolve_here("prod")]
    assert keys[0] == keys[1] and keys[2] == keys[3], "the second lookups came from memory"
    # A refresh whose new refresh token could not be saved would strand every other process
    # (rotation): while the cached token works, it does not happen.
    assert idc.request_counts()["CreateToken"] == 0
    assert idc.refresh_token_is_valid(seeded["refreshToken"])
    assert idc.request_counts()["GetRoleCredentials"] == 2
    warnings: List[str] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    unwritable = next(w for w in warnings if w.startswith("Cannot write"))
    assert "Read-only file system" in unwritable and "BOTOCORE_SSO_TOKEN_CACHE_DIR" in unwritable
    assert any(w.startswith("Not refreshing the SSO token") for w in warnings)
    assert token_path(aws_home, "corp").read_bytes() == before
    assert not list((aws_home / ".aws" / "cli" / "cache").iterdir())


def test_cache_directories_set_in_the_environment_are_shared_by_processes(
    idc: FakeIdentityCenter,
    herd_config: Path,
    aws_home: Path,
    tmp_path: Path,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens, roles = tmp_path / "shared" / "tokens", tmp_path / "shared" / "roles"
    monkeypatch.setenv("BOTOCORE_SSO_TOKEN_CACHE_DIR", str(tokens))
    monkeypatch.setenv("BOTOCORE_SSO_ROLE_CACHE_DIR", str(roles))
    seeded = seed_token(idc, aws_home, minutes=5)
    tokens.mkdir(parents=True)
    token_path(aws_home, "corp").rename(tokens / token_path(aws_home, "corp").name)

    first = workers.start("resolve", "--profile", "dev").finish()
    idc.reset_counts()
    second = workers.start("resolve", "--profile", "dev").finish()

    assert first["results"][0]["ok"] and second["results"][0]["ok"], (first, second)
    assert first["results"][0]["access_key"] == second["results"][0]["access_key"]
    assert sum(idc.request_counts().values()) == 0
    assert len(list(roles.glob("*.json"))) == 1
    refreshed = json.loads((tokens / token_path(aws_home, "corp").name).read_text())
    assert refreshed["refreshToken"] != seeded["refreshToken"]
    assert not list((aws_home / ".aws" / "sso" / "cache").iterdir()), "nothing written below HOME"
    assert not (aws_home / ".aws" / "cli").exists()
