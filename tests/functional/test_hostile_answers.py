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


@pytest.fixture
def login(seed_login: Callable[..., dict], write_config: Callable[[str], Path]) -> Callable[..., dict]:
    write_config(SSO_CONFIG)
    return seed_login


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
