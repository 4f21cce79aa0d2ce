"""The AWS CLI v2's name for a role's cached credentials, in a module light enough for the fast path.

``credentials.py`` imports ``botocore.credentials``, which a warm
``botocore-sso credential-process`` must not pay for; the key lives here so
both the provider and the fast path compute the same file name.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import SSOConfig


def role_cache_key(config: SSOConfig) -> str:
    """The AWS CLI v2 file name (without .json) of a role's cached credentials."""
    args = {"accountId": config.account_id, "roleName": config.role_name}
    if config.session.name is not None:
        args["sessionName"] = config.session.name
    else:
        args["startUrl"] = config.session.start_url
    text = json.dumps(args, sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - a name, not security
