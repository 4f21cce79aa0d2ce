"""Broken answers from the service (or whatever stands in its place): the login survives them.

The fake sends what the real service never does (``inject_answer``): empty
or HTML bodies, missing or absurd fields, a proxy's 403 page. Each ends in one
of our documented errors naming the cause, the valid cached token keeps
working, and nothing unusable is ever written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from botocore_sso_provider.errors import SSOConfigError, UnexpectedAnswerError
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, FakeClock, clocked_session, in_minutes, token_path

pytestmark = pytest.mark.functional


def resolve() -> Any:
    return clocked_session("dev", FakeClock()).get_credentials().get_frozen_credentials()


HTML = b"<html><body><h1>Access denied by corporate proxy</h1></body></html>"


def _ms(seconds_from_now: float) -> int:
    return int((time.time() + seconds_from_now) * 1000)


CREATE_TOKEN_GARBAGE = {
    "empty-object": {"body": b"{}"},
    "html-200": {"body": HTML, "content_type": "text/html"},
    "no-expiresIn": {"body": json.dumps({"accessToken": "new", "tokenType": "Bearer"}).encode()},
    "huge-expiresIn": {"body": json.dumps({"accessToken": "new", "expiresIn": 10**12}).encode()},
    "negative-expiresIn": {"body": json.dumps({"accessToken": "new", "expiresIn": -5}).encode()},
    "empty-accessToken": {"body": json.dumps({"accessToken": "", "expiresIn": 3600}).encode()},
    "proxy-403": {"status": 403, "body": HTML, "content_type": "text/html"},
    "cut-mid-answer": {
        "body": json.dumps({"accessToken": "x" * 200, "expiresIn": 3600}).encode(),
        "cut_after": 20,
    },
}


@pytest.mark.parametrize("answer", list(CREATE_TOKEN_GARBAGE.values()), ids=list(CREATE_TOKEN_GARBAGE))
def test_a_garbled_create_token_answer_keeps_the_valid_cached_token(
    answer: dict, login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login(expiresAt=in_minutes(10))
    path = token_path(aws_home, "corp")
    before = path.read_text()
    idc.inject_answer("CreateToken", times=3, **answer)
    assert resolve().access_key
    assert path.read_text() == before, "nothing unusable written over the login"


@pytest.mark.parametrize(
    "answer", list(CREATE_TOKEN_GARBAGE.values())[:3], ids=list(CREATE_TOKEN_GARBAGE)[:3]
)
def test_a_garbled_create_token_answer_for_an_expired_token_is_our_error(
    answer: dict, login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login(expiresAt=in_minutes(-1))
    before = token_path(aws_home, "corp").read_text()
    idc.inject_answer("CreateToken", times=3, **answer)
    with pytest.raises(UnexpectedAnswerError, match="CreateToken answered"):
        resolve()
    assert token_path(aws_home, "corp").read_text() == before


def _role_body(**fields: Any) -> bytes:
    role = {
        "accessKeyId": "ASIAX",
        "secretAccessKey": "s" * 40,
        "sessionToken": "t" * 40,
        "expiration": _ms(3600),
    }
    role.update(fields)
    return json.dumps({"roleCredentials": {k: v for k, v in role.items() if v is not None}}).encode()


GET_ROLE_CREDENTIALS_GARBAGE = {
    "empty-object": {"body": b"{}"},
    "html-200": {"body": HTML, "content_type": "text/html"},
    "missing-secret": {"body": _role_body(secretAccessKey=None)},
    "number-key": {"body": _role_body(accessKeyId=12345)},
    "expiration-in-seconds": {"body": _role_body(expiration=int(time.time()) + 3600)},
    "expiration-in-microseconds": {"body": _role_body(expiration=int((time.time() + 3600) * 1e6))},
    "expiration-as-string": {"body": _role_body(expiration="2030-01-01T00:00:00Z")},
    "expiration-in-the-past": {"body": _role_body(expiration=_ms(-60))},
    "expiration-years-away": {"body": _role_body(expiration=_ms(10 * 365 * 86400))},
    "expiration-400-days-away": {"body": _role_body(expiration=_ms(400 * 86400))},
    "proxy-403": {"status": 403, "body": HTML, "content_type": "text/html"},
}


@pytest.mark.parametrize(
    "answer", list(GET_ROLE_CREDENTIALS_GARBAGE.values()), ids=list(GET_ROLE_CREDENTIALS_GARBAGE)
)
def test_a_garbled_get_role_credentials_answer_is_refused_and_never_cached(
    answer: dict, login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()
    idc.inject_answer("GetRoleCredentials", times=3, **answer)
    with pytest.raises(UnexpectedAnswerError) as caught:
        resolve()
    message = str(caught.value)
    assert 'sso-session "corp"' in message
    assert "did not answer" not in message
    assert not list((aws_home / ".aws" / "cli" / "cache").glob("*.json"))
    if answer.get("status") == 403:
        assert "proxy" in message and "HTTP 403" in message


HOSTILE_ROLE_CREDENTIALS = {
    "nul-in-session-token": {"sessionToken": "tok\x00en" + "t" * 40},
    "esc-in-session-token": {"sessionToken": "\x1b]52;c;cHduZWQ=\x07" + "t" * 40},
    "newline-in-secret-key": {"secretAccessKey": "s" * 40 + "\nexport AWS_PROFILE=prod"},
    "space-in-access-key-id": {"accessKeyId": "ASIA EXAMPLE"},
    "bidi-override-in-access-key-id": {"accessKeyId": "ASIA\u202eELPMAXE"},
    "200-kb-session-token": {"sessionToken": "t" * 200 * 1024},
    "200-character-access-key-id": {"accessKeyId": "A" * 200},
}


def boto3_credentials(profile: str = "dev") -> Any:
    """Through boto3, as a user's script resolves them: a session with this package's provider."""
    import boto3

    from botocore_sso_provider import register

    session = boto3.Session(profile_name=profile)
    register(session)
    return session.get_credentials().get_frozen_credentials()


@pytest.mark.parametrize(
    "fields", list(HOSTILE_ROLE_CREDENTIALS.values()), ids=list(HOSTILE_ROLE_CREDENTIALS)
)
def test_role_credentials_holding_what_no_key_holds_are_refused_and_nothing_is_cached(
    fields: dict, login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()
    token_file = token_path(aws_home, "corp")
    before = token_file.read_bytes()
    idc.inject_answer("GetRoleCredentials", body=_role_body(**fields))
    with pytest.raises(UnexpectedAnswerError) as caught:
        boto3_credentials()
    message = str(caught.value)
    assert "IAM Identity Center" in message and "GetRoleCredentials answered with" in message
    assert message.isprintable() and len(message) < 1000, "the value itself is never quoted"
    assert not any(value[:12] in message for value in fields.values())
    assert idc.request_counts()["GetRoleCredentials"] == 1, "refused, not retried"
    assert not list((aws_home / ".aws" / "cli" / "cache").glob("*.json")), "no role file written"
    assert token_file.read_bytes() == before, "the valid login untouched"
    assert boto3_credentials().access_key.startswith("ASIA"), "the next answer, a real one, is used"


def test_a_role_cache_file_holding_an_escape_is_not_used_but_fetched_anew(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    """Another tool wrote it (the AWS CLI v2 writes the same files): the full path fetches anew."""
    login()
    assert boto3_credentials().access_key  # the provider writes the file where it belongs
    [cached] = (aws_home / ".aws" / "cli" / "cache").glob("*.json")
    data = json.loads(cached.read_text())
    data["Credentials"]["SessionToken"] = "\x1b]52;c;cHduZWQ=\x07" + "t" * 40
    cached.write_text(json.dumps(data))
    credentials = boto3_credentials()
    assert "\x1b" not in credentials.token
    assert idc.request_counts()["GetRoleCredentials"] == 2
    assert "\x1b" not in json.loads(cached.read_text())["Credentials"]["SessionToken"], "rewritten"


def test_a_role_expiring_in_24_hours_is_accepted_and_cached(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    """botocore's own tests answer 24 h; the service may raise its 12 h limit."""
    login()
    idc.inject_answer("GetRoleCredentials", body=_role_body(expiration=_ms(24 * 3600)))
    credentials = clocked_session("dev", FakeClock()).get_credentials()
    assert credentials.get_frozen_credentials().token == "t" * 40
    [cached] = (aws_home / ".aws" / "cli" / "cache").glob("*.json")
    assert json.loads(cached.read_text())["Credentials"]["SessionToken"] == "t" * 40


