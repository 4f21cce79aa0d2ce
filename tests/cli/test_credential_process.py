"""``botocore-sso credential-process``: the document other SDKs read, fast when warm, never a loop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import (
    COMMAND,
    LEGACY_CONFIG,
    SSO_CONFIG,
    botocore_sso,
    needs_endpoint_variables,
    role_cache_file,
    run_python,
    write_role_credentials,
)


def parse_document(stdout: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(stdout)  # stdout holds the document and nothing else
    assert document["Version"] == 1
    assert set(document) >= {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    return document


def test_cold_run_fetches_once_then_warm_runs_make_no_request(
    logged_in: FakeIdentityCenter, aws_home: Path
) -> None:
    first = botocore_sso("credential-process", "--profile", "dev")
    assert first.returncode == 0, first.stderr
    document = parse_document(first.stdout)
    assert logged_in.request_counts().get("GetRoleCredentials") == 1
    cached = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    assert document["AccessKeyId"] == cached["AccessKeyId"]
    assert document["Expiration"] == cached["Expiration"]
    assert document["Expiration"].endswith("Z")
    assert document["AccountId"] == "111111111111"

    logged_in.reset_counts()
    second = botocore_sso("credential-process", "--profile=dev")
    assert second.returncode == 0, second.stderr
    assert parse_document(second.stdout) == document
    assert logged_in.request_counts() == {} or sum(logged_in.request_counts().values()) == 0
    assert second.stderr == ""


def test_the_warm_path_imports_no_botocore_and_no_boto3(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG + LEGACY_CONFIG)
    for profile in ("dev", "legacy"):
        write_role_credentials(aws_home, profile)
        script = (
            "import sys, json\n"
            "from botocore_sso_provider.cli.main import main\n"
            f"status = main(['credential-process', '--profile', {profile!r}])\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3', 'dateutil'))\n"
            "print(json.dumps({'status': status, 'heavy': heavy}), file=sys.stderr)\n"
        )
        done = run_python("-c", script)
        report = json.loads(done.stderr.strip().splitlines()[-1])
        assert report == {"status": 0, "heavy": []}, profile
        assert parse_document(done.stdout)["AccessKeyId"] == "ASIACACHED"


def test_profile_from_aws_profile_and_legacy_profiles(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG + LEGACY_CONFIG)
    write_role_credentials(aws_home, "legacy", AccessKeyId="ASIALEGACY")
    done = botocore_sso("credential-process", env={**os.environ, "AWS_PROFILE": "legacy"})
    assert done.returncode == 0, done.stderr
    assert parse_document(done.stdout)["AccessKeyId"] == "ASIALEGACY"


def test_credentials_about_to_expire_are_fetched_again(logged_in: FakeIdentityCenter, aws_home: Path) -> None:
    write_role_credentials(aws_home, minutes=10)  # inside the 15-minute window every SDK refreshes at
    done = botocore_sso("credential-process", "--profile", "dev")
    assert done.returncode == 0, done.stderr
    assert parse_document(done.stdout)["AccessKeyId"] != "ASIACACHED"
    assert logged_in.request_counts()["GetRoleCredentials"] == 1


def test_not_logged_in_prints_nothing_on_stdout_and_names_the_login_command(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    done = botocore_sso("credential-process", "--profile", "dev")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "botocore-sso login --sso-session corp" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_profile_and_bad_arguments(write_config: Callable[[str], Path]) -> None:
    write_config(SSO_CONFIG)
    missing = botocore_sso("credential-process", "--profile", "nope")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert "nope" in missing.stderr
    assert "Traceback" not in missing.stderr
    usage = botocore_sso("credential-process", "--bogus", "dev")
    assert usage.returncode == 2
    assert usage.stdout == ""


def test_real_credential_process_round_trip_through_botocore(
    logged_in: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    command = " ".join(COMMAND)
    write_config(
        SSO_CONFIG
        + f"""
    [profile via-process]
    credential_process = {command} credential-process --profile dev
    region = us-east-1
"""
    )
    script = (
        "import json, boto3\n"
        "credentials = boto3.Session(profile_name='via-process').get_credentials()\n"
        "frozen = credentials.get_frozen_credentials()\n"
        "print(json.dumps({'method': credentials.method, 'access_key': frozen.access_key,"
        " 'expiry': str(credentials._expiry_time)}))\n"
    )
    done = run_python("-c", script, native=True)  # the off switch: only credential_process can answer
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["method"] == "custom-process"
    cached = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    assert report["access_key"] == cached["AccessKeyId"]
    assert logged_in.request_counts()["GetRoleCredentials"] == 1


def test_a_profile_calling_itself_is_refused(write_config: Callable[[str], Path]) -> None:
    command = " ".join(COMMAND)
    write_config(
        f"""
    [profile loop]
    credential_process = {command} credential-process --profile loop
"""
    )
    done = botocore_sso("credential-process", "--profile", "loop", timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert 'The profile "loop" gets its credentials from botocore-sso for itself' in done.stderr
    assert "Traceback" not in done.stderr


def test_a_loop_through_two_profiles_is_refused(write_config: Callable[[str], Path]) -> None:
    command = " ".join(COMMAND)
    write_config(
        f"""
    [profile ping]
    credential_process = {command} credential-process --profile pong

    [profile pong]
    credential_process = {command} credential-process --profile ping
"""
    )
    done = botocore_sso("credential-process", "--profile", "ping", timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert '"ping" -> "pong" -> "ping"' in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "fetched"])
def test_an_sso_profile_that_also_carries_credential_process_for_itself_is_no_loop(
    cached: bool, logged_in: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    """The common setup: the SSO profile itself carries credential_process for tools that need it."""
    line = f"credential_process = {' '.join(COMMAND)} credential-process --profile dev"
    write_config(SSO_CONFIG.replace("region = us-east-1", f"region = us-east-1\n    {line}"))
    if cached:
        write_role_credentials(aws_home)
    done = botocore_sso("credential-process", "--profile", "dev")
    assert done.returncode == 0, done.stderr
    assert (parse_document(done.stdout)["AccessKeyId"] == "ASIACACHED") is cached
    assert logged_in.request_counts().get("GetRoleCredentials", 0) == (0 if cached else 1)


def test_python_dash_m_works_as_well(write_config: Callable[[str], Path], aws_home: Path) -> None:
    write_config(SSO_CONFIG)
    write_role_credentials(aws_home)
    done = subprocess.run(
        [sys.executable, "-m", "botocore_sso_provider", "credential-process", "--profile", "dev"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert parse_document(done.stdout)["SessionToken"] == "cached-session-token"


@needs_endpoint_variables
def test_an_assume_role_profile_on_top_of_sso_takes_the_full_way(
    logged_in: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path, moto_url: str
) -> None:
    write_config(
        SSO_CONFIG
        + """
    [profile admin]
    role_arn = arn:aws:iam::111111111111:role/Admin
    source_profile = dev
    region = us-east-1
"""
    )
    done = botocore_sso(
        "credential-process", "--profile", "admin", env={**os.environ, "AWS_ENDPOINT_URL_STS": moto_url}
    )
    assert done.returncode == 0, done.stderr
    document = parse_document(done.stdout)
    sso = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    assert document["AccessKeyId"] != sso["AccessKeyId"], "the assumed role's credentials, not the source's"
    assert logged_in.request_counts()["GetRoleCredentials"] == 1
