"""Compact JWTs signed with HMAC-SHA256: what a fake trusted token issuer mints and the fake checks.

Real trusted token issuers sign with RSA keys published at a JWKS URL; the
fake needs no network and no crypto package, so each issuer registered with
it gets a random HMAC key instead. Everything else is checked as the service
does: issuer, audience, expiry, not-before and the claim naming the user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Dict, Mapping


class InvalidJWT(Exception):
    """Why an assertion was refused (sent as invalid_grant)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


def encode(claims: Mapping[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def unverified_claims(token: str) -> Dict[str, Any]:
    """The payload, unchecked: only to find which issuer's key checks it."""
    try:
        _, payload, _ = token.split(".")
        claims = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        raise InvalidJWT("The assertion is not a JWT") from None
    if not isinstance(claims, dict):
        raise InvalidJWT("The assertion's payload is not a JSON object")
    return claims


def decode(
    token: str, key: bytes, *, issuer: str, audiences: Any, now: float, leeway: float = 60
) -> Dict[str, Any]:
    """The claims of a token signed with ``key`` for ``issuer`` and one of ``audiences``."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(_unb64(header_part))
        signature = _unb64(signature_part)
    except (ValueError, UnicodeError):
        raise InvalidJWT("The assertion is not a JWT") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidJWT("The assertion's signing algorithm is not accepted")
    expected = hmac.new(key, f"{header_part}.{payload_part}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise InvalidJWT("The assertion's signature is not valid")
    claims = unverified_claims(token)
    if claims.get("iss") != issuer:
        raise InvalidJWT("The assertion's issuer is not trusted")
    audience = claims.get("aud")
    offered = audience if isinstance(audience, list) else [audience]
    if not any(value in audiences for value in offered):
        raise InvalidJWT("The assertion's audience is not accepted by this application")
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or now >= expires + leeway:
        raise InvalidJWT("The assertion has expired")
    not_before = claims.get("nbf", claims.get("iat", 0))
    if isinstance(not_before, (int, float)) and now + leeway < not_before:
        raise InvalidJWT("The assertion is not valid yet")
    return claims
