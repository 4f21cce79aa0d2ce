"""Text from a server, a file or the config, made safe to print on a terminal.

Names, codes, URLs and messages that came from a response, a cache file or
the config are data. Printed raw, ``ESC ] 52`` writes the user's clipboard,
``ESC [2K`` and ``\\r`` rewrite the line the user reads, and a bidi override
reorders it. :func:`printable` shows each such character as a visible escape
(``\\x1b``, ``\\r``, ``\\u202e``), so the terminal shows what was sent and
runs none of it. Every string we print that we did not write ourselves goes
through it. Standard library only: the fast paths print through it too.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the fast paths print through this)
if TYPE_CHECKING:
    from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

_INVISIBLE_FORMATTING = [
    *(0x061C, 0x200E, 0x200F, 0x2028, 0x2029),  # Arabic letter mark, LRM, RLM, line/paragraph separators
    *range(0x202A, 0x202F),  # bidi embeddings and overrides (LRE ... RLO)
    *range(0x2066, 0x206A),  # bidi isolates (LRI ... PDI)
]


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_TABLE = {code: _escape(code) for code in [*range(0x20), *range(0x7F, 0xA0), *_INVISIBLE_FORMATTING]}
_TABLE_KEEPING_LINES = {code: text for code, text in _TABLE.items() if code != ord("\n")}


def printable(text: object) -> str:
    """``text`` on one line, every control and bidi character shown as an escape, nothing dropped."""
    return str(text).translate(_TABLE)


def printable_lines(text: object) -> str:
    """As :func:`printable`, but line breaks stay: for our own multi-line messages that quote data."""
    return str(text).translate(_TABLE_KEEPING_LINES)


class EscapingWriter:
    """A text stream that writes everything through :func:`printable_lines`: the command's stderr.

    stderr carries only messages, warnings and logs, and each may quote a
    server's or a file's words; escaping at the stream covers every one of
    them, ours, botocore's and the warnings module's alike. (stdout is a
    contract for machines, JSON and shell code: each command escapes what it
    prints there itself.)
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable_lines(text))
        return len(text)

    @property
    def unescaped(self) -> Any:
        """The stream itself: only for text entirely our own whose control characters are meant."""
        return self._stream

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, ...
        return getattr(self._stream, name)
