"""The table of issue 20, one named test per row: the same files, and the paths the row names agree.

Each test writes one explicit state (``states.py``), runs the paths its row
names (``paths.py``: the real command code, each in its own forked process)
and applies the checks of the differential test (``agreement.py``). Which
answer is right is the provider's call (botocore's chain with this
package's provider); the other paths must give the same one.
"""

from __future__ import annotations

import datetime
import time
from typing import Callable, Optional

import pytest

from botocore_sso_provider.rules.timestamps import parse_timestamp
from tests.conftest import needs_endpoint_variables

from .agreement import (
    check_assume_role_never_from_sso_caches,
    check_commands_fail_in_one_sentence,
    check_credential_paths_agree,
    check_status_agrees_with_itself,
    check_status_says_what_the_provider_does,
)
from .conftest import World
from .paths import in_child, served
from .states import RoleFile, Selection, State, TokenFile

pytestmark = [needs_endpoint_variables]


VALID_TOKEN = TokenFile()


def sso_state(
    token: Optional[TokenFile] = VALID_TOKEN,
    role: Optional[RoleFile] = None,
    profile: str = "dev",
    legacy_token: Optional[TokenFile] = None,
    legacy_role: Optional[RoleFile] = None,
) -> State:
    """``--profile profile``, with the corp login's files ``token`` and ``role`` (and legacy's)."""
    return State(
        selection=Selection(explicit=profile),
        tokens=(("corp", token), ("legacy", legacy_token)),
        roles=(("corp", role), ("legacy", legacy_role)),
    )


def assert_agree(world: World, state: State, *paths: str) -> None:
    """The provider and ``paths`` agree on ``state``; status too, when it is among them."""
    outcomes = world.outcomes(state, ("provider", *(path for path in paths if path != "status")))
    check_commands_fail_in_one_sentence(state, outcomes)
    check_credential_paths_agree(state, outcomes)
    check_assume_role_never_from_sso_caches(state, outcomes)
    if "status" in paths:
        status = world.status(state)
        check_status_says_what_the_provider_does(state, outcomes[0], status)
        check_status_agrees_with_itself(state, status)


def test_a_role_file_whose_expiration_is_a_number(world: World) -> None:
    state = sso_state(role=RoleFile(odd="number Expiration"))
    assert_agree(world, state, "credential-process", "export", "status")


def test_a_token_file_with_an_empty_access_token(world: World) -> None:
    state = sso_state(token=TokenFile(odd="empty accessToken"))
    assert_agree(world, state, "credential-process", "status")


def test_role_credentials_with_ten_minutes_left_and_an_expired_token_that_cannot_refresh(
    world: World,
) -> None:
    state = sso_state(
        token=TokenFile(expiry="expired", refresh_fields="missing"), role=RoleFile(expiry="due")
    )
    assert_agree(world, state, "credential-process", "status")


def test_an_expired_token_whose_client_id_and_secret_are_numbers(world: World) -> None:
    state = sso_state(token=TokenFile(expiry="expired", refresh_fields="numbers"))
    assert_agree(world, state, "status")


def test_a_role_file_whose_account_id_is_a_number(world: World) -> None:
    state = sso_state(role=RoleFile(odd="number AccountId"))
    assert_agree(world, state, "credential-process")


@pytest.mark.parametrize("profile", ["chained", "via-env", "via-web"])
def test_sso_keys_beside_an_assume_role_never_answer_from_the_warm_sso_cache(
    world: World, profile: str
) -> None:
    """``role_arn`` and ``source_profile``, ``credential_source`` or ``web_identity_token_file``: assumed."""
    state = sso_state(profile=profile, role=RoleFile(), legacy_token=TokenFile(), legacy_role=RoleFile())
    assert_agree(world, state, "credential-process", "full path", "export")


@pytest.mark.parametrize(
    "selection",
    [Selection(aws_default_profile="", aws_profile="plain"), Selection(aws_profile="")],
    ids=["AWS_DEFAULT_PROFILE-empty-AWS_PROFILE-plain", "AWS_PROFILE-empty"],
)
def test_an_empty_profile_variable_names_the_profile_that_does_not_exist(
    world: World, selection: Selection
) -> None:
    """botocore looks for a profile named "" (a ``[default]`` exists, to be answered instead)."""
    state = State(selection=selection, has_default=True)
    assert_agree(world, state, "credential-process", "export", "status")


@pytest.mark.parametrize("odd", ["number expiresAt", "number accessToken"])
def test_a_token_whose_expires_at_or_access_token_is_a_number(world: World, odd: str) -> None:
    state = sso_state(token=TokenFile(odd=odd))
    assert_agree(world, state, "status")


def test_a_legacy_profile_whose_token_carries_refresh_fields(world: World) -> None:
    state = sso_state(profile="legacy", token=None, legacy_token=TokenFile(expiry="expired"))
    assert_agree(world, state, "credential-process", "status")


def test_serve_answers_the_expiry_the_provider_corrected_for_clock_skew(
    make_world: Callable[..., World],
) -> None:
    """The portal's clock is 20 minutes ahead: the provider corrects expiries by it, and serve must too."""
    world = make_world(clock=lambda: time.time() + 20 * 60)
    state = sso_state()
    world.write(state)
    provider_says = in_child(lambda: _provider_expiry("dev"))
    world.write(state)
    with served(state) as server:
        assert server.ended is None, server.ended
        served_says = parse_timestamp(server.get()["Expiration"])
    assert abs(served_says - provider_says) <= datetime.timedelta(minutes=1), (provider_says, served_says)


def _provider_expiry(profile: str) -> datetime.datetime:
    """When the provider (in this process) says ``profile``'s credentials expire."""
    import boto3

    from botocore_sso_provider import register

    session = boto3.Session(profile_name=profile)
    register(session)
    credentials = session.get_credentials()
    credentials.get_frozen_credentials()
    return credentials._expiry_time  # type: ignore[no-any-return]  # botocore keeps it private; export reads it too
