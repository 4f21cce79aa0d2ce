"""A vanity start URL on the fake: ``/vanity`` redirects, as an organisation's own host does.

The AWS CLI v2 (2.35+) and ``botocore-sso login`` resolve a start URL that is
not on an IAM Identity Center host with one HEAD request and take its
redirect without fetching the target. The target defaults to a portal host
of the fake's region on ``app.aws`` (which would not resolve here: nothing
fetches it); tests point it anywhere, e.g. at a foreign host to see it refused.
"""

from __future__ import annotations

from typing import Optional

VANITY_PATH = "/vanity"
VANITY_INSTANCE = "ssoins-7223fa6e0fd2b1c3"


def default_vanity_target(region: str) -> str:
    """Where ``/vanity`` redirects unless told otherwise: an AWS-looking portal of ``region``."""
    return f"https://{VANITY_INSTANCE}.portal.{region}.app.aws"


class VanityRedirect:
    """The one redirect the fake's vanity URL answers with; ``target=None`` answers 200 instead."""

    def __init__(self, region: str) -> None:
        self.target: Optional[str] = default_vanity_target(region)
        self.requests = 0
