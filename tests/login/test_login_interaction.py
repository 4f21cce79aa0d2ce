"""What a waiting login shows, and the config-file edit that corrects sso_region."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from botocore_sso_provider.login.config_edit import set_config_value
from botocore_sso_provider.login.interaction import WaitingDisplay

pytestmark = pytest.mark.unit


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_elapsed_time_is_rewritten_in_place() -> None:
    stream, clock = Terminal(), Clock()
    display = WaitingDisplay("Waiting", stream, monotonic=clock)
    for clock.now in (1, 65):
        display.tick()
    display.done()
    assert stream.getvalue() == (
        "\rWaiting... 0:01 elapsed (Ctrl-C to cancel)\rWaiting... 1:05 elapsed (Ctrl-C to cancel)\n"
    )


def test_elsewhere_a_plain_line_every_30_seconds() -> None:
    stream, clock = io.StringIO(), Clock()
    display = WaitingDisplay("Waiting", stream, monotonic=clock)
    for clock.now in (1, 2, 20, 31, 45, 62):
        display.tick()
    display.done()
    assert stream.getvalue().splitlines() == [
        "Waiting (1 s so far)",
        "Waiting (31 s so far)",
        "Waiting (62 s so far)",
    ]


CONFIG = """\
# my settings
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://sso.example.com/start
; wrong, set by hand
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
"""


def test_a_value_is_replaced_in_its_section_and_nothing_else_changes(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    path.chmod(0o640)
    set_config_value(str(path), "sso-session corp", "sso_region", "eu-central-1")
    assert path.read_text() == CONFIG.replace("sso_region = us-east-1", "sso_region = eu-central-1")
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_missing_value_is_added_at_the_end_of_its_section(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    set_config_value(str(path), "profile dev", "sso_region", "eu-central-1")
    assert path.read_text() == CONFIG + "sso_region = eu-central-1\n"
    set_config_value(str(path), "default", "sso_region", "ap-south-1")
    assert "[default]\nregion = eu-west-1\nsso_region = ap-south-1\n\n[sso-session corp]" in path.read_text()


def test_a_missing_section_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    with pytest.raises(ValueError, match=r"no \[sso-session other\] section"):
        set_config_value(str(path), "sso-session other", "sso_region", "x")
    assert path.read_text() == CONFIG
