"""The one clock every expiry decision reads, and this process's correction for the server's.

``now()`` is this machine's time. Role credentials expire at the portal's
time (the file holds what the portal said), so a machine whose clock is off
judges them with ``server_skew()``: how far the portal's clock was ahead of
ours when this process last asked it (``Date`` header), believed between
one minute and ``MAX_CLOCK_SKEW_CORRECTION``. The correction lives in this
process only (a bogus header must not reach other processes) and every
reader in the process applies it: the provider, ``serve``'s quick reader,
``status``. Tests pass their own clock (any callable returning an aware
UTC datetime) instead of sleeping.
"""

from __future__ import annotations

import datetime

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Callable, Optional

    Clock = Callable[[], datetime.datetime]
    """Any callable returning an aware UTC datetime: the real one, or a test's."""
else:
    Clock = None  # for annotations only: this module does not import typing

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


def server_skew() -> datetime.timedelta:
    """The portal's clock minus ours, as last measured and believed in this process (else 0)."""
    return _skew


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