def test_a_bogus_date_header_neither_reaches_the_shared_file_nor_breaks_credentials(
    login: Callable[..., dict], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login()
    idc.inject_answer("GetRoleCredentials", body=_role_body(), date="Mon, 01 Jan 2036 00:00:00 GMT")
    credentials = clocked_session("dev", FakeClock()).get_credentials()
    credentials.get_frozen_credentials()
    [cached] = (aws_home / ".aws" / "cli" / "cache").glob("*.json")
    expiration = json.loads(cached.read_text())["Credentials"]["Expiration"]
    expected = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(_ms(3600) / 1000))
    assert expiration.startswith(expected[:13]), "server time as the portal stated it, not 'corrected'"
    left = credentials._expiry_time.timestamp() - time.time()
    assert 3000 < left < 3700


@pytest.mark.parametrize("region", ["us east 1", "us-east-1/../x", "-bad"])
def test_a_bad_sso_region_names_the_key_the_section_and_the_file(
    region: str, write_config: Callable[[str], Path]
) -> None:
    path = write_config(SSO_CONFIG.replace("sso_region = us-east-1", f"sso_region = {region}"))
    with pytest.raises(SSOConfigError) as caught:
        resolve()
    message = str(caught.value)
    assert "sso_region" in message and "[sso-session corp]" in message and str(path) in message
