"""Compact JWTs: what a fake trusted token issuer mints and the fake checks.

Real trusted token issuers sign with RSA keys published as a JWKS (RS256).
The fake does too when asked (``rsa.py``: RSA with the standard library
alone, so no crypto package and no network); by default each issuer gets a
random HMAC key instead (HS256), which costs no key generation. An issuer
accepts only its own algorithm. Everything else is checked as the service
does: issuer, audience, expiry, not-before and the claim naming the user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Dict, Mapping, Optional, Union

from . import rsa

SigningKey = Union[bytes, rsa.PrivateKey]
"""An HMAC key (HS256) or an RSA private key (RS256)."""
CheckingKey = Union[bytes, rsa.PublicKey]


class InvalidJWT(Exception):
    """Why an assertion was refused (sent as invalid_grant)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))


def encode(claims: Mapping[str, Any], key: SigningKey, *, kid: Optional[str] = None) -> str:
    """A signed JWT: HS256 with an HMAC key, RS256 (with ``kid`` in the header) with an RSA key."""
    fields: Dict[str, Any] = {"alg": "HS256" if isinstance(key, bytes) else "RS256", "typ": "JWT"}
    if kid is not None:
        fields["kid"] = kid
    header = _b64(json.dumps(fields, separators=(",", ":")).encode())
    payload = _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    signed = f"{header}.{payload}".encode()
    signature = hmac.new(key, signed, hashlib.sha256).digest() if isinstance(key, bytes) else key.sign(signed)
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
    token: str,
    key: CheckingKey,
    *,
    issuer: str,
    audiences: Any,
    now: float,
    leeway: float = 60,
    kid: Optional[str] = None,
) -> Dict[str, Any]:
    """The claims of a token signed with ``key`` for ``issuer`` and one of ``audiences``.

    The algorithm is the key's (HS256 for an HMAC key, RS256 for an RSA
    key), never the one the token names: a token signed with another
    algorithm is refused. With ``kid``, an RS256 token must name that key.
    """
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(_unb64(header_part))
        signature = _unb64(signature_part)
    except (ValueError, UnicodeError):
        raise InvalidJWT("The assertion is not a JWT") from None
    algorithm = "HS256" if isinstance(key, bytes) else "RS256"
    if not isinstance(header, dict) or header.get("alg") != algorithm:
        raise InvalidJWT("The assertion's signing algorithm is not accepted")
    if kid is not None and algorithm == "RS256" and header.get("kid") != kid:
        raise InvalidJWT("The assertion's key ID is not in the issuer's JWKS")
    signed = f"{header_part}.{payload_part}".encode()
    if isinstance(key, bytes):
        valid = hmac.compare_digest(hmac.new(key, signed, hashlib.sha256).digest(), signature)
    else:
        valid = key.verify(signed, signature)
    if not valid:
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
