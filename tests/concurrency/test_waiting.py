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
from tests.concurrency.conftest import Workers, role_cache_path, seed_token
from tests.conftest import in_minutes, token_path

LOCK_TIMEOUT = "120"
"""Longer than any wait below: a worker that waited for the lock would still be waiting."""


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
    role_file = role_cache_path(aws_home, "dev")
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
    from botocore_sso_provider.locking import FileLock

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
