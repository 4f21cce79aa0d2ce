"""Property-based: whatever a config or cache file holds, only our documented errors escape.

Hypothesis writes wrong types, missing keys, huge values, non-UTF-8 bytes,
nested junk and dates in every format into real files, and checks that
reading them either works (and gives values of the right type) or raises one
of this package's errors, never a bare exception.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botocore_sso_provider.errors import CorruptCacheError, SSOConfigError, SSOProviderError
from botocore_sso_provider.provider import redaction
from botocore_sso_provider.provider.config import resolve_profile, session_for_login
from botocore_sso_provider.provider.token import TokenProvider
from botocore_sso_provider.rules.profiles import SSOSessionConfig
from botocore_sso_provider.rules.records import (
    RoleRecord,
    role_record,
    token_file_data,
    unusable_token_response,
)
from botocore_sso_provider.settings import config_file as config_file_path
from botocore_sso_provider.store.cache import JSONFileCache

pytestmark = pytest.mark.unit

EXAMPLES = int(os.environ.get("BOTOCORE_SSO_PROPERTY_EXAMPLES", "100"))
"""Examples per property: 100, fewer where CI repeats the suite on every claimed Python (.ci/run)."""

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.one_of(
    st.datetimes(timezones=st.just(datetime.timezone.utc)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.strftime("%d/%m/%Y %H:%M UTC")),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(["", "99999-01-01T00:00:00Z", "2026-13-45T25:61:61Z", "now", "0", "1e400", "\x00"]),
)
json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
junk = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
TOKEN_KEYS = ["accessToken", "expiresAt", "refreshToken", "clientId", "clientSecret", "registrationExpiresAt"]
token_files = st.fixed_dictionaries(
    {},
    optional={
        "accessToken": st.one_of(st.text(max_size=20), junk),
        "expiresAt": dates,
        "refreshToken": st.one_of(st.text(max_size=20), junk),
        "clientId": st.one_of(st.text(max_size=20), junk),
        "clientSecret": st.one_of(st.text(max_size=20), junk),
        "registrationExpiresAt": st.one_of(dates, junk),
        "extra": junk,
    },
)


class _Clock:
    """Monotonic time that only sleeping moves: a torn-read retry loop runs in full, without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _cache(directory: str) -> JSONFileCache:
    clock = _Clock()
    return JSONFileCache(directory, sleep=clock.sleep, clock=clock)


class _NoSession:
    """Loading never talks to the service; a call here would be a bug."""

    def create_client(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("load() must not make clients")


def _provider(directory: str) -> TokenProvider:
    config = SSOSessionConfig(start_url="https://x.awsapps.com/start", region="us-east-1", name="corp")
    return TokenProvider(config, _NoSession(), cache=_cache(directory))


def _check_token_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        provider = _provider(directory)
        with open(os.path.join(directory, f"{provider.cache_key}.json"), "wb") as handle:
            handle.write(content)
        try:
            token = provider.load()
        except SSOProviderError:
            return
        assert isinstance(token.access_token, str) and token.access_token
        assert token.expires_at.tzinfo is not None
        assert token.refresh_token is None or isinstance(token.refresh_token, str)
        assert isinstance(token.can_refresh, bool)
        registration = token.registration_expires_at
        assert registration is None or registration.tzinfo is not None
        assert "***" in repr(token)


@SETTINGS
@given(token_files)
def test_any_token_file_loads_or_raises_our_error(data: dict) -> None:
    _check_token_file(json.dumps(data).encode())


@SETTINGS
@given(st.binary(max_size=300) | junk.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_in_a_token_file_load_or_raise_our_error(content: bytes) -> None:
    _check_token_file(content)


@SETTINGS
@given(st.binary(max_size=300))
def test_the_cache_reads_any_bytes_as_an_object_or_reports_the_file(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        cache = _cache(directory)
        with open(cache.path("k"), "wb") as handle:
            handle.write(content)
        failure: Any = None
        try:
            assert isinstance(cache.read("k"), dict)
        except CorruptCacheError as err:  # UnsafeCacheError included
            failure = err
        assert failure is None or failure.path.startswith(directory)


@SETTINGS
@given(
    st.one_of(
        junk,
        st.fixed_dictionaries(
            {"ProviderType": st.one_of(st.just("sso"), junk)},
            optional={
                "Credentials": st.one_of(
                    junk,
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "AccessKeyId": st.one_of(st.text(max_size=10), junk),
                            "SecretAccessKey": st.one_of(st.text(max_size=10), junk),
                            "SessionToken": st.one_of(st.text(max_size=10), junk),
                            "Expiration": dates,
                            "AccountId": st.one_of(st.text(max_size=12), junk),
                        },
                    ),
                )
            },
        ),
    )
)
def test_any_role_file_gives_text_credentials_or_none(data: Any) -> None:
    record = role_record(data if isinstance(data, dict) else {"Credentials": data})
    if isinstance(record, RoleRecord):
        for value in (record.access_key, record.secret_key, record.token):
            assert isinstance(value, str) and value
    else:
        assert isinstance(record, str) and record  # the problem, in words


config_values = st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "us-east-1", "$(x)", "a" * 300]))
profile_values = st.dictionaries(
    st.sampled_from(
        ["sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "region", "x"]
    ),
    config_values,
    max_size=6,
)


@SETTINGS
@given(
    profile_values,
    st.dictionaries(
        st.sampled_from(["sso_start_url", "sso_region", "sso_registration_scopes"]), config_values
    ),
)
def test_any_config_resolves_or_raises_a_config_error(profile: dict, section: dict) -> None:
    full = {"profiles": {"p": profile}, "sso_sessions": {profile.get("sso_session", "s"): section}}
    try:
        config = resolve_profile(full, "p")
    except SSOConfigError as err:
        config, message = None, str(err)
    else:
        message = ""
        assert config is None or (config.account_id and config.role_name and config.session.region)
    assert not message or str(config_file_path()) in message
    with contextlib.suppress(SSOConfigError):
        session_for_login(full, profile="p", session_name=None)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "accessToken": st.one_of(st.text(max_size=10), junk),
            "expiresIn": st.one_of(st.integers(), st.floats(), junk),
            "refreshToken": st.one_of(st.text(max_size=10), junk),
        },
    )
)
def test_a_create_token_answer_is_either_refused_or_makes_a_valid_token_file(response: dict) -> None:
    if unusable_token_response(response) is not None:
        return
    config = SSOSessionConfig(start_url="https://x.awsapps.com/start", region="us-east-1", name="corp")
    data = token_file_data(
        response,
        session=config,
        client_id="id",
        client_secret="secret",
        registration_expires_at=None,
        now=datetime.datetime.now(datetime.timezone.utc),
    )
    _check_token_file(json.dumps(data).encode())
    assert data["accessToken"].strip()


secret_text = st.text(
    alphabet=st.characters(blacklist_characters="\"'\\\\", min_codepoint=33, max_codepoint=126),
    min_size=8,
    max_size=40,
)


@SETTINGS
@given(
    secret_text,
    st.sampled_from(["accessToken", "refreshToken", "clientSecret", "sessionToken", "secretAccessKey"]),
)
def test_a_secret_field_is_redacted_in_dict_reprs_and_json_bodies(secret: str, field: str) -> None:
    for text in (repr({"body": {field: secret}}), repr(json.dumps({field: secret}).encode())):
        assert secret not in redaction.redact(text)
