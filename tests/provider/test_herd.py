"""Herds: many processes (or threads) needing credentials at the same moment.

The token is inside the mandatory refresh window (5 minutes left) and the
fake server rotates refresh tokens, so every extra CreateToken would
invalidate the refresh token another process is holding.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List

import boto3
import pytest

from botocore_sso_provider import register
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import ROLES, seed_token, stored_token
from tests.herds import Workers

HERD_SIZE = 16
THREADS = 32


def herd_argvs(size: int, *extra: str) -> List[List[str]]:
    profiles = itertools.islice(itertools.cycle(ROLES), size)
    return [["resolve", "--profile", profile, *extra] for profile in profiles]


def assert_one_refresh_and_one_call_per_role(
    idc: FakeIdentityCenter, home: Path, seeded: Dict[str, Any], results: List[Dict[str, Any]]
) -> None:
    failures = [r for r in results if not r["ok"]]
    assert failures == []
    assert idc.grant_counts()["refresh_token"] == 1
    assert idc.request_counts()["CreateToken"] == 1
    assert idc.request_counts()["GetRoleCredentials"] == len(ROLES), "one call per account/role"
    keys_by_profile: Dict[str, set] = {}
    for result in results:
        keys_by_profile.setdefault(result["profile"], set()).add(result["access_key"])
    assert all(len(keys) == 1 for keys in keys_by_profile.values()), "a role's processes share one key"
    stored = stored_token(home)
    assert stored["refreshToken"] != seeded["refreshToken"]
    assert idc.refresh_token_is_valid(stored["refreshToken"]), "the file holds a refresh token that works"
    assert idc.access_token_is_valid(stored["accessToken"])


@pytest.mark.parametrize("reuse_detection", [False, True], ids=["rotation", "rotation-and-reuse-detection"])
def test_16_processes_started_together_make_one_refresh_and_one_call_per_role(
    reuse_detection: bool,
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
    workers: Workers,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=reuse_detection)
    seeded = seed_token(idc, aws_home, minutes=5)
    reports = workers.herd(herd_argvs(HERD_SIZE))
    for report in reports:
        assert report["returncode"] == 0, report["stderr"]
        assert "Traceback" not in report["stderr"]
    results = [result for report in reports for result in report["results"]]
    assert len(results) == HERD_SIZE
    assert_one_refresh_and_one_call_per_role(idc, aws_home, seeded, results)


@pytest.mark.parametrize("shared_session", [False, True], ids=["session-per-thread", "one-shared-session"])
def test_32_threads_of_one_process_make_one_refresh_and_one_call_per_role(
    shared_session: bool,
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    profiles = (
        ["dev"] * THREADS if shared_session else list(itertools.islice(itertools.cycle(ROLES), THREADS))
    )
    shared = boto3.Session(profile_name="dev")
    register(shared)
    sessions = []
    for profile in profiles:
        session = shared if shared_session else boto3.Session(profile_name=profile)
        register(session)
        sessions.append(session)
    start = threading.Barrier(THREADS, timeout=30)
    results: List[Dict[str, Any]] = [{} for _ in profiles]

    def resolve(index: int) -> None:
        start.wait()
        try:
            frozen = sessions[index].get_credentials().get_frozen_credentials()
            results[index] = {"ok": True, "profile": profiles[index], "access_key": frozen.access_key}
        except Exception as err:
            results[index] = {"ok": False, "profile": profiles[index], "error": repr(err)}

    threads = [threading.Thread(target=resolve, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    if shared_session:
        assert all(r["ok"] for r in results), results
        assert idc.request_counts()["CreateToken"] == 1
        assert idc.request_counts()["GetRoleCredentials"] == 1
        assert idc.refresh_token_is_valid(stored_token(aws_home)["refreshToken"])
    else:
        assert_one_refresh_and_one_call_per_role(idc, aws_home, seeded, results)
