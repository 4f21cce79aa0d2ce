"""``config_file``: lines and headers where botocore sees them; the one writer of the config file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from botocore_sso_provider.errors import SSOConfigError
from botocore_sso_provider.login.config_edit import set_config_value
from botocore_sso_provider.store.config_file import (
    header_lines,
    is_one_line_value,
    replace_config_file,
    split_lines,
)

pytestmark = pytest.mark.unit


def test_lines_are_cut_where_configparser_cuts_them() -> None:
    text = "[a]\r\nx = 1\r[b]\ny = form\x0cfeed\n"
    assert split_lines(text) == ["[a]\r\n", "x = 1\r", "[b]\n", "y = form\x0cfeed\n"]
    assert "".join(split_lines(text)) == text


def test_headers_are_what_botocore_reads() -> None:
    lines = split_lines(
        '# [profile comment]\n[profile "a"]\nk = v\n  [profile cont] = x\n[profile\tb] (note)\n'
        "[sso-session corp]\n[profile c d]\n[default]\n"
    )
    found = {index: (name.kind, name.name) for index, name in header_lines(lines, "config").items()}
    assert found == {
        1: ("profile", "a"),
        4: ("profile", "b"),
        5: ("sso-session", "corp"),
        6: (None, None),  # botocore ignores a profile header of three words
        7: ("profile", "default"),
    }


def test_a_file_botocore_refuses_is_refused_in_one_sentence() -> None:
    with pytest.raises(SSOConfigError, match="cannot be read as botocore reads it"):
        header_lines(split_lines("[a]\nk = 1\n[a]\n"), "config")


def test_a_new_config_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "config"
    assert replace_config_file(str(path), "[default]\n", backup=True) is None
    assert path.read_text() == "[default]\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_backup_gets_the_old_bytes_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_bytes(b"[default]\r\nregion = x\r\n")
    path.chmod(0o640)
    backup = replace_config_file(str(path), "[default]\n", backup=True)
    assert backup == str(tmp_path / "config.bak")
    assert Path(backup).read_bytes() == b"[default]\r\nregion = x\r\n"
    assert stat.S_IMODE(Path(backup).stat().st_mode) == 0o640
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize(
    ("value", "fits"),
    [
        ("eu-west-1", True),
        ("https://example.awsapps.com/start", True),
        ("my corp", True),
        ("", False),
        (" padded", False),
        ("a\nb", False),
        ("a\rb", False),
        ("a\x1b[2Kb", False),
        ("a\u2028b", False),
    ],
)
def test_only_one_line_values_are_written(value: str, fits: bool) -> None:
    assert is_one_line_value(value) is fits


def test_the_logins_config_edit_refuses_a_value_that_would_start_a_line(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[sso-session corp]\nsso_region = us-east-1\n")
    with pytest.raises(ValueError, match="not a value that fits on one line"):
        set_config_value(str(path), "sso-session corp", "sso_region", "eu-west-1\n[default]")
    assert path.read_text() == "[sso-session corp]\nsso_region = us-east-1\n"
