"""Who exists in the fake Identity Center: accounts, users, and the operations it serves.

These are the values a test describes its organisation with. They are plain,
frozen data; how the fake behaves is in ``settings``, the moving parts
(sessions, tokens, codes) in ``state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Dict, Mapping, Sequence, Tuple

DEFAULT_START_URL = "https://fake-idc.awsapps.com/start"

GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type name, not a secret
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_TYPES = (GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE, GRANT_AUTHORIZATION_CODE)

OIDC_OPERATIONS = (
    "RegisterClient",
    "StartDeviceAuthorization",
    "CreateToken",
    "CreateTokenWithIAM",
    "Authorize",
)
PORTAL_OPERATIONS = ("GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout")
OPERATIONS = OIDC_OPERATIONS + PORTAL_OPERATIONS


@dataclass(frozen=True)
class Account:
    """An AWS account in the organisation and the permission sets (roles) it offers."""

    account_id: str
    name: str
    email: str
    roles: Tuple[str, ...]

    def __post_init__(self) -> None:
        # Accept any sequence of role names, keep an immutable tuple.
        object.__setattr__(self, "roles", tuple(self.roles))


@dataclass(frozen=True)
class User:
    """A person who can log in; ``assignments`` maps account id -> role names they may use."""

    name: str
    assignments: Mapping[str, Tuple[str, ...]]

    def __post_init__(self) -> None:
        # Copy, so a caller mutating their dict cannot change a running server.
        frozen = {account: tuple(roles) for account, roles in self.assignments.items()}
        object.__setattr__(self, "assignments", MappingProxyType(frozen))


DEFAULT_ACCOUNTS: Tuple[Account, ...] = (
    Account("111111111111", "dev", "dev@example.com", ("ReadOnly", "Admin")),
    Account("222222222222", "prod", "prod@example.com", ("ReadOnly",)),
    Account("333333333333", "sandbox", "sandbox@example.com", ("Admin",)),
)


def default_users(accounts: Sequence[Account]) -> Tuple[User, ...]:
    """One user, ``alice``, who may use every role of every account."""
    return (User("alice", {account.account_id: account.roles for account in accounts}),)


def check_directory(accounts: Sequence[Account], users: Sequence[User]) -> None:
    """Refuse a directory with duplicates or assignments to roles that do not exist.

    A typo in a test's assignments should fail loudly at construction, not as
    a puzzling "No access" from GetRoleCredentials later.
    """
    roles_by_account: Dict[str, Tuple[str, ...]] = {}
    for account in accounts:
        if account.account_id in roles_by_account:
            raise ValueError(f"duplicate account id {account.account_id!r}")
        roles_by_account[account.account_id] = account.roles
    if not users:
        raise ValueError("at least one user is needed: the first one is the default user")
    seen = set()
    for user in users:
        if user.name in seen:
            raise ValueError(f"duplicate user name {user.name!r}")
        seen.add(user.name)
        for account_id, roles in user.assignments.items():
            if account_id not in roles_by_account:
                raise ValueError(f"user {user.name!r} is assigned unknown account {account_id!r}")
            unknown = [role for role in roles if role not in roles_by_account[account_id]]
            if unknown:
                raise ValueError(
                    f"user {user.name!r} is assigned roles {unknown} that account "
                    f"{account_id!r} does not have"
                )
