"""The config editor behind ``populate``: pure text in, text out, every byte it does not own kept."""

from __future__ import annotations

import pytest

from botocore_sso_provider.account.populate import populate, safe_profile_name
from botocore_sso_provider.account.portal import AccountAccess

pytestmark = pytest.mark.unit


def test_a_hand_written_profile_with_the_generated_name_is_never_overwritten() -> None:
    text = "[profile dev.Admin]\nregion = us-west-2\n"
    accounts = [AccountAccess("111111111111", "dev", "", ("Admin",))]
    result = populate(text, accounts, session_name="corp", path="config")
    assert result.new_text.startswith(text)
    assert result.added == ("dev.Admin-111111111111",)


def test_a_file_without_a_final_newline_and_with_crlf_endings_is_kept() -> None:
    text = "[default]\r\nregion = us-east-1"
    accounts = [AccountAccess("111111111111", "dev", "", ("Admin",))]
    result = populate(text, accounts, session_name="corp", path="config")
    assert result.new_text.startswith("[default]\r\nregion = us-east-1\r\n\r\n[profile dev.Admin]\r\n")
    again = populate(result.new_text, accounts, session_name="corp", path="config")
    assert again.new_text == result.new_text and not again.changed


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("dev.Admin", "dev.Admin"),
        ("Prod Account.Read Only", "Prod-Account.Read-Only"),
        ("[x]#y", "x-y"),
        ("", "profile"),
    ],
)
def test_names_are_made_safe_for_a_section_header(raw: str, safe: str) -> None:
    assert safe_profile_name(raw) == safe


def test_a_changed_region_is_updated_in_place_and_nothing_else_moves() -> None:
    accounts = [AccountAccess("111111111111", "dev", "", ("Admin",))]
    first = populate("[default]\n", accounts, session_name="corp", path="config", region="eu-west-1")
    edited = first.new_text.replace("region = eu-west-1\n", "region = eu-west-1\n# my note\n")
    second = populate(edited, accounts, session_name="corp", path="config", region="us-east-2")
    assert second.updated == ("dev.Admin",) and not second.added
    assert second.new_text == edited.replace("region = eu-west-1", "region = us-east-2")


def test_a_key_added_to_a_generated_section_at_the_end_of_a_file_without_a_newline() -> None:
    accounts = [AccountAccess("111111111111", "dev", "", ("Admin",))]
    text = populate("", accounts, session_name="corp", path="config").new_text.rstrip("\n")
    again = populate(text, accounts, session_name="corp", path="config", region="eu-west-1")
    assert again.new_text.endswith("botocore_sso_generated = corp\nregion = eu-west-1\n")
