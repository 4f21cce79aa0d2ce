"""botocore's own SSO tests, ported: same config, same cached token, same answer, same assertions.

From botocore's ``tests/unit/test_credentials.py`` (``TestSSOProvider``) and
``tests/functional/test_credentials.py`` (``TestAssumeRole``). Where botocore
stubs the client, the fake IAM Identity Center answers with botocore's
expected answer (``inject_answer``), and moto plays STS; the session is a real
botocore session with this package's provider registered. Every answer
expires 24 h away, as in botocore's tests: a provider that refuses a
lifetime over 12 h fails them all.
"""

from __future__ import annotations

import binascii
import datetime
import json
import os
from pathlib import Path
from typing import Any, Callable, Union

import botocore.session
import pytest
from moto import mock_aws

from botocore_sso_provider import register
from botocore_sso_provider.provider.botocore_credentials import _CREDENTIALS_CARRY_ACCOUNT_ID
from botocore_sso_provider.testing import FakeIdentityCenter

pytestmark = pytest.mark.functional

UTC = datetime.timezone.utc


def random_chars(num_chars: int) -> str:
    """botocore's ``tests.random_chars``: random hex characters."""
    return binascii.hexlify(os.urandom(int(num_chars / 2))).decode("ascii")


def write_cache(directory: Path, key: str, data: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"{key}.json"
    path.write_text(json.dumps(data))
    path.chmod(0o600)


def ours(profile: str) -> botocore.session.Session:
    session = botocore.session.Session(profile=profile)
    register(session)
    return session


def role_answer(access_key: str, secret_key: str, token: str, expiration: datetime.datetime) -> bytes:
    role = {
        "accessKeyId": access_key,
        "secretAccessKey": secret_key,
        "sessionToken": token,
        "expiration": int(expiration.timestamp() * 1000),  # botocore: datetime2timestamp(...) * 1000
    }
    return json.dumps({"roleCredentials": role}).encode()


def record_get_role_credentials_params(session: botocore.session.Session) -> list:
    """The parameters of every GetRoleCredentials call: botocore's Stubber's ``expected_params``."""
    seen: list = []

    def record(params: dict, **kwargs: Any) -> None:
        seen.append(dict(params))

    session.register("before-parameter-build.sso.GetRoleCredentials", record)
    return seen


class TestSSOProvider:
    """botocore's ``tests/unit/test_credentials.py::TestSSOProvider``, through this package's provider."""

    sso_region = "us-east-1"
    start_url = "https://d-92671207e4.awsapps.com/start"
    role_name = "test-role"
    account_id = "1234567890"
    access_token = "some.sso.token"
    profile_name = "sso-profile"
    cached_creds_key = "048db75bbe50955c16af7aba6ff9c41a3131bb7e"
    cached_token_key = "13f9d35043871d073ab260e020f0ffde092cb14b"

    @pytest.fixture(autouse=True)
    def set_up(self, idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path) -> None:
        self.idc = idc
        self.aws_home = aws_home
        write_config(
            f"""
            [profile {self.profile_name}]
            sso_region = {self.sso_region}
            sso_start_url = {self.start_url}
            sso_role_name = {self.role_name}
            sso_account_id = {self.account_id}
            """
        )
        self.expires_at = datetime.datetime.now(UTC) + datetime.timedelta(hours=24)
        write_cache(
            aws_home / ".aws" / "sso" / "cache",
            self.cached_token_key,
            {"accessToken": self.access_token, "expiresAt": self.expires_at.strftime("%Y-%m-%dT%H:%M:%S%Z")},
        )
        self.expected_get_role_credentials_params = {
            "roleName": self.role_name,
            "accountId": self.account_id,
            "accessToken": self.access_token,
        }

    def _add_get_role_credentials_response(self) -> None:
        self.idc.inject_answer("GetRoleCredentials", body=role_answer("foo", "bar", "baz", self.expires_at))

    def _load(self) -> Any:
        session = ours(self.profile_name)
        self.seen_params = record_get_role_credentials_params(session)
        return session.get_credentials()

    def _assert_stubbed_call_made(self) -> None:
        """What ``with self.stubber:`` asserts: the one expected call, with the expected parameters."""
        assert self.seen_params == [self.expected_get_role_credentials_params]
        assert self.idc.request_counts()["GetRoleCredentials"] == 1

    def test_load_sso_credentials_without_cache(self) -> None:
        self._add_get_role_credentials_response()
        credentials = self._load()
        assert credentials.access_key == "foo"
        assert credentials.secret_key == "bar"
        assert credentials.token == "baz"
        self._assert_stubbed_call_made()

    def test_load_sso_credentials_with_cache_expired(self) -> None:
        cached_creds = {
            "Credentials": {
                "AccessKeyId": "expired-akid",
                "SecretAccessKey": "expired-sak",
                "SessionToken": "expired-st",
                "Expiration": "2002-10-22T20:52:11UTC",
            }
        }
        write_cache(self.aws_home / ".aws" / "cli" / "cache", self.cached_creds_key, cached_creds)
        self._add_get_role_credentials_response()
        credentials = self._load()
        assert credentials.access_key == "foo"
        assert credentials.secret_key == "bar"
        assert credentials.token == "baz"
        self._assert_stubbed_call_made()

    @pytest.mark.skipif(not _CREDENTIALS_CARRY_ACCOUNT_ID, reason="botocore before 1.35 has no account_id")
    def test_load_sso_credentials_with_account_id(self) -> None:
        self._add_get_role_credentials_response()
        credentials = self._load()
        assert credentials.access_key == "foo"
        assert credentials.secret_key == "bar"
        assert credentials.token == "baz"
        assert credentials.account_id == "1234567890"
        self._assert_stubbed_call_made()


class TestAssumeRole:
    """botocore's ``tests/functional/test_credentials.py::TestAssumeRole``, its SSO source profiles."""

    @pytest.fixture(autouse=True)
    def set_up(self, idc: FakeIdentityCenter, aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.idc = idc
        self.aws_home = aws_home
        self.config_file = aws_home / ".aws" / "config"
        monkeypatch.setenv(
            "AWS_ACCESS_KEY_ID", "access_key"
        )  # as botocore's setUp (its env provider is mocked)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret_key")

    def some_future_time(self) -> datetime.datetime:
        return datetime.datetime.now(UTC) + datetime.timedelta(hours=24)

    def create_random_credentials(self) -> tuple[str, str, str]:
        return f"fake-{random_chars(15)}", f"fake-{random_chars(35)}", f"fake-{random_chars(45)}"

    def write_config(self, config: str) -> None:
        self.config_file.write_text(config)

    def _get_credentials_with_sso_source(self, profile: str) -> None:
        """The shared body of both tests: SSO role credentials answered, then AssumeRole by moto."""
        sso_role_creds = self.create_random_credentials()
        self.idc.inject_answer(
            "GetRoleCredentials", body=role_answer(*sso_role_creds, self.some_future_time())
        )
        session = ours(profile)
        sts_requests: list = []
        sts_answers: list = []
        session.register("before-send.sts.AssumeRole", lambda request, **kw: sts_requests.append(request))
        session.register("after-call.sts.AssumeRole", lambda parsed, **kw: sts_answers.append(parsed))
        with mock_aws(
            config={"core": {"mock_credentials": False, "passthrough": {"urls": [self.idc.url + ".*"]}}}
        ):
            actual_creds = session.get_credentials().get_frozen_credentials()
        # assert_creds_equal(actual_creds, expected_creds): the session's credentials are AssumeRole's answer
        [answer] = sts_answers
        expected = answer["Credentials"]
        expected_creds = (expected["AccessKeyId"], expected["SecretAccessKey"], expected["SessionToken"])
        assert (actual_creds.access_key, actual_creds.secret_key, actual_creds.token) == expected_creds
        if hasattr(actual_creds, "account_id"):  # botocore 1.35+: from the AssumedRoleUser's Arn
            assert actual_creds.account_id == answer["AssumedRoleUser"]["Arn"].split(":")[4]
        # sts_stubber.assert_no_pending_responses() and mock_client_creator.call_count == 1
        [request] = sts_requests
        # the STS client was created with the credentials from the SSO GetRoleCredentials response
        access_key, _secret_key, token = sso_role_creds
        assert f"Credential={access_key}/" in _text(request.headers["Authorization"])
        assert _text(request.headers["X-Amz-Security-Token"]) == token
        # resolved through this package: one GetRoleCredentials, and the role cache only it writes
        assert self.idc.request_counts()["GetRoleCredentials"] == 1
        role_files = list((self.aws_home / ".aws" / "cli" / "cache").glob("*.json"))
        assert [json.loads(p.read_text())["Credentials"]["AccessKeyId"] for p in role_files] == [access_key]

    def test_sso_source_profile_legacy(self) -> None:
        token_cache_key = "f395038c92f1828cbb3991d2d6152d326b895606"
        cached_token = {
            "accessToken": "a.token",
            "expiresAt": self.some_future_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        write_cache(self.aws_home / ".aws" / "sso" / "cache", token_cache_key, cached_token)
        config = (
            "[profile A]\n"
            "role_arn = arn:aws:iam::123456789:role/RoleA\n"
            "source_profile = B\n"
            "[profile B]\n"
            "sso_region = us-east-1\n"
            "sso_start_url = https://test.url/start\n"
            "sso_role_name = SSORole\n"
            "sso_account_id = 1234567890\n"
        )
        self.write_config(config)
        self._get_credentials_with_sso_source("A")

    def test_sso_source_profile(self) -> None:
        token_cache_key = "32096c2e0eff33d844ee6d675407ace18289357d"
        time_in_one_hour = datetime.datetime.now(UTC) + datetime.timedelta(hours=1)
        cached_token = {"accessToken": "C", "expiresAt": time_in_one_hour.strftime("%Y-%m-%dT%H:%M:%SZ")}
        write_cache(self.aws_home / ".aws" / "sso" / "cache", token_cache_key, cached_token)
        config = (
            "[profile A]\n"
            "role_arn = arn:aws:iam::123456789:role/RoleA\n"
            "source_profile = B\n"
            "[profile B]\n"
            "sso_session = C\n"
            "sso_role_name = SSORole\n"
            "sso_account_id = 1234567890\n"
            "[sso-session C]\n"
            "sso_region = us-east-1\n"
            "sso_start_url = https://test.url/start\n"
        )
        self.write_config(config)
        self._get_credentials_with_sso_source("A")


def _text(header: Union[str, bytes]) -> str:
    """A signed request's header: bytes on newer botocore, text on older (1.29)."""
    return header.decode() if isinstance(header, bytes) else header
