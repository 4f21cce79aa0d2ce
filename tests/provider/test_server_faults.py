"""Server faults from the fake: the right error after bounded retries, never a hang, the login intact.

The fake injects 500s and throttling at random (seeded, so a failure
replays), latency past the read timeout, connections cut mid-answer; a port
that nothing listens on stands for refused connections.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

from botocore_sso_provider.errors import ServiceUnavailableError, SSOProviderError, UnexpectedAnswerError
from botocore_sso_provider.provider import clients
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import FakeClock, clocked_session, in_minutes, token_path

pytestmark = pytest.mark.functional


def resolve(timeout: float = 90) -> Any:
    """Resolve in a thread, so that a hang fails the test instead of stalling it."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = clocked_session("dev", FakeClock()).get_credentials().get_frozen_credentials()
        except BaseException as err:
            outcome["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "resolution hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def role_files(home: Path) -> list[Path]:
    return list((home / ".aws" / "cli" / "cache").glob("*.json"))


def test_500s_on_a_fifth_of_requests_are_retried_and_the_login_survives(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login(expiresAt=in_minutes(10))
    idc.set_faults(error_rate=0.2)
    outcomes = []
    for _ in range(15):
        for path in role_files(aws_home):
            path.unlink()  # every round fetches role credentials again
        try:
            resolve()
            outcomes.append("ok")
        except SSOProviderError as err:
            outcomes.append(type(err).__name__)
    assert outcomes.count("ok") >= 13, outcomes  # 3 attempts: one call in 125 fails three times
    assert set(outcomes) <= {"ok", "ServiceUnavailableError"}
    idc.clear_faults()
    stored = json.loads(token_path(aws_home, "corp").read_text())
    assert idc.refresh_token_is_valid(stored["refreshToken"]), "the login on disk still refreshes"


def test_constant_throttling_ends_in_our_error_after_three_attempts(
    login: Callable[..., dict], idc: FakeIdentityCenter
) -> None:
    login()
    idc.set_faults(throttle_rate=1.0)
    with pytest.raises(ServiceUnavailableError, match="TooManyRequestsException"):
        resolve()
    assert idc.request_counts()["GetRoleCredentials"] == 3


def test_throttled_refresh_keeps_the_valid_token_and_the_login(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    token = login(expiresAt=in_minutes(10))
    idc.inject("CreateToken", "SlowDownException", times=3)
    assert resolve().access_key
    assert 1 <= idc.request_counts()["CreateToken"] <= 3, "bounded retries"
    assert json.loads(token_path(aws_home, "corp").read_text())["refreshToken"] == token["refreshToken"]


def test_latency_past_the_read_timeout_ends_in_our_error_without_a_hang(
    login: Callable[..., dict], idc: FakeIdentityCenter, monkeypatch: pytest.MonkeyPatch
) -> None:
    login()
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # the user's retry setting wins: one read timeout
    monkeypatch.setattr(clients, "READ_TIMEOUT", 1)  # 5 s in use; 1 s here, the path is the same
    idc.set_faults(latency=3)
    with pytest.raises(ServiceUnavailableError, match="Timeout"):
        resolve()
    assert idc.request_counts()["GetRoleCredentials"] == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connections_keep_the_valid_token_and_end_in_our_error_for_roles(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(expiresAt=in_minutes(10))
    before = token_path(aws_home, "corp").read_text()
    dead = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", dead)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", dead)
    with pytest.raises(ServiceUnavailableError):
        resolve()
    assert token_path(aws_home, "corp").read_text() == before


def test_a_connection_cut_mid_answer_is_our_error_caches_nothing_and_the_next_call_works(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    """botocore hands the truncated body to its parser; our check refuses what it makes of it."""
    login()
    idc.inject_answer("GetRoleCredentials", body=b'{"roleCredentials": {"accessKeyId": "ASIA', cut_after=10)
    with pytest.raises(SSOProviderError) as caught:
        resolve()
    assert isinstance(caught.value, (UnexpectedAnswerError, ServiceUnavailableError))
    assert role_files(aws_home) == []
    assert resolve().access_key, "nothing of the cut answer stays behind"
