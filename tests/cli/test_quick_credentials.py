"""The warm path of credential-process reads the config and the cache exactly as the provider does.

It parses the config without botocore (importing botocore costs more than a
Python start), so these tests hold it to botocore's parser and the
provider's own key, directory and freshness rules, and check that anything
it does not fully understand is left to the full path (None).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import botocore.configloader
import pytest

from botocore_sso_provider import settings
from botocore_sso_provider.cli import credential_source
from botocore_sso_provider.cli import fast as quick_credentials
from botocore_sso_provider.provider.config import resolve_profile
from botocore_sso_provider.rules.profiles import chosen_profile
from botocore_sso_provider.settings import role_cache_dir
from botocore_sso_provider.store import files
from tests.conftest import in_minutes

pytestmark = pytest.mark.unit

SHAPES = {
    "sso-session": (
        "dev",
        """
        [profile dev]
        sso_session = corp
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        region = eu-west-1
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        """,
    ),
    "legacy": (
        "old",
        """
        [profile old]
        sso_start_url = https://old.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 222222222222
        sso_role_name = Admin
        """,
    ),
    "default-section": (
        "default",
        """
        [default]
        sso_session = corp
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        """,
    ),
    "quoted-names": (
        "my profile",
        """
        [profile "my profile"]
        sso_session = my session
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        [sso-session 'my session']
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        """,
    ),
    "agreeing-profile-values": (
        "dev",
        """
        [profile dev]
        sso_session = corp
        sso_start_url = https://corp.awsapps.com/start
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        """,
    ),
}

LEFT_TO_THE_FULL_PATH = {
    "not-sso": ("plain", "[profile plain]\naws_access_key_id = AKIA\naws_secret_access_key = x\n"),
    "disagreeing-start-url": (
        "dev",
        """
        [profile dev]
        sso_session = corp
        sso_start_url = https://other.awsapps.com/start
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        """,
    ),
    "disagreeing-scopes": (
        "dev",
        """
        [profile dev]
        sso_session = corp
        sso_registration_scopes = other:scope
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        sso_registration_scopes = sso:account:access
        """,
    ),
    "missing-session-section": (
        "dev",
        "[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
    ),
    "missing-role": ("dev", "[profile dev]\nsso_session = corp\nsso_account_id = 1\n"),
    "unparsable": ("dev", "[profile dev\nsso_session = corp\n"),
    "no-profile": ("absent", "[profile dev]\nsso_account_id = 1\n"),
}


@pytest.fixture
def config_file(write_config: Callable[[str], Path]) -> Callable[[str], Path]:
    """The shared ``write_config``, under the name these tests use."""
    return write_config


def provider_cache_file(config_path: Path, profile: str) -> Path:
    """Where the provider itself (provider/config.py, rules/keys.py) keeps the role's credentials."""
    config = resolve_profile(botocore.configloader.load_config(str(config_path)), profile)
    assert config is not None
    return Path(role_cache_dir()) / f"{config.role_cache_key}.json"


