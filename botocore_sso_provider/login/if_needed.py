"""``botocore-sso login --if-needed``: keep the login, refresh it, or log in, whichever it needs.

For shell start-up files, scripts and Makefiles, which run it every time:

- a token that lasts longer than the margin is kept, with no request at all;
- one that does not, and can be refreshed (``TokenRecord.refreshable``), is
  refreshed without a browser by the provider's ``TokenProvider``: under the
  token lock, so many processes make one CreateToken;
- one that cannot be refreshed (a legacy login, no refresh token, an expired
  registration), or whose refresh is refused because the session ended,
  leads to a login as plain ``login`` runs it (same flow choice, same login
  lock), as does a missing or unreadable token file (the login replaces it);
- a refresh that fails for a passing reason (IAM Identity Center unreachable,
  a 5xx, a proxy's answer, a lock held too long, a cache that cannot be
  written) keeps the token while it has not expired: a login would meet the
  same service, and would replace a working login with none. Every AWS call
  tries the refresh again when the token is due. An expired token with such
  a failure is the error.

A token file we must not trust (another user's, a symlink) is never logged in
over: that is the error, with its fix.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any, Optional

from ..errors import (
    LOGIN_NEEDED,
    CorruptCacheError,
    NotLoggedInError,
    RegistrationExpiredError,
    SessionEndedError,
    SSOProviderError,
    TokenExpiredError,
    UnsafeCacheError,
)
from ..provider.token import TokenProvider
from ..rules.profiles import SSOSessionConfig
from ..rules.records import FRESH, TokenRecord
from ..rules.terminal import printable
from ..rules.timestamps import Clock, utcnow
from ..rules.verdicts import duration
from ..settings import token_cache_dir
from ..store.cache import JSONFileCache
from .browser import Host
from .interaction import TextSink
from .log_in import LoginRequest, log_in

KEPT = "kept"
"""The token lasts longer than the margin: nothing was done."""
REFRESHED = "refreshed"
"""Refreshed without a browser (by this process, or by another one it waited for)."""
LOGGED_IN = "logged in"
"""A login ran (this process's, or another one's it waited for)."""
NOT_REFRESHED = "not refreshed"
"""The refresh failed for a passing reason; the token, still valid, was kept."""

_WHY_LOGIN = (
    (NotLoggedInError, "there is no login"),
    (SessionEndedError, "the session has ended (the refresh was refused)"),
    (RegistrationExpiredError, "its client registration has expired"),
    (TokenExpiredError, "it cannot be refreshed"),
)


@dataclass(frozen=True)
class IfNeededOutcome:
    action: str
    """KEPT, REFRESHED, LOGGED_IN or NOT_REFRESHED."""
    token: TokenRecord
    problem: Optional[str] = None
    """NOT_REFRESHED: why the refresh failed (the error's sentence)."""


def log_in_if_needed(
    session: SSOSessionConfig,
    botocore_session: Any,
    request: LoginRequest,
    *,
    margin: datetime.timedelta,
    out: TextSink,
    host: Optional[Host] = None,
    cache: Optional[JSONFileCache] = None,
    clock: Clock = utcnow,
) -> IfNeededOutcome:
    """Make the login of ``session`` last longer than ``margin``; see the module docstring."""
    cache = cache if cache is not None else JSONFileCache(token_cache_dir)
    tokens = TokenProvider(session, botocore_session, cache=cache, clock=clock, must_last=margin)
    why: str
    try:
        token = tokens.load()
    except UnsafeCacheError:
        raise
    except NotLoggedInError:
        why = "there is no login"
    except CorruptCacheError as err:
        why = f"its token file {err.path} is unreadable ({err.reason}); the login replaces it"
    else:
        now = clock()
        if token.state(now, margin) == FRESH:
            return IfNeededOutcome(KEPT, token)
        if token.refreshable(now):
            try:
                refreshed = tokens.cached_or_refreshed()
            except LOGIN_NEEDED as err:
                why = next(text for kind, text in _WHY_LOGIN if isinstance(err, kind))
            except SSOProviderError as err:
                if token.expires_at <= clock():
                    raise
                return IfNeededOutcome(NOT_REFRESHED, token, problem=str(err))
            else:
                if refreshed.access_token == token.access_token:
                    # Kept by the provider, which said why (a cache it may not write to).
                    return IfNeededOutcome(NOT_REFRESHED, token)
                return IfNeededOutcome(REFRESHED, refreshed)
        else:
            why = _not_refreshable(token, now)
    out.write(f"Logging in to {printable(session.subject)}: {why}.\n")
    out.flush()
    request = replace(request, reuse_if_lasts=margin)
    outcome = log_in(session, botocore_session, request, out=out, host=host, cache=cache, clock=clock)
    return IfNeededOutcome(LOGGED_IN, outcome.token)


def _not_refreshable(token: TokenRecord, now: datetime.datetime) -> str:
    left = token.expires_at - now
    state = "it has expired" if left <= datetime.timedelta(0) else f"it has only {duration(left)} left"
    if not token.can_refresh:
        return f"{state} and has no refresh token (a legacy login, or no sso_registration_scopes)"
    return f"{state} and its client registration has expired"
