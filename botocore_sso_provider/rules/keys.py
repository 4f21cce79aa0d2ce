"""The AWS CLI v2's names for cached tokens and role credentials.

Both caches are shared with the AWS CLI v2 and botocore, so a file's name is
theirs: the SHA-1 of the sso-session name (or, for a legacy profile, the
start URL) for a token; of a small JSON document naming the account, the
role and the login for role credentials.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from hashlib import sha1
    from typing import Optional
else:
    try:  # CPython's own SHA-1: hashlib would load OpenSSL, a few ms the fast path does not need
        from _sha1 import sha1
    except ImportError:  # pragma: no cover - Pythons built without it
        from hashlib import sha1


def role_cache_key_of(account_id: str, role_name: str, *, session_name: Optional[str], start_url: str) -> str:
    """The file name (without .json) of a role's credentials: by session name when there is one, else URL."""
    args = {"accountId": account_id, "roleName": role_name}
    if session_name is not None:
        args["sessionName"] = session_name
    else:
        args["startUrl"] = start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - a name, not security


def token_cache_key_of(*, session_name: Optional[str], start_url: str) -> str:
    """The file name (without .json) of a login's token: by session name, else start URL."""
    source = session_name if session_name is not None else start_url
    return sha1(source.encode("utf-8")).hexdigest()  # noqa: S324 - a name, not security
