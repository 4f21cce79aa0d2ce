"""Client registrations: reused for their own grant, replaced otherwise, keyed as the CLI keys them."""

from __future__ import annotations

import hashlib
import io
import json
import urllib.request
from pathlib import Path
from typing import Any, Callable

import botocore.session
import pytest

from botocore_sso_provider.login import DeviceCodeLogin, PKCELogin
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, in_minutes, needs_pkce_model

pytestmark = pytest.mark.functional

NO_SCOPES_CONFIG = """
    [profile dev]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [sso-session corp]
    sso_start_url = https://fake-idc.awsapps.com/start
    sso_region = us-east-1
"""


def cli_registration_key(scopes: list[str] | None, session_name: str | None = "corp") -> str:
    """The AWS CLI v2's registration file name (botocore.utils.SSOTokenFetcher._registration_cache_key)."""
    args = {
        "tool": "botocore",
        "startUrl": "https://fake-idc.awsapps.com/start",
        "region": "us-east-1",
        "scopes": scopes,
        "session_name": session_name,
    }
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()


def registration_file(home: Path, key: str) -> Path:
    return home / ".aws" / "sso" / "cache" / f"{key}.json"


def follow(url: str) -> bool:
    urllib.request.urlopen(url, timeout=30).read()
    return True


def recorded_session() -> tuple[botocore.session.Session, list[dict[str, Any]]]:
    session = botocore.session.Session()
    bodies: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"])
        if body.get("clientName") != "endpoint-probe":
            bodies.append(body)

    session.register("before-call.sso-oidc.RegisterClient", record)
    return session, bodies


def device_login(session: botocore.session.Session | None = None) -> None:
    session = session or botocore.session.Session()
    config = resolve_session(session.full_config, "corp")
    DeviceCodeLogin(config, session, out=io.StringIO(), open_browser=False, sleep=lambda _: None).run()


def pkce_login(session: botocore.session.Session | None = None) -> None:
    session = session or botocore.session.Session()
    PKCELogin(resolve_session(session.full_config, "corp"), session, out=io.StringIO(), browser=follow).run()


def test_a_device_registration_is_reused_by_the_next_device_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    device_login()
    device_login()
    assert idc.request_counts()["RegisterClient"] == 1


@needs_pkce_model
def test_a_pkce_registration_is_reused_by_the_next_pkce_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    pkce_login()
    pkce_login()
    assert idc.request_counts()["RegisterClient"] == 1
    assert idc.grant_counts()["authorization_code"] == 2


@needs_pkce_model
def test_a_pkce_registration_is_replaced_for_a_device_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    """Issue 9: reused, it makes StartDeviceAuthorization fail with UnauthorizedClientException."""
    write_config(SSO_CONFIG)
    pkce_login()
    path = registration_file(aws_home, cli_registration_key(["sso:account:access"]))
    assert json.loads(path.read_text())["grantTypes"] == ["authorization_code", "refresh_token"]
    device_login()
    assert idc.request_counts()["RegisterClient"] == 2
    replaced = json.loads(path.read_text())
    assert "grantTypes" not in replaced, "the file now holds the device-code registration"
    device_login()
    assert idc.request_counts()["RegisterClient"] == 2, "and that one is reused from then on"


@needs_pkce_model
def test_a_device_registration_is_replaced_for_a_pkce_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    device_login()
    pkce_login()
    assert idc.request_counts()["RegisterClient"] == 2
    path = registration_file(aws_home, cli_registration_key(["sso:account:access"]))
    assert json.loads(path.read_text())["grantTypes"] == ["authorization_code", "refresh_token"]


@pytest.mark.parametrize(
    "expires_at",
    [
        pytest.param(in_minutes(-60), id="expired"),
        pytest.param(in_minutes(10), id="expires-within-15-minutes"),
        pytest.param("not a date", id="unreadable-expiry"),
    ],
)
def test_a_registration_that_expires_soon_is_replaced(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path, expires_at: str
) -> None:
    write_config(SSO_CONFIG)
    device_login()
    path = registration_file(aws_home, cli_registration_key(["sso:account:access"]))
    stored = json.loads(path.read_text())
    path.write_text(json.dumps({**stored, "expiresAt": expires_at}))
    device_login()
    assert idc.request_counts()["RegisterClient"] == 2
    assert json.loads(path.read_text())["clientId"] != stored["clientId"]


def test_a_registration_with_days_left_is_reused(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    device_login()
    path = registration_file(aws_home, cli_registration_key(["sso:account:access"]))
    path.write_text(json.dumps({**json.loads(path.read_text()), "expiresAt": in_minutes(60 * 24)}))
    device_login()
    assert idc.request_counts()["RegisterClient"] == 1


def test_without_registration_scopes_a_device_login_registers_none_and_keys_scopes_null(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(NO_SCOPES_CONFIG)
    session, bodies = recorded_session()
    device_login(session)
    assert bodies == [{"clientName": "botocore-client-corp", "clientType": "public"}], "the CLI's request"
    stored = json.loads(registration_file(aws_home, cli_registration_key(None)).read_text())
    assert set(stored) == {"clientId", "clientSecret", "expiresAt"}, "as the CLI stores it: no scopes"


@needs_pkce_model
def test_without_registration_scopes_a_pkce_login_asks_for_account_access_under_the_null_key(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(NO_SCOPES_CONFIG)
    session, bodies = recorded_session()
    pkce_login(session)
    assert [body["scopes"] for body in bodies] == [["sso:account:access"]]
    stored = json.loads(registration_file(aws_home, cli_registration_key(None)).read_text())
    assert stored["scopes"] == ["sso:account:access"]
    assert stored["grantTypes"] == ["authorization_code", "refresh_token"]


@needs_pkce_model
def test_a_registration_the_aws_cli_wrote_is_reused(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    """The CLI's PKCE login file (scopes null key): our PKCE login uses it without a RegisterClient."""
    write_config(NO_SCOPES_CONFIG)
    pkce_login()  # made by us, but exactly the CLI's shape and key
    idc.reset_counts()
    path = registration_file(aws_home, cli_registration_key(None))
    cli_shape = json.loads(path.read_text())
    path.write_text(json.dumps(cli_shape))  # the CLI's bytes: json.dumps with default separators
    pkce_login()
    assert idc.request_counts()["RegisterClient"] == 0
