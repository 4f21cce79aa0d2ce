"""The layers put together: the provider, with logins on demand from login/.

The provider (``provider/``) may not import ``login/``, which sits above it;
this module, above both, hands login/'s ``login_on_demand`` to every session
it registers. ``register`` (the public API) and the start-up hook's
initializer come through here; login/ itself is imported only when a login
is really needed.
"""

from __future__ import annotations

from typing import Any

from .provider import activation
from .rules.profiles import SSOSessionConfig
from .rules.records import TokenRecord


def login_on_demand(session: SSOSessionConfig, botocore_session: Any, error: Exception) -> TokenRecord:
    """A new login where the user opted in and a terminal is there; else ``error`` raised."""
    from .login.on_demand import login_on_demand as log_in_now  # the cold path only

    return log_in_now(session, botocore_session, error)


def register(session: Any) -> None:
    """Make ``session`` (botocore, boto3 or aiobotocore) resolve SSO profiles through this package.

    Idempotent; safe before or after the session has resolved credentials
    (credentials already resolved stay as they are). An ``aioboto3.Session``
    works too, as a boto3 one does.
    """
    activation.register(session, login=login_on_demand)


def initialize_session(session: Any) -> None:
    """The botocore initializer the start-up hook registers: ``register`` with entry points, unless off."""
    activation.initialize_session(session, login=login_on_demand)
