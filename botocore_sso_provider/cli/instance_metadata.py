"""The EC2 instance-metadata protocol (IMDSv2 only), for tools that read nothing else (``serve --imds``).

A client first asks for a session token (``PUT /latest/api/token`` with
``X-aws-ec2-metadata-token-ttl-seconds``, 1 to 21600), then sends it as
``X-aws-ec2-metadata-token`` with every ``GET``:
``/latest/meta-data/iam/security-credentials/`` names the role, and
``.../<role>`` answers its credentials. A ``GET`` without a valid token is
401, as EC2 answers when IMDSv2 is required; a token ``PUT`` carrying
``X-Forwarded-For`` is 403, as on EC2, so a proxy on this machine cannot
fetch one for someone else.

Tokens are not stored: each is its expiry and an HMAC of it under a key made
at start, checked in constant time, so any number of clients cost nothing
and a forged or expired token is refused. The protocol has no secret of its
own, which is why the server answers it on loopback only and to its own
user only (:mod:`.peer_user`).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import secrets
import struct
import time
from typing import Any, Callable, Mapping, NamedTuple, Optional, Protocol

from ..rules.profiles import is_role_name
from ..rules.timestamps import format_timestamp
from .credential_answers import credential_fields, unavailable
from .exporting import ProfileCredentials

TOKEN_PATH = "/latest/api/token"  # noqa: S105 - a path
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"  # noqa: S105 - a header name
ENDPOINT_VARIABLE = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
MAX_TTL = 21600
"""Seconds: EC2's limit for a session token (six hours)."""

FALLBACK_ROLE_NAME = "botocore-sso"

_MAC_SIZE = 32


class Headers(Protocol):
    """A request's headers, looked up case-insensitively (``http.client.HTTPMessage``)."""

    def get(self, name: str, default: None = None) -> Optional[str]: ...


class Reply(NamedTuple):
    status: int
    body: bytes
    content_type: str = "text/plain"
    headers: Mapping[str, str] = {}


def role_name_for(profile: str, values: Mapping[str, Any]) -> str:
    """The role name instance metadata gives a profile: its SSO role, its role_arn's, its own, or ours."""
    arn = values.get("role_arn")
    candidates = [
        values.get("sso_role_name"),
        arn.rpartition("/")[2] if isinstance(arn, str) else None,
        profile,
    ]
    return next(
        (str(name) for name in candidates if is_role_name(name)), FALLBACK_ROLE_NAME
    )  # only these: paths


class InstanceMetadata:
    """Answers instance-metadata requests with ``get_credentials()``, under the role name ``role_name``."""

    def __init__(
        self,
        role_name: str,
        get_credentials: Callable[[], ProfileCredentials],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not is_role_name(role_name):
            raise ValueError("not an IAM role name")
        self.role_name = role_name
        self._get_credentials = get_credentials
        self._clock = clock
        self._key = secrets.token_bytes(32)

    @staticmethod
    def handles(path: str) -> bool:
        return path == "/latest" or path.startswith("/latest/")

    def answer(self, method: str, path: str, headers: Headers) -> Reply:
        """The reply to one request whose path ``handles``."""
        if path == TOKEN_PATH:
            if method != "PUT":
                return _text(405, "Use PUT to get a session token.")
            return self._new_token(headers)
        if method != "GET":
            return _text(405, "Only GET is served here.")
        if not self._valid(headers.get(TOKEN_HEADER)):
            return _text(401, f"Send a session token from PUT {TOKEN_PATH} in {TOKEN_HEADER} (IMDSv2 only).")
        if path in (CREDENTIALS_PATH, CREDENTIALS_PATH.rstrip("/")):
            return _text(200, self.role_name)
        if path == CREDENTIALS_PATH + self.role_name:
            return self._credentials()
        return _text(404, "Not found.")

    def _new_token(self, headers: Headers) -> Reply:
        if headers.get("X-Forwarded-For") is not None:
            return _text(403, "A forwarded request gets no token.")
        ttl = headers.get(TTL_HEADER) or ""
        if not (ttl.isascii() and ttl.isdigit() and 1 <= int(ttl) <= MAX_TTL):
            return _text(400, f"Send {TTL_HEADER} between 1 and {MAX_TTL}.")
        expiry = int((self._clock() + int(ttl)) * 1000)
        payload = struct.pack(">Q", expiry)
        token = base64.urlsafe_b64encode(payload + self._mac(payload)).decode("ascii")
        return Reply(200, token.encode("ascii"), headers={TTL_HEADER: ttl})

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def _valid(self, token: Optional[str]) -> bool:
        if not token or len(token) > 128:
            return False
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            return False
        payload, mac = raw[:-_MAC_SIZE], raw[-_MAC_SIZE:]
        if len(payload) != 8 or not hmac.compare_digest(mac, self._mac(payload)):
            return False
        (expiry,) = struct.unpack(">Q", payload)
        return bool(self._clock() * 1000 < expiry)

    def _credentials(self) -> Reply:
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            credentials = self._get_credentials()
        except Exception as err:  # the same sentences as the container endpoint, no secret
            status, refused = unavailable(err)
            return Reply(status, json.dumps(refused).encode("utf-8"), "application/json")
        body: dict[str, Any] = {"Code": "Success", "LastUpdated": format_timestamp(now), "Type": "AWS-HMAC"}
        body.update(credential_fields(credentials))
        return Reply(200, json.dumps(body).encode("utf-8"), "application/json")


def _text(status: int, message: str) -> Reply:
    return Reply(status, message.encode("utf-8"))
