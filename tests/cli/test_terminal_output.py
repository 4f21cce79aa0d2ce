"""Whatever a command writes on stderr reaches the terminal with its control characters escaped.

The config is a file anyone's tools may have written; a name in it quoted
by an error must not become a terminal escape sequence (``ESC ] 52`` writes
the clipboard, ``ESC [2K \\r`` rewrites the line the user reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import botocore_sso

HOSTILE_SESSION = "corp\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2Kfine\u202e"  # no CR: the config would split there

COMMANDS = {
    "status": ["status", "--profile", "dev"],
    "credential-process": ["credential-process", "--profile", "dev"],
    "export": ["export", "--profile", "dev"],
    "login": ["login", "--profile", "dev", "--no-browser"],
}


@pytest.mark.parametrize("arguments", list(COMMANDS.values()), ids=list(COMMANDS))
def test_a_name_from_the_config_quoted_in_an_error_is_escaped(
    arguments: list, write_config: Callable[[str], Path]
) -> None:
    write_config(
        f"[profile dev]\nsso_session = {HOSTILE_SESSION}\nsso_account_id = 111111111111\n"
        "sso_role_name = ReadOnly\n"
    )
    result = botocore_sso(*arguments, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "corp\\x1b]52" in result.stderr, "the name is shown, escaped"
    assert not any(char in result.stderr for char in "\x1b\x07\u202e"), result.stderr
    assert result.stdout == ""


def test_logout_names_a_hostile_session_escaped_on_stdout(write_config: Callable[[str], Path]) -> None:
    write_config(
        "[profile dev]\nsso_session = corp\x1b[2Kfine\nsso_account_id = 111111111111\n"
        "sso_role_name = ReadOnly\n\n[sso-session corp\x1b[2Kfine]\n"
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"
    )
    result = botocore_sso("logout", "--profile", "dev", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "corp\\x1b[2Kfine" in result.stdout
    assert "\x1b" not in result.stdout + result.stderr
