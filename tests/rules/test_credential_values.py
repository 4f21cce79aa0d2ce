"""The one rule for what role credentials may hold: real keys and test doubles pass, harmful text not."""

from __future__ import annotations

import pytest

from botocore_sso_provider.rules.records import (
    MAX_ACCESS_KEY_ID_LENGTH,
    MAX_SECRET_ACCESS_KEY_LENGTH,
    MAX_SESSION_TOKEN_LENGTH,
    role_credentials_problem,
)

pytestmark = pytest.mark.unit

REAL_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + "A" * 900 + "=="

ACCEPTED = {
    "aws-shaped": ("ASIAY34FZKBOKMUTVV7A", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", REAL_TOKEN),
    "botocore-unit-tests": ("foo", "bar", "baz"),
    "botocore-functional-tests": ("fake-0a1b2c3d4e5f6a7", "fake-" + "9" * 35, "fake-" + "c" * 45),
    "at-every-bound": (
        "A" * MAX_ACCESS_KEY_ID_LENGTH,
        "s" * MAX_SECRET_ACCESS_KEY_LENGTH,
        "t" * MAX_SESSION_TOKEN_LENGTH,
    ),
    "every-printable-ascii-but-space": ("AKID", "".join(map(chr, range(0x21, 0x7F))), "token"),
}

REFUSED = {
    "nul": (("AKID", "secret", "tok\x00en"), "a session token holding U+0000"),
    "esc": (("AKID", "secret", "\x1b]52;c;x\x07"), "a session token holding U+001B"),
    "newline": (("AKID", "secret\nexport X=1", "token"), "a secret access key holding U+000A"),
    "carriage-return": (("AKID\r", "secret", "token"), "an access key id holding U+000D"),
    "space": (("AKID", "two words", "token"), "a secret access key holding U+0020"),
    "tab": (("AKID", "secret", "to\tken"), "a session token holding U+0009"),
    "delete": (("AKID\x7f", "secret", "token"), "an access key id holding U+007F"),
    "bidi-override": (("AKID", "secret", "tok\u202een"), "a session token holding U+202E"),
    "non-ascii": (("AKID", "s\u00e9cret", "token"), "a secret access key holding U+00E9"),
    "long-token": (("AKID", "secret", "t" * (MAX_SESSION_TOKEN_LENGTH + 1)), "a session token of 32769"),
    "long-key-id": (("A" * 129, "secret", "token"), "an access key id of 129 characters"),
    "long-secret": (("AKID", "s" * 1025, "token"), "a secret access key of 1025 characters"),
    "empty": (("", "secret", "token"), "no text for access key id"),
    "number": (("AKID", 12345, "token"), "no text for secret access key"),
    "missing": (("AKID", "secret", None), "no text for session token"),
}


@pytest.mark.parametrize("values", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_real_keys_and_test_doubles_are_usable(values: tuple) -> None:
    assert role_credentials_problem(*values) is None


@pytest.mark.parametrize(("values", "problem"), list(REFUSED.values()), ids=list(REFUSED))
def test_what_does_harm_is_refused_in_words_that_quote_nothing_of_it(values: tuple, problem: str) -> None:
    found = role_credentials_problem(*values)
    assert found is not None and found.startswith(problem)
    assert found.isprintable() and len(found) < 120
