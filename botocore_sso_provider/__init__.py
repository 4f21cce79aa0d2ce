"""AWS IAM Identity Center (SSO) credentials for every botocore and boto3 program.

The public API is re-exported here and loaded on first use, so importing the
package costs next to nothing until something is asked of it.
"""

from __future__ import annotations

from ._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)


if TYPE_CHECKING:
    from typing import Any

    from .errors import (
        CacheLockedError,
        CorruptCacheError,
        LoginError,
        NotLoggedInError,
        RegistrationExpiredError,
        RoleAccessDeniedError,
        ServiceUnavailableError,
        SessionEndedError,
        SSOConfigError,
        SSOProviderError,
        TokenExpiredError,
    )
    from .provider.credentials import SSOCredentialProvider
    from .wiring import register

_EXPORTS = {
    "register": "wiring",
    "SSOCredentialProvider": "provider.credentials",
    "CacheLockedError": "errors",
    "CorruptCacheError": "errors",
    "LoginError": "errors",
    "NotLoggedInError": "errors",
    "RegistrationExpiredError": "errors",
    "RoleAccessDeniedError": "errors",
    "ServiceUnavailableError": "errors",
    "SessionEndedError": "errors",
    "SSOConfigError": "errors",
    "SSOProviderError": "errors",
    "TokenExpiredError": "errors",
}

__all__ = [
    "CacheLockedError",
    "CorruptCacheError",
    "LoginError",
    "NotLoggedInError",
    "RegistrationExpiredError",
    "RoleAccessDeniedError",
    "SSOConfigError",
    "SSOCredentialProvider",
    "SSOProviderError",
    "ServiceUnavailableError",
    "SessionEndedError",
    "TokenExpiredError",
    "__version__",
    "register",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # here, not at the top: the prompt line and credential-process never need it

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
