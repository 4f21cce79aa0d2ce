"""Side by side with botocore's own provider, where code written against botocore depends on it.

Each scenario runs twice in fresh processes sharing the test's HOME and the
fake Identity Center: once with this package (activated as installed) and
once with the off switch set (botocore's native ``sso`` provider).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import boto3
import botocore
import pytest

from botocore_sso_provider import register
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import (
    LEGACY_CONFIG,
    SSO_CONFIG,
    in_minutes,
    needs_endpoint_variables,
    run_python,
    token_path,
)

pytestmark = pytest.mark.functional

RESOLVE = """
import json, sys
import boto3
session = boto3.Session(profile_name=sys.argv[1])
stage = "creating a client"
try:
    session.client("sts", region_name="us-east-1")
    stage = "get_credentials"
    credentials = session.get_credentials()
    stage = "first use"
    credentials.get_frozen_credentials()
    print(json.dumps({"stage": "none"}))
except Exception as err:
    response = getattr(err, "response", None) or {}
    print(json.dumps({
        "stage": stage,
        "classes": [f"{c.__module__}.{c.__qualname__}" for c in type(err).__mro__],
        "code": response.get("Error", {}).get("Code"),
        "operation": getattr(err, "operation_name", None),
        "message": str(err),
    }))
"""


def resolve_both(profile: str) -> Dict[str, Dict[str, Any]]:
    """What the same resolution raises with this package and with botocore's own provider."""
    outcomes = {}
    for which in ("native", "ours"):
        done = run_python("-c", RESOLVE, profile, native=which == "native")
        assert done.returncode == 0, done.stderr
        outcomes[which] = json.loads(done.stdout)
    return outcomes


def botocore_classes(outcome: Dict[str, Any]) -> set:
    return {name for name in outcome["classes"] if name.startswith("botocore.")}


def write_token(home: Path, token: Dict[str, Any], key_source: str = "corp") -> None:
    path = token_path(home, key_source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(token))


