"""The fake IAM Identity Center, driven by real, unmodified botocore clients.

Every test talks HTTP to a real server on 127.0.0.1 with botocore's own
``sso-oidc`` and ``sso`` clients, so what passes here is what botocore (and
the AWS CLI) would see from the real services. Time is a fake clock the
tests move; nothing sleeps to make a token expire.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

import botocore.loaders
import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from botocore_sso_provider.testing import (
    DEFAULT_START_URL,
    Account,
    FakeIdentityCenter,
    FakeSettings,
    User,
    pkce_challenge,
)
from tests.conftest import needs_endpoint_variables

pytestmark = pytest.mark.functional

pytest_plugins = ["botocore_sso_provider.testing.fixtures"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPES = ["sso:account:access"]
VERIFIER = "v" * 20 + "-._~" + "0123456789" * 2  # 44 characters of the PKCE alphabet
CALLBACK = "http://127.0.0.1/oauth/callback"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Fake:
    """A running fake with its clock and botocore clients pointed at it."""

    idc: FakeIdentityCenter
    clock: FakeClock
    oidc: Any
    sso: Any

    def register(self, scopes: Optional[List[str]] = None, **extra: Any) -> Dict[str, Any]:
        return self.oidc.register_client(
            clientName="test",
            clientType="public",
            scopes=SCOPES if scopes is None else scopes,
            **extra,
        )

    def start_device(self, client: Dict[str, Any]) -> Dict[str, Any]:
        return self.oidc.start_device_authorization(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            startUrl=DEFAULT_START_URL,
        )

    def device_token(self, client: Dict[str, Any], device: Dict[str, Any]) -> Dict[str, Any]:
        return self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType=DEVICE_GRANT,
            deviceCode=device["deviceCode"],
        )

    def device_login(self, client: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        client = client or self.register()
        return self.device_token(client, self.start_device(client))

    def refresh(self, client: Dict[str, Any], refresh_token: str) -> Dict[str, Any]:
        return self.oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="refresh_token",
            refreshToken=refresh_token,
        )


def make_clients(
    url: Optional[str], attempts: int = 1, session: Optional[botocore.session.Session] = None
) -> Tuple[Any, Any]:
    session = session or botocore.session.Session()
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": attempts, "mode": "standard"})
    kwargs: Dict[str, Any] = {"region_name": "us-east-1", "config": config}
    if url is not None:
        kwargs["endpoint_url"] = url
    return session.create_client("sso-oidc", **kwargs), session.create_client("sso", **kwargs)


@pytest.fixture(scope="module")
def shared_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[botocore.session.Session]:
    """One botocore session (models loaded once), created in an empty private HOME."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            patch.delenv(name)
        patch.setenv("HOME", str(home))
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        yield botocore.session.Session()


@pytest.fixture
def make_fake(shared_session: botocore.session.Session) -> Iterator[Callable[..., Fake]]:
    started: List[FakeIdentityCenter] = []

    def make(*, attempts: int = 1, **options: Any) -> Fake:
        clock = options.pop("clock", None) or FakeClock()
        idc = FakeIdentityCenter(clock=clock, **options).start()
        started.append(idc)
        oidc, sso = make_clients(idc.url, attempts, shared_session)
        return Fake(idc, clock, oidc, sso)

    yield make
    for idc in started:
        idc.stop()


