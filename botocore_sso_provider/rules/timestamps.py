"""One timestamp codec: the AWS CLI v2's format written, a few strict spellings read.

The AWS CLI v2 and botocore write ``2026-11-23T10:00:00Z``; older CLIs wrote
``...UTC``, and other tools ``+00:00`` or fractions of a second. Those are
read, strictly: a date and time in ISO 8601 order and a UTC offset (or
none, meaning UTC). Anything else (a number, a word, a date without a time)
is not a timestamp, and the record holding it is a problem, whichever path
reads it. Standard library only: the fast paths read every timestamp here.
"""

from __future__ import annotations

import datetime
import re

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Optional

UTC = datetime.timezone.utc

CLI_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_SPELLINGS = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?"
    r"\s*(Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)?",
    re.ASCII,
)


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
    match = _SPELLINGS.fullmatch(text.strip())
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
