"""Bearer tokens (botocore's token provider chain) come from our locked refresh."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import botocore.session
import pytest
from botocore.exceptions import SSOTokenLoadError

from botocore_sso_provider import NotLoggedInError, register
from botocore_sso_provider.provider.bearer_token import SSOBearerTokenProvider
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import LEGACY_CONFIG, SSO_CONFIG, in_minutes, token_path

pytestmark = pytest.mark.functional


def dev_session(profile: str = "dev") -> botocore.session.Session:
    session = botocore.session.Session(profile=profile)
    register(session)
    return session


def chain_methods(session: botocore.session.Session) -> list:
    return [provider.METHOD for provider in session.get_component("token_provider")._providers]


def test_our_token_provider_sits_just_before_botocores_sso_token_provider_once(
    write_config: Callable[[str], Path],
) -> None:
    write_config(SSO_CONFIG)
    session = dev_session()
    register(session)  # twice: still one
    methods = chain_methods(session)
    assert methods.count(SSOBearerTokenProvider.METHOD) == 1
    assert methods.index(SSOBearerTokenProvider.METHOD) == methods.index("sso") - 1


def test_a_bearer_token_in_the_refresh_window_is_refreshed_once_through_our_lock(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    write_config: Callable[[str], Path],
    aws_home: Path,
) -> None:
    write_config(SSO_CONFIG)
    seeded = seed_login(expiresAt=in_minutes(5))
    auth_token = dev_session().get_auth_token()
    assert sum(idc.request_counts().values()) == 0, "deferred: nothing happens before first use"
    frozen = auth_token.get_frozen_token()
    assert idc.request_counts()["CreateToken"] == 1
    path = token_path(aws_home, "corp")
    written = json.loads(path.read_bytes())
    assert frozen.token == written["accessToken"] != seeded["accessToken"]
    assert idc.access_token_is_valid(frozen.token)
    assert path.with_suffix(".lock").exists(), "the refresh took our lock"
    assert dev_session().get_auth_token().get_frozen_token().token == frozen.token
    assert idc.request_counts()["CreateToken"] == 1, "a new session uses the refreshed file"


def test_logged_out_the_bearer_token_is_deferred_and_its_first_use_is_our_error(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    auth_token = dev_session().get_auth_token()
    assert auth_token is not None and auth_token.method == "sso"
    with pytest.raises(NotLoggedInError, match="Run: botocore-sso login --sso-session corp") as caught:
        auth_token.get_frozen_token()
    assert isinstance(caught.value, SSOTokenLoadError), "what botocore's own token provider raises"
    assert sum(idc.request_counts().values()) == 0


def test_a_profile_without_sso_session_is_left_to_the_rest_of_the_chain(
    write_config: Callable[[str], Path],
) -> None:
    write_config(LEGACY_CONFIG)
    session = dev_session("legacy")
    assert SSOBearerTokenProvider(session).load_token() is None
    assert session.get_auth_token() is None, "botocore's own provider answers None too"