def without(token: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    return {key: value for key, value in token.items() if key not in keys}


def issued(idc: FakeIdentityCenter, **overrides: Any) -> Dict[str, Any]:
    token = idc.issue_token(session_name="corp")
    token.pop("expiresIn")
    token.update(overrides)
    return token


ERROR_SCENARIOS: Dict[str, Callable[[FakeIdentityCenter], Optional[Dict[str, Any]]]] = {
    "no-token-file": lambda idc: None,
    "no-accessToken": lambda idc: without(issued(idc), "accessToken"),
    "no-expiresAt": lambda idc: without(issued(idc), "expiresAt"),
    "empty-object": lambda idc: {},
    "expired-no-refresh-fields": lambda idc: without(
        issued(idc, expiresAt=in_minutes(-5)), "refreshToken", "clientId", "clientSecret"
    ),
    "expired-registration-expired": lambda idc: issued(
        idc, expiresAt=in_minutes(-5), registrationExpiresAt=in_minutes(-1)
    ),
}
"""Scenarios that make no request on the native side (so they run on botocore 1.29.10 too)."""

NATIVE_ERROR = {
    "no-token-file": "botocore.exceptions.SSOTokenLoadError",
    "no-accessToken": "botocore.exceptions.SSOTokenLoadError",
    "no-expiresAt": "botocore.exceptions.SSOTokenLoadError",
    "empty-object": "botocore.exceptions.SSOTokenLoadError",
    "expired-no-refresh-fields": "botocore.exceptions.TokenRetrievalError",
    "expired-registration-expired": "botocore.exceptions.TokenRetrievalError",
    "expired-refresh-fails": "botocore.exceptions.TokenRetrievalError",
    "forbidden-role": "botocore.exceptions.ClientError",
}


def assert_ours_is_every_botocore_class_native_raises(
    outcomes: Dict[str, Dict[str, Any]], scenario: str
) -> None:
    native, ours = outcomes["native"], outcomes["ours"]
    assert NATIVE_ERROR[scenario] in native["classes"], native
    assert botocore_classes(native) <= botocore_classes(ours), (native, ours)
    assert native["stage"] == ours["stage"] == "first use", "both defer the fetch to first use"
    assert "botocore-sso login" in ours["message"], "the message is ours: it names the fix"


@pytest.mark.parametrize("scenario", list(ERROR_SCENARIOS))
def test_our_error_is_an_instance_of_every_botocore_class_native_raises(
    scenario: str, idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    token = ERROR_SCENARIOS[scenario](idc)
    if token is not None:
        write_token(aws_home, token)
    outcomes = resolve_both("dev")
    assert_ours_is_every_botocore_class_native_raises(outcomes, scenario)


@needs_endpoint_variables
def test_a_failed_refresh_of_an_expired_token_is_a_token_retrieval_error_on_both_sides(
    idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    write_token(aws_home, issued(idc, expiresAt=in_minutes(-5)))
    idc.end_sessions()  # CreateToken now answers invalid_grant
    outcomes = resolve_both("dev")
    assert_ours_is_every_botocore_class_native_raises(outcomes, "expired-refresh-fails")
    assert "has ended" in outcomes["ours"]["message"]


@needs_endpoint_variables
def test_a_forbidden_role_is_a_client_error_with_the_portals_response_on_both_sides(
    idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG.replace("ReadOnly", "NoSuchRole"))
    write_token(aws_home, issued(idc))
    outcomes = resolve_both("dev")
    assert_ours_is_every_botocore_class_native_raises(outcomes, "forbidden-role")
    native, ours = outcomes["native"], outcomes["ours"]
    assert native["code"] == ours["code"] == "ForbiddenException"
    assert native["operation"] == ours["operation"] == "GetRoleCredentials"
    assert 'may not use role "NoSuchRole"' in ours["message"]


def test_a_legacy_profile_without_a_token_is_an_sso_token_load_error_on_both_sides(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(LEGACY_CONFIG)
    outcomes = resolve_both("legacy")
    assert_ours_is_every_botocore_class_native_raises(outcomes, "no-token-file")


@needs_endpoint_variables  # older botocore learns of the expiry only from GetRoleCredentials
def test_an_expired_legacy_token_is_an_unauthorized_sso_token_error_on_both_sides(
    idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(LEGACY_CONFIG)
    token = idc.issue_token(scopes=())
    token.pop("expiresIn")
    token["expiresAt"] = in_minutes(-5)
    write_token(aws_home, token, key_source=token["startUrl"])
    outcomes = resolve_both("legacy")
    assert "botocore.exceptions.UnauthorizedSSOTokenError" in outcomes["native"]["classes"]
    assert botocore_classes(outcomes["native"]) <= botocore_classes(outcomes["ours"])
    assert outcomes["native"]["stage"] == outcomes["ours"]["stage"] == "first use"


def test_a_token_file_that_is_not_json_is_a_deliberate_difference(
    idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    """explanation/differences.md: botocore lets a bare KeyError through; ours names the file and the fix."""
    write_config(SSO_CONFIG)
    path = token_path(aws_home, "corp")
    path.parent.mkdir(parents=True)
    path.write_text('{"accessToken": "aoa-')  # as a writer cut off mid-write leaves it
    outcomes = resolve_both("dev")
    assert outcomes["native"]["classes"][0] == "builtins.KeyError"
    assert "botocore_sso_provider.errors.CorruptCacheError" in outcomes["ours"]["classes"]
    assert str(path) in outcomes["ours"]["message"]
    assert "botocore.exceptions.SSOTokenLoadError" in outcomes["ours"]["classes"]


def test_logged_out_a_client_and_get_credentials_make_no_request_and_raise_nothing(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    session = boto3.Session(profile_name="dev")
    register(session)
    session.client("sts", region_name="us-east-1")
    credentials = session.get_credentials()
    assert credentials is not None and credentials.method == "sso"
    assert sum(idc.request_counts().values()) == 0


def test_the_first_use_fetches_once_and_a_warm_cache_costs_no_request(
    idc: FakeIdentityCenter, seed_login: Callable[..., dict], write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    seed_login()

    def resolve() -> str:
        session = boto3.Session(profile_name="dev")
        register(session)
        session.client("sts", region_name="us-east-1")
        credentials = session.get_credentials()
        assert idc.request_counts().get("GetRoleCredentials", 0) == calls_before
        return str(credentials.get_frozen_credentials().access_key)

    calls_before = 0
    first = resolve()
    assert idc.request_counts()["GetRoleCredentials"] == 1
    calls_before = 1
    assert resolve() == first, "a new session uses the shared role cache"
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_token_and_role_files_written_by_a_refresh_are_the_clis_bytes(
    idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    write_token(aws_home, issued(idc, expiresAt=in_minutes(5)))  # inside the refresh window
    session = boto3.Session(profile_name="dev")
    register(session)
    session.get_credentials().get_frozen_credentials()
    assert idc.request_counts()["CreateToken"] == idc.request_counts()["GetRoleCredentials"] == 1
    files = [token_path(aws_home, "corp"), *(aws_home / ".aws" / "cli" / "cache").glob("*.json")]
    assert len(files) == 2
    for path in files:
        written = path.read_bytes()
        assert written == json.dumps(json.loads(written)).encode("utf-8"), path


@pytest.mark.parametrize(
    ("key", "profile_value", "session_value"),
    [
        ("sso_registration_scopes", "sso:account:access,codecatalyst:read_write", "sso:account:access"),
        ("sso_region", "eu-west-1", "us-east-1"),
    ],
)
def test_a_key_the_profile_and_its_sso_session_set_differently_is_rejected_on_both_sides(
    key: str, profile_value: str, session_value: str, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(
        f"""
        [profile dev]
        sso_session = corp
        sso_account_id = 111111111111
        sso_role_name = ReadOnly
        {key} = {profile_value}

        [sso-session corp]
        sso_start_url = https://fake-idc.awsapps.com/start
        sso_region = us-east-1
        sso_registration_scopes = sso:account:access
        """
    )
    outcomes = resolve_both("dev")
    native, ours = outcomes["native"], outcomes["ours"]
    assert "botocore.exceptions.InvalidConfigError" in native["classes"], native
    assert botocore_classes(native) <= botocore_classes(ours)
    assert native["stage"] == ours["stage"] == "creating a client", "a config error is raised at once"
    assert ours["message"] == (
        f'The profile "dev" sets {key} = {profile_value} in [profile dev], but its sso-session sets '
        f"{key} = {session_value} in [sso-session corp] of {aws_home / '.aws' / 'config'}. "
        f"Make them agree, or remove {key} from [profile dev]."
    )


@needs_endpoint_variables
@pytest.mark.parametrize("error", ["InternalServerException", "SlowDownException"], ids=["5xx", "throttling"])
def test_both_sides_fall_back_to_the_cached_token_when_the_refresh_fails_with_5xx_or_throttling(
    error: str, idc: FakeIdentityCenter, aws_home: Path, write_config: Callable[[str], Path]
) -> None:
    """docs: refresh-and-time says botocore falls back here too (it fails on network errors)."""
    write_config(SSO_CONFIG)
    write_token(aws_home, issued(idc, expiresAt=in_minutes(12)))  # refresh window, not expired
    idc.inject("CreateToken", error, times=100)
    outcomes = resolve_both("dev")
    assert outcomes["native"] == outcomes["ours"] == {"stage": "none"}
    assert idc.request_counts()["CreateToken"] >= 2, "both tried to refresh"


USER_AGENT_FEATURES = """
import json, sys
import boto3
seen = []
session = boto3.Session(profile_name=sys.argv[1])
client = session.client("sts", region_name="us-east-1", endpoint_url=sys.argv[2])
record = lambda request, **_: seen.append(request.headers["User-Agent"])
client.meta.events.register("before-send.sts", record)
client.get_caller_identity()
agent = seen[0].decode() if isinstance(seen[0], bytes) else seen[0]
metrics = next((part[2:] for part in agent.split() if part.startswith("m/")), "")
print(json.dumps(sorted(filter(None, metrics.split(",")))))
"""

FEATURE_LETTERS = {"session": {"r", "s"}, "legacy": {"t", "u"}}
"""botocore's codes: CREDENTIALS_PROFILE_SSO r, CREDENTIALS_SSO s, and the _LEGACY pair t, u."""


def botocore_has_feature_ids() -> bool:
    try:
        from botocore.useragent import register_feature_ids  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(
    not botocore_has_feature_ids(),
    reason=f"botocore {botocore.__version__} has no User-Agent feature IDs (they came with 1.40.37)",
)
@pytest.mark.parametrize("kind", ["session", "legacy"])
def test_requests_carry_the_same_user_agent_feature_ids_as_with_botocores_provider(
    kind: str,
    idc: FakeIdentityCenter,
    seed_login: Callable[..., dict],
    write_config: Callable[[str], Path],
    moto_url: str,
) -> None:
    write_config(SSO_CONFIG if kind == "session" else LEGACY_CONFIG)
    seed_login(session_name="corp" if kind == "session" else None)
    profile = "dev" if kind == "session" else "legacy"
    features = {}
    for which in ("native", "ours"):
        done = run_python("-c", USER_AGENT_FEATURES, profile, moto_url, native=which == "native")
        assert done.returncode == 0, done.stderr
        features[which] = json.loads(done.stdout)
    assert FEATURE_LETTERS[kind] <= set(features["native"])
    assert features["ours"] == features["native"]
