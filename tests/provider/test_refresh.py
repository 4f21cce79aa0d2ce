"""Refresh windows, fallbacks and their limits, on a clock the test moves."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider import CacheLockedError, ServiceUnavailableError
from botocore_sso_provider.errors import RegistrationExpiredError
from botocore_sso_provider.settings import token_cache_dir
from botocore_sso_provider.store.cache import JSONFileCache
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, FakeClock, clocked_session, in_minutes, run_python, token_path

pytestmark = pytest.mark.functional

REFRESH = "refresh_token"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _config(write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)


def warnings_from(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("botocore_sso_provider")
    ]


@pytest.mark.parametrize(
    ("minutes_left", "refreshes"),
    [(20, 0), (14, 1), (9, 1), (1, 1)],
    ids=["outside-window", "advisory-window", "mandatory-window", "about-to-expire"],
)
def test_the_token_is_refreshed_only_inside_the_window(
    minutes_left: int,
    refreshes: int,
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    clock: FakeClock,
) -> None:
    seed_login(expiresAt=in_minutes(minutes_left))
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.grant_counts().get(REFRESH, 0) == refreshes
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_moving_the_clock_into_the_window_triggers_one_refresh(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], clock: FakeClock
) -> None:
    seed_login(expiresAt=in_minutes(60))
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.grant_counts().get(REFRESH, 0) == 0
    clock.advance(minutes=47)  # 13 minutes left of the token and of the role credentials
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.grant_counts().get(REFRESH, 0) == 1
    assert idc.request_counts()["GetRoleCredentials"] == 2


def test_role_credentials_are_refreshed_before_they_expire(
    seed_login: Callable[..., dict], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeIdentityCenter(role_credentials_ttl=30 * 60) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)
        token = idc.issue_token(session_name="corp")
        token.pop("expiresIn")
        path = token_path(Path(os.environ["HOME"]), "corp")
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(token))
        credentials = clocked_session("dev", clock).get_credentials()
        first = credentials.get_frozen_credentials()
        clock.advance(minutes=10)
        assert credentials.get_frozen_credentials() == first, "20 minutes left: no refresh"
        clock.advance(minutes=6)
        second = credentials.get_frozen_credentials()
        assert second.access_key != first.access_key, "14 minutes left: refreshed"
        assert idc.request_counts()["GetRoleCredentials"] == 2


def test_a_transient_refresh_failure_falls_back_to_the_valid_token_with_one_warning(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    aws_home: Path,
) -> None:
    seeded = seed_login(expiresAt=in_minutes(12))
    idc.inject("CreateToken", "InternalServerException", times=3)
    caplog.set_level(logging.DEBUG)
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.request_counts()["CreateToken"] == 3, "one refresh attempt, with its retries"
    assert json.loads(token_path(aws_home, "corp").read_text()) == seeded, "the login is untouched"
    [warning] = warnings_from(caplog)
    assert "Could not refresh the SSO token" in warning
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("botocore_sso_provider"))
    assert seeded["accessToken"] not in ours and seeded["refreshToken"] not in ours

    (aws_home / ".aws" / "cli" / "cache").rename(aws_home / "role-cache-gone")
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.request_counts()["CreateToken"] == 3, "no second attempt within a minute"
    assert len(warnings_from(caplog)) == 1, "no duplicate warning"

    clock.advance(seconds=61)
    (aws_home / ".aws" / "cli" / "cache").rename(aws_home / "role-cache-gone-again")
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.grant_counts()[REFRESH] == 4, "tried again after a minute, and it worked"


def test_a_failed_refresh_of_an_expired_token_is_an_error_that_names_the_fix(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], clock: FakeClock
) -> None:
    seed_login(expiresAt=in_minutes(-1))
    idc.inject("CreateToken", "InternalServerException", times=3)
    with pytest.raises(ServiceUnavailableError) as caught:
        clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert "InternalServerException, HTTP 500" in str(caught.value)
    assert idc.request_counts().get("GetRoleCredentials", 0) == 0


def test_an_expired_client_registration_is_checked_before_trying(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], clock: FakeClock
) -> None:
    seed_login(expiresAt=in_minutes(-1), registrationExpiresAt=in_minutes(-60))
    with pytest.raises(RegistrationExpiredError, match="Run: botocore-sso login --sso-session corp"):
        clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.request_counts().get("CreateToken", 0) == 0


def test_a_short_lived_fresh_login_is_still_used(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    clock: FakeClock,
    write_config: Callable[[str], Path],
) -> None:
    """A re-login inside a portal session keeps the old expiry: no dead zone."""
    write_config(
        """
        [profile dev]
        sso_start_url = https://fake-idc.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        """
    )
    seed_login(session_name=None, expiresAt=in_minutes(3))
    assert clocked_session("dev", clock).get_credentials().get_frozen_credentials().access_key
    assert idc.request_counts().get("CreateToken", 0) == 0


RESOLVE = """
import logging, sys, time
import boto3, botocore_sso_provider
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
session = boto3.Session(profile_name="dev")
if sys.argv[1] == "ours":
    botocore_sso_provider.register(session)
started = time.monotonic()
try:
    key = session.get_credentials().get_frozen_credentials().access_key
    print("OK", key[:4], round(time.monotonic() - started, 1))
except Exception as err:
    print("FAILED", type(err).__name__, round(time.monotonic() - started, 1))
"""


@pytest.mark.slow
def test_a_fresh_process_survives_an_unreachable_oidc_endpoint_where_native_fails(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], aws_home: Path
) -> None:
    seed_login(expiresAt=in_minutes(12))
    env = {**os.environ, "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:9"}  # nothing listens there
    results = {}
    for which in ("ours", "native"):
        done = run_python("-c", RESOLVE, which, native=which == "native", env=env)
        results[which] = (done.stdout.split(), done.stderr)
    ours_out, ours_err = results["ours"]
    assert ours_out[:2] == ["OK", "ASIA"]
    assert ours_err.count("WARNING") == 1 and "Could not refresh the SSO token" in ours_err
    assert "Traceback" not in ours_err
    native_out, _ = results["native"]
    assert native_out[0] == "FAILED", "botocore's own provider gives up here"


@pytest.mark.parametrize(
    ("minutes_left", "outcome"), [(5, "falls back"), (-1, "raises")], ids=["token-valid", "token-expired"]
)
def test_a_lock_held_too_long_never_hangs(
    minutes_left: int,
    outcome: str,
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    seed_login(expiresAt=in_minutes(minutes_left))
    monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", "0.2")
    cache = JSONFileCache(token_cache_dir)
    key = hashlib.sha1(b"corp").hexdigest()
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with cache.lock(key):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        if outcome == "falls back":
            clocked_session("dev", clock).get_credentials().get_frozen_credentials()
            assert any("Using the cached token" in m for m in warnings_from(caplog))
        else:
            with pytest.raises(CacheLockedError) as caught:
                clocked_session("dev", clock).get_credentials().get_frozen_credentials()
            assert f"{key}.lock" in str(caught.value)
            assert "BOTOCORE_SSO_LOCK_TIMEOUT" in str(caught.value)
        assert idc.request_counts().get("CreateToken", 0) == 0
    finally:
        release.set()
        holder.join(10)
