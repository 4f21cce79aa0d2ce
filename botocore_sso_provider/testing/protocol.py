"""The protocol rules that need no state: request fields, PKCE, loopback redirects, paging.

Each function raises the ``FakeServiceError`` the real service would send for
a malformed input, so callers can use the result without checking it again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import string
import time
from typing import Any, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlencode, urlsplit

from .service_errors import oidc_error, portal_error

CLI_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_VERIFIER_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")


def format_time(epoch: float) -> str:
    """UTC time exactly as the AWS CLI v2 writes it in its caches."""
    return time.strftime(CLI_TIME_FORMAT, time.gmtime(epoch))


# -- JSON request fields (SSO OIDC) --------------------------------------------------


def optional_text(body: Mapping[str, Any], key: str) -> Optional[str]:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise oidc_error("invalid_request", f"{key} must be a string")
    return value


def required_text(body: Mapping[str, Any], key: str) -> str:
    value = optional_text(body, key)
    if value is None:
        raise oidc_error("invalid_request", f"{key} is required")
    return value


def text_list(body: Mapping[str, Any], key: str) -> Tuple[str, ...]:
    value = body.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise oidc_error("invalid_request", f"{key} must be a list of strings")
    return tuple(value)


# -- PKCE (RFC 7636) and loopback redirects (RFC 8252) -------------------------------


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier: base64url(sha256), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str) -> bool:
    """A well-formed verifier (43-128 unreserved characters) whose S256 is ``challenge``."""
    if not 43 <= len(verifier) <= 128 or not set(verifier) <= _VERIFIER_CHARS:
        return False
    return hmac.compare_digest(pkce_challenge(verifier), challenge)


def redirect_allowed(redirect_uri: str, registered: Sequence[str]) -> bool:
    """Loopback http on any port (RFC 8252 §7.3) with the path of a registered loopback URI."""
    wanted = _loopback_path(redirect_uri)
    if wanted is None:
        return False
    return any(_loopback_path(uri) == wanted for uri in registered)


def _loopback_path(uri: str) -> Optional[str]:
    parts = urlsplit(uri)
    try:
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        return None
    return parts.path or "/"


def add_query(uri: str, **params: Optional[str]) -> str:
    """``uri`` with ``params`` appended to its query; ``None`` values are left out."""
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def normalise_user_code(user_code: str) -> str:
    """Users type codes in any case, with or without the dash."""
    return user_code.replace("-", "").strip().upper()


# -- paging (SSO portal) -------------------------------------------------------------


def page_size(max_result: Optional[str]) -> int:
    if max_result is None or max_result == "":
        return DEFAULT_PAGE_SIZE
    try:
        size = int(max_result)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise portal_error("InvalidRequestException", f"max_result must be between 1 and {MAX_PAGE_SIZE}")
    return size


def paginate(
    items: List[Any], kind: str, next_token: Optional[str], size: int
) -> Tuple[List[Any], Optional[str]]:
    """One page of ``items`` and the opaque token of the next page (None on the last).

    The token names ``kind`` so a token of one listing is refused by another.
    """
    offset = 0
    if next_token:
        try:
            decoded = base64.urlsafe_b64decode(next_token.encode("ascii") + b"==").decode()
            token_kind, _, number = decoded.rpartition("|")
            offset = int(number)
        except (ValueError, UnicodeError, binascii.Error):
            token_kind, offset = "", -1
        if token_kind != kind or not 0 <= offset <= len(items):
            raise portal_error("InvalidRequestException", "Invalid next token")
    end = offset + size
    if end >= len(items):
        return items[offset:], None
    following = base64.urlsafe_b64encode(f"{kind}|{end}".encode()).rstrip(b"=").decode()
    return items[offset:end], following
