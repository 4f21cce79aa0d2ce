"""Side by side with botocore's native provider and the AWS CLI v2: the same files, both ways.

botocore fixes its token cache directory from HOME when it is imported, so
the native side always runs in a subprocess started with the test's HOME.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Dict

import pytest

from botocore_sso_provider import NotLoggedInError
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import in_minutes, resolve_here, role_cache_file, seed_token, stored_token, token_path
from tests.herds import OUR_METHOD, Workers

CLI_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def resolve_in_subprocess(workers: Workers, *, native: bool, profile: str = "dev") -> Dict[str, Any]:
    report = workers.start("resolve", "--profile", profile, *(["--native"] if native else [])).finish()
    assert report["returncode"] == 0, report["stderr"]
    [result] = report["results"]
    assert result["ok"], result
    assert (OUR_METHOD not in result["providers"]) is native, result["providers"]
    return result


def test_a_token_refreshed_here_is_used_by_botocores_native_provider(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    seeded = seed_token(idc, aws_home, minutes=5, somethingNew="kept")
    resolve_here()
    ours = stored_token(aws_home)
    assert ours["accessToken"] != seeded["accessToken"]
    assert CLI_TIME.fullmatch(ours["expiresAt"]), "expiresAt exactly as the CLI v2 writes it"
    assert ours["somethingNew"] == "kept"

    native = resolve_in_subprocess(workers, native=True)

    assert native["method"] == "sso"
    assert idc.request_counts()["CreateToken"] == 1, "native found our token fresh: no refresh of its own"
    assert idc.request_counts()["GetRoleCredentials"] == 2
    assert stored_token(aws_home) == ours
    assert idc.refresh_token_is_valid(ours["refreshToken"])


def test_a_token_refreshed_by_botocores_native_provider_is_used_here(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    resolve_in_subprocess(workers, native=True)
    theirs = stored_token(aws_home)
    assert theirs["refreshToken"] != seeded["refreshToken"], "native refreshed and wrote the file"
    assert idc.request_counts()["CreateToken"] == 1

    ours = resolve_in_subprocess(workers, native=False)

    assert ours["method"] == "sso"
    assert idc.request_counts()["CreateToken"] == 1, "we used the token native wrote"
    assert idc.request_counts()["GetRoleCredentials"] == 2
    assert stored_token(aws_home) == theirs
    assert idc.refresh_token_is_valid(theirs["refreshToken"])


@pytest.mark.parametrize(
    "expires_at",
    [in_minutes(60), in_minutes(60).replace("Z", "+00:00"), in_minutes(60).replace("Z", "UTC")],
    ids=["Z", "+00:00", "UTC"],
)
def test_a_token_in_the_cli_v2_format_is_used_here(
    expires_at: str, idc: FakeIdentityCenter, herd_config: Path, aws_home: Path
) -> None:
    issued = idc.issue_token(session_name="corp")
    # The CLI v2's field order and layout (json.dumps with its defaults), mode 0600.
    cli_token = {
        "startUrl": issued["startUrl"],
        "region": issued["region"],
        "accessToken": issued["accessToken"],
        "expiresAt": expires_at,
        "clientId": issued["clientId"],
        "clientSecret": issued["clientSecret"],
        "registrationExpiresAt": issued["registrationExpiresAt"],
        "refreshToken": issued["refreshToken"],
    }
    path = token_path(aws_home, "corp")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(cli_token))
    os.chmod(path, 0o600)
    assert resolve_here().startswith("ASIA")
    assert idc.request_counts()["CreateToken"] == 0
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_role_credentials_cached_by_the_cli_v2_are_used_and_ours_are_in_its_format(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path
) -> None:
    seed_token(idc, aws_home, minutes=60)
    cli_file = role_cache_file(aws_home, "dev")
    cli_file.parent.mkdir(parents=True)
    cli_file.write_text(
        json.dumps(
            {
                "ProviderType": "sso",
                "Credentials": {
                    "AccessKeyId": "ASIACLICACHEDKEY0000",
                    "SecretAccessKey": "secret",
                    "SessionToken": "session",
                    "Expiration": in_minutes(50),
                    "AccountId": "111111111111",
                },
            }
        )
    )
    assert resolve_here("dev") == "ASIACLICACHEDKEY0000"
    assert sum(idc.request_counts().values()) == 0

    access_key = resolve_here("prod")
    ours = json.loads(role_cache_file(aws_home, "prod").read_text())
    assert ours["ProviderType"] == "sso", "so `aws sso logout` sweeps it"
    assert ours["Credentials"]["AccessKeyId"] == access_key
    assert ours["Credentials"]["AccountId"] == "222222222222"
    assert CLI_TIME.fullmatch(ours["Credentials"]["Expiration"])


def test_aws_sso_logout_sweeps_our_files_and_the_lock_files_do_not_disturb_it(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path
) -> None:
    seed_token(idc, aws_home, minutes=5)  # refreshed, so both locks are taken and their files made
    resolve_here()
    sso_dir = aws_home / ".aws" / "sso" / "cache"
    cli_dir = aws_home / ".aws" / "cli" / "cache"
    assert list(sso_dir.glob("*.lock")) and list(cli_dir.glob("*.lock"))
    # What `aws sso logout` does (awscli/customizations/sso/logout.py): load each file as
    # JSON, skip what does not load, delete tokens and ProviderType "sso" credentials.
    for directory, should_delete in (
        (sso_dir, lambda c: "accessToken" in c),
        (cli_dir, lambda c: c.get("ProviderType") == "sso"),
    ):
        for path in directory.iterdir():
            try:
                contents = json.loads(path.read_text())
            except ValueError:
                continue
            if should_delete(contents):
                path.unlink()
    assert not list(sso_dir.glob("*.json")) and not list(cli_dir.glob("*.json"))
    with pytest.raises(NotLoggedInError):
        resolve_here()


def test_a_new_process_uses_role_credentials_an_earlier_process_cached_with_no_request(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    seed_token(idc, aws_home, minutes=60)
    first = resolve_in_subprocess(workers, native=False)
    assert idc.request_counts()["GetRoleCredentials"] == 1
    idc.reset_counts()
    # Even a token about to expire is not touched while the role credentials are fresh.
    token = stored_token(aws_home)
    token["expiresAt"] = in_minutes(5)
    token_path(aws_home, "corp").write_text(json.dumps(token))

    second = resolve_in_subprocess(workers, native=False)

    assert second["access_key"] == first["access_key"]
    assert sum(idc.request_counts().values()) == 0, idc.request_counts()
