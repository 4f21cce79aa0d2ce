"""An RS256 trusted token issuer: RSA JWTs and a JWKS from the fake, with the standard library alone.

The signatures are checked by an independent implementation (the
``cryptography`` package, which moto brings along) in both directions, and
CreateTokenWithIAM through a real boto3 ``sso-oidc`` client accepts the
issuer's JWTs and refuses tampered ones and other algorithms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

from botocore_sso_provider.testing import GRANT_JWT_BEARER, FakeIdentityCenter, TrustedTokenIssuer
from botocore_sso_provider.testing import rsa as fake_rsa

crypto = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa", reason="needs cryptography")
from cryptography.hazmat.primitives import hashes  # noqa: E402 - after the skip
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402

pytestmark = pytest.mark.functional

ISSUER = "https://rsa-idp.example.com"
AUDIENCE = "rsa-app"
_HAS_OPERATION = (
    "CreateTokenWithIAM" in botocore.session.get_session().get_service_model("sso-oidc").operation_names
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def issuer(idc: FakeIdentityCenter) -> TrustedTokenIssuer:
    return idc.register_trusted_token_issuer(ISSUER, algorithm="RS256")


def _public_key_from_jwks(jwks: dict, kid: str) -> Any:
    [jwk] = [key for key in jwks["keys"] if key["kid"] == kid]
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS256", "sig")
    numbers = crypto.RSAPublicNumbers(
        int.from_bytes(_unb64(jwk["e"]), "big"), int.from_bytes(_unb64(jwk["n"]), "big")
    )
    return numbers.public_key()


def test_the_jwt_verifies_with_the_published_jwks_by_another_implementation(
    issuer: TrustedTokenIssuer,
) -> None:
    token = issuer.mint("alice", AUDIENCE)
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(_unb64(header_part))
    assert header["alg"] == "RS256" and header["kid"] == issuer.kid
    public = _public_key_from_jwks(issuer.jwks(), header["kid"])
    assert public.key_size == 2048
    public.verify(
        _unb64(signature_part), f"{header_part}.{payload_part}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert json.loads(_unb64(payload_part))["sub"] == "alice"
    assert set(issuer.jwks()["keys"][0]) == {
        "kty",
        "use",
        "alg",
        "kid",
        "n",
        "e",
    }  # no private part published
    assert str(issuer.rsa_key.d) not in repr(issuer) + repr(issuer.rsa_key)  # type: ignore[union-attr]


def test_signatures_made_elsewhere_verify_here_and_tampering_does_not() -> None:
    private = crypto.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    ours = fake_rsa.PublicKey(numbers.n, numbers.e)
    message = b"header.payload"
    signature = private.sign(message, padding.PKCS1v15(), hashes.SHA256())
    assert ours.verify(message, signature)
    assert not ours.verify(b"header.payloae", signature)
    assert not ours.verify(message, signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not ours.verify(message, signature[1:])


@pytest.mark.skipif(not _HAS_OPERATION, reason="this botocore's sso-oidc model has no CreateTokenWithIAM")
def test_create_token_with_iam_accepts_the_rs256_jwt_and_refuses_forgeries(
    idc: FakeIdentityCenter, issuer: TrustedTokenIssuer
) -> None:
    app = idc.register_application("rsa-analytics", trusted_token_issuers={ISSUER: [AUDIENCE]})
    oidc = boto3.Session(region_name=idc.region, **idc.iam_credentials()).client(
        "sso-oidc", endpoint_url=idc.url
    )
    good = issuer.mint("alice", AUDIENCE)
    tokens = oidc.create_token_with_iam(clientId=app, grantType=GRANT_JWT_BEARER, assertion=good)
    assert tokens["accessToken"] and tokens["refreshToken"]

    header_part, payload_part, signature_part = good.split(".")
    claims = json.loads(_unb64(payload_part))
    tampered = f"{header_part}.{_b64(json.dumps({**claims, 'jti': 'replayed'}).encode())}.{signature_part}"
    # alg confusion: HS256 "signed" with the public key's bytes must not pass for RS256
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": issuer.kid}).encode())
    public_bytes = json.dumps(issuer.jwks()).encode()
    mac = hmac.new(public_bytes, f"{hs_header}.{payload_part}".encode(), hashlib.sha256).digest()
    confused = f"{hs_header}.{payload_part}.{_b64(mac)}"
    other_kid = _b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "not-ours"}).encode())
    wrong_kid = f"{other_kid}.{payload_part}.{signature_part}"
    for forged in (tampered, confused, wrong_kid):
        with pytest.raises(ClientError) as caught:
            oidc.create_token_with_iam(clientId=app, grantType=GRANT_JWT_BEARER, assertion=forged)
        assert caught.value.response["Error"]["Code"] == "InvalidGrantException"
    assert idc.request_counts()["CreateTokenWithIAM"] == 4


def test_an_hs256_issuer_has_no_jwks_and_unknown_algorithms_are_refused(idc: FakeIdentityCenter) -> None:
    plain = idc.register_trusted_token_issuer("https://hmac-idp.example.com")
    assert plain.algorithm == "HS256" and plain.kid is None
    with pytest.raises(ValueError, match="RS256"):
        plain.jwks()
    with pytest.raises(ValueError, match="HS256 or RS256"):
        idc.register_trusted_token_issuer("https://x.example.com", algorithm="ES256")
