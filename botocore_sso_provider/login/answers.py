"""The service's answers to a login, checked before anything is shown or written.

A RegisterClient, StartDeviceAuthorization or CreateToken answer that lacks a
field the login needs, or carries an absurd value (a negative poll interval,
an interval of hours), ends the login with one sentence naming the operation
and the field, instead of a KeyError now or a hang later.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Optional

from ..errors import UnusableLoginAnswer

DEFAULT_POLL_INTERVAL = 5.0
"""RFC 8628, section 3.2: the interval when the service names none."""

MAX_POLL_INTERVAL = 300.0
"""An interval beyond this would outlast the device code itself (10 minutes): not a real answer."""

MAX_EXPIRES_IN = 30 * 86400
"""Longer-lived device codes or tokens than this are not what IAM Identity Center issues."""


def checked_registration(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """A RegisterClient answer with a client ID, a secret and a numeric secret expiry."""
    _require_text(answer, "RegisterClient", "clientId", "clientSecret")
    expires_at = _number(answer.get("clientSecretExpiresAt"))
    if expires_at is None or not 0 < expires_at < 2**40:
        raise UnusableLoginAnswer("RegisterClient answered without a usable clientSecretExpiresAt")
    return answer


def checked_device_authorization(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """A StartDeviceAuthorization answer with codes, a URL, a lifetime and a sane interval."""
    _require_text(answer, "StartDeviceAuthorization", "deviceCode", "userCode", "verificationUri")
    expires_in = _number(answer.get("expiresIn"))
    if expires_in is None or not 0 < expires_in <= MAX_EXPIRES_IN:
        raise UnusableLoginAnswer("StartDeviceAuthorization answered without a usable expiresIn")
    poll_interval(answer)
    return answer


def poll_interval(answer: Mapping[str, Any]) -> float:
    """The interval to poll at: the answer's, or 5 s when it names none (or 0)."""
    raw = answer.get("interval")
    if raw is None or raw == 0:
        return DEFAULT_POLL_INTERVAL
    value = _number(raw)
    if value is None or not 0 < value <= MAX_POLL_INTERVAL:
        raise UnusableLoginAnswer(
            f"StartDeviceAuthorization answered a polling interval of {raw!r} seconds "
            f"(it must be between 0 and {MAX_POLL_INTERVAL:g})"
        )
    return value


def checked_token(answer: Mapping[str, Any]) -> Mapping[str, Any]:
    """A CreateToken answer with an access token and a positive lifetime."""
    _require_text(answer, "CreateToken", "accessToken")
    expires_in = _number(answer.get("expiresIn"))
    if expires_in is None or not 0 < expires_in <= MAX_EXPIRES_IN:
        raise UnusableLoginAnswer("CreateToken answered without a usable expiresIn")
    return answer


def _require_text(answer: Mapping[str, Any], operation: str, *names: str) -> None:
    missing = [name for name in names if not isinstance(answer.get(name), str) or not answer.get(name)]
    if missing:
        raise UnusableLoginAnswer(f"{operation} answered without {', '.join(missing)}")


def _number(value: Any) -> Optional[float]:
    """``value`` as a finite number; None for anything else (bools and strings included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
