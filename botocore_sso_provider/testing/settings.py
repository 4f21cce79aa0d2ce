"""How one fake Identity Center behaves: its directory, lifetimes, switches, faults, clock and address.

``FakeIdentityCenter(**keywords)`` fills a ``FakeSettings`` with its keywords
(``FakeIdentityCenter(settings)`` takes one whole, and keywords beside it
replace single fields), so the server, the state and the routes all read
this one frozen object. Values are checked here, when a test builds it, not
at the first request.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple

from .model import DEFAULT_ACCOUNTS, Account, User, default_users

_LIFETIMES = (
    "access_token_ttl",
    "legacy_token_ttl",
    "session_ttl",
    "role_credentials_ttl",
    "client_registration_ttl",
    "device_code_ttl",
    "authorization_code_ttl",
)


@dataclass(frozen=True)
class FakeSettings:
    """Everything a fake Identity Center is built from; every field has a default.

    Directory: ``accounts`` (None: ``DEFAULT_ACCOUNTS``: dev, prod, sandbox)
    and ``users`` (None: ``alice`` with every role of every account); the
    first user is the one auto-approved logins sign in as.

    Lifetimes, in seconds: ``access_token_ttl`` for logins whose client
    registered scopes (they also get a refresh token), ``legacy_token_ttl``
    for clients registered without scopes (no refresh token),
    ``session_ttl`` for the portal session (refresh fails with
    ``invalid_grant`` once it is over; access tokens live to their own
    expiry unless the session is ended explicitly), ``role_credentials_ttl``,
    ``client_registration_ttl``, ``device_code_ttl``,
    ``authorization_code_ttl``; ``device_poll_interval`` is only advertised,
    never enforced.

    Refresh tokens: ``rotate_refresh_tokens`` invalidates the old token as
    the new one is issued; ``reuse_detection`` ends the whole portal session
    when a rotated-away token is replayed; ``issue_refresh_tokens=False``
    returns no new refresh token and keeps the old one valid.

    ``auto_approve`` approves device codes and /authorize requests at once
    as the default user; switch it off to approve with ``approve()``, the
    /device and /authorize pages, or ``POST /_fake/approve``.
    ``stable_role_credentials`` answers GetRoleCredentials for the same user,
    account and role with the same credentials while they are valid, so two
    clients' results can be compared side by side.

    ``error_rate``/``throttle_rate``/``latency``/``seed`` are the random
    faults of ``set_faults()`` at start. Time comes from ``clock``, so tests
    expire tokens by moving a fake clock, never by sleeping. ``host`` must be
    a loopback address (``localhost`` reads as 127.0.0.1); ``port`` 0 takes a
    free one.
    """

    accounts: Optional[Sequence[Account]] = None
    users: Optional[Sequence[User]] = None
    region: str = "us-east-1"
    access_token_ttl: float = 3600
    legacy_token_ttl: float = 8 * 3600
    session_ttl: float = 8 * 3600
    role_credentials_ttl: float = 3600
    client_registration_ttl: float = 90 * 86400
    device_code_ttl: float = 600
    device_poll_interval: int = 1
    authorization_code_ttl: float = 300
    rotate_refresh_tokens: bool = True
    reuse_detection: bool = False
    issue_refresh_tokens: bool = True
    auto_approve: bool = True
    stable_role_credentials: bool = False
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    latency: float = 0.0
    seed: Optional[int] = None
    clock: Callable[[], float] = time.time
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        for name in _LIFETIMES:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.device_poll_interval < 0:
            raise ValueError("device_poll_interval must not be negative")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port!r}")
        object.__setattr__(self, "host", loopback_host(self.host))

    def directory(self) -> Tuple[Tuple[Account, ...], Tuple[User, ...]]:
        """(accounts, users), the defaults filled in where they were left None."""
        accounts = DEFAULT_ACCOUNTS if self.accounts is None else tuple(self.accounts)
        users = default_users(accounts) if self.users is None else tuple(self.users)
        return accounts, users


def loopback_host(host: str) -> str:
    """``host`` if it is a loopback address (``localhost`` reads as 127.0.0.1), else ValueError.

    The fake hands out tokens to anyone who asks: it must never be reachable
    from another machine.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"the fake Identity Center only listens on loopback addresses, not {host!r}"
        ) from None
    if not address.is_loopback:
        raise ValueError(f"the fake Identity Center only listens on loopback addresses, not {host!r}")
    return str(address)
