"""``botocore-sso list`` and the portal listing behind it, against the fake Identity Center."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.account.portal import PortalLister
from botocore_sso_provider.cli.commands.list import render_table
from botocore_sso_provider.cli.main import main
from botocore_sso_provider.errors import ServiceUnavailableError, SessionEndedError
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.testing import FakeIdentityCenter, generate_accounts
from tests.conftest import SSO_CONFIG, seed_token

pytestmark = pytest.mark.functional

ACCOUNTS = generate_accounts(250, roles=("ReadOnly", "Admin", "Billing"))
EXPECTED_PAIRS = {(a.account_id, role) for a in ACCOUNTS for role in a.roles}


@pytest.fixture
def big_idc(make_idc: Callable[..., FakeIdentityCenter]) -> FakeIdentityCenter:
    return make_idc(accounts=ACCOUNTS)


@pytest.fixture
def logged_in(big_idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path) -> dict:
    write_config(SSO_CONFIG)
    return seed_token(big_idc, aws_home)


def _lister(**options: object) -> PortalLister:
    session = botocore.session.Session()
    config = resolve_session(session.full_config, "corp")
    return PortalLister(config, session, **options)  # type: ignore[arg-type]


def test_every_account_and_role_is_found_across_pages_despite_throttling(
    big_idc: FakeIdentityCenter, logged_in: dict
) -> None:
    big_idc.throttle("ListAccounts", every=2)  # one thread: pages 1-3 are each throttled once
    # Four threads share the role listings: a random third throttled, whatever the interleaving
    # (a fixed every-Nth schedule can lock step with threads that retry without a real sleep).
    big_idc.throttle("ListAccountRoles", rate=0.34)
    sleeps: list[float] = []
    lister = _lister(sleep=sleeps.append, rng=random.Random(7), max_attempts=30)  # noqa: S311 - jitter

    accounts = lister.accounts()

    assert {(a.account_id, role) for a in accounts for role in a.roles} == EXPECTED_PAIRS
    assert [a.account_name for a in accounts] == sorted(a.name for a in ACCOUNTS)
    throttled = big_idc.throttled_counts()
    assert throttled["ListAccounts"] == 3
    assert throttled["ListAccountRoles"] >= 30  # about 130 expected
    counts = big_idc.request_counts()
    assert counts["ListAccounts"] == 3 + throttled["ListAccounts"]
    assert counts["ListAccountRoles"] == 250 + throttled["ListAccountRoles"]
    assert lister.stats.throttled == sum(throttled.values())
    assert len(sleeps) == lister.stats.requests - (3 + 250)  # one backoff per failed attempt
    assert all(0 <= delay <= 8.0 for delay in sleeps)  # capped backoff
    assert counts["CreateToken"] == 0  # the token was fresh: no refresh


def test_a_service_that_keeps_throttling_ends_in_one_sentence_not_a_hang(
    big_idc: FakeIdentityCenter, logged_in: dict
) -> None:
    big_idc.throttle("ListAccounts", every=1)
    sleeps: list[float] = []
    with pytest.raises(ServiceUnavailableError, match=r"did not answer.*TooManyRequestsException") as caught:
        _lister(sleep=sleeps.append, max_attempts=4).accounts()
    assert "botocore-sso login --sso-session corp" in str(caught.value)
    assert big_idc.request_counts()["ListAccounts"] == 4
    assert len(sleeps) == 3


def test_an_ended_session_names_the_login_after_one_reload_of_the_cached_token(
    big_idc: FakeIdentityCenter, logged_in: dict
) -> None:
    big_idc.end_sessions()
    with pytest.raises(SessionEndedError, match="botocore-sso login --sso-session corp"):
        _lister(sleep=lambda _: None).accounts()
    assert big_idc.request_counts()["ListAccounts"] == 1


def test_list_json_is_every_pair_sorted_by_account_name(
    big_idc: FakeIdentityCenter, logged_in: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    big_idc.throttle("ListAccountRoles", every=40)  # real backoff sleeps here: keep them few
    assert main(["list", "--sso-session", "corp", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {(a["accountId"], role) for a in listed for role in a["roles"]} == EXPECTED_PAIRS
    assert [a["accountName"] for a in listed] == sorted(a.name for a in ACCOUNTS)
    assert set(listed[0]) == {"accountId", "accountName", "emailAddress", "roles"}
    assert big_idc.throttled_counts()["ListAccountRoles"] >= 6


def test_list_table_fits_the_terminal(
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    write_config: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    monkeypatch.setenv("COLUMNS", "40")
    assert main(["list", "--profile", "dev"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ACCOUNT", "ID", "NAME", "ROLES"]
    assert [line.split()[1] for line in lines[1:]] == ["dev", "prod", "sandbox"]
    assert all(len(line) <= 40 for line in lines)
    assert "Admin, ReadOnly" in lines[1]


def test_the_table_shortens_long_names_and_role_lists() -> None:
    from botocore_sso_provider.account.portal import AccountAccess

    rows = [AccountAccess("123456789012", "x" * 80, "", tuple(f"Role{i}" for i in range(30)))]
    table = render_table(rows, 60)
    assert all(len(line) <= 60 for line in table.splitlines())
    assert "..." in table.splitlines()[1]


def test_list_without_a_login_is_one_sentence_naming_the_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(SSO_CONFIG)
    assert main(["list", "--sso-session", "corp"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Run: botocore-sso login --sso-session corp" in err


def test_when_one_role_listing_fails_the_others_stop_retrying(
    big_idc: FakeIdentityCenter, logged_in: dict
) -> None:
    big_idc.inject("ListAccountRoles", "ResourceNotFoundException")  # not worth retrying
    big_idc.throttle("ListAccountRoles", every=1)  # every other request is throttled for ever
    with pytest.raises(ServiceUnavailableError, match="ResourceNotFoundException"):
        _lister(sleep=lambda _: None).accounts()
    # without the stop, 250 accounts x 8 attempts would be made
    assert big_idc.request_counts()["ListAccountRoles"] < 100