@pytest.fixture
def fake(make_fake: Callable[..., Fake]) -> Fake:
    return make_fake()


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> Tuple[str, int]:
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def http(url: str, data: Optional[bytes] = None) -> Tuple[int, Dict[str, str], str]:
    """(status, headers, body) of a request, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, data=data, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read().decode()


def authorize_url(fake: Fake, client: Dict[str, Any], **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client["clientId"],
        "redirect_uri": "http://127.0.0.1:43210/oauth/callback",
        "state": "state-123",
        "code_challenge_method": "S256",
        "scopes": "sso:account:access",
        "code_challenge": pkce_challenge(VERIFIER),
    }
    params.update(overrides)
    return f"{fake.idc.url}/authorize?{urlencode(params)}"


def pkce_client(fake: Fake) -> Dict[str, Any]:
    """A registration for the authorization code grant, as the AWS CLI v2 makes it.

    Sent over plain HTTP: older botocore models lack these RegisterClient fields.
    """
    registration = {
        "clientName": "pkce",
        "clientType": "public",
        "scopes": SCOPES,
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": [CALLBACK],
        "issuerUrl": DEFAULT_START_URL,
    }
    status, _, body = http(f"{fake.idc.url}/client/register", json.dumps(registration).encode())
    assert status == 200
    return dict(json.loads(body))


def _botocore_knows_pkce() -> bool:
    # The bare loader reads no config, so the real ~/.aws stays untouched at import.
    model = botocore.loaders.Loader().load_service_model("sso-oidc", "service-2")
    return "codeVerifier" in model["shapes"]["CreateTokenRequest"]["members"]


needs_pkce_model = pytest.mark.skipif(
    not _botocore_knows_pkce(), reason="this botocore's sso-oidc model has no PKCE fields"
)


# -- RegisterClient and StartDeviceAuthorization ----------------------------------


def test_register_client_issues_credentials_that_expire_after_the_registration_ttl(
    make_fake: Callable[..., Fake],
) -> None:
    fake = make_fake(client_registration_ttl=1000)
    client = fake.register()
    assert client["clientIdIssuedAt"] == int(fake.clock.now)
    assert client["clientSecretExpiresAt"] == int(fake.clock.now) + 1000
    fake.clock.advance(1000)
    with pytest.raises(fake.oidc.exceptions.InvalidClientException) as caught:
        fake.start_device(client)
    assert error_code(caught) == ("InvalidClientException", 401)


def test_register_client_refuses_a_confidential_client(fake: Fake) -> None:
    with pytest.raises(fake.oidc.exceptions.InvalidClientMetadataException):
        fake.oidc.register_client(clientName="x", clientType="confidential")


def test_device_authorization_with_a_wrong_secret_is_invalid_client(fake: Fake) -> None:
    client = fake.register()
    with pytest.raises(fake.oidc.exceptions.InvalidClientException) as caught:
        fake.start_device({**client, "clientSecret": "wrong"})
    assert caught.value.response["error"] == "invalid_client"


def test_device_authorization_points_the_user_at_the_server(fake: Fake) -> None:
    device = fake.start_device(fake.register())
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", device["userCode"])
    assert device["verificationUri"] == f"{fake.idc.url}/device"
    assert device["verificationUriComplete"] == (f"{fake.idc.url}/device?user_code={device['userCode']}")
    assert (device["expiresIn"], device["interval"]) == (600, 1)


# -- the device code grant ----------------------------------------------------------


def test_device_login_is_pending_until_approved(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(auto_approve=False)
    client = fake.register()
    device = fake.start_device(client)
    with pytest.raises(fake.oidc.exceptions.AuthorizationPendingException):
        fake.device_token(client, device)
    fake.idc.approve(device["userCode"])
    token = fake.device_token(client, device)
    assert token["tokenType"] == "Bearer"
    assert token["expiresIn"] == 3600
    assert fake.idc.access_token_is_valid(token["accessToken"])
    assert fake.idc.refresh_token_is_valid(token["refreshToken"])


def test_a_denied_device_login_is_access_denied(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(auto_approve=False)
    client = fake.register()
    device = fake.start_device(client)
    fake.idc.deny(device["userCode"])
    with pytest.raises(fake.oidc.exceptions.AccessDeniedException):
        fake.device_token(client, device)


def test_a_device_code_expires_on_the_clock(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(auto_approve=False, device_code_ttl=60)
    client = fake.register()
    device = fake.start_device(client)
    fake.clock.advance(60)
    with pytest.raises(fake.oidc.exceptions.ExpiredTokenException):
        fake.device_token(client, device)
    with pytest.raises(ValueError, match="expired"):
        fake.idc.approve(device["userCode"])


def test_a_device_code_is_exchanged_only_once(fake: Fake) -> None:
    client = fake.register()
    device = fake.start_device(client)
    fake.device_token(client, device)
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
        fake.device_token(client, device)


def test_the_device_page_approves_as_the_chosen_user(make_fake: Callable[..., Fake]) -> None:
    dev = Account("111111111111", "dev", "dev@example.com", ("ReadOnly",))
    prod = Account("222222222222", "prod", "prod@example.com", ("ReadOnly",))
    fake = make_fake(
        auto_approve=False,
        accounts=[dev, prod],
        users=[User("alice", {dev.account_id: ("ReadOnly",)}), User("bob", {prod.account_id: ("ReadOnly",)})],
    )
    client = fake.register()
    device = fake.start_device(client)
    status, _, page = http(device["verificationUriComplete"])
    assert status == 200
    assert device["userCode"] in page
    assert 'value="approve"' in page
    form = urlencode({"user_code": device["userCode"], "user": "bob", "decision": "approve"})
    status, _, _ = http(f"{fake.idc.url}/device", form.encode())
    assert status == 200
    token = fake.device_token(client, device)
    accounts = fake.sso.list_accounts(accessToken=token["accessToken"])["accountList"]
    assert [a["accountId"] for a in accounts] == [prod.account_id]


# -- the refresh token grant ------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "new_token_returned", "old_token_still_valid"),
    [
        pytest.param({}, True, False, id="rotation-invalidates-the-old-token"),
        pytest.param({"rotate_refresh_tokens": False}, True, True, id="no-rotation"),
        pytest.param({"issue_refresh_tokens": False}, False, True, id="no-new-refresh-token"),
    ],
)
def test_refresh_grant(
    make_fake: Callable[..., Fake],
    options: Dict[str, Any],
    new_token_returned: bool,
    old_token_still_valid: bool,
) -> None:
    fake = make_fake(**options)
    client = fake.register()
    first = fake.device_login(client)
    fake.clock.advance(3000)
    refreshed = fake.refresh(client, first["refreshToken"])
    assert refreshed["expiresIn"] == 3600
    assert refreshed["accessToken"] != first["accessToken"]
    assert fake.idc.access_token_is_valid(refreshed["accessToken"])
    assert ("refreshToken" in refreshed) is new_token_returned
    assert fake.idc.refresh_token_is_valid(first["refreshToken"]) is old_token_still_valid
    if not old_token_still_valid:
        with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
            fake.refresh(client, first["refreshToken"])
    assert fake.idc.grant_counts()["refresh_token"] == (1 if old_token_still_valid else 2)


def test_a_refresh_token_works_only_for_the_client_it_was_issued_to(fake: Fake) -> None:
    token = fake.device_login()
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
        fake.refresh(fake.register(), token["refreshToken"])


@pytest.mark.parametrize(
    ("reuse_detection", "session_survives"),
    [
        pytest.param(True, False, id="reuse-detection-ends-the-session"),
        pytest.param(False, True, id="without-reuse-detection-only-the-replay-fails"),
    ],
)
def test_replaying_a_rotated_refresh_token(
    make_fake: Callable[..., Fake], reuse_detection: bool, session_survives: bool
) -> None:
    fake = make_fake(reuse_detection=reuse_detection)
    client = fake.register()
    first = fake.device_login(client)
    second = fake.refresh(client, first["refreshToken"])
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
        fake.refresh(client, first["refreshToken"])
    assert fake.idc.refresh_token_is_valid(second["refreshToken"]) is session_survives
    assert fake.idc.access_token_is_valid(second["accessToken"]) is session_survives


def _end_by_end_sessions(fake: Fake, token: Dict[str, Any]) -> None:
    fake.idc.end_sessions()


def _end_by_session_ttl(fake: Fake, token: Dict[str, Any]) -> None:
    fake.clock.advance(8 * 3600)


def _end_by_logout(fake: Fake, token: Dict[str, Any]) -> None:
    fake.sso.logout(accessToken=token["accessToken"])


@pytest.mark.parametrize(
    "end_session",
    [
        pytest.param(_end_by_end_sessions, id="end_sessions"),
        pytest.param(_end_by_session_ttl, id="session-ttl-elapsed"),
        pytest.param(_end_by_logout, id="logout"),
    ],
)
def test_refresh_fails_with_invalid_grant_once_the_session_ends(
    fake: Fake, end_session: Callable[[Fake, Dict[str, Any]], None]
) -> None:
    client = fake.register()
    token = fake.device_login(client)
    end_session(fake, token)
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException) as caught:
        fake.refresh(client, token["refreshToken"])
    assert caught.value.response["error"] == "invalid_grant"
    assert not fake.idc.refresh_token_is_valid(token["refreshToken"])


def test_end_sessions_of_one_user_leaves_the_others(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(users=[User("alice", {}), User("bob", {})])
    alice = fake.idc.issue_token(user="alice")
    bob = fake.idc.issue_token(user="bob")
    fake.idc.end_sessions("bob")
    with pytest.raises(fake.sso.exceptions.UnauthorizedException):
        fake.sso.list_accounts(accessToken=bob["accessToken"])
    assert fake.sso.list_accounts(accessToken=alice["accessToken"])["accountList"] == []
    with pytest.raises(ValueError, match="unknown user"):
        fake.idc.end_sessions("mallory")


def test_a_legacy_login_lasts_longer_and_cannot_be_refreshed(fake: Fake) -> None:
    token = fake.device_login(fake.register(scopes=[]))
    assert token["expiresIn"] == 8 * 3600
    assert "refreshToken" not in token


def test_a_second_login_in_a_live_session_keeps_the_session_expiry(fake: Fake) -> None:
    fake.idc.issue_token()
    fake.clock.advance(600)
    assert fake.device_login()["expiresIn"] == 3000, "same expiry as the first token"
    fake.clock.advance(3000)
    assert fake.device_login()["expiresIn"] == 3600, "that token expired: a fresh lifetime"


def test_an_unknown_grant_type_is_unsupported(fake: Fake) -> None:
    client = fake.register()
    with pytest.raises(fake.oidc.exceptions.UnsupportedGrantTypeException):
        fake.oidc.create_token(
            clientId=client["clientId"], clientSecret=client["clientSecret"], grantType="password"
        )


# -- authorization code with PKCE -------------------------------------------------------


@needs_pkce_model
def test_pkce_login_end_to_end(fake: Fake) -> None:
    client = pkce_client(fake)
    status, headers, _ = http(authorize_url(fake, client))
    assert status == 302
    location = urlsplit(headers["Location"])
    assert (location.hostname, location.port, location.path) == ("127.0.0.1", 43210, "/oauth/callback")
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    request = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "authorization_code",
        "code": query["code"][0],
        "redirectUri": "http://127.0.0.1:43210/oauth/callback",
        "codeVerifier": VERIFIER,
    }
    token = fake.oidc.create_token(**request)
    assert token["expiresIn"] == 3600
    assert fake.idc.refresh_token_is_valid(token["refreshToken"])
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
        fake.oidc.create_token(**request)  # a code is good for one exchange
    assert fake.idc.request_counts()["Authorize"] == 1
    assert fake.idc.grant_counts()["authorization_code"] == 2


@pytest.mark.parametrize(
    "override",
    [
        pytest.param({"codeVerifier": "w" * 43}, id="wrong-verifier"),
        pytest.param({"codeVerifier": "short"}, id="malformed-verifier"),
        pytest.param({"redirectUri": "http://127.0.0.1:1/oauth/callback"}, id="other-redirect"),
    ],
)
@needs_pkce_model
def test_pkce_exchange_refuses(fake: Fake, override: Dict[str, str]) -> None:
    client = pkce_client(fake)
    _, headers, _ = http(authorize_url(fake, client))
    code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
    request = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "authorization_code",
        "code": code,
        "redirectUri": "http://127.0.0.1:43210/oauth/callback",
        "codeVerifier": VERIFIER,
    }
    with pytest.raises(fake.oidc.exceptions.InvalidGrantException):
        fake.oidc.create_token(**{**request, **override})


@pytest.mark.parametrize(
    "redirect_uri",
    [
        pytest.param("http://evil.example.com/oauth/callback", id="not-loopback"),
        pytest.param("https://127.0.0.1:8443/oauth/callback", id="not-http"),
        pytest.param("http://127.0.0.1:8080/elsewhere", id="unregistered-path"),
    ],
)
def test_authorize_refuses_redirect_uris_it_must_not_send_codes_to(fake: Fake, redirect_uri: str) -> None:
    status, headers, body = http(authorize_url(fake, pkce_client(fake), redirect_uri=redirect_uri))
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "InvalidRedirectUriException"
    assert json.loads(body)["error"] == "invalid_redirect_uri"


def test_authorize_with_an_unknown_client_is_invalid_client(fake: Fake) -> None:
    status, headers, _ = http(authorize_url(fake, {"clientId": "nobody"}))
    assert (status, headers["x-amzn-ErrorType"]) == (401, "InvalidClientException")


def test_authorize_redirects_request_errors_back_with_the_state(fake: Fake) -> None:
    url = authorize_url(fake, pkce_client(fake), code_challenge_method="plain")
    status, headers, _ = http(url)
    assert status == 302
    query = parse_qs(urlsplit(headers["Location"]).query)
    assert query == {"error": ["invalid_request"], "state": ["state-123"]}


def test_authorize_without_auto_approve_asks_on_a_page(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(auto_approve=False)
    client = pkce_client(fake)
    url = authorize_url(fake, client)
    status, _, page = http(url)
    assert status == 200
    assert 'value="approve"' in page
    form = dict(parse_qs(urlsplit(url).query, keep_blank_values=True))
    denied = urlencode({**{k: v[0] for k, v in form.items()}, "decision": "deny"})
    status, headers, _ = http(f"{fake.idc.url}/authorize", denied.encode())
    assert status == 302
    assert parse_qs(urlsplit(headers["Location"]).query)["error"] == ["access_denied"]
    approved = urlencode({**{k: v[0] for k, v in form.items()}, "decision": "approve"})
    status, headers, _ = http(f"{fake.idc.url}/authorize", approved.encode())
    assert status == 302
    assert "code" in parse_qs(urlsplit(headers["Location"]).query)


# -- the SSO portal ---------------------------------------------------------------------


def test_get_role_credentials_expire_in_epoch_milliseconds(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(role_credentials_ttl=900)
    token = fake.idc.issue_token()
    credentials = fake.sso.get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="Admin"
    )["roleCredentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["accessKeyId"])
    assert credentials["secretAccessKey"]
    assert credentials["sessionToken"]
    assert credentials["expiration"] == int((fake.clock.now + 900) * 1000)


@pytest.mark.parametrize(
    ("account_id", "role_name"),
    [
        pytest.param("222222222222", "Admin", id="role-not-assigned"),
        pytest.param("999999999999", "ReadOnly", id="unknown-account"),
    ],
)
def test_get_role_credentials_without_access_is_forbidden(
    fake: Fake, account_id: str, role_name: str
) -> None:
    token = fake.idc.issue_token()
    with pytest.raises(ClientError) as caught:
        fake.sso.get_role_credentials(
            accessToken=token["accessToken"], accountId=account_id, roleName=role_name
        )
    assert error_code(caught) == ("ForbiddenException", 403)
    assert caught.value.response["Error"]["Message"] == "No access"


def test_list_accounts_pages_through_the_users_accounts_only(
    make_fake: Callable[..., Fake],
) -> None:
    accounts = [Account(f"{n:012d}", f"acct{n}", f"a{n}@example.com", ("R",)) for n in range(5)]
    assigned = {a.account_id: ("R",) for a in accounts[:4]}
    fake = make_fake(accounts=accounts, users=[User("carol", assigned)])
    token = fake.idc.issue_token()["accessToken"]
    pages = list(
        fake.sso.get_paginator("list_accounts").paginate(accessToken=token, PaginationConfig={"PageSize": 3})
    )
    assert [len(page["accountList"]) for page in pages] == [3, 1]
    listed = [a["accountId"] for page in pages for a in page["accountList"]]
    assert listed == [a.account_id for a in accounts[:4]]
    assert pages[0]["accountList"][0] == {
        "accountId": accounts[0].account_id,
        "accountName": "acct0",
        "emailAddress": "a0@example.com",
    }
    assert fake.idc.request_counts()["ListAccounts"] == 2


def test_list_account_roles_pages_through_the_assigned_roles(
    make_fake: Callable[..., Fake],
) -> None:
    roles = ("A", "B", "C")
    account = Account("111111111111", "dev", "dev@example.com", roles)
    fake = make_fake(accounts=[account], users=[User("dana", {account.account_id: roles})])
    token = fake.idc.issue_token()["accessToken"]
    pages = fake.sso.get_paginator("list_account_roles").paginate(
        accessToken=token, accountId=account.account_id, PaginationConfig={"PageSize": 2}
    )
    result = pages.build_full_result()
    assert result["roleList"] == [{"roleName": role, "accountId": account.account_id} for role in roles]
    assert fake.idc.request_counts()["ListAccountRoles"] == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"maxResults": 101}, id="page-too-large"),
        pytest.param({"nextToken": "not-a-token"}, id="bad-next-token"),
    ],
)
def test_list_accounts_refuses_bad_paging(fake: Fake, kwargs: Dict[str, Any]) -> None:
    token = fake.idc.issue_token()["accessToken"]
    with pytest.raises(fake.sso.exceptions.InvalidRequestException) as caught:
        fake.sso.list_accounts(accessToken=token, **kwargs)
    assert error_code(caught) == ("InvalidRequestException", 400)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda fake, token: fake.sso.logout(accessToken=token), id="after-logout"),
        pytest.param(lambda fake, token: fake.clock.advance(3600), id="expired"),
        pytest.param(lambda fake, token: fake.idc.end_sessions(), id="session-ended"),
    ],
)
def test_a_spoilt_access_token_is_unauthorized(fake: Fake, spoil: Callable[[Fake, str], None]) -> None:
    token = fake.idc.issue_token()["accessToken"]
    spoil(fake, token)
    with pytest.raises(fake.sso.exceptions.UnauthorizedException) as caught:
        fake.sso.get_role_credentials(accessToken=token, accountId="111111111111", roleName="ReadOnly")
    assert error_code(caught) == ("UnauthorizedException", 401)
    assert caught.value.response["Error"]["Message"] == "Session token not found or invalid"


def test_an_unknown_access_token_is_unauthorized(fake: Fake) -> None:
    with pytest.raises(fake.sso.exceptions.UnauthorizedException):
        fake.sso.list_accounts(accessToken="aoa-made-up")


# -- faults -------------------------------------------------------------------------


def _create_token(fake: Fake) -> Any:
    client = fake.register()
    fake.idc.reset_counts()
    return fake.device_login(client)


def _get_role_credentials(fake: Fake) -> Any:
    token = fake.idc.issue_token()["accessToken"]
    return fake.sso.get_role_credentials(accessToken=token, accountId="111111111111", roleName="ReadOnly")


def _list_accounts(fake: Fake) -> Any:
    return fake.sso.list_accounts(accessToken=fake.idc.issue_token()["accessToken"])


def _list_account_roles(fake: Fake) -> Any:
    token = fake.idc.issue_token()["accessToken"]
    return fake.sso.list_account_roles(accessToken=token, accountId="111111111111")


@pytest.mark.parametrize(
    ("operation", "error", "call", "expected"),
    [
        pytest.param("CreateToken", "slow_down", _create_token, ("SlowDownException", 400), id="slow_down"),
        pytest.param(
            "CreateToken",
            "authorization_pending",
            _create_token,
            ("AuthorizationPendingException", 400),
            id="authorization_pending",
        ),
        pytest.param(
            "CreateToken",
            "InvalidGrantException",
            _create_token,
            ("InvalidGrantException", 400),
            id="invalid_grant-by-exception-name",
        ),
        pytest.param(
            "RegisterClient",
            "InternalServerException",
            Fake.register,
            ("InternalServerException", 500),
            id="oidc-500",
        ),
        pytest.param(
            "GetRoleCredentials",
            "TooManyRequestsException",
            _get_role_credentials,
            ("TooManyRequestsException", 429),
            id="portal-429",
        ),
        pytest.param(
            "ListAccounts",
            "UnauthorizedException",
            _list_accounts,
            ("UnauthorizedException", 401),
            id="portal-401",
        ),
        pytest.param(
            "ListAccountRoles",
            "ResourceNotFoundException",
            _list_account_roles,
            ("ResourceNotFoundException", 404),
            id="portal-404",
        ),
    ],
)
def test_an_injected_error_fails_the_next_request_only(
    fake: Fake,
    operation: str,
    error: str,
    call: Callable[[Fake], Any],
    expected: Tuple[str, int],
) -> None:
    fake.idc.inject(operation, error)
    with pytest.raises(ClientError) as caught:
        call(fake)
    assert error_code(caught) == expected
    assert type(caught.value).__name__ == expected[0], "botocore raised the modeled class"
    call(fake)  # one shot: the next request succeeds


def test_a_500_is_retried_by_botocore_and_then_raised(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(attempts=3)
    token = fake.idc.issue_token()["accessToken"]
    fake.idc.inject("GetRoleCredentials", "InternalServerException", times=3)
    with pytest.raises(ClientError) as caught:
        fake.sso.get_role_credentials(accessToken=token, accountId="111111111111", roleName="ReadOnly")
    assert error_code(caught) == ("InternalServerException", 500)
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert fake.idc.request_counts()["GetRoleCredentials"] == 3


def test_random_faults_follow_the_rates(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(seed=7)
    token = fake.idc.issue_token()["accessToken"]
    fake.idc.set_faults(throttle_rate=1.0)
    with pytest.raises(fake.sso.exceptions.TooManyRequestsException):
        fake.sso.list_accounts(accessToken=token)
    with pytest.raises(fake.oidc.exceptions.SlowDownException):
        fake.register()  # SSO OIDC throttles with slow_down
    fake.idc.set_faults(throttle_rate=0.0, error_rate=1.0)
    with pytest.raises(ClientError) as caught:
        fake.sso.list_accounts(accessToken=token)
    assert error_code(caught) == ("InternalServerException", 500)
    fake.idc.set_faults(error_rate=0.0)
    assert fake.sso.list_accounts(accessToken=token)["accountList"]


def test_latency_delays_every_answer(fake: Fake) -> None:
    fake.idc.set_faults(latency=0.2)
    started = time.monotonic()
    fake.register()
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize(
    ("operation", "error"),
    [
        pytest.param("GetCredentials", "InternalServerException", id="unknown-operation"),
        pytest.param("CreateToken", "teapot", id="unknown-error"),
    ],
)
def test_inject_refuses_names_the_services_do_not_know(fake: Fake, operation: str, error: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        fake.idc.inject(operation, error)


# -- the HTTP layer ---------------------------------------------------------------------


def test_the_date_header_follows_the_clock(fake: Fake) -> None:
    for _ in range(2):
        headers = fake.register()["ResponseMetadata"]["HTTPHeaders"]
        assert headers["date"] == email.utils.formatdate(fake.clock.now, usegmt=True)
        fake.clock.advance(86400 + 3600)


def test_counters_are_readable_from_python_and_over_http(make_fake: Callable[..., Fake]) -> None:
    fake = make_fake(auto_approve=False)
    client = fake.register()
    device = fake.start_device(client)
    with pytest.raises(fake.oidc.exceptions.AuthorizationPendingException):
        fake.device_token(client, device)
    counts = fake.idc.request_counts()
    assert counts["RegisterClient"] == counts["StartDeviceAuthorization"] == 1
    assert counts["CreateToken"] == 1, "failed requests count too"
    assert counts["Logout"] == 0, "every operation is present"
    _, _, body = http(f"{fake.idc.url}/_fake/counts")
    assert json.loads(body) == {"operations": counts, "grants": fake.idc.grant_counts()}
    assert http(f"{fake.idc.url}/_fake/reset-counts", b"")[0] == 200
    assert sum(fake.idc.request_counts().values()) == 0
    assert sum(fake.idc.grant_counts().values()) == 0


def test_the_admin_endpoints_steer_a_server_run_from_the_command_line(
    make_fake: Callable[..., Fake],
) -> None:
    fake = make_fake(auto_approve=False)
    client = fake.register()
    device = fake.start_device(client)
    admin = f"{fake.idc.url}/_fake"
    assert http(f"{admin}/approve", json.dumps({"userCode": device["userCode"]}).encode())[0] == 200
    token = fake.device_token(client, device)
    assert http(f"{admin}/approve", json.dumps({"userCode": "NOPE-NOPE"}).encode())[0] == 400
    assert http(f"{admin}/faults", json.dumps({"throttleRate": 1.0}).encode())[0] == 200
    with pytest.raises(fake.sso.exceptions.TooManyRequestsException):
        fake.sso.list_accounts(accessToken=token["accessToken"])
    assert http(f"{admin}/faults", json.dumps({"throttleRate": 0}).encode())[0] == 200
    assert http(f"{admin}/end-sessions", b"{}")[0] == 200
    assert not fake.idc.access_token_is_valid(token["accessToken"])


def test_requests_are_served_concurrently_and_all_counted(fake: Fake) -> None:
    token = fake.idc.issue_token()["accessToken"]
    workers, calls = 8, 5
    barrier = threading.Barrier(workers)
    failures: List[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(calls):
                fake.sso.list_accounts(accessToken=token)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert failures == []
    assert fake.idc.request_counts()["ListAccounts"] == workers * calls


def test_logs_hold_no_secrets_and_stderr_stays_quiet(
    fake: Fake, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG, logger="botocore_sso_provider.testing")
    _, headers, _ = http(authorize_url(fake, pkce_client(fake)))
    code = parse_qs(urlsplit(headers["Location"]).query)["code"][0]
    client = fake.register()
    token = fake.device_login(client)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/authorize" in logged, "requests are logged at DEBUG"
    secrets = (
        token["accessToken"],
        token["refreshToken"],
        client["clientSecret"],
        code,
        pkce_challenge(VERIFIER),
    )
    for secret in secrets:
        assert secret not in logged
    assert capfd.readouterr().err == ""


# -- issue_token ----------------------------------------------------------------------------


def test_issue_token_returns_what_the_cli_caches(fake: Fake) -> None:
    seeded = fake.idc.issue_token(session_name="corp")
    assert set(seeded) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresIn",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert seeded["startUrl"] == DEFAULT_START_URL
    assert seeded["region"] == "us-east-1"
    assert seeded["expiresIn"] == 3600
    assert seeded["expiresAt"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(fake.clock.now + 3600))
    assert seeded["registrationExpiresAt"] == time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(fake.clock.now + 90 * 86400)
    )
    refreshed = fake.refresh(seeded, seeded["refreshToken"])
    assert fake.idc.access_token_is_valid(refreshed["accessToken"])


def test_issue_token_without_scopes_is_a_legacy_login(fake: Fake) -> None:
    seeded = fake.idc.issue_token(scopes=())
    assert "refreshToken" not in seeded
    assert seeded["expiresIn"] == 8 * 3600


# -- life cycle ------------------------------------------------------------------------------


def test_stop_closes_the_port_even_with_keep_alive_connections_open(
    fake_identity_center: FakeIdentityCenter,
) -> None:
    idc = fake_identity_center
    _, sso = make_clients(idc.url)
    sso.list_accounts(accessToken=idc.issue_token()["accessToken"])  # pooled connection stays open
    port = urlsplit(idc.url).port
    assert port is not None
    started = time.monotonic()
    idc.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    idc.stop()  # idempotent


@needs_endpoint_variables
def test_botocore_finds_the_fake_through_the_endpoint_variables(
    fake_identity_center_env: FakeIdentityCenter,
) -> None:
    idc = fake_identity_center_env
    assert idc.environ() == {"AWS_ENDPOINT_URL_SSO": idc.url, "AWS_ENDPOINT_URL_SSO_OIDC": idc.url}
    oidc, sso = make_clients(url=None)
    client = oidc.register_client(clientName="env", clientType="public")
    assert client["clientId"]
    token = idc.issue_token()["accessToken"]
    assert sso.list_accounts(accessToken=token)["accountList"]


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "192.168.1.10", "example.com", "", "::"],  # noqa: S104 - refusing is the point
)
def test_only_loopback_hosts_are_accepted(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeIdentityCenter(host=host)


def test_a_directory_with_a_typo_is_refused() -> None:
    dev = Account("111111111111", "dev", "dev@example.com", ("ReadOnly",))
    with pytest.raises(ValueError, match="does not have"):
        FakeIdentityCenter(accounts=[dev], users=[User("alice", {dev.account_id: ("Admin",)})])


KEYWORDS: Dict[str, Any] = {
    "accounts": [Account("444444444444", "lab", "lab@example.com", ("Admin",))],
    "users": [User("bob", {"444444444444": ("Admin",)})],
    "region": "eu-west-2",
    "access_token_ttl": 100,
    "legacy_token_ttl": 200,
    "session_ttl": 300,
    "role_credentials_ttl": 400,
    "client_registration_ttl": 500,
    "device_code_ttl": 60,
    "device_poll_interval": 2,
    "rotate_refresh_tokens": False,
    "reuse_detection": True,
    "issue_refresh_tokens": False,
    "auto_approve": False,
    "stable_role_credentials": True,
    "error_rate": 0.0,
    "throttle_rate": 0.0,
    "latency": 0.0,
    "seed": 7,
    "clock": FakeClock(),
    "host": "127.0.0.1",
    "port": 0,
}
"""The 22 keyword arguments FakeIdentityCenter has taken since it was published, none at its default."""


def test_every_published_keyword_argument_still_sets_its_setting() -> None:
    idc = FakeIdentityCenter(**KEYWORDS)
    assert {name: getattr(idc.settings, name) for name in KEYWORDS} == KEYWORDS
    assert idc.settings == FakeSettings(**KEYWORDS)


def test_settings_are_taken_whole_and_keywords_beside_them_replace_fields() -> None:
    clock = FakeClock()
    settings = FakeSettings(region="eu-west-1", access_token_ttl=120, clock=clock)
    with FakeIdentityCenter(settings, region="eu-west-2") as idc:
        token = idc.issue_token()
    assert (token["region"], token["expiresIn"]) == ("eu-west-2", 120)
    assert idc.settings.access_token_ttl == 120
    assert settings.region == "eu-west-1"  # frozen: the caller's object is not changed


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ({"acess_token_ttl": 60}, TypeError, "acess_token_ttl"),
        ({"session_ttl": 0}, ValueError, "session_ttl must be positive"),
        ({"port": 70000}, ValueError, "port must be between 0 and 65535"),
        ({"error_rate": 2.0}, ValueError, "error_rate must be between 0 and 1"),
    ],
    ids=["a misspelt keyword", "a lifetime of 0", "a port out of range", "a rate over 1"],
)
def test_a_setting_that_cannot_work_is_refused_before_anything_runs(
    keywords: Dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        FakeIdentityCenter(**keywords)
