"""``botocore-sso logout``: Logout on the server, the session's files gone, other sessions untouched."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider.cli.main import main
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import FakeClock, clocked_session, token_path

pytestmark = pytest.mark.functional

TWO_SESSIONS = """
    [profile dev]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [profile dev-admin]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = Admin

    [profile ext]
    sso_session = other
    sso_account_id = 222222222222
    sso_role_name = ReadOnly

    [sso-session corp]
    sso_start_url = https://fake-idc.awsapps.com/start
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access

    [sso-session other]
    sso_start_url = https://other-idc.awsapps.com/start
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access
"""


OTHER_START_URL = "https://other-idc.awsapps.com/start"


def role_files(home: Path) -> dict[str, dict]:
    directory = home / ".aws" / "cli" / "cache"
    return {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


@pytest.fixture
def two_logins(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    aws_home: Path,
) -> dict[str, dict]:
    write_config(TWO_SESSIONS)
    other = idc.issue_token(
        user=None, start_url=OTHER_START_URL, scopes=("sso:account:access",), session_name="other"
    )
    other.pop("expiresIn")
    tokens = {"corp": seed_login("corp"), "other": other}
    token_path(aws_home, "other").write_text(json.dumps(other))  # another portal session
    for profile in ("dev", "dev-admin", "ext"):
        clocked_session(profile, FakeClock()).get_credentials().get_frozen_credentials()
    assert len(role_files(aws_home)) == 3
    idc.reset_counts()
    return tokens


def test_logout_of_one_session_ends_it_and_deletes_only_its_files(
    idc: FakeIdentityCenter, two_logins: dict[str, dict], aws_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_roles = {name for name, data in role_files(aws_home).items()}
    assert main(["logout", "--sso-session", "corp"]) == 0
    assert idc.request_counts()["Logout"] == 1
    assert not idc.access_token_is_valid(two_logins["corp"]["accessToken"])
    assert idc.access_token_is_valid(two_logins["other"]["accessToken"])
    assert not token_path(aws_home, "corp").exists()
    assert token_path(aws_home, "other").exists()
    remaining = role_files(aws_home)
    assert len(remaining) == 1, "dev and dev-admin's role credentials are gone; ext's stay"
    assert set(remaining) < other_roles
    out = capsys.readouterr().out
    assert 'Logged out of the sso-session "corp": removed 1 token and 2 cached role credentials.' in out
    assert two_logins["corp"]["accessToken"] not in out


def test_logout_by_profile_finds_its_session(
    idc: FakeIdentityCenter, two_logins: dict[str, dict], aws_home: Path
) -> None:
    assert main(["logout", "--profile", "ext"]) == 0
    assert not token_path(aws_home, "other").exists()
    assert token_path(aws_home, "corp").exists()
    assert len(role_files(aws_home)) == 2


def test_logout_twice_succeeds_twice(
    idc: FakeIdentityCenter, two_logins: dict[str, dict], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["logout", "--sso-session", "corp"]) == 0
    capsys.readouterr()
    assert main(["logout", "--sso-session", "corp"]) == 0
    assert 'Nothing to log out of for the sso-session "corp"' in capsys.readouterr().out
    assert idc.request_counts()["Logout"] == 1, "no token left, no second Logout"


def test_logout_all_sweeps_as_aws_sso_logout_does(
    idc: FakeIdentityCenter, two_logins: dict[str, dict], aws_home: Path
) -> None:
    cache = aws_home / ".aws" / "cli" / "cache"
    assumed = cache / "assumed-role.json"
    assumed.write_text(json.dumps({"ProviderType": "assume-role", "Credentials": {}}))
    registration = aws_home / ".aws" / "sso" / "cache" / "registration.json"
    registration.write_text(
        json.dumps({"clientId": "x", "clientSecret": "y", "expiresAt": "2099-01-01T00:00:00Z"})
    )
    assert main(["logout", "--all"]) == 0
    assert idc.request_counts()["Logout"] == 2
    assert not idc.access_token_is_valid(two_logins["other"]["accessToken"])
    assert not token_path(aws_home, "corp").exists() and not token_path(aws_home, "other").exists()
    assert list(role_files(aws_home)) == ["assumed-role.json"], "only ProviderType sso files go"
    assert registration.exists(), "registrations are not logins: kept, as the CLI keeps them"
    assert main(["logout", "--all"]) == 0


def test_an_unreachable_service_still_deletes_the_files_with_a_warning(
    idc: FakeIdentityCenter,
    two_logins: dict[str, dict],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["logout", "--sso-session", "corp"]) == 0
    err = capsys.readouterr().err
    assert "warning: IAM Identity Center did not answer the logout" in err
    assert "the portal session stays valid until it expires" in err
    assert not token_path(aws_home, "corp").exists()
    assert len(role_files(aws_home)) == 1
