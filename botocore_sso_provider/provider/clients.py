"""botocore clients for SSO OIDC and the SSO portal, made through the user's session.

Creating them through the caller's botocore session keeps the user's
endpoint (``AWS_ENDPOINT_URL_SSO``, ``services`` sections), proxy and CA
settings. Requests are unsigned, as the services require. Retries are bounded
for an interactive lookup unless the user configured their own.
"""

from __future__ import annotations

from typing import Any, Optional

import botocore.configprovider
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from .. import settings
from . import redaction

INTERACTIVE_RETRIES = {"mode": "standard", "total_max_attempts": 3}
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5

# botocore resolves AWS_ENDPOINT_URL_<SERVICE> itself from 1.31.0 on; before
# that, this module reads the same variables so those versions behave alike.
_BOTOCORE_READS_ENDPOINT_VARIABLES = hasattr(botocore.configprovider, "ConfiguredEndpointProvider")


def client_config(session: Any, region: str) -> Config:
    """Unsigned, in the SSO region; our retry bound unless the user set one."""
    options: dict[str, Any] = {
        "signature_version": UNSIGNED,
        "region_name": region,
        "connect_timeout": CONNECT_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
    }
    if not _user_set_retries(session):
        options["retries"] = dict(INTERACTIVE_RETRIES)
    return Config(**options)


def _user_set_retries(session: Any) -> bool:
    """Whether the environment or the profile chose a retry mode or attempt count."""
    if settings.retries_chosen():
        return True
    try:
        scoped = session.get_scoped_config()
    except ProfileNotFound:
        return False
    return "retry_mode" in scoped or "max_attempts" in scoped


def oidc_client(session: Any, region: str) -> Any:
    """An ``sso-oidc`` client (RegisterClient, StartDeviceAuthorization, CreateToken)."""
    return _client(session, "sso-oidc", region)


def portal_client(session: Any, region: str, overrides: Optional[Config] = None) -> Any:
    """An ``sso`` portal client (GetRoleCredentials, ListAccounts, ...); ``overrides`` win."""
    return _client(session, "sso", region, overrides)


def _client(session: Any, service: str, region: str, overrides: Optional[Config] = None) -> Any:
    redaction.install()  # botocore's DEBUG logs of this client's calls hold secrets
    config = client_config(session, region)
    options: dict[str, Any] = {"config": config.merge(overrides) if overrides is not None else config}
    endpoint = _endpoint_from_environment(service)
    if endpoint:
        options["endpoint_url"] = endpoint
    return session.create_client(service, **options)


def _endpoint_from_environment(service: str) -> Optional[str]:
    """On botocore before 1.31, the endpoint variables newer releases honour."""
    if _BOTOCORE_READS_ENDPOINT_VARIABLES:
        return None
    return settings.endpoint_url(service)
