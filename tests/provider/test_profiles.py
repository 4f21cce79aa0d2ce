"""Every profile shape a user can write, through real sessions; and side by side with botocore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import boto3
import pytest
from moto import mock_aws

from botocore_sso_provider import SSOConfigError, register
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import needs_endpoint_variables, run_python, token_path

pytestmark = pytest.mark.functional

START_URL = "https://fake-idc.awsapps.com/start"

PROFILES = f"""
    [profile session]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [profile session-with-agreeing-values]
    sso_session = corp
    sso_start_url = {START_URL}
    sso_region = us-east-1
    sso_account_id = 111111111111
    sso_role_name = Admin

    [profile legacy]
    sso_start_url = {START_URL}
    sso_region = us-east-1
    sso_account_id = 222222222222
    sso_role_name = ReadOnly

    [profile "my dev"]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = Admin

    [profile chained]
    role_arn = arn:aws:iam::123456789012:role/target
    source_profile = session

    [profile chained-twice]
    role_arn = arn:aws:iam::123456789012:role/second
    source_profile = chained

    [profile static]
    aws_access_key_id = AKIDSTATIC
    aws_secret_access_key = secret

    [profile broken-no-role]
    sso_session = corp
    sso_account_id = 111111111111

    [profile broken-missing-session]
    sso_session = nope
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [profile broken-disagrees]
    sso_session = corp
    sso_region = eu-west-1
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [profile broken-legacy-no-url]
    sso_region = us-east-1
    sso_account_id = 111111111111
    sso_role_name = ReadOnly

    [sso-session corp]
    sso_start_url = {START_URL}
    sso_region = us-east-1
"""

VALID = ["session", "session-with-agreeing-values", "legacy", "my dev"]


@pytest.fixture
def logins(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> FakeIdentityCenter:
    """Both logins cached: the sso-session's and the legacy start URL's."""
    write_config(PROFILES)
    cache_both_logins(idc, aws_home)
    return idc


def cache_both_logins(idc: FakeIdentityCenter, home: Path) -> None:
    """The sso-session's login and the legacy start URL's, as `aws sso login` leaves them."""
    for key_source, session_name in (("corp", "corp"), (START_URL, None)):
        token = idc.issue_token(
            session_name=session_name, scopes=("sso:account:access",) if session_name else ()
        )
        token.pop("expiresIn")
        path = token_path(home, key_source)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(token))


def ours(profile: str) -> boto3.Session:
    session = boto3.Session(profile_name=profile)
    register(session)
    return session


@pytest.mark.parametrize("profile", VALID)
def test_every_sso_profile_shape_resolves_through_this_package(
    profile: str, logins: FakeIdentityCenter, aws_home: Path
) -> None:
    credentials = ours(profile).get_credentials()
    assert credentials.method == "sso"
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
    assert len(list((aws_home / ".aws" / "cli" / "cache").glob("*.json"))) == 1


def test_aws_profile_selects_the_profile(logins: FakeIdentityCenter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "legacy")
    session = boto3.Session()
    register(session)
    assert session.get_credentials().method == "sso"
    session.get_credentials().get_frozen_credentials()  # deferred: the first use fetches
    assert logins.request_counts()["GetRoleCredentials"] == 1


@pytest.mark.parametrize(
    ("profile", "fragment"),
    [
        ("broken-no-role", 'profile "broken-no-role" is configured for SSO but is missing sso_role_name'),
        ("broken-missing-session", "has no [sso-session nope] section"),
        (
            "broken-disagrees",
            "sets sso_region = eu-west-1 in [profile broken-disagrees], but its sso-session sets "
            "sso_region = us-east-1 in [sso-session corp]",
        ),
        ("broken-legacy-no-url", "missing sso_start_url in [profile broken-legacy-no-url]"),
    ],
)
def test_a_broken_profile_names_the_profile_file_and_key(
    profile: str, fragment: str, logins: FakeIdentityCenter, aws_home: Path
) -> None:
    with pytest.raises(SSOConfigError) as caught:
        ours(profile).get_credentials()
    assert fragment in str(caught.value)
    assert str(aws_home / ".aws" / "config") in str(caught.value)
    assert sum(logins.request_counts().values()) == 0


def test_a_profile_that_is_not_sso_goes_on_down_the_chain(logins: FakeIdentityCenter) -> None:
    assert ours("static").get_credentials().access_key == "AKIDSTATIC"


@pytest.mark.parametrize("profile", ["chained", "chained-twice"])
def test_source_profile_chains_resolve_their_sso_source_through_this_package(
    profile: str, logins: FakeIdentityCenter, aws_home: Path
) -> None:
    with mock_aws(config={"core": {"mock_credentials": False, "passthrough": {"urls": [logins.url + ".*"]}}}):
        session = ours(profile)
        credentials = session.get_credentials()
        assert credentials.method == "assume-role"
        identity = session.client("sts", region_name="us-east-1").get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/")
    assert logins.request_counts()["GetRoleCredentials"] == 1
    role_files = list((aws_home / ".aws" / "cli" / "cache").glob("*.json"))
    assert any(json.loads(p.read_text()).get("ProviderType") == "sso" for p in role_files), (
        "only this package writes the SSO role cache: botocore's provider keeps it in memory"
    )


NATIVE = """
import json, sys, boto3
frozen = boto3.Session(profile_name=sys.argv[1]).get_credentials()
print(json.dumps({"method": frozen.method, "frozen": list(frozen.get_frozen_credentials())}))
"""


@needs_endpoint_variables
@pytest.mark.parametrize("profile", VALID)
def test_side_by_side_the_credentials_match_botocores_own_provider(
    profile: str, write_config: Callable[[str], Path], aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(PROFILES)
    with FakeIdentityCenter(stable_role_credentials=True) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)
        cache_both_logins(idc, aws_home)
        mine = ours(profile).get_credentials()
        mine_frozen = list(mine.get_frozen_credentials())
        native = run_python("-c", NATIVE, profile, native=True)
        assert native.returncode == 0, native.stderr
        theirs = json.loads(native.stdout)
        assert idc.request_counts()["GetRoleCredentials"] == 2, "each resolved it from the portal"
    assert theirs["method"] == mine.method == "sso"
    assert theirs["frozen"] == mine_frozen
