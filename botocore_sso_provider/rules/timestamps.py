"""Time: one timestamp codec, one clock, and this process's correction for the portal's clock.

The AWS CLI v2 and botocore write ``2026-11-23T10:00:00Z``; older CLIs wrote
``...UTC``, and other tools ``+00:00`` or fractions of a second. Those are
read, strictly: a date and time in ISO 8601 order and a UTC offset (or
none, meaning UTC). Anything else (a number, a word, a date without a time)
is not a timestamp, and the record holding it is a problem, whichever path
reads it.

``now()`` is this machine's time. Role credentials expire at the portal's
time (the file holds what the portal said), so a machine whose clock is off
judges them by :func:`local_time_of`: how far the portal's clock was ahead of
ours when this process last asked it (``Date`` header), believed between
one minute and ``MAX_CLOCK_SKEW_CORRECTION``. The correction lives in this
process only (a bogus header must not reach other processes) and every
reader in the process applies it: the provider, ``serve``'s quick reader,
``status``. Tests pass their own clock (any callable returning an aware UTC
datetime) instead of sleeping.

Standard library only: the fast paths read every timestamp here.
"""

from __future__ import annotations

import datetime
import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Callable, Optional

    Clock = Callable[[], datetime.datetime]
    """Any callable returning an aware UTC datetime: the real one, or a test's."""
else:
    Clock = None  # for annotations only: this module does not import typing

UTC = datetime.timezone.utc

CLI_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_SPELLINGS = (
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
    r"\s*(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?"
)
"""The spellings read besides the CLI's own, compiled at first use (``re`` caches it)."""


def format_timestamp(moment: datetime.datetime) -> str:
    """A UTC timestamp exactly as the AWS CLI v2 writes it."""
    return moment.astimezone(UTC).strftime(CLI_TIME_FORMAT)


def parse_timestamp(text: object) -> Optional[datetime.datetime]:
    """``text`` as an aware UTC datetime; None when it is not a timestamp this package reads."""
    if not isinstance(text, str):
        return None
    if len(text) == 20 and text[4] == text[7] == "-" and text[10] == "T" and text[19] == "Z":
        try:  # the CLI's own format, by hand: a warm resolution reads it several times
            return datetime.datetime(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                tzinfo=UTC,
            )
        except ValueError:
            return None
    match = re.fullmatch(_SPELLINGS, text.strip(), re.ASCII)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=_zone(zone),
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _zone(text: Optional[str]) -> datetime.tzinfo:
    if text is None or text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return datetime.timezone(sign * datetime.timedelta(minutes=minutes))


def from_epoch_millis(millis: object) -> Optional[datetime.datetime]:
    """Role credentials' ``expiration`` (whole epoch milliseconds) as a UTC datetime; None if not one."""
    if isinstance(millis, bool) or not isinstance(millis, int):
        return None
    try:
        return datetime.datetime.fromtimestamp(millis / 1000.0, UTC)
    except (ValueError, OverflowError, OSError):
        return None


# --- the clock -------------------------------------------------------------------------------------

CLOCK_SKEW_TOLERANCE = datetime.timedelta(minutes=1)
"""Differences between the local and the server clock below this are left alone."""

MAX_CLOCK_SKEW_CORRECTION = datetime.timedelta(hours=12)
"""A ``Date`` header further off than this is not believed (a proxy's or a broken server's)."""

_skew = datetime.timedelta(0)


def now() -> datetime.datetime:
    """This machine's time, as an aware UTC datetime."""
    return datetime.datetime.now(datetime.timezone.utc)


utcnow = now
"""The real clock under the name the provider's ``clock=`` parameters have always used."""


def skew_shown_by(date_header: object, local_now: datetime.datetime) -> Optional[datetime.timedelta]:
    """How far a response's ``Date`` header is ahead of ``local_now``; None when it does not parse."""
    if not isinstance(date_header, str) or not date_header:
        return None
    from email.utils import parsedate_to_datetime

    try:
        server_now = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server_now.tzinfo is None:  # "-0000" in RFC 2822: UTC, zone not stated
        server_now = server_now.replace(tzinfo=datetime.timezone.utc)
    return server_now - local_now


def believable(skew: datetime.timedelta) -> bool:
    """Whether a measured skew is a clock that is off, not a proxy's or a broken server's header."""
    return abs(skew) <= MAX_CLOCK_SKEW_CORRECTION


def tolerated(skew: datetime.timedelta) -> datetime.timedelta:
    """The correction a believable skew calls for: none under ``CLOCK_SKEW_TOLERANCE``."""
    return skew if abs(skew) > CLOCK_SKEW_TOLERANCE else datetime.timedelta(0)


def believe_skew(skew: datetime.timedelta) -> None:
    """From now on, every reader in this process corrects server times by ``skew``."""
    global _skew
    _skew = skew


def local_time_of(server_moment: datetime.datetime) -> datetime.datetime:
    """A moment stated by the portal, on this machine's clock (the believed skew applied)."""
    return server_moment - _skew
