"""The fake's organisation from a fixture file or generated at any size, and its throttling switches."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from botocore_sso_provider.testing import (
    Account,
    FakeIdentityCenter,
    User,
    directory_to_dict,
    generate_accounts,
    load_directory,
)

pytestmark = pytest.mark.functional


def _portal(idc: FakeIdentityCenter):  # type: ignore[no-untyped-def]
    return boto3.Session(region_name=idc.region).client("sso", endpoint_url=idc.url)


def test_a_fixture_file_round_trips_and_serves_its_accounts(tmp_path: Path) -> None:
    accounts = (
        Account("123456789012", "web", "web@example.com", ("Dev", "Ops")),
        Account("210987654321", "data", "data@example.com", ("Analyst",)),
    )
    users = (User("bob", {"123456789012": ("Dev",)}), User("carol", {"210987654321": ("Analyst",)}))
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(directory_to_dict(accounts, users)))
    assert load_directory(path) == (accounts, users)
    with FakeIdentityCenter.from_fixture(str(path)) as idc:
        token = idc.issue_token()["accessToken"]  # bob, the first user
        listed = _portal(idc).list_accounts(accessToken=token)["accountList"]
        assert [a["accountId"] for a in listed] == ["123456789012"]
        roles = _portal(idc).list_account_roles(accessToken=token, accountId="123456789012")["roleList"]
        assert [r["roleName"] for r in roles] == ["Dev"]


def test_a_fixture_without_users_gives_alice_every_role(tmp_path: Path) -> None:
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps({"accounts": [{"accountId": "1", "accountName": "a", "roles": ["R"]}]}))
    _, users = load_directory(path)
    assert users[0].name == "alice" and dict(users[0].assignments) == {"1": ("R",)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"accounts": {}}', '"accounts" list'),
        ('{"accounts": [{"accountId": "1"}]}', "accountName"),
        ('{"accounts": [], "users": [{"name": "x"}]}', "assignments"),
    ],
)
def test_a_bad_fixture_is_refused_naming_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fixture.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_directory(path)


def test_generated_accounts_page_through_the_portal() -> None:
    accounts = generate_accounts(1000)
    assert len({a.account_id for a in accounts}) == 1000
    with FakeIdentityCenter(accounts=accounts) as idc:
        token = idc.issue_token()["accessToken"]
        pages = _portal(idc).get_paginator("list_accounts").paginate(accessToken=token)
        assert sum(len(page["accountList"]) for page in pages) == 1000
        assert idc.request_counts()["ListAccounts"] == 50  # 20 per page by default


def test_throttling_every_nth_request_of_one_operation() -> None:
    with FakeIdentityCenter() as idc:
        token = idc.issue_token()["accessToken"]
        idc.throttle("ListAccountRoles", every=2)
        client = boto3.Session(region_name=idc.region).client(
            "sso", endpoint_url=idc.url, config=boto3.session.Config(retries={"total_max_attempts": 1})
        )
        outcomes = []
        for _ in range(4):
            try:
                client.list_account_roles(accessToken=token, accountId="111111111111")
                outcomes.append("ok")
            except ClientError as err:
                status = err.response["ResponseMetadata"]["HTTPStatusCode"]
                outcomes.append(f"{err.response['Error']['Code']} {status}")
        assert outcomes == ["TooManyRequestsException 429", "ok", "TooManyRequestsException 429", "ok"]
        client.list_accounts(accessToken=token)  # other operations are not throttled
        assert idc.throttled_counts() == {"ListAccountRoles": 2}
        idc.clear_faults()
        client.list_account_roles(accessToken=token, accountId="111111111111")


def test_throttling_over_http_for_a_standalone_server() -> None:
    with FakeIdentityCenter() as idc:
        request = urllib.request.Request(
            f"{idc.url}/_fake/throttle",
            data=json.dumps({"operation": "ListAccounts", "every": 1}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
        token = idc.issue_token()["accessToken"]
        client = boto3.Session(region_name=idc.region).client(
            "sso", endpoint_url=idc.url, config=boto3.session.Config(retries={"total_max_attempts": 1})
        )
        with pytest.raises(ClientError, match="TooManyRequestsException"):
            client.list_accounts(accessToken=token)


def test_a_throttle_switch_for_an_unknown_operation_is_refused() -> None:
    with FakeIdentityCenter() as idc, pytest.raises(ValueError, match="unknown operation"):
        idc.throttle("ListEverything", every=1)
