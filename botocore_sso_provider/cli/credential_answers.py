"""What a credential endpoint answers, whichever protocol asked: the expiry, failures, refusals.

The container-credentials endpoint and the instance-metadata one answer the
same credentials from the same source, so they fail the same way: a
botocore error (ours name the fix and hold no secret) is 503 with its
sentence, anything else 500 with its type only (its message might quote
anything). Refusals answer ``{"code", "message", "Code", "Message"}``:
botocore shows the body as it is, the Go and Java SDKs read
``code``/``message`` (Java case-sensitively), the JavaScript SDK's
``fromHttp`` reads ``Code``/``Message``.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from ..rules.terminal import printable
from ..rules.timestamps import format_timestamp
from .exporting import ProfileCredentials

logger = logging.getLogger(__name__)

STATIC_CREDENTIALS_LIFETIME = datetime.timedelta(hours=1)
"""How long SDKs are told credentials that do not expire last (they require an expiry)."""


def credential_fields(credentials: ProfileCredentials) -> dict[str, Any]:
    """What both protocols answer: the keys, ``Expiration`` and, when known, ``AccountId``.

    ``Expiration`` is the credentials' expiry, or an hour from now for fixed
    keys: SDKs ask again then.
    """
    when = credentials.expiration or (
        datetime.datetime.now(datetime.timezone.utc) + STATIC_CREDENTIALS_LIFETIME
    )
    fields: dict[str, Any] = {
        "AccessKeyId": credentials.access_key,
        "SecretAccessKey": credentials.secret_key,
        "Token": credentials.token,
        "Expiration": format_timestamp(when),
    }
    if credentials.account_id:
        fields["AccountId"] = credentials.account_id
    return fields


def unavailable(err: Exception) -> tuple[int, dict[str, str]]:
    """The status and body for credentials that could not be had; logs a line with no secret."""
    from botocore.exceptions import BotoCoreError

    if isinstance(err, BotoCoreError):
        logger.warning("Could not get credentials: %s", printable(err))
        return 503, refusal("CredentialsUnavailable", str(err))
    logger.warning("Could not get credentials: unexpected %s", type(err).__name__)
    return 500, refusal("InternalError", f"unexpected {type(err).__name__}")


def refusal(code: str, message: str) -> dict[str, Any]:
    """An error body every SDK shows: ``code``/``message`` and ``Code``/``Message``, on one line each."""
    text = printable(message)
    return {"code": code, "message": text, "Code": code, "Message": text}
