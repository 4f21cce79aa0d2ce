"""A fake AWS IAM Identity Center for testing code that uses SSO credentials.

A real HTTP server on 127.0.0.1 speaking the SSO OIDC and SSO portal wire
protocols, so unmodified botocore clients work against it::

    from botocore_sso_provider.testing import FakeIdentityCenter

    with FakeIdentityCenter() as idc:
        os.environ.update(idc.environ())  # AWS_ENDPOINT_URL_SSO(_OIDC)
        ...

Standard library only: it imports neither botocore nor the rest of this
package. pytest users can opt into fixtures with
``pytest_plugins = ["botocore_sso_provider.testing.fixtures"]``.
"""

from __future__ import annotations

from .directory_file import directory_to_dict, generate_accounts, load_directory
from .iam_tokens import GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE, TrustedTokenIssuer
from .model import DEFAULT_ACCOUNTS, DEFAULT_START_URL, OPERATIONS, Account, User
from .protocol import pkce_challenge
from .server import FakeIdentityCenter
from .service_errors import FakeServiceError
from .settings import FakeSettings

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DEFAULT_START_URL",
    "GRANT_JWT_BEARER",
    "GRANT_TOKEN_EXCHANGE",
    "OPERATIONS",
    "Account",
    "FakeIdentityCenter",
    "FakeServiceError",
    "FakeSettings",
    "TrustedTokenIssuer",
    "User",
    "directory_to_dict",
    "generate_accounts",
    "load_directory",
    "pkce_challenge",
]
