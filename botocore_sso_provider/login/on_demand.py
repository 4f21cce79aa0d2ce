"""Login on demand (opt-in): the provider logs in by itself when there is no usable token.

On with ``sso_auto_login = true`` in the profile or its sso-session, or
``BOTOCORE_SSO_AUTO_LOGIN=1``; and only in an interactive process (a terminal
on stdin and on stderr), since someone must approve the login. Never in a
non-interactive one (CI, cron, a daemon): there the original error, which
names the login command, is raised as before. Everything is said on stderr,
because stdout belongs to the host program (``credential_process`` output,
for one). Many processes asking at once still make one login.
"""

from __future__ import annotations

import sys
from typing import Any, Mapping

from .. import settings
from ..rules.profiles import SSOSessionConfig
from ..rules.records import TokenRecord

AUTO_LOGIN_VARIABLE = settings.AUTO_LOGIN_VARIABLE
AUTO_LOGIN_KEY = "sso_auto_login"


def auto_login_enabled(session: SSOSessionConfig, full_config: Mapping[str, Any]) -> bool:
    """Whether the environment, the profile or its sso-session opted in."""
    if settings.switch(AUTO_LOGIN_VARIABLE):
        return True
    sections = []
    if session.profile is not None:
        sections.append(full_config.get("profiles", {}).get(session.profile, {}))
    if session.name is not None:
        sections.append(full_config.get("sso_sessions", {}).get(session.name, {}))
    return any(settings.switched_on(str(values.get(AUTO_LOGIN_KEY, ""))) for values in sections)


def is_interactive() -> bool:
    """A person is there: stdin and stderr are terminals."""
    try:
        return sys.stdin is not None and sys.stderr is not None and sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def login_on_demand(session: SSOSessionConfig, botocore_session: Any, error: Exception) -> TokenRecord:
    """A new token from an interactive login, or ``error`` raised when that is not allowed here."""
    if not (is_interactive() and auto_login_enabled(session, botocore_session.full_config)):
        raise error
    from .log_in import LoginRequest, log_in

    sys.stderr.write(f"{error}\nLogging in now ({AUTO_LOGIN_KEY} is on).\n")
    sys.stderr.flush()
    outcome = log_in(session, botocore_session, LoginRequest(reuse_valid_token=True), out=sys.stderr)
    return outcome.token
