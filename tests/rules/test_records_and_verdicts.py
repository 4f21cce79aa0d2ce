"""The rules every path asks: records and their windows, routes, the profile chosen, the verdict."""

from __future__ import annotations

import datetime
from typing import Any, Optional

import pytest

from botocore_sso_provider.rules import profiles, records, verdicts
from botocore_sso_provider.rules.timestamps import format_timestamp

pytestmark = pytest.mark.unit

NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.timezone.utc)


def token(minutes: float, **fields: Any) -> dict[str, Any]:
    data = {"accessToken": "AT", "expiresAt": format_timestamp(NOW + datetime.timedelta(minutes=minutes))}
    data.update(fields)
    return data


REFRESH = {"refreshToken": "RT", "clientId": "id", "clientSecret": "secret"}


def role(minutes: float, **credentials: Any) -> dict[str, Any]:
    values = {
        "AccessKeyId": "ASIA",
        "SecretAccessKey": "SECRETVALUE",
        "SessionToken": "session",
        "Expiration": format_timestamp(NOW + datetime.timedelta(minutes=minutes)),
        "AccountId": "111111111111",
    }
    values.update(credentials)
    return {"ProviderType": "sso", "Credentials": values}


@pytest.mark.parametrize(
    ("minutes", "state"),
    [(120, records.FRESH), (15.5, records.FRESH), (15, records.DUE), (1, records.DUE), (0, records.EXPIRED)],
)
def test_one_set_of_windows_for_tokens_and_role_credentials(minutes: float, state: str) -> None:
    record = records.token_record(token(minutes))
    assert isinstance(record, records.TokenRecord)
    assert record.state(NOW) == state
    role_answer = records.role_record(role(minutes))
    assert isinstance(role_answer, records.RoleRecord)
    assert role_answer.state(NOW) == state


@pytest.mark.parametrize(
    "data",
    [
        {"expiresAt": "2026-12-07T13:00:00Z"},
        token(60, accessToken=""),
        token(60, accessToken=123),
        token(60, expiresAt=1765112400),
        token(60, expiresAt="soon"),
        [],
    ],
    ids=["no-access-token", "empty", "number-token", "number-expiry", "word-expiry", "not-an-object"],
)
def test_a_token_file_is_a_record_or_a_problem_in_words(data: Any) -> None:
    problem = records.token_record(data)
    assert isinstance(problem, str)
    assert "AT" not in problem


@pytest.mark.parametrize(
    ("fields", "refreshable"),
    [
        (REFRESH, True),
        ({**REFRESH, "clientId": 1, "clientSecret": 2}, False),
        ({**REFRESH, "refreshToken": ""}, False),
        ({**REFRESH, "registrationExpiresAt": "2026-12-07T11:00:00Z"}, False),
        ({**REFRESH, "registrationExpiresAt": "not a date"}, True),  # unknown: the service says if it ended
        ({}, False),
    ],
    ids=[
        "all-text",
        "numbers",
        "empty-refresh-token",
        "registration-ended",
        "registration-unreadable",
        "none",
    ],
)
def test_refreshable_is_one_rule(fields: dict[str, Any], refreshable: bool) -> None:
    record = records.token_record(token(-5, **fields))
    assert isinstance(record, records.TokenRecord)
    assert record.refreshable(NOW) is refreshable


@pytest.mark.parametrize(
    "credentials",
    [
        {"Expiration": 1765112400000},
        {"AccountId": 999},
        {"SecretAccessKey": "has space"},
        {"SessionToken": ""},
    ],
    ids=["number-expiration", "number-account", "space-in-secret", "empty-token"],
)
def test_a_role_file_no_path_would_hand_out_is_a_problem(credentials: dict[str, Any]) -> None:
    problem = records.role_record(role(120, **credentials))
    assert isinstance(problem, str)
    assert "SECRET" not in problem


def _verdict(token_data: Optional[dict[str, Any]], role_data: Optional[dict[str, Any]]) -> str:
    token_answer = None if token_data is None else records.token_record(token_data)
    role_answer = None if role_data is None else records.role_record(role_data)
    return verdicts.verdict(token_answer, role_answer, NOW)


@pytest.mark.parametrize(
    ("token_data", "role_data", "expected"),
    [
        (None, role(120), verdicts.USABLE),
        (None, role(10), verdicts.LOGIN),  # due role credentials are fetched anew: a token is needed
        (token(120), None, verdicts.USABLE),
        (token(12), None, verdicts.USABLE),  # due, not refreshable: used as it is
        (token(12, **REFRESH), None, verdicts.REFRESH),
        (token(-5, **REFRESH), role(10), verdicts.REFRESH),
        (token(-5), role(10), verdicts.LOGIN),
        (token(60, accessToken=""), None, verdicts.LOGIN),
        (None, None, verdicts.LOGIN),
    ],
)
def test_the_verdict_is_what_the_provider_does(
    token_data: Optional[dict[str, Any]], role_data: Optional[dict[str, Any]], expected: str
) -> None:
    assert _verdict(token_data, role_data) == expected


@pytest.mark.parametrize(
    ("values", "route"),
    [
        ({"sso_account_id": "1", "sso_role_name": "r"}, profiles.SSO),
        ({"sso_account_id": "1", "role_arn": "arn", "source_profile": "x"}, profiles.ASSUME_ROLE),
        ({"sso_role_name": "r", "role_arn": "arn", "credential_source": "Environment"}, profiles.ASSUME_ROLE),
        ({"sso_role_name": "r", "role_arn": "arn", "web_identity_token_file": "/t"}, profiles.WEB_IDENTITY),
        ({"aws_access_key_id": "A"}, profiles.NOT_SSO),
    ],
    ids=["sso", "assume-role", "credential-source", "web-identity", "static"],
)
def test_the_route_is_botocores_order(values: dict[str, str], route: str) -> None:
    assert profiles.route({"p": values}, "p") == route
    assert profiles.route({}, "p") == profiles.MISSING


def test_the_root_of_an_assume_role_chain_is_its_sso_profile_unless_it_is_not_from_a_profile() -> None:
    config = {
        "sso": {"sso_account_id": "1", "sso_role_name": "r"},
        "hop": {"role_arn": "arn", "source_profile": "sso"},
        "top": {"role_arn": "arn", "source_profile": "hop"},
        "env": {"role_arn": "arn", "credential_source": "Environment"},
        "loop": {"role_arn": "arn", "source_profile": "loop"},
    }
    assert profiles.sso_root(config, "top") == "sso"
    assert profiles.sso_root(config, "env") == "env"
    assert profiles.sso_root(config, "loop") == "loop"


@pytest.mark.parametrize(
    ("named", "environ", "expected"),
    [
        (None, {}, "default"),
        (None, {"AWS_PROFILE": "a"}, "a"),
        (None, {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}, "b"),
        (None, {"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": ""}, ""),
        ("", {"AWS_PROFILE": "a"}, ""),
        ("n", {"AWS_PROFILE": "a"}, "n"),
    ],
)
def test_the_profile_chosen_is_botocores(
    named: Optional[str], environ: dict[str, str], expected: str
) -> None:
    assert profiles.chosen_profile(named, environ) == expected


def test_a_config_problem_is_a_sentence_not_an_exception() -> None:
    answer = profiles.resolve_profile({"profiles": {"p": {"sso_account_id": "1"}}}, "p")
    assert isinstance(answer, profiles.ConfigProblem)
    assert "sso_role_name" in answer.message
    assert profiles.resolve_profile({"profiles": {"p": {}}}, "p") is None