def write_cached(path: Path, *, minutes: float = 60, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    credentials = {
        "AccessKeyId": "ASIAQUICK",
        "SecretAccessKey": "secret",
        "SessionToken": "token",
        "Expiration": in_minutes(minutes),
    }
    path.write_text(json.dumps({"ProviderType": "sso", "Credentials": credentials}))
    path.chmod(mode)


@pytest.mark.parametrize(("profile", "text"), list(SHAPES.values()), ids=list(SHAPES))
def test_reads_the_file_the_provider_writes(
    profile: str, text: str, config_file: Callable[[str], Path]
) -> None:
    write_cached(provider_cache_file(config_file(text), profile))
    found = quick_credentials.cached_credentials(profile)
    assert found is not None
    assert (found.access_key, found.secret_key, found.token) == ("ASIAQUICK", "secret", "token")


@pytest.mark.parametrize(
    ("profile", "text"), list(LEFT_TO_THE_FULL_PATH.values()), ids=list(LEFT_TO_THE_FULL_PATH)
)
def test_anything_unclear_is_left_to_the_full_path(
    profile: str, text: str, config_file: Callable[[str], Path]
) -> None:
    config_file(text)
    assert quick_credentials.cached_credentials(profile) is None


def test_the_region_and_account_come_from_the_profile(config_file: Callable[[str], Path]) -> None:
    profile, text = SHAPES["sso-session"]
    write_cached(provider_cache_file(config_file(text), profile))
    found = quick_credentials.cached_credentials(profile)
    assert found is not None
    assert (found.region, found.account_id) == ("eu-west-1", "111111111111")


@pytest.mark.parametrize(
    ("minutes", "mode", "fresh"),
    [
        (60, 0o600, True),
        (16, 0o600, True),
        (14, 0o600, False),
        (-1, 0o600, False),
        (60, 0o620, False),
        (60, 0o602, False),
    ],
    ids=["fresh", "just-fresh", "inside-the-window", "expired", "group-writable", "world-writable"],
)
def test_only_fresh_private_files_are_served(
    minutes: float, mode: int, fresh: bool, config_file: Callable[[str], Path]
) -> None:
    profile, text = SHAPES["legacy"]
    write_cached(provider_cache_file(config_file(text), profile), minutes=minutes, mode=mode)
    assert (quick_credentials.cached_credentials(profile) is not None) is fresh


def test_torn_symlinked_or_huge_files_are_left_to_the_full_path(
    config_file: Callable[[str], Path], tmp_path: Path
) -> None:
    profile, text = SHAPES["legacy"]
    path = provider_cache_file(config_file(text), profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"ProviderType": "sso", "Credentials": {"AccessKeyId"')
    assert quick_credentials.cached_credentials(profile) is None
    path.unlink()
    target = tmp_path / "elsewhere.json"
    write_cached(target)
    path.symlink_to(target)
    assert quick_credentials.cached_credentials(profile) is None
    path.unlink()
    write_cached(path)
    path.write_text(path.read_text()[:-2] + ', "Padding": "' + "x" * 70000 + '"}}')
    assert quick_credentials.cached_credentials(profile) is None


def test_a_profile_also_in_the_credentials_file_takes_the_full_path(
    config_file: Callable[[str], Path], aws_home: Path
) -> None:
    profile, text = SHAPES["legacy"]
    write_cached(provider_cache_file(config_file(text), profile))
    (aws_home / ".aws" / "credentials").write_text("[other]\naws_access_key_id = A\n")
    assert quick_credentials.cached_credentials(profile) is not None
    (aws_home / ".aws" / "credentials").write_text(f"[{profile}]\naws_access_key_id = A\n")
    assert quick_credentials.cached_credentials(profile) is None


def test_the_config_file_variable_is_expanded_as_botocore_does(
    monkeypatch: pytest.MonkeyPatch, aws_home: Path
) -> None:
    monkeypatch.setenv("CONFIG_DIR", str(aws_home / "elsewhere"))
    monkeypatch.setenv("AWS_CONFIG_FILE", "$CONFIG_DIR/config")
    assert settings.config_file() == os.path.join(str(aws_home), "elsewhere", "config")


@pytest.mark.parametrize(
    ("command", "profile"),
    [
        ("botocore-sso credential-process --profile dev", "dev"),
        ("/venv/bin/botocore-sso credential-process --profile=a\\ b", "a b"),
        ("python -m botocore_sso_provider.cli.main credential-process --profile x", "x"),
        ("botocore-sso export --format process", "default"),
        ("aws-sso-util credential-process --profile dev", None),
        ("botocore-sso login --profile dev", None),
        ("unbalanced 'quote", None),
    ],
)
def test_which_commands_call_us_and_for_which_profile(command: str, profile: str) -> None:
    assert credential_source.calls_us_for(command, environ={}) == profile


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"AWS_PROFILE": "a"},
        {"AWS_DEFAULT_PROFILE": "b"},
        {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"},
        {"AWS_PROFILE": ""},
        {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": ""},
    ],
    ids=["none", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "both", "empty", "empty-default-wins"],
)
def test_the_profile_is_picked_as_botocore_picks_it(environ: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.session

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    picked = botocore.session.Session().get_config_variable("profile")
    expected = "default" if picked is None else picked  # an empty name is a name: botocore's ProfileNotFound
    assert chosen_profile(None) == expected
    assert chosen_profile("named") == "named"
    assert chosen_profile("") == ""


@pytest.mark.parametrize(
    "key",
    [
        "profile dev",
        "profile  dev",
        "profile\tdev",
        'profile "my dev"',
        "profile 'a b'",
        "profile a\\ b",
        "profile 'x",
        "profile a\x0bb",
        "sso-session corp",
        "profile a b c",
    ],
)
def test_section_names_split_as_botocore_splits_them(key: str) -> None:
    import shlex

    try:
        expected = shlex.split(key)
    except ValueError:
        expected = None
    assert files.split_section_name(key) == expected


@pytest.mark.parametrize(
    ("profile", "text"),
    [case for name, case in LEFT_TO_THE_FULL_PATH.items() if name != "unparsable"],
    ids=[name for name in LEFT_TO_THE_FULL_PATH if name != "unparsable"],
)
def test_what_it_leaves_alone_the_provider_also_refuses_or_ignores(
    profile: str, text: str, config_file: Callable[[str], Path]
) -> None:
    from botocore_sso_provider.errors import SSOConfigError

    full_config = botocore.configloader.load_config(str(config_file(text)))
    try:
        resolved = resolve_profile(full_config, profile)
    except SSOConfigError:
        return
    assert resolved is None
