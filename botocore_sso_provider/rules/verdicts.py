"""What ``status`` says about a login, from its records: the verdict and the shell-prompt line.

The verdict is what the provider will do with the same files, so that
``status`` never promises what a boto3 call then refuses:

- ``usable``: credentials without a request to refresh the login (fresh role
  credentials; or a token that is fresh, or due and not refreshable);
- ``refresh``: the provider first refreshes the token (one CreateToken);
- ``login``: a new login is needed (no token, an unreadable one, or one that
  expired and cannot be refreshed).

Standard library only: ``status --short`` answers a shell prompt with it.
"""

from __future__ import annotations

from .records import EXPIRED, FRESH, RoleRecord, TokenRecord
from .terminal import printable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import datetime
    from typing import Union

    Token = Union[TokenRecord, str, None]
    """A token record, the problem with the file, or None when there is no file."""
    Role = Union[RoleRecord, str, None]

USABLE = "usable"
REFRESH = "refresh"
LOGIN = "login"


def verdict(token: Token, role: Role, now: datetime.datetime) -> str:
    """USABLE, REFRESH or LOGIN: what the provider does with these records at ``now``."""
    if isinstance(role, RoleRecord) and role.state(now) == FRESH:
        return USABLE
    if not isinstance(token, TokenRecord):
        return LOGIN
    token_state = token.state(now)
    if token_state == FRESH:
        return USABLE
    if token.refreshable(now):
        return REFRESH
    return LOGIN if token_state == EXPIRED else USABLE


def login_verdict(token: Token, now: datetime.datetime) -> str:
    """The verdict for a login alone (no particular role): whether its token gives credentials."""
    return verdict(token, None, now)


def prompt_line(label: str, token: Token, role: Role, now: datetime.datetime) -> str:
    """One line for a shell prompt: ``corp 3h12m``, ``corp refresh``, ``corp role 40m``, ``corp expired``.

    ``label`` (a session name or start URL from the config) is shown escaped: a prompt is a terminal too.
    """
    label = printable(label)
    if isinstance(token, TokenRecord) and token.state(now) != EXPIRED:
        return f"{label} {duration(token.expires_at - now)}"
    if isinstance(token, TokenRecord) and token.refreshable(now):
        return f"{label} refresh"
    if isinstance(role, RoleRecord) and role.state(now) == FRESH:
        return f"{label} role {duration(role.local_expiration - now)}"
    if isinstance(token, TokenRecord):
        return f"{label} expired"
    return f"{label} {'unreadable' if isinstance(token, str) else 'logged out'}"


def duration(delta: datetime.timedelta) -> str:
    """``3h12m``, ``40m``, ``2d5h``: whole minutes, rounded down."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return f"{hours // 24}d{hours % 24}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
