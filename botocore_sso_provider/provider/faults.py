"""Which botocore failures are passing (retry later, keep the cached token) and which are not."""

from __future__ import annotations

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    HTTPClientError,
)

_THROTTLING_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "SlowDownException",
    }
)


def is_transient(error: BaseException) -> bool:
    """True for network trouble, 5xx answers and throttling: worth trying again later."""
    if isinstance(error, (ConnectionError, HTTPClientError)):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or status == 429 or code in _THROTTLING_CODES
    return False


def is_foreign_answer(error: BaseException) -> bool:
    """True for an HTTP error that carries no service error code: a proxy's or firewall's page.

    botocore names such an error by its status code alone ("403").
    """
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    code = str(error.response.get("Error", {}).get("Code", ""))
    return status < 500 and status != 429 and (not code or code.isdigit())


def describe_failure(error: BaseException) -> str:
    """A short, secret-free description of a failed call for messages."""
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        code = error.response.get("Error", {}).get("Code", "error")
        return f"{code}, HTTP {status}"
    return type(error).__name__
