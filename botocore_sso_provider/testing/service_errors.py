"""The errors the fake Identity Center answers with, exactly as the real services send them.

botocore's REST-JSON parser takes the error code from the ``x-amzn-ErrorType``
header and matches it against the service model, so the header must carry the
modeled exception name for ``client.exceptions.InvalidGrantException`` and
friends to be raised. The body differs per service: SSO OIDC speaks OAuth
(``{"error": "invalid_grant", "error_description": ...}``), the SSO portal
sends ``{"message": ...}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Optional

OIDC = "oidc"
PORTAL = "portal"


@dataclass(frozen=True)
class ErrorKind:
    """One error the services know: its exception name, HTTP status and OAuth code."""

    exception: str
    status: int
    oauth_code: str
    message: str


_KINDS = (
    ErrorKind(
        "AuthorizationPendingException", 400, "authorization_pending", "Authorization is still pending"
    ),
    ErrorKind("SlowDownException", 400, "slow_down", "Client is polling too fast"),
    ErrorKind("InvalidGrantException", 400, "invalid_grant", "Invalid grant provided"),
    ErrorKind("ExpiredTokenException", 400, "expired_token", "Device code has expired"),
    ErrorKind("AccessDeniedException", 400, "access_denied", "Authorization was denied"),
    ErrorKind("InvalidClientException", 401, "invalid_client", "Invalid client"),
    ErrorKind("InvalidRequestException", 400, "invalid_request", "Invalid request"),
    ErrorKind("InvalidScopeException", 400, "invalid_scope", "Invalid scope"),
    ErrorKind("UnsupportedGrantTypeException", 400, "unsupported_grant_type", "Unsupported grant type"),
    ErrorKind(
        "UnauthorizedClientException",
        400,
        "unauthorized_client",
        "Client is not authorized for this grant type",
    ),
    ErrorKind("InvalidClientMetadataException", 400, "invalid_client_metadata", "Invalid client metadata"),
    ErrorKind("InvalidRedirectUriException", 400, "invalid_redirect_uri", "Invalid redirect URI"),
    ErrorKind("InternalServerException", 500, "server_error", "Internal server error"),
    ErrorKind("TooManyRequestsException", 429, "too_many_requests", "Too many requests"),
    ErrorKind("UnauthorizedException", 401, "unauthorized", "Session token not found or invalid"),
    ErrorKind("ResourceNotFoundException", 404, "not_found", "Resource not found"),
    ErrorKind("ForbiddenException", 403, "forbidden", "No access"),
)

_BY_NAME: Dict[str, ErrorKind] = {}
for _kind in _KINDS:
    _BY_NAME[_kind.exception] = _kind
    _BY_NAME[_kind.oauth_code] = _kind

KNOWN_ERRORS = tuple(sorted(_BY_NAME))


def error_kind(name: str) -> ErrorKind:
    """The kind named by an exception name or an OAuth code; ValueError if unknown."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown error {name!r}; use one of: {', '.join(KNOWN_ERRORS)}") from None


class FakeServiceError(Exception):
    """A failed operation, ready to be written as an HTTP response.

    Raised by the state model; the HTTP layer writes ``status``, the
    ``x-amzn-ErrorType: error_type`` header and ``body`` as JSON.
    """

    def __init__(self, status: int, error_type: str, body: Dict[str, Any]) -> None:
        super().__init__(f"{status} {error_type}")
        self.status = status
        self.error_type = error_type
        self.body = body

    def to_json(self) -> bytes:
        return json.dumps(self.body).encode("utf-8")


def service_error(service: str, name: str, message: Optional[str] = None) -> FakeServiceError:
    """The error ``name`` (exception name or OAuth code) in ``service``'s wire shape."""
    kind = error_kind(name)
    text = message if message is not None else kind.message
    body: Dict[str, Any] = (
        {"error": kind.oauth_code, "error_description": text} if service == OIDC else {"message": text}
    )
    return FakeServiceError(kind.status, kind.exception, body)


def oidc_error(name: str, message: Optional[str] = None) -> FakeServiceError:
    return service_error(OIDC, name, message)


def portal_error(name: str, message: Optional[str] = None) -> FakeServiceError:
    return service_error(PORTAL, name, message)
