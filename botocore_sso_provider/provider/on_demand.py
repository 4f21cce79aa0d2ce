"""How the provider logs in on demand: a callback that a higher layer attaches to each session.

Logging in is login/'s work, a layer above the provider, which must not import
it. ``botocore_sso_provider.wiring`` attaches login/'s ``login_on_demand`` to
every session it registers (``register()``, the start-up hook), and each token
provider of that session asks it when no usable token is left. A session
nobody attached one to never logs in by itself: the error is raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from ..rules.profiles import SSOSessionConfig
    from ..rules.records import TokenRecord

LoginOnDemand = Callable[["SSOSessionConfig", Any, Exception], "TokenRecord"]
"""Logs in for a login (sso-session or start URL) and returns its token, or raises the error given."""

_ATTRIBUTE = "_botocore_sso_provider_login"


def attach_login(session: Any, login: LoginOnDemand) -> None:
    """Make ``login`` the way this botocore (or boto3) session's token providers log in on demand."""
    setattr(getattr(session, "_session", session), _ATTRIBUTE, login)


def attached_login(session: Any) -> Optional[LoginOnDemand]:
    """The login on demand attached to ``session``; None: never log in, raise the error."""
    login: Optional[LoginOnDemand] = getattr(getattr(session, "_session", session), _ATTRIBUTE, None)
    return login
