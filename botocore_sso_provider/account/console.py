"""A federation sign-in URL for the AWS console, from a profile's role credentials.

The AWS sign-in federation endpoint turns a role session's credentials into
a sign-in token (``getSigninToken``), and ``login`` with that token opens the
console at a destination. The endpoint follows the partition of the region
(``signin.aws.amazon.com``, ``signin.amazonaws.cn``,
``signin.amazonaws-us-gov.com``); ``BOTOCORE_SSO_FEDERATION_ENDPOINT``
overrides it (tests point it at the fake Identity Center). The URL signs
anyone who has it in for 15 minutes: it is a secret, and never logged.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlencode

from .. import settings
from ..errors import ConsoleSignInError

FEDERATION_ENDPOINT_VARIABLE = settings.FEDERATION_ENDPOINT_VARIABLE
ISSUER = "botocore-sso"
REQUEST_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Partition:
    name: str
    federation_endpoint: str
    console: str  # scheme and host of the console

    def console_home(self, region: str) -> str:
        return f"{self.console}/console/home?region={region}"


PARTITIONS = {
    "aws": Partition("aws", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com"),
    "aws-cn": Partition("aws-cn", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn"),
    "aws-us-gov": Partition(
        "aws-us-gov",
        "https://signin.amazonaws-us-gov.com/federation",
        "https://console.amazonaws-us-gov.com",
    ),
}


def partition_for_region(region: str) -> Partition:
    """The partition a region is in; regions with no console federation are refused."""
    if region.startswith("cn-"):
        return PARTITIONS["aws-cn"]
    if region.startswith("us-gov-"):
        return PARTITIONS["aws-us-gov"]
    if region.startswith(("us-iso", "eu-isoe-")):
        raise ConsoleSignInError(
            profile="?",
            reason=f"the region {region} is in an isolated partition without console federation",
            fix="Use a profile in the aws, aws-cn or aws-us-gov partition.",
        )
    return PARTITIONS["aws"]


def federation_endpoint(partition: Partition) -> str:
    return settings.federation_endpoint() or partition.federation_endpoint


def signin_url(credentials: Any, *, region: str, profile: str, destination: Optional[str] = None) -> str:
    """The console sign-in URL for frozen ``credentials`` (access key, secret key, token)."""
    if not getattr(credentials, "token", None):
        raise ConsoleSignInError(
            profile=profile,
            reason="its credentials are long-term keys without a session token",
            fix="Use an SSO or assumed-role profile.",
        )
    partition = partition_for_region(region)
    endpoint = federation_endpoint(partition)
    session = json.dumps(
        {
            "sessionId": credentials.access_key,
            "sessionKey": credentials.secret_key,
            "sessionToken": credentials.token,
        }
    )
    query = urlencode({"Action": "getSigninToken", "Session": session})
    token = _signin_token(f"{endpoint}?{query}", profile)
    login = urlencode(
        {
            "Action": "login",
            "Issuer": ISSUER,
            "Destination": destination or partition.console_home(region),
            "SigninToken": token,
        }
    )
    return f"{endpoint}?{login}"


def _signin_token(url: str, profile: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as err:
        fix = (
            "Run: botocore-sso status --profile " + profile if err.code in (400, 403) else "Try again later."
        )
        raise ConsoleSignInError(
            profile=profile, reason=f"the federation endpoint answered HTTP {err.code}", fix=fix
        ) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise ConsoleSignInError(
            profile=profile,
            reason=f"the federation endpoint could not be reached ({reason})",
            fix=f"Check the network, or {FEDERATION_ENDPOINT_VARIABLE}.",
        ) from None
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError):
        token = None
    if not isinstance(token, str) or not token:
        raise ConsoleSignInError(
            profile=profile, reason="the federation endpoint sent no sign-in token", fix="Try again later."
        )
    return token
