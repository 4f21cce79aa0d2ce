"""``populate`` against a portal that answers with names no AWS service sends, through the real command.

A compromised or spoofed portal must not be able to write syntax into the
config file: no ``[default]``, no ``credential_process``, no
``endpoint_url``; what it sent is skipped with one warning, shown escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import botocore.session
import pytest

from botocore_sso_provider.testing import Account, FakeIdentityCenter
from tests.conftest import botocore_sso, run_python, seed_token

pytestmark = pytest.mark.functional

SSO_SESSION = """\
[sso-session corp]
sso_start_url = https://fake-idc.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


def hostile_accounts(marker: Path) -> tuple[Account, ...]:
    """Every way a role or account name could smuggle syntax into the config, and one honest pair."""
    run = f"credential_process = sh -c 'touch {marker}'"
    return (
        Account(
            "111111111111",
            "dev",
            "dev@example.com",
            (
                "ReadOnly",
                f"Admin\n[default]\n{run}",
                f"Billing\r[default]\r{run}",  # configparser splits on a lone CR
                "Audit\nendpoint_url = https://evil.example",
                "\x1b]52;c;cHduZWQ=\x07Ops",  # OSC 52: the clipboard
                "\x1b[2K\rSupport",
                "R" * 65,
            ),
        ),
        Account("2222222222\n[default]", "evil", "evil@example.com", ("ReadOnly",)),
        Account("333333333333", f"shadow\n[default]\n{run}", "s@example.com", ("ReadOnly",)),
        Account("444444444444", "default", "d@example.com", ("ReadOnly",)),  # not the default profile
        Account("555555555555", "ok", f"e@example.com\n{run}", ("ReadOnly",)),
    )


def serve(accounts: Sequence[Account], home: Path, monkeypatch: pytest.MonkeyPatch) -> FakeIdentityCenter:
    server = FakeIdentityCenter(accounts=accounts)
    server.start()
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    seed_token(server, home)
    return server


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "PWNED"


@pytest.fixture
def hostile(aws_home: Path, marker: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIdentityCenter]:
    (aws_home / ".aws" / "config").write_text(SSO_SESSION)
    server = serve(hostile_accounts(marker), aws_home, monkeypatch)
    try:
        yield server
    finally:
        server.stop()


def test_names_the_portal_cannot_send_never_reach_the_config(
    hostile: FakeIdentityCenter, aws_home: Path, marker: Path
) -> None:
    done = botocore_sso("populate", "--sso-session", "corp", "--region", "eu-west-1")
    assert done.returncode == 0, done.stderr
    config = (aws_home / ".aws" / "config").read_text()
    assert config.startswith(SSO_SESSION)
    profiles = botocore.session.Session().full_config["profiles"]
    assert "default" not in profiles, config
    assert "credential_process" not in config and "endpoint_url" not in config
    assert sorted(profiles) == ["default.ReadOnly", "dev.ReadOnly"]
    assert {p["sso_account_id"] for p in profiles.values()} == {
        "111111111111",
        "444444444444",
    }
    assert all(p["sso_role_name"] == "ReadOnly" for p in profiles.values())

    # one warning per skipped name, escaped, on stderr; nothing raw reaches the terminal
    warnings = done.stderr.splitlines()
    assert len(warnings) == 9, done.stderr
    assert "Admin\\n[default]\\ncredential_process" in done.stderr
    assert "Billing\\r[default]\\r" in done.stderr
    assert "\\x1b]52;c;cHduZWQ=\\x07Ops" in done.stderr
    assert '"2222222222\\n[default]"' in done.stderr
    for stream in (done.stdout, done.stderr):
        assert "\x1b" not in stream and "\r" not in stream and "\x07" not in stream

    # the next plain boto3 user runs nothing
    check = run_python("-c", "import boto3; print(boto3.Session().get_credentials())")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "None"
    assert not marker.exists()


INJECTIONS = {
    "line-feed": "ReadOnly\n[default]\ncredential_process = sh -c 'touch {marker}'",
    "carriage-return": "ReadOnly\r[default]\rcredential_process = sh -c 'touch {marker}'",
    "crlf": "ReadOnly\r\n[default]\r\ncredential_process = sh -c 'touch {marker}'",
}


