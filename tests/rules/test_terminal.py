"""What reaches the terminal from a server or a file: control characters shown, never obeyed."""

from __future__ import annotations

import pytest

from botocore_sso_provider.rules.terminal import EscapingWriter, printable, printable_lines

pytestmark = pytest.mark.unit

CASES = {
    "osc-52-clipboard": ("a\x1b]52;c;ZWNobyBoaQ==\x07b", "a\\x1b]52;c;ZWNobyBoaQ==\\x07b"),
    "erase-line-and-return": (
        "evil.example\x1b[2K\rdevice.sso.amazonaws.com",
        "evil.example\\x1b[2K\\rdevice.sso.amazonaws.com",
    ),
    "newline": ("ReadOnly\n[default]", "ReadOnly\\n[default]"),
    "nul-and-del": ("a\x00b\x7fc", "a\\x00b\\x7fc"),
    "c1-csi": ("a\x9b31mb", "a\\x9b31mb"),
    "bidi-override": ("abc\u202edcba", "abc\\u202edcba"),
    "line-separator": ("a\u2028b", "a\\u2028b"),
    "tab": ("a\tb", "a\\tb"),
    "plain-unicode-kept": ("Équipe données 開発 🚀", "Équipe données 開発 🚀"),
}


@pytest.mark.parametrize(("raw", "shown"), list(CASES.values()), ids=list(CASES))
def test_control_and_bidi_characters_are_shown_as_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_every_character_below_space_and_in_c1_is_escaped() -> None:
    everything = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    assert all(32 <= ord(char) < 127 for char in printable(everything))


def test_printable_lines_keeps_line_breaks_only() -> None:
    assert printable_lines("one\ntwo\r\x1b[2K") == "one\ntwo\\r\\x1b[2K"


def test_anything_is_turned_into_text() -> None:
    assert printable(12) == "12"


def test_the_escaping_writer_escapes_all_but_line_breaks_and_passes_the_rest_on() -> None:
    import io

    stream = io.StringIO()
    writer = EscapingWriter(stream)
    assert writer.write("warning: \x1b]52;c;aGk=\x07\n") == len("warning: \x1b]52;c;aGk=\x07\n")
    writer.flush()
    assert stream.getvalue() == "warning: \\x1b]52;c;aGk=\\x07\n"
    assert writer.getvalue() == stream.getvalue()  # anything else is the stream's
