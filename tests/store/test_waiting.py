"""Waiting on another process's refresh: for its data, not for its lock.

The test process plays the holder: it takes a cache lock with ``filelock``
(what earlier versions of this package and other tools take, so this also
shows that our lock and theirs exclude each other) and keeps it for the whole
test. A worker that needed the lock to proceed would time out; one that
finishes did so without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import filelock
import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import in_minutes, role_cache_file, seed_token, stored_token, token_path
from tests.herds import Workers

LOCK_TIMEOUT = "120"
"""Longer than any wait below: a worker that waited for the lock would still be waiting."""

HOLDERS_CREDENTIALS = {
    "AccessKeyId": "ASIAWRITTENBYHOLDER",
    "SecretAccessKey": "secret",
    "SessionToken": "token",
    "Expiration": in_minutes(60),
}


@pytest.fixture(autouse=True)
def long_lock_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", LOCK_TIMEOUT)


def held(path: Path) -> filelock.BaseFileLock:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = filelock.FileLock(str(path))
    lock.acquire(timeout=0)
    return lock


def test_a_waiter_takes_the_holders_role_credentials_while_the_lock_is_still_held(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc()
    seed_token(idc, aws_home, minutes=60)
    role_file = role_cache_file(aws_home, "dev")
    lock = held(role_file.with_suffix(".lock"))
    try:
        waiter = workers.start("resolve", "--profile", "dev", "--debug-log")
        waiter.wait_for("held by another process", stderr=True)
        credentials = {
            "AccessKeyId": "ASIAWRITTENBYHOLDER",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": in_minutes(60),
        }
        role_file.write_text(json.dumps({"ProviderType": "sso", "Credentials": credentials}))
        report = waiter.finish(timeout=60)
    finally:
        lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert result["access_key"] == "ASIAWRITTENBYHOLDER"
    assert idc.request_counts().get("GetRoleCredentials", 0) == 0


def test_a_token_outside_the_mandatory_window_is_used_while_another_process_refreshes_it(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc()
    seed_token(idc, aws_home, minutes=12)  # inside the 15-minute advisory window, outside the 10-minute one
    lock = held(token_path(aws_home, "corp").with_suffix(".lock"))
    try:
        report = workers.start("resolve", "--profile", "dev").finish(timeout=60)
    finally:
        lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert idc.grant_counts().get("refresh_token", 0) == 0, "the refresh was the other process's to make"
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_a_token_inside_the_mandatory_window_waits_for_the_other_process_to_refresh_it(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc()
    seeded = seed_token(idc, aws_home, minutes=5)
    lock = held(token_path(aws_home, "corp").with_suffix(".lock"))
    try:
        waiter = workers.start("resolve", "--profile", "dev", "--debug-log")
        waiter.wait_for("held by another process", stderr=True)
        assert idc.request_counts().get("GetRoleCredentials", 0) == 0, "it waits before using the old token"
        seed_token(idc, aws_home, minutes=60)  # the holder's refresh lands
        report = waiter.finish(timeout=60)
    finally:
        lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert json.loads(token_path(aws_home, "corp").read_text())["accessToken"] != seeded["accessToken"]


def test_our_lock_keeps_out_a_process_that_locks_with_filelock(tmp_path: Path) -> None:
    from botocore_sso_provider.store.lock import FileLock

    path = tmp_path / "k.lock"
    ours = FileLock(str(path))
    assert ours.try_acquire()
    try:
        with pytest.raises(filelock.Timeout):
            filelock.FileLock(str(path)).acquire(timeout=0)
    finally:
        ours.release()
    theirs = held(path)
    try:
        assert not FileLock(str(path)).try_acquire()
    finally:
        theirs.release()
    again = FileLock(str(path))
    assert again.try_acquire(), "free again once they release it"
    again.release()


def test_a_process_finding_the_role_lock_taken_refreshes_a_due_token_for_its_holder(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    """The holder builds its portal client meanwhile, and finds the token refreshed."""
    idc = make_idc()
    seeded = seed_token(idc, aws_home, minutes=5)
    role_file = role_cache_file(aws_home, "dev")
    lock = held(role_file.with_suffix(".lock"))
    try:
        waiter = workers.start("resolve", "--profile", "dev", "--debug-log")
        waiter.wait_for("Refreshed the SSO token", stderr=True)
        lines = waiter.wait_for("held by another process", stderr=True)
        assert str(role_file.with_suffix(".lock")) in lines[-1], "then it waits for the role file"
        assert idc.request_counts().get("GetRoleCredentials", 0) == 0, "the role credentials are the holder's"
        role_file.write_text(json.dumps({"ProviderType": "sso", "Credentials": HOLDERS_CREDENTIALS}))
        report = waiter.finish(timeout=60)
    finally:
        lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert result["access_key"] == HOLDERS_CREDENTIALS["AccessKeyId"]
    assert idc.grant_counts()["refresh_token"] == 1
    assert stored_token(aws_home)["accessToken"] != seeded["accessToken"]


def test_a_process_finding_both_locks_taken_waits_for_the_role_file_alone(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc()
    seeded = seed_token(idc, aws_home, minutes=5)
    role_file = role_cache_file(aws_home, "dev")
    role_lock = held(role_file.with_suffix(".lock"))
    token_lock = held(token_path(aws_home, "corp").with_suffix(".lock"))
    try:
        waiter = workers.start("resolve", "--profile", "dev", "--debug-log")
        lines = waiter.wait_for("held by another process", stderr=True)
        assert str(role_file.with_suffix(".lock")) in lines[-1], "not the token's: the holders see to it"
        role_file.write_text(json.dumps({"ProviderType": "sso", "Credentials": HOLDERS_CREDENTIALS}))
        report = waiter.finish(timeout=60)  # while the token lock is still held
    finally:
        token_lock.release()
        role_lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert result["access_key"] == HOLDERS_CREDENTIALS["AccessKeyId"]
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert stored_token(aws_home)["accessToken"] == seeded["accessToken"]
    assert idc.request_counts().get("GetRoleCredentials", 0) == 0


def test_the_process_fetching_role_credentials_holds_their_lock_while_it_waits_for_the_token(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    """The first process at the role lock keeps it: the others wait for its file, not for the token."""
    from botocore_sso_provider.store.lock import is_held

    idc = make_idc()
    seed_token(idc, aws_home, minutes=5)
    role_file = role_cache_file(aws_home, "dev")
    token_lock = held(token_path(aws_home, "corp").with_suffix(".lock"))
    try:
        fetcher = workers.start("resolve", "--profile", "dev", "--debug-log")
        lines = fetcher.wait_for("held by another process", stderr=True)
        assert str(token_path(aws_home, "corp").with_suffix(".lock")) in lines[-1]
        assert is_held(str(role_file.with_suffix(".lock"))), "it holds the role lock meanwhile"
        seed_token(idc, aws_home, minutes=60)  # the token holder's refresh lands
        report = fetcher.finish(timeout=60)
    finally:
        token_lock.release()
    [result] = report["results"]
    assert result["ok"], report
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert json.loads(role_file.read_text())["Credentials"]["AccessKeyId"] == result["access_key"]
    assert not is_held(str(role_file.with_suffix(".lock")))


def test_a_process_not_fetching_leaves_a_token_refresh_in_progress_to_its_holder(
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It never waits for the token: the process fetching the role credentials does."""
    import botocore.session

    from botocore_sso_provider.provider.config import resolve_profile
    from botocore_sso_provider.provider.token import TokenProvider

    idc = make_idc()
    seeded = seed_token(idc, aws_home, minutes=5)
    session = botocore.session.get_session()
    config = resolve_profile(session.full_config, "dev")
    assert config is not None
    lock = held(token_path(aws_home, "corp").with_suffix(".lock"))
    try:
        with caplog.at_level("DEBUG", logger="botocore_sso_provider"):
            TokenProvider(config.session, session).refresh_unless_busy()  # returns while the lock is held
    finally:
        lock.release()
    assert not [r for r in caplog.records if "Waiting up to" in r.getMessage()]
    assert idc.grant_counts().get("refresh_token", 0) == 0
    assert stored_token(aws_home)["accessToken"] == seeded["accessToken"]
    TokenProvider(config.session, session).refresh_unless_busy()  # the lock free: it refreshes
    assert idc.grant_counts()["refresh_token"] == 1
    assert stored_token(aws_home)["accessToken"] != seeded["accessToken"]
