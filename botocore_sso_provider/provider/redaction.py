"""Secrets out of botocore's own DEBUG logs, without turning anyone's logging off.

At DEBUG, botocore logs the request dicts it sends (``botocore.endpoint``:
the refresh token, the client secret, the bearer-token header) and the bodies
it parses (``botocore.parsers``: new access and refresh tokens, role keys).
People debug with ``logging.basicConfig(level=logging.DEBUG)`` and ship those
logs to third parties. So, from the first client this package makes, a log
record factory rewrites the records of botocore's (and its neighbours')
loggers: the value of every field named like a secret, and every secret value
this process has handled, becomes ``***``. Records are rewritten only when
they are made, that is when some handler wants them: nothing changes for a
process that does not log at DEBUG.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from typing import Any, Callable, Optional

REDACTED = "***"

SECRET_FIELDS = (
    "accessToken",
    "refreshToken",
    "clientSecret",
    "idToken",
    "deviceCode",
    "codeVerifier",
    "secretAccessKey",
    "sessionToken",
    "SecretAccessKey",
    "SessionToken",
    "x-amz-sso_bearer_token",
    "X-Amz-Security-Token",
    "Authorization",
)
"""Field and header names whose values are secrets, wherever they show up in a record."""

LOGGER_PREFIXES = ("botocore", "boto3", "urllib3", "s3transfer", "aiobotocore", "awscli")
"""Records of these loggers (and their children) are scrubbed."""

_MAX_REMEMBERED = 256
_MIN_SECRET_LENGTH = 8  # shorter values would redact ordinary words

_NAMES = "|".join(re.escape(name) for name in SECRET_FIELDS)
_FIELD_PATTERN_TEXT = r"""(?P<key>["']?(?:""" + _NAMES + r""")["']?\s*[:=]\s*b?["'])(?P<value>[^"'\\]+)"""
# Compiled at the first record that needs scrubbing, not at import: a warm
# resolution remembers its secrets here but usually logs nothing.

_remembered: OrderedDict[str, None] = OrderedDict()
_guard = threading.Lock()
_previous_factory: Optional[Callable[..., logging.LogRecord]] = None


def remember(*secrets: Any) -> None:
    """Redact these values from every scrubbed record from now on (the most recent 256 kept)."""
    install()
    with _guard:
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= _MIN_SECRET_LENGTH:
                _remembered[secret] = None
                _remembered.move_to_end(secret)
        while len(_remembered) > _MAX_REMEMBERED:
            _remembered.popitem(last=False)


def redact(text: str) -> str:
    """``text`` with secret fields and remembered secrets replaced by ``***``."""
    text = re.sub(_FIELD_PATTERN_TEXT, lambda m: m.group("key") + REDACTED, text, flags=re.IGNORECASE)
    with _guard:
        secrets = list(_remembered)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def install() -> None:
    """Put the scrubbing record factory in place, once per process, on top of whatever is there."""
    global _previous_factory
    if _previous_factory is not None:
        return
    with _guard:
        if _previous_factory is not None:
            return
        previous = logging.getLogRecordFactory()
        _previous_factory = previous

        def scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if record.name.startswith(LOGGER_PREFIXES):
                _scrub(record)
            return record

        logging.setLogRecordFactory(scrubbing_factory)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a record that cannot format is logging's to report
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