@pytest.mark.parametrize("role", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_a_role_name_cannot_add_a_default_profile_that_runs_a_command(
    role: str, aws_home: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / ".aws" / "config").write_text(SSO_SESSION)
    role = role.format(marker=marker)
    server = serve(
        [Account("111111111111", "dev", "d@example.com", ("ReadOnly", role))], aws_home, monkeypatch
    )
    try:
        done = botocore_sso("populate", "--sso-session", "corp")
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    check = run_python("-c", "import boto3; print(boto3.Session().get_credentials())")
    assert not marker.exists(), "a plain boto3 session ran the portal's command"
    assert check.returncode == 0 and check.stdout.strip() == "None", check.stderr
    assert "[default]" not in (aws_home / ".aws" / "config").read_text()
    assert done.stderr.count("\n") == 1 and "ReadOnly\\" in done.stderr  # one warning, escaped


def test_a_role_name_cannot_redirect_a_generated_profile(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / ".aws" / "config").write_text(SSO_SESSION)
    role = "ReadOnly\nendpoint_url = https://evil.example"
    server = serve([Account("111111111111", "dev", "d@example.com", (role,))], aws_home, monkeypatch)
    try:
        done = botocore_sso("populate", "--sso-session", "corp")
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    profiles = botocore.session.Session().full_config["profiles"]
    assert not any("endpoint_url" in profile for profile in profiles.values()), profiles
    assert "endpoint_url" not in (aws_home / ".aws" / "config").read_text()


def test_a_dry_run_shows_what_was_sent_escaped(hostile: FakeIdentityCenter, aws_home: Path) -> None:
    config = aws_home / ".aws" / "config"
    config.write_text(SSO_SESSION + "# a comment with \x1b[31mcolour\x1b[0m and a lone \r in it\n")
    before = config.read_bytes()
    done = botocore_sso("populate", "--sso-session", "corp", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert config.read_bytes() == before
    assert "+[profile dev.ReadOnly]" in done.stdout
    assert "\\x1b[31mcolour" in done.stdout  # the file's own line, shown as context, escaped too
    assert "\\x1b[2K\\rSupport" in done.stderr
    for stream in (done.stdout, done.stderr):
        assert "\x1b" not in stream and "\r" not in stream and "\x07" not in stream


def test_an_account_named_default_never_becomes_the_default_profile(
    aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / ".aws" / "config").write_text(SSO_SESSION)
    server = serve([Account("444444444444", "default", "d@example.com", ("x",))], aws_home, monkeypatch)
    try:
        done = botocore_sso("populate", "--sso-session", "corp", "--profile-name-template", "{account_name}")
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    profiles = botocore.session.Session().full_config["profiles"]
    assert list(profiles) == ["default-444444444444"]


def test_a_region_that_is_not_a_region_name_is_refused_before_any_request(
    hostile: FakeIdentityCenter, aws_home: Path
) -> None:
    before = (aws_home / ".aws" / "config").read_bytes()
    done = botocore_sso("populate", "--sso-session", "corp", "--region", "eu-west-1\nendpoint_url = x")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "\\nendpoint_url" in done.stderr
    assert (aws_home / ".aws" / "config").read_bytes() == before
    assert hostile.request_counts()["ListAccounts"] == 0


@pytest.mark.parametrize("role", ["Admin", "a+b=c,d.e@f_g-h", "R" * 64])
def test_every_role_name_aws_allows_is_written(
    role: str, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (aws_home / ".aws" / "config").write_text(SSO_SESSION)
    server = serve([Account("111111111111", "dev", "d@example.com", (role,))], aws_home, monkeypatch)
    try:
        done = botocore_sso("populate", "--sso-session", "corp")
    finally:
        server.stop()
    assert done.returncode == 0 and done.stderr == "", done.stderr
    profiles = botocore.session.Session().full_config["profiles"]
    assert [p["sso_role_name"] for p in profiles.values()] == [role]
