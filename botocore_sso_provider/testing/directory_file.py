"""An organisation from a JSON file (``fixture.json``), or generated at any size.

The file uses the shape ``botocore-sso list --format json`` prints, so a real
listing can be replayed against the fake::

    {"accounts": [{"accountId": "111111111111", "accountName": "dev",
                   "emailAddress": "dev@example.com", "roles": ["ReadOnly", "Admin"]}],
     "users": [{"name": "alice", "assignments": {"111111111111": ["ReadOnly"]}}]}

``users`` is optional: without it one user, ``alice``, may use every role.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Sequence, Tuple, Union

from .model import Account, User, default_users

PathLike = Union[str, "os.PathLike[str]"]


def load_directory(path: PathLike) -> Tuple[Tuple[Account, ...], Tuple[User, ...]]:
    """The accounts and users a fixture file describes; ValueError names what is wrong."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except ValueError as err:
            raise ValueError(f"{path} is not JSON: {err}") from None
    return directory_from_dict(data, source=str(path))


def directory_from_dict(
    data: Any, source: str = "the fixture"
) -> Tuple[Tuple[Account, ...], Tuple[User, ...]]:
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise ValueError(f'{source} must be a JSON object with an "accounts" list')
    accounts = []
    for entry in data["accounts"]:
        try:
            accounts.append(
                Account(
                    str(entry["accountId"]),
                    str(entry["accountName"]),
                    str(entry.get("emailAddress", "")),
                    tuple(str(role) for role in entry["roles"]),
                )
            )
        except (KeyError, TypeError) as err:
            raise ValueError(
                f"{source}: every account needs accountId, accountName and roles ({err})"
            ) from None
    users_data = data.get("users")
    if users_data is None:
        return tuple(accounts), default_users(accounts)
    users = []
    for entry in users_data:
        try:
            assignments = {str(k): tuple(v) for k, v in entry["assignments"].items()}
            users.append(User(str(entry["name"]), assignments))
        except (KeyError, TypeError, AttributeError) as err:
            raise ValueError(f"{source}: every user needs a name and assignments ({err})") from None
    return tuple(accounts), tuple(users)


def directory_to_dict(accounts: Sequence[Account], users: Sequence[User] = ()) -> Dict[str, Any]:
    """The fixture-file form of a directory (users left out when empty)."""
    data: Dict[str, Any] = {
        "accounts": [
            {
                "accountId": a.account_id,
                "accountName": a.name,
                "emailAddress": a.email,
                "roles": list(a.roles),
            }
            for a in accounts
        ]
    }
    if users:
        data["users"] = [
            {"name": u.name, "assignments": {k: list(v) for k, v in u.assignments.items()}} for u in users
        ]
    return data


def generate_accounts(
    count: int, roles: Sequence[str] = ("ReadOnly", "Admin"), *, name_prefix: str = "account"
) -> Tuple[Account, ...]:
    """``count`` accounts with 12-digit ids; account i offers the first 1 + i % len(roles) roles."""
    if count < 0 or count > 10**12:
        raise ValueError(f"count must be between 0 and 10**12, got {count!r}")
    if not roles:
        raise ValueError("at least one role is needed")
    generated: List[Account] = []
    for index in range(count):
        account_id = f"{100000000000 + index:012d}"
        name = f"{name_prefix}-{index:04d}"
        generated.append(
            Account(account_id, name, f"{name}@example.com", tuple(roles[: 1 + index % len(roles)]))
        )
    return tuple(generated)
