"""``botocore-sso export``: every format read back by what reads it (JSON parser, bash, fish)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from pathlib import Path
from typing import Callable, Dict

import pytest

from botocore_sso_provider.cli.exporting import (
    FORMATS,
    ProfileCredentials,
    environment_variables,
    render,
)
from botocore_sso_provider.errors import UnsafeValueError
from tests.conftest import SSO_CONFIG, botocore_sso, needs_shell, write_role_credentials

EXPIRATION = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)

NASTY_VALUES = {
    "quotes": "it's a \"quoted\" 'value'",
    "expansions": "$HOME $(touch /tmp/pwned) `id` ${PATH} !! \\n",
    "newline": "first line\nsecond line",
    "backslashes": "back\\slash\\\\ and \\' tail\\",
    "shell-operators": "a;b&&c|d>e<f*g?h[i]~j#k",
    "unicode": "caf\u00e9 \u2018typographic\u2019 \u201cquotes\u201d",
    "empty": "",
}

VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION")


def credentials(secret: str = "plain/Secret+Key=") -> ProfileCredentials:  # noqa: S107 - a made-up value
    return ProfileCredentials(
        access_key="ASIAEXAMPLE",
        secret_key=secret,
        token="Session/Token+With=Base64==",
        expiration=EXPIRATION,
        account_id="111111111111",
        region="eu-west-1",
    )


def read_back_in_bash(text: str, *, export: bool) -> Dict[str, str]:
    """Source ``text`` in a real bash, then print the variables NUL-separated (from a child if exported)."""
    printer = 'printf "%s\\0" ' + " ".join(f'"${name}"' for name in VARIABLES)
    reader = f"bash -c '{printer}'" if export else printer
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f'eval "$1"; {reader}', "bash", text],
        capture_output=True,
        check=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]},
    )
    values = done.stdout.decode("utf-8").split("\0")[:-1]
    return dict(zip(VARIABLES, values))


@pytest.mark.parametrize("value", list(NASTY_VALUES.values()), ids=list(NASTY_VALUES))
@pytest.mark.parametrize("format", ["env", "env-no-export"])
def test_bash_reads_back_exactly_what_was_exported(format: str, value: str, tmp_path: Path) -> None:
    exported = credentials(secret=value)
    text = render(exported, format)
    assert read_back_in_bash(text, export=format == "env") == environment_variables(exported)
    assert not (Path("/tmp") / "pwned").exists()


def test_env_sets_the_expiration_as_iso_8601_utc() -> None:
    variables = read_back_in_bash(render(credentials(), "env"), export=True)
    assert variables["AWS_CREDENTIAL_EXPIRATION"] == "2030-01-02T03:04:05Z"


def test_env_no_export_does_not_reach_child_processes() -> None:
    seen = read_back_in_bash(render(credentials(), "env-no-export"), export=True)
    assert seen == dict.fromkeys(VARIABLES, "")


@needs_shell("fish")
@pytest.mark.parametrize("value", list(NASTY_VALUES.values()), ids=list(NASTY_VALUES))
def test_fish_reads_back_exactly_what_was_exported(value: str) -> None:
    exported = credentials(secret=value)
    printer = "printf '%s\\0' " + " ".join(f"${name}" for name in VARIABLES)
    done = subprocess.run(
        ["fish", "--no-config", "-c", f"{render(exported, 'fish')}\n{printer}"],
        capture_output=True,
        check=True,
        timeout=30,
    )
    values = done.stdout.decode("utf-8").split("\0")[:-1]
    assert dict(zip(VARIABLES, values)) == environment_variables(exported)


@needs_shell("pwsh")
@pytest.mark.parametrize("value", list(NASTY_VALUES.values()), ids=list(NASTY_VALUES))
def test_powershell_reads_back_exactly_what_was_exported(value: str) -> None:
    exported = credentials(secret=value)
    script = render(exported, "powershell") + "[Console]::Out.Write($Env:AWS_SECRET_ACCESS_KEY)"
    done = subprocess.run(
        ["pwsh", "-NoProfile", "-Command", script], capture_output=True, check=True, timeout=60
    )
    assert done.stdout.decode("utf-8") == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "'plain'"),
        ("it's", "'it''s'"),
        ("\u2018curly\u2019", "'\u2018\u2018curly\u2019\u2019'"),
        ("$Env:HOME `n", "'$Env:HOME `n'"),
    ],
    ids=["plain", "apostrophe", "typographic-quotes", "no-expansion"],
)
def test_powershell_quoting_doubles_every_quote_character(value: str, expected: str) -> None:
    line = render(credentials(secret=value), "powershell").splitlines()[1]
    assert line == f"$Env:AWS_SECRET_ACCESS_KEY={expected}"


def test_windows_cmd_lines_and_refusals() -> None:
    lines = render(credentials(secret="a&b|c<d>e^f"), "windows-cmd").splitlines()
    assert lines[1] == 'set "AWS_SECRET_ACCESS_KEY=a&b|c<d>e^f"'  # inside the quotes these are literal
    assert lines[3] == 'set "AWS_CREDENTIAL_EXPIRATION=2030-01-02T03:04:05Z"'
    for unsafe in ("100%", "wow!", 'say "hi"', "two\nlines"):
        with pytest.raises(UnsafeValueError, match="AWS_SECRET_ACCESS_KEY"):
            render(credentials(secret=unsafe), "windows-cmd")


def test_process_and_json_formats_parse() -> None:
    process = json.loads(render(credentials(), "process"))
    assert process == {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "plain/Secret+Key=",
        "SessionToken": "Session/Token+With=Base64==",
        "Expiration": "2030-01-02T03:04:05Z",
        "AccountId": "111111111111",
    }
    document = json.loads(render(credentials(), "json"))
    assert document == {**{k: v for k, v in process.items() if k != "Version"}, "Region": "eu-west-1"}


def test_credentials_without_expiry_leave_it_out() -> None:
    static = ProfileCredentials(access_key="AKIA", secret_key="s")
    assert json.loads(render(static, "process")) == {
        "Version": 1,
        "AccessKeyId": "AKIA",
        "SecretAccessKey": "s",
    }
    assert "AWS_CREDENTIAL_EXPIRATION" not in render(static, "env")
    assert "AWS_SESSION_TOKEN" not in render(static, "env")


def test_repr_shows_no_secret() -> None:
    text = repr(credentials(secret="top-secret-value"))
    assert "top-secret-value" not in text
    assert "ASIAEXAMPLE" not in text
    assert "Session/Token" not in text


@pytest.mark.parametrize("format", FORMATS)
def test_the_command_prints_every_format_for_a_cached_profile(
    format: str, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    cached = write_role_credentials(aws_home)
    done = botocore_sso("export", "--profile", "dev", "--format", format)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert cached["SecretAccessKey"] in done.stdout
    assert cached["Expiration"] in done.stdout
    if format in ("process", "json"):
        assert json.loads(done.stdout)["AccessKeyId"] == cached["AccessKeyId"]


def test_the_default_format_is_env_and_bash_can_eval_it(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    cached = write_role_credentials(aws_home)
    done = botocore_sso("export", "--profile", "dev")
    assert done.returncode == 0, done.stderr
    assert read_back_in_bash(done.stdout, export=True) == {
        "AWS_ACCESS_KEY_ID": cached["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": cached["SecretAccessKey"],
        "AWS_SESSION_TOKEN": cached["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": cached["Expiration"],
    }


def test_an_unknown_format_is_a_usage_error(write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)
    done = botocore_sso("export", "--profile", "dev", "--format", "yaml")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "yaml" in done.stderr
