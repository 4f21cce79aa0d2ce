"""Credentials through real boto3/botocore sessions talking HTTP to the fake Identity Center."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Callable

import boto3
import botocore.session
import pytest
from moto import mock_aws

from botocore_sso_provider import (
    CorruptCacheError,
    NotLoggedInError,
    RoleAccessDeniedError,
    ServiceUnavailableError,
    SessionEndedError,
    SSOCredentialProvider,
    TokenExpiredError,
    register,
)
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import LEGACY_CONFIG, SSO_CONFIG, in_minutes, token_path

pytestmark = pytest.mark.functional


@pytest.fixture
def dev_session(write_config: Callable[[str], Path]) -> boto3.Session:
    write_config(SSO_CONFIG)
    session = boto3.Session(profile_name="dev")
    register(session)
    return session


def role_cache_files(home: Path) -> list[Path]:
    return sorted((home / ".aws" / "cli" / "cache").glob("*.json"))


def test_a_boto3_session_gets_role_credentials_from_the_portal(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], dev_session: boto3.Session, aws_home: Path
) -> None:
    seed_login()
    credentials = dev_session.get_credentials()
    frozen = credentials.get_frozen_credentials()
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", frozen.access_key)
    assert frozen.secret_key and frozen.token
    assert credentials.method == "sso"
    assert idc.request_counts().get("GetRoleCredentials") == 1
    [cached] = role_cache_files(aws_home)
    data = json.loads(cached.read_text())
    assert data["ProviderType"] == "sso"
    assert data["Credentials"]["AccessKeyId"] == frozen.access_key
    assert data["Credentials"]["AccountId"] == "111111111111"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["Credentials"]["Expiration"])


def test_a_second_session_is_served_by_the_shared_role_cache(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], dev_session: boto3.Session
) -> None:
    seed_login()
    first = dev_session.get_credentials().get_frozen_credentials()
    idc.reset_counts()
    second_session = boto3.Session(profile_name="dev")
    register(second_session)
    second = second_session.get_credentials().get_frozen_credentials()
    assert second == first
    assert sum(idc.request_counts().values()) == 0


def test_the_credentials_sign_real_calls(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], dev_session: boto3.Session
) -> None:
    seed_login()
    with mock_aws(config={"core": {"mock_credentials": False, "passthrough": {"urls": [idc.url + ".*"]}}}):
        s3 = dev_session.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="sso-provider-test")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["sso-provider-test"]
        identity = dev_session.client("sts", region_name="us-east-1").get_caller_identity()
    assert identity["Account"]
    assert idc.request_counts().get("GetRoleCredentials") == 1


def test_a_token_inside_the_refresh_window_is_refreshed_once_and_rewritten(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], dev_session: boto3.Session, aws_home: Path
) -> None:
    seeded = seed_login(expiresAt=in_minutes(5), somethingNew="kept")
    dev_session.get_credentials().get_frozen_credentials()
    assert idc.grant_counts().get("refresh_token") == 1
    stored = json.loads(token_path(aws_home, "corp").read_text())
    assert stored["accessToken"] != seeded["accessToken"]
    assert stored["refreshToken"] != seeded["refreshToken"], "rotation: the new refresh token is stored"
    assert idc.refresh_token_is_valid(stored["refreshToken"])
    assert stored["somethingNew"] == "kept"
    assert stored["expiresAt"] > in_minutes(50)
    assert set(stored) >= {"startUrl", "region", "clientId", "clientSecret", "registrationExpiresAt"}


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(
    write_config: Callable[[str], Path], aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(SSO_CONFIG)
    with FakeIdentityCenter(issue_refresh_tokens=False) as quiet:
        for name, value in quiet.environ().items():
            monkeypatch.setenv(name, value)
        token = quiet.issue_token(session_name="corp")
        token.pop("expiresIn")
        token["expiresAt"] = in_minutes(5)
        path = token_path(aws_home, "corp")
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(token))
        session = boto3.Session(profile_name="dev")
        register(session)
        session.get_credentials().get_frozen_credentials()
        assert quiet.grant_counts().get("refresh_token") == 1
    stored = json.loads(path.read_text())
    assert stored["refreshToken"] == token["refreshToken"]
    assert stored["accessToken"] != token["accessToken"]


@pytest.mark.parametrize(
    ("setup", "error", "fragment"),
    [
        pytest.param("no-login", NotLoggedInError, "There is no SSO login", id="never-logged-in"),
        pytest.param("ended", SessionEndedError, "has ended", id="session-ended-invalid-grant"),
        pytest.param("revoked", SessionEndedError, "has ended", id="portal-rejects-token"),
        pytest.param("corrupt", CorruptCacheError, "is unreadable", id="corrupt-token-file"),
    ],
)
def test_failures_name_the_profile_and_the_login_command(
    setup: str,
    error: type[Exception],
    fragment: str,
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    dev_session: boto3.Session,
    aws_home: Path,
) -> None:
    if setup == "ended":
        seed_login(expiresAt=in_minutes(-1))
        idc.end_sessions()
    elif setup == "revoked":
        seed_login()
        idc.end_sessions()
    elif setup == "corrupt":
        path = token_path(aws_home, "corp")
        path.parent.mkdir(parents=True)
        path.write_text('{"accessToken": "abc", "expiresAt"')
    with pytest.raises(error) as caught:
        dev_session.get_credentials().get_frozen_credentials()
    message = str(caught.value)
    assert fragment in message
    assert 'profile "dev"' in message
    assert message.endswith("Run: botocore-sso login --sso-session corp")
    if setup == "corrupt":
        assert str(token_path(aws_home, "corp")) in message


def test_an_expired_legacy_token_cannot_be_refreshed(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(LEGACY_CONFIG)
    seed_login(session_name=None, expiresAt=in_minutes(-1))
    session = boto3.Session(profile_name="legacy")
    register(session)
    with pytest.raises(TokenExpiredError, match="Run: botocore-sso login --profile legacy"):
        session.get_credentials().get_frozen_credentials()
    assert idc.request_counts().get("CreateToken", 0) == 0
    assert idc.request_counts().get("GetRoleCredentials", 0) == 0


def test_a_legacy_token_that_is_valid_is_used(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(LEGACY_CONFIG)
    seed_login(session_name=None)
    session = boto3.Session(profile_name="legacy")
    register(session)
    assert session.get_credentials().get_frozen_credentials().access_key.startswith("ASIA")


def test_a_role_the_user_may_not_use_is_reported(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG.replace("ReadOnly", "NoSuchRole"))
    seed_login()
    session = boto3.Session(profile_name="dev")
    register(session)
    with pytest.raises(RoleAccessDeniedError, match='may not use role "NoSuchRole" in account 111111111111'):
        session.get_credentials().get_frozen_credentials()


def test_a_failing_service_ends_in_one_clear_error(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], dev_session: boto3.Session
) -> None:
    seed_login()
    idc.inject("GetRoleCredentials", "InternalServerException", times=10)
    with pytest.raises(ServiceUnavailableError, match="did not answer") as caught:
        dev_session.get_credentials().get_frozen_credentials()
    assert "HTTP 500" in str(caught.value)
    assert idc.request_counts()["GetRoleCredentials"] == 3, "bounded retries: 3 attempts in all"


def test_a_profile_that_is_not_sso_falls_through_to_the_rest_of_the_chain(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(
        SSO_CONFIG + "\n[profile static]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n"
    )
    session = boto3.Session(profile_name="static")
    register(session)
    credentials = session.get_credentials()
    assert credentials.access_key == "AKIDSTATIC"
    assert credentials.method == "config-file"


def test_environment_credentials_still_win(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    write_config: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(SSO_CONFIG.replace("[profile dev]", "[default]"))
    seed_login()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    session = boto3.Session()
    register(session)
    assert session.get_credentials().access_key == "AKIDFROMENV"
    assert idc.request_counts().get("GetRoleCredentials", 0) == 0


def test_explicit_keys_still_win(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    session = boto3.Session(profile_name="dev", aws_access_key_id="AKIDEXPLICIT", aws_secret_access_key="s")
    register(session)
    assert session.get_credentials().access_key == "AKIDEXPLICIT"


def test_register_is_lazy_so_a_profile_chosen_later_is_used(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    session = botocore.session.Session()
    register(session)
    session.set_config_variable("profile", "dev")
    assert session.get_credentials().method == "sso"
    session.get_credentials().get_frozen_credentials()  # deferred: the first use fetches
    assert idc.request_counts().get("GetRoleCredentials") == 1


def test_register_twice_inserts_one_provider_before_botocores_sso(
    write_config: Callable[[str], Path],
) -> None:
    write_config(SSO_CONFIG)
    session = botocore.session.Session(profile="dev")
    register(session)
    register(session)
    methods = [p.METHOD for p in session.get_component("credential_provider").providers]
    assert methods.count(SSOCredentialProvider.METHOD) == 1
    assert methods.index(SSOCredentialProvider.METHOD) == methods.index("sso") - 1
    assert methods.index("assume-role") < methods.index(SSOCredentialProvider.METHOD)


def test_one_failure_is_one_exception_and_no_log_noise(
    idc: FakeIdentityCenter, dev_session: boto3.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NotLoggedInError):
        dev_session.get_credentials().get_frozen_credentials()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
