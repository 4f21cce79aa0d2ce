"""Checking AWS Signature Version 4 on a request, as the real endpoints do, with the stdlib only.

CreateTokenWithIAM is the one SSO OIDC operation signed with IAM
credentials. The fake recomputes the signature from the request and the
secret key it issued, so a test proves its client really signs (the right
service name ``sso-oauth``, region, headers and body), not just that a header
is present.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<headers>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class SigningKey:
    """Credentials the fake knows: an access key id, its secret and, for a session, its token."""

    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None


class SignatureError(Exception):
    """Why a signature was refused: ``code`` is the AWS error name, sent with HTTP 403."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def verify(
    *,
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    region: str,
    service: str,
    lookup: Callable[[str], Optional[SigningKey]],
    now: float,
) -> SigningKey:
    """The credentials that signed this request; SignatureError when it is not properly signed."""
    authorization = headers.get("authorization", "")
    if not authorization:
        raise SignatureError("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        raise SignatureError("IncompleteSignatureException", "The Authorization header is malformed")
    key = lookup(match.group("key"))
    if key is None:
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid"
        )
    if key.session_token is not None and not hmac.compare_digest(
        headers.get("x-amz-security-token", ""), key.session_token
    ):
        raise SignatureError(
            "UnrecognizedClientException", "The security token included in the request is invalid"
        )
    if match.group("region") != region or match.group("service") != service:
        raise SignatureError(
            "InvalidSignatureException",
            f"Credential should be scoped to region {region!r} and service {service!r}",
        )
    amz_date = headers.get("x-amz-date", "")
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date) or amz_date[:8] != match.group("date"):
        raise SignatureError("IncompleteSignatureException", "X-Amz-Date is missing or does not match")
    if abs(_epoch(amz_date) - now) > MAX_SKEW_SECONDS:
        raise SignatureError("InvalidSignatureException", "Signature expired: the request time is too skewed")
    signed_headers = match.group("headers").split(";")
    if "host" not in signed_headers or any(name not in headers for name in signed_headers):
        raise SignatureError("IncompleteSignatureException", "A signed header is missing")
    payload_hash = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    if payload_hash != hashlib.sha256(body).hexdigest() and payload_hash != "UNSIGNED-PAYLOAD":
        raise SignatureError("InvalidSignatureException", "The body does not match x-amz-content-sha256")
    canonical = "\n".join(
        [
            method,
            quote(path, safe="/-_.~"),
            "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())),
            "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    scope = f"{match.group('date')}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    secret = ("AWS4" + key.secret_access_key).encode()
    for part in (match.group("date"), region, service, "aws4_request"):
        secret = hmac.new(secret, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group("signature")):
        raise SignatureError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided",
        )
    return key


def _epoch(amz_date: str) -> float:
    import calendar
    import time

    return float(calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")))
