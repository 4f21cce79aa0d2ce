"""CreateTokenWithIAM against the fake, through a real boto3 ``sso-oidc`` client signing with SigV4."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from botocore_sso_provider.testing import (
    GRANT_JWT_BEARER,
    GRANT_TOKEN_EXCHANGE,
    FakeIdentityCenter,
    TrustedTokenIssuer,
)

ISSUER = "https://idp.example.com"
AUDIENCE = "my-app-audience"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"

_HAS_OPERATION = (
    "CreateTokenWithIAM" in botocore.session.get_session().get_service_model("sso-oidc").operation_names
)
pytestmark = [
    pytest.mark.functional,
    pytest.mark.skipif(
        not _HAS_OPERATION,
        reason="this botocore's sso-oidc model has no CreateTokenWithIAM (added in late 2023)",
    ),
]


@pytest.fixture
def issuer(idc: FakeIdentityCenter) -> TrustedTokenIssuer:
    return idc.register_trusted_token_issuer(ISSUER)


@pytest.fixture
def app(idc: FakeIdentityCenter, issuer: TrustedTokenIssuer) -> str:
    return idc.register_application("analytics", trusted_token_issuers={ISSUER: [AUDIENCE]})


def _client(idc: FakeIdentityCenter, **credentials: str) -> Any:
    keys = credentials or idc.iam_credentials()
    return boto3.Session(region_name=idc.region, **keys).client("sso-oidc", endpoint_url=idc.url)


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_a_jwt_from_a_trusted_issuer_becomes_identity_center_tokens(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str
) -> None:
    response = _client(idc).create_token_with_iam(
        clientId=app, grantType=GRANT_JWT_BEARER, assertion=issuer.mint("alice", AUDIENCE)
    )
    assert response["tokenType"] == "Bearer"
    assert response["expiresIn"] == 3600
    assert response["issuedTokenType"] == ACCESS
    assert set(response["scope"]) == {"openid", "aws", "sso:account:access"}
    assert _claims(response["idToken"])["sub"] == "alice"
    assert (
        _claims(response["idToken"])["sts:identity_context"]
        == response["awsAdditionalDetails"]["identityContext"]
    )
    assert idc.access_token_is_valid(response["accessToken"])
    assert idc.iam_refresh_token_is_valid(response["refreshToken"])
    # the access token works on the portal, as the user's
    portal = boto3.Session(region_name=idc.region).client("sso", endpoint_url=idc.url)
    accounts = portal.list_accounts(accessToken=response["accessToken"])["accountList"]
    assert {a["accountName"] for a in accounts} == {"dev", "prod", "sandbox"}
    assert idc.request_counts()["CreateTokenWithIAM"] == 1


def test_the_refresh_token_grant_rotates(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str
) -> None:
    client = _client(idc)
    first = client.create_token_with_iam(
        clientId=app, grantType=GRANT_JWT_BEARER, assertion=issuer.mint("alice", AUDIENCE)
    )
    second = client.create_token_with_iam(
        clientId=app, grantType="refresh_token", refreshToken=first["refreshToken"], scope=["openid"]
    )
    assert second["scope"] == ["openid"]
    assert second["accessToken"] != first["accessToken"]
    assert not idc.iam_refresh_token_is_valid(first["refreshToken"])
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token_with_iam(
            clientId=app, grantType="refresh_token", refreshToken=first["refreshToken"]
        )


def test_token_exchange_gives_this_application_a_token_for_the_same_user(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str, seed_login: Any
) -> None:
    login = seed_login()  # an ordinary Identity Center login of alice
    client = _client(idc)
    exchanged = client.create_token_with_iam(
        clientId=app,
        grantType=GRANT_TOKEN_EXCHANGE,
        subjectToken=login["accessToken"],
        subjectTokenType=ACCESS,
        requestedTokenType="urn:ietf:params:oauth:token-type:refresh_token",
    )
    assert _claims(exchanged["idToken"])["sub"] == "alice"
    assert exchanged["issuedTokenType"].endswith("refresh_token")
    assert "refreshToken" in exchanged
    with pytest.raises(client.exceptions.InvalidGrantException):
        client.create_token_with_iam(
            clientId=app, grantType=GRANT_TOKEN_EXCHANGE, subjectToken="aoa-bogus", subjectTokenType=ACCESS
        )


def test_role_credentials_issued_by_the_fake_sign_too(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str, seed_login: Any
) -> None:
    login = seed_login()
    portal = boto3.Session(region_name=idc.region).client("sso", endpoint_url=idc.url)
    role = portal.get_role_credentials(
        roleName="Admin", accountId="111111111111", accessToken=login["accessToken"]
    )["roleCredentials"]
    client = _client(
        idc,
        aws_access_key_id=role["accessKeyId"],
        aws_secret_access_key=role["secretAccessKey"],
        aws_session_token=role["sessionToken"],
    )
    response = client.create_token_with_iam(
        clientId=app, grantType=GRANT_JWT_BEARER, assertion=issuer.mint("alice", AUDIENCE)
    )
    assert idc.access_token_is_valid(response["accessToken"])


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("wrong audience", "InvalidGrantException"),
        ("expired", "InvalidGrantException"),
        ("untrusted issuer", "InvalidGrantException"),
        ("forged signature", "InvalidGrantException"),
        ("unknown user", "InvalidGrantException"),
        ("unknown application", "InvalidClientException"),
        ("scope not granted", "InvalidScopeException"),
        ("grant not enabled", "UnauthorizedClientException"),
        ("unknown grant", "UnsupportedGrantTypeException"),
    ],
)
def test_documented_errors(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str, case: str, error: str
) -> None:
    other = idc.register_trusted_token_issuer("https://other.example.com")
    no_jwt_app = idc.register_application(
        "refresh-only", trusted_token_issuers={ISSUER: [AUDIENCE]}, grant_types=["refresh_token"]
    )
    arguments: dict[str, Any] = {
        "clientId": app,
        "grantType": GRANT_JWT_BEARER,
        "assertion": issuer.mint("alice", AUDIENCE),
    }
    if case == "wrong audience":
        arguments["assertion"] = issuer.mint("alice", "someone-else")
    elif case == "expired":
        arguments["assertion"] = issuer.mint("alice", AUDIENCE, expires_in=-120)
    elif case == "untrusted issuer":
        arguments["assertion"] = other.mint("alice", AUDIENCE)
    elif case == "forged signature":
        header, payload, _ = arguments["assertion"].split(".")
        arguments["assertion"] = f"{header}.{payload}.{other.mint('alice', AUDIENCE).split('.')[2]}"
    elif case == "unknown user":
        arguments["assertion"] = issuer.mint("mallory", AUDIENCE)
    elif case == "unknown application":
        arguments["clientId"] = "arn:aws:sso::123456789012:application/ssoins-x/apl-unknown"
    elif case == "scope not granted":
        arguments["scope"] = ["admin:everything"]
    elif case == "grant not enabled":
        arguments["clientId"] = no_jwt_app
    elif case == "unknown grant":
        arguments["grantType"] = "password"
    with pytest.raises(ClientError) as caught:
        _client(idc).create_token_with_iam(**arguments)
    assert caught.value.response["Error"]["Code"] == error
    assert idc.request_counts()["CreateTokenWithIAM"] == 1


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        (
            {"aws_access_key_id": "AKIAUNKNOWN000000000", "aws_secret_access_key": "x" * 30},
            "UnrecognizedClientException",
        ),
        (None, "InvalidSignatureException"),
    ],
    ids=["unknown key", "wrong secret"],
)
def test_a_request_not_signed_by_known_credentials_is_refused(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str, credentials: Any, code: str
) -> None:
    if credentials is None:
        credentials = dict(idc.iam_credentials(), aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as caught:
        _client(idc, **credentials).create_token_with_iam(
            clientId=app, grantType=GRANT_JWT_BEARER, assertion=issuer.mint("alice", AUDIENCE)
        )
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_unsigned_request_is_refused(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer, app: str
) -> None:
    from botocore import UNSIGNED
    from botocore.config import Config

    client = boto3.Session(region_name=idc.region).client(
        "sso-oidc", endpoint_url=idc.url, config=Config(signature_version=UNSIGNED)
    )
    with pytest.raises(ClientError) as caught:
        client.create_token_with_iam(
            clientId=app, grantType=GRANT_JWT_BEARER, assertion=issuer.mint("alice", AUDIENCE)
        )
    assert caught.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
