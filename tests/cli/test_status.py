"""``botocore-sso status``: read from the files alone, no secret shown, exit status as promised."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.cli.main import main
from botocore_sso_provider.provider.config import resolve_profile
from botocore_sso_provider.rules.keys import role_cache_key_of
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, in_minutes, run_python

pytestmark = pytest.mark.functional

LEGACY = """
    [profile old]
    sso_start_url = https://legacy.awsapps.com/start
    sso_region = eu-west-1
    sso_account_id = 222222222222
    sso_role_name = ReadOnly
"""


def _status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["status", *args])
    return code, capsys.readouterr().out


def _secrets(token: dict) -> list[str]:
    return [token["accessToken"], token["clientSecret"], token.get("refreshToken", "")]


@pytest.fixture
def config(write_config: Callable[[str], Path]) -> Path:
    return write_config(SSO_CONFIG + LEGACY)


def test_a_logged_in_session_is_json_without_secrets_and_exit_0(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict], capsys: pytest.CaptureFixture[str]
) -> None:
    token = seed_login()
    session = botocore.session.Session(profile="dev")
    assert session.get_credentials().get_frozen_credentials().access_key  # caches role credentials
    code, out = _status(capsys, "--format", "json")
    assert code == 0
    document = json.loads(out)
    corp = next(s for s in document["sessions"] if s["name"] == "corp")
    assert corp["loggedIn"] is True
    assert corp["refreshable"] is True
    assert corp["expiresAt"] == token["expiresAt"]
    assert corp["registrationExpiresAt"] == token["registrationExpiresAt"]
    assert corp["startUrl"] == "https://fake-idc.awsapps.com/start"
    assert corp["region"] == "us-east-1"
    [role] = corp["roleCredentials"]
    assert role["accountId"] == "111111111111" and role["roleName"] == "ReadOnly"
    assert role["expiresAt"] is not None
    legacy = next(s for s in document["sessions"] if s["name"] is None)
    assert legacy["loggedIn"] is False
    assert legacy["fix"] == "botocore-sso login --profile old"
    for secret in [*_secrets(token), session.get_credentials().get_frozen_credentials().secret_key]:
        assert secret and secret not in out


def test_the_profile_answer_and_exit_status_for_logged_in_expired_and_absent(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict], capsys: pytest.CaptureFixture[str]
) -> None:
    # absent
    code, out = _status(capsys, "--profile", "dev", "--format", "json")
    assert code == 1
    profile = json.loads(out)["profile"]
    assert profile["usable"] is False
    assert profile["fix"] == "botocore-sso login --sso-session corp"
    # logged in
    seed_login()
    code, out = _status(capsys, "--profile", "dev", "--format", "json")
    assert (code, json.loads(out)["profile"]["usable"]) == (0, True)
    # expired access token, but refreshable: usable without a new login
    seed_login(expiresAt=in_minutes(-5))
    code, out = _status(capsys, "--profile", "dev", "--format", "json")
    assert code == 0
    assert json.loads(out)["sessions"][0]["refreshable"] is True
    # expired and not refreshable (no refresh token): a new login is needed
    seed_login(expiresAt=in_minutes(-5), refreshToken="")
    code, out = _status(capsys, "--profile", "dev")
    assert code == 1
    assert "Run: botocore-sso login --sso-session corp" in out
    # expired registration: the refresh token cannot be used either
    seed_login(expiresAt=in_minutes(-5), registrationExpiresAt=in_minutes(-1))
    assert _status(capsys, "--profile", "dev")[0] == 1


def test_a_legacy_login_expires_for_good(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_login(session_name=None, startUrl="https://legacy.awsapps.com/start")
    assert _status(capsys, "--profile", "old")[0] == 0
    seed_login(session_name=None, startUrl="https://legacy.awsapps.com/start", expiresAt=in_minutes(-1))
    code, out = _status(capsys, "--profile", "old", "--format", "json")
    assert code == 1
    assert json.loads(out)["profile"]["fix"] == "botocore-sso login --profile old"


def test_fresh_role_credentials_keep_a_profile_usable_after_the_token_expired(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_login(session_name=None, startUrl="https://legacy.awsapps.com/start")
    botocore.session.Session(profile="old").get_credentials().get_frozen_credentials()
    seed_login(session_name=None, startUrl="https://legacy.awsapps.com/start", expiresAt=in_minutes(-1))
    code, out = _status(capsys, "--short", "--profile", "old")
    assert code == 0
    assert out.startswith("https://legacy.awsapps.com/start role ")


def test_short_is_one_line_for_a_prompt(
    idc: FakeIdentityCenter,
    config: Path,
    seed_login: Callable[..., dict],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "dev")
    assert _status(capsys, "--short") == (1, "corp logged out\n")
    seed_login(expiresAt=in_minutes(192.5))
    assert _status(capsys, "--short") == (0, "corp 3h12m\n")
    seed_login(expiresAt=in_minutes(-1))
    assert _status(capsys, "--short") == (0, "corp refresh\n")
    seed_login(expiresAt=in_minutes(-1), refreshToken="")
    assert _status(capsys, "--short") == (1, "corp expired\n")


def test_short_imports_neither_boto3_nor_a_botocore_session_nor_argparse(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict]
) -> None:
    seed_login()
    code = (
        "import sys; from botocore_sso_provider.cli.main import main; "
        "status = main(['status', '--short', '--profile', 'dev']); "
        "heavy = [m for m in ('boto3', 'botocore.session', 'botocore.client', 'dateutil.parser', "
        "'argparse', '_strptime') "
        "if m in sys.modules]; print(heavy); sys.exit(status)"
    )
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [result.stdout.splitlines()[0], "[]"]
    assert result.stdout.startswith("corp ")


def test_an_unknown_or_non_sso_profile_is_one_sentence(
    config: Path, capsys: pytest.CaptureFixture[str], write_config: Callable[[str], Path]
) -> None:
    assert main(["status", "--profile", "nope"]) == 1
    assert 'The profile "nope" does not exist' in capsys.readouterr().err
    write_config(SSO_CONFIG + "\n[profile plain]\nregion = us-east-1\n")
    assert main(["status", "--profile", "plain", "--short"]) == 1
    assert "is not an SSO profile" in capsys.readouterr().err


def test_no_config_at_all_says_how_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _status(capsys)
    assert code == 1
    assert "No SSO logins are configured" in out


def test_the_role_cache_key_matches_the_providers(config: Path) -> None:
    full = botocore.session.Session().full_config
    for profile in ("dev", "old"):
        resolved = resolve_profile(full, profile)
        assert resolved is not None
        assert resolved.role_cache_key == role_cache_key_of(
            resolved.account_id,
            resolved.role_name,
            session_name=resolved.session.name,
            start_url=resolved.session.start_url,
        )


@pytest.mark.parametrize(
    ("arguments", "fast"),
    [
        (["--short"], True),
        (["--short", "--profile", "dev"], True),
        (["--profile=dev", "--short"], True),
        (["--short", "--format", "json"], False),
        (["--profile", "dev"], False),
        (["--short", "--profile"], False),
        (["--short", "--help"], False),
    ],
)
def test_the_prompt_line_skips_argparse_only_for_what_it_understands(
    arguments: list[str], fast: bool
) -> None:
    from botocore_sso_provider.cli.commands.status import short_arguments

    parsed = short_arguments(arguments)
    assert (parsed is not None) == fast
    if parsed is not None:
        assert parsed.short and parsed.profile in (None, "dev")


def test_the_fast_prompt_line_answers_as_the_parsed_one(
    idc: FakeIdentityCenter, config: Path, seed_login: Callable[..., dict], capsys: pytest.CaptureFixture[str]
) -> None:
    seed_login(expiresAt=in_minutes(61))
    assert _status(capsys, "--short", "--profile", "dev") == (0, "corp 1h00m\n")
    assert _status(capsys, "--short", "--profile", "dev", "--format", "table") == (0, "corp 1h00m\n")


def test_an_unreadable_token_file_is_a_problem_named_not_a_traceback(
    config: Path, aws_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import token_path

    path = token_path(aws_home, "corp")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    code, out = _status(capsys, "--format", "json")
    corp = next(s for s in json.loads(out)["sessions"] if s["name"] == "corp")
    assert corp["loggedIn"] is False
    assert str(path) in corp["problem"]
    assert corp["fix"] == "botocore-sso login --sso-session corp"
    assert code == 1


def test_an_assume_role_profile_is_as_usable_as_its_sso_source(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config(
        SSO_CONFIG
        + """
    [profile admin]
    role_arn = arn:aws:iam::111111111111:role/Admin
    source_profile = dev
    """
    )
    code, out = _status(capsys, "--profile", "admin", "--format", "json")
    assert code == 1
    assert json.loads(out)["profile"]["fix"] == "botocore-sso login --sso-session corp"
    seed_login()
    assert _status(capsys, "--short", "--profile", "admin")[0] == 0
