"""What a login shows the person at the keyboard: instructions, and progress while it waits.

Instructions go to the login's own sink (stdout for ``botocore-sso login``,
stderr for a login on demand, whose host program owns stdout). Progress goes
to stderr: on a terminal one line that shows the elapsed time, rewritten in
place; otherwise a plain line now and then, so logs stay readable. That
line is all our own words, so it is written past the command's escaping
stderr (``terminal.EscapingWriter``), whose escapes would print its ``\\r``.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional, Protocol, TextIO

PLAIN_PROGRESS_EVERY = 30.0
"""Seconds between two progress lines when stderr is not a terminal."""


class TextSink(Protocol):
    """Where a login prints what the user must do (a terminal, or a test's buffer)."""

    def write(self, text: str, /) -> Any: ...

    def flush(self) -> None: ...


class WaitingDisplay:
    """Shows that a login is waiting for the user, and for how long."""

    def __init__(
        self,
        what: str,
        stream: Optional[TextIO] = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        # Every word here is ours, and the in-place line needs its \r: past the command's escaping.
        target = stream if stream is not None else sys.stderr
        self._stream = getattr(target, "unescaped", target)
        self._monotonic = monotonic
        self._started = monotonic()
        self._last_plain: Optional[float] = None
        self._on_terminal = _is_terminal(self._stream)

    def tick(self) -> None:
        """Called each time the login polls or wakes up."""
        elapsed = self._monotonic() - self._started
        if self._on_terminal:
            minutes, seconds = divmod(int(elapsed), 60)
            self._stream.write(f"\r{self._what}... {minutes}:{seconds:02d} elapsed (Ctrl-C to cancel)")
        elif self._last_plain is None or elapsed - self._last_plain >= PLAIN_PROGRESS_EVERY:
            self._last_plain = elapsed
            self._stream.write(f"{self._what} ({int(elapsed)} s so far)\n")
        self._stream.flush()

    def done(self) -> None:
        """End the in-place line, so what follows starts on a line of its own."""
        if self._on_terminal:
            self._stream.write("\n")
            self._stream.flush()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
