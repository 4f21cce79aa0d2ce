"""The credentials file's section editor: what configparser (botocore's parser) reads, before and after."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Dict

import pytest

from botocore_sso_provider.errors import SSOConfigError
from botocore_sso_provider.store.credentials_file import (
    MARKER,
    section_name_problem,
    section_text,
    update_section,
    write_secret_file,
)

pytestmark = pytest.mark.unit

VALUES = {"aws_access_key_id": "ASIANEW", "aws_secret_access_key": "new/secret", "aws_session_token": "tok"}
NOTES = ["written by a test"]


def read(text: str) -> Dict[str, Dict[str, str]]:
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return {section: dict(parser.items(section)) for section in parser.sections()}


def test_a_new_section_goes_at_the_end_with_the_files_line_endings() -> None:
    text = "[a]\r\nx = 1"  # no newline at the end
    after = section_text(text, "ci", VALUES, NOTES)
    assert after == (
        "[a]\r\nx = 1\r\n\r\n[ci]\r\n"
        f"{MARKER} written by a test\r\n"
        "aws_access_key_id = ASIANEW\r\naws_secret_access_key = new/secret\r\naws_session_token = tok\r\n"
    )
    assert read(after)["ci"] == VALUES


def test_an_empty_file_gets_just_the_section() -> None:
    assert section_text("", "ci", VALUES, NOTES).startswith(f"[ci]\n{MARKER} ")


def test_our_old_lines_go_with_their_continuation_lines_and_the_rest_stays() -> None:
    text = (
        "[ci]\n"
        "region = eu-west-1\n"
        f"{MARKER} old note\n"
        "aws_access_key_id = ASIAOLD\n"
        "aws_session_token = first part\n"
        "  second part\n"
        "\n"
        "  third part\n"
        "output = json\n"
        "[next]\n"
        "k = v\n"
    )
    after = section_text(text, "ci", VALUES, NOTES)
    assert after == (
        "[ci]\n"
        "region = eu-west-1\n"
        f"{MARKER} written by a test\n"
        "aws_access_key_id = ASIANEW\n"
        "aws_secret_access_key = new/secret\n"
        "aws_session_token = tok\n"
        "output = json\n"
        "[next]\n"
        "k = v\n"
    )


def test_keys_are_matched_as_configparser_matches_them() -> None:
    text = f"[ci]\n{MARKER} ours\nAWS_Access_Key_ID: ASIAOLD\naws_secret_access_key=old\n"
    after = section_text(text, "ci", VALUES, NOTES)
    assert read(after)["ci"] == VALUES
    assert "ASIAOLD" not in after


def test_dropped_keys_are_removed() -> None:
    text = f"[ci]\n{MARKER} ours\naws_access_key_id = A\naws_security_token = stale\n"
    assert (
        "aws_security_token"
        not in read(section_text(text, "ci", VALUES, NOTES, drop=["aws_security_token"]))["ci"]
    )


def test_keys_without_our_mark_are_refused() -> None:
    with pytest.raises(SSOConfigError, match="did not write"):
        section_text("[ci]\naws_access_key_id = AKIALONGTERM\n", "ci", VALUES, NOTES)
    with pytest.raises(SSOConfigError, match="did not write"):
        section_text("[ci]\naws_security_token = x\n", "ci", VALUES, NOTES, drop=["aws_security_token"])


def test_a_section_of_that_name_inside_a_value_is_not_taken_for_it() -> None:
    text = "[a]\nnested =\n  [ci]\n  x = 1\n"
    after = section_text(text, "ci", VALUES, NOTES)
    assert after.startswith(text)
    assert read(after)["a"] == read(text)["a"]


def test_an_edit_that_would_change_how_another_line_reads_is_refused() -> None:
    # "  region" is a key of its own after the header, but would continue our last key's value.
    text = f"[ci]\n{MARKER} ours\n  region = eu-west-1\n"
    assert read(text)["ci"] == {"region": "eu-west-1"}
    with pytest.raises(SSOConfigError, match="edit it by hand"):
        section_text(text, "ci", VALUES, NOTES)


def test_a_file_botocore_refuses_is_not_edited() -> None:
    with pytest.raises(SSOConfigError, match="cannot be read as botocore reads it"):
        section_text("[ci]\nx = 1\n[ci]\n", "ci", VALUES, NOTES)
    with pytest.raises(SSOConfigError, match="cannot be read as botocore reads it"):
        section_text("key outside any section = 1\n", "ci", VALUES, NOTES)


NAMES = {
    "plain": ("ci", None),
    "dots-and-dashes": ("team.dev-keys_1", None),
    "with-inner-space": ("my keys", None),
    "empty": ("", "empty"),
    "bracket": ("a]b", "']'"),
    "equals": ("a=b", "'='"),
    "newline": ("a\nb", "control"),
    "bidi": ("a\u202eb", "control"),
    "edge-space": ("ci ", "space"),
    "default": ("DEFAULT", "every other"),
    "long": ("x" * 129, "longer"),
}


@pytest.mark.parametrize(("name", "said"), NAMES.values(), ids=NAMES.keys())
def test_section_names(name: str, said: str) -> None:
    problem = section_name_problem(name)
    if said is None:
        assert problem is None
        assert list(read(section_text("", name, VALUES, NOTES))) == [name]
    else:
        assert problem is not None and said in problem


@pytest.mark.parametrize("value", ["two\nlines", " edge", "", "bell\x07"])
def test_a_value_that_is_not_one_clean_line_is_never_written(value: str, tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    with pytest.raises(SSOConfigError, match="cannot be written"):
        update_section(str(path), "ci", {**VALUES, "aws_session_token": value}, NOTES)
    assert not path.exists()


def test_notes_cannot_start_a_line(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    update_section(str(path), "ci", VALUES, ["a note\n[injected]\nx = 1"])
    assert list(read(path.read_text())) == ["ci"]


def test_a_secret_file_is_private_and_not_rewritten_when_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "out.env"
    assert write_secret_file(str(path), "A=1\n") is True
    assert path.stat().st_mode & 0o777 == 0o600
    assert write_secret_file(str(path), "A=1\n") is False
