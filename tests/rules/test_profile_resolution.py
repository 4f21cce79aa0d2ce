"""Profiles and sso-sessions resolved from botocore's parsed config."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from botocore_sso_provider.errors import SSOConfigError
from botocore_sso_provider.provider.config import (
    resolve_profile,
    resolve_session,
    session_for_login,
)

pytestmark = pytest.mark.unit

SESSION = {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "eu-west-1"}


def full_config(profile: dict[str, Any], sessions: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"profiles": {"dev": profile}, "sso_sessions": sessions or {}}


def test_sso_session_profile_without_registration_scopes_has_none_configured() -> None:
    config = resolve_profile(
        full_config(
            {"sso_session": "corp", "sso_account_id": "111111111111", "sso_role_name": "ReadOnly"},
            {"corp": SESSION},
        ),
        "dev",
    )
    assert config is not None
    assert (config.account_id, config.role_name) == ("111111111111", "ReadOnly")
    assert config.session.name == "corp"
    assert config.session.refreshable
    assert config.session.scopes is None, "the AWS CLI v2 keys this registration with scopes: null"
    assert config.session.token_cache_key == hashlib.sha1(b"corp").hexdigest()


def test_legacy_profile_is_keyed_by_start_url_and_not_refreshable() -> None:
    config = resolve_profile(
        full_config({**SESSION, "sso_account_id": "111111111111", "sso_role_name": "ReadOnly"}), "dev"
    )
    assert config is not None
    assert not config.session.refreshable
    assert config.session.token_cache_key == hashlib.sha1(SESSION["sso_start_url"].encode()).hexdigest()


@pytest.mark.parametrize(
    "profile",
    [
        pytest.param({"region": "us-east-1"}, id="plain-profile"),
        pytest.param({"aws_access_key_id": "AKIDEXAMPLE"}, id="static-keys"),
        pytest.param({"sso_session": "corp"}, id="session-without-role"),
    ],
)
def test_a_profile_that_is_not_sso_returns_none(profile: dict[str, Any]) -> None:
    assert resolve_profile(full_config(profile, {"corp": SESSION}), "dev") is None


def test_an_unknown_profile_returns_none() -> None:
    assert resolve_profile(full_config({}), "missing") is None


@pytest.mark.parametrize(
    ("profile", "sessions", "expected"),
    [
        pytest.param(
            {"sso_session": "corp", "sso_account_id": "1"},
            {"corp": SESSION},
            "missing sso_role_name",
            id="account-without-role",
        ),
        pytest.param(
            {"sso_session": "corp", "sso_role_name": "R"},
            {"corp": SESSION},
            "missing sso_account_id",
            id="role-without-account",
        ),
        pytest.param(
            {"sso_session": "nope", "sso_account_id": "1", "sso_role_name": "R"},
            {"corp": SESSION},
            "no [sso-session nope] section",
            id="missing-session-section",
        ),
        pytest.param(
            {"sso_session": "corp", "sso_account_id": "1", "sso_role_name": "R"},
            {"corp": {"sso_region": "eu-west-1"}},
            "missing sso_start_url in [sso-session corp]",
            id="session-without-start-url",
        ),
        pytest.param(
            {"sso_account_id": "1", "sso_role_name": "R", "sso_start_url": "https://x"},
            {},
            "missing sso_region in [profile dev]",
            id="legacy-without-region",
        ),
        pytest.param(
            {
                "sso_session": "corp",
                "sso_account_id": "1",
                "sso_role_name": "R",
                "sso_region": "us-west-2",
            },
            {"corp": SESSION},
            "sets sso_region = us-west-2",
            id="profile-and-session-disagree",
        ),
    ],
)
def test_broken_profiles_name_the_profile_file_and_key(
    profile: dict[str, Any], sessions: dict[str, Any], expected: str, aws_home: Any
) -> None:
    with pytest.raises(SSOConfigError) as caught:
        resolve_profile(full_config(profile, sessions), "dev")
    message = str(caught.value)
    assert expected in message
    assert str(aws_home / ".aws" / "config") in message


def test_registration_scopes_are_split_and_stripped() -> None:
    session = resolve_session(
        {"sso_sessions": {"corp": {**SESSION, "sso_registration_scopes": " a:b , c:d ,"}}}, "corp"
    )
    assert session.scopes == ("a:b", "c:d")


def test_login_by_profile_follows_its_sso_session() -> None:
    config = {
        "profiles": {"dev": {"sso_session": "corp", "sso_account_id": "1", "sso_role_name": "R"}},
        "sso_sessions": {"corp": SESSION},
    }
    session = session_for_login(config, profile="dev", session_name=None)
    assert (session.name, session.profile) == ("corp", "dev")


def test_login_for_a_missing_profile_says_so() -> None:
    with pytest.raises(SSOConfigError, match='profile "ghost" does not exist'):
        session_for_login({"profiles": {}}, profile="ghost", session_name=None)


def test_a_profile_without_any_sso_setting_is_not_called_configured_for_sso() -> None:
    from botocore_sso_provider.provider.config import session_for_login

    with pytest.raises(SSOConfigError) as caught:
        session_for_login(
            {"profiles": {"plain": {"region": "eu-west-1"}}}, profile="plain", session_name=None
        )
    message = str(caught.value)
    assert "configured for SSO" not in message
    assert 'The profile "plain" has no SSO settings' in message
