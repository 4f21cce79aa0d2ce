"""The authorization-code login with PKCE and its loopback listener, against the fake Identity Center."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import secrets
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest

from botocore_sso_provider.errors import LoginError
from botocore_sso_provider.login import PKCELogin
from botocore_sso_provider.login.listener import RedirectListener
from botocore_sso_provider.login.pkce import VERIFIER_ALPHABET, code_challenge, new_code_verifier
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.testing import FakeIdentityCenter
from botocore_sso_provider.testing.protocol import verifier_matches
from tests.conftest import SSO_CONFIG, needs_endpoint_variables, needs_pkce_model, run_python, token_path

pytestmark = pytest.mark.functional

FOLLOW_REDIRECTS = """
import sys, urllib.request
with open(sys.argv[2], "a") as seen:
    seen.write(sys.argv[1] + "\\n")
urllib.request.urlopen(sys.argv[1], timeout=30).read()  # /authorize -> 302 -> our listener
"""


def browser_script(tmp_path: Path) -> tuple[str, Path]:
    """A BROWSER command that records the URL and follows the authorize redirect, as a browser does."""
    script = tmp_path / "browser.py"
    script.write_text(FOLLOW_REDIRECTS)
    seen = tmp_path / "opened.txt"
    return f"{sys.executable} {script} %s {seen}", seen


def following_browser(url: str) -> bool:
    urllib.request.urlopen(url, timeout=30).read()
    return True


def corp_pkce(**options: object) -> PKCELogin:
    session = botocore.session.Session()
    return PKCELogin(resolve_session(session.full_config, "corp"), session, out=io.StringIO(), **options)  # type: ignore[arg-type]


@needs_pkce_model
def test_pkce_login_end_to_end_with_a_browser_script_that_follows_the_redirect(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path, tmp_path: Path
) -> None:
    write_config(SSO_CONFIG)
    command, seen = browser_script(tmp_path)
    env = {**os.environ, "BROWSER": command}
    result = run_python("-m", "botocore_sso_provider", "login", "--sso-session", "corp", env=env)
    assert result.returncode == 0, result.stderr
    assert "authorization-code flow with PKCE: BROWSER is set" in result.stdout
    opened = seen.read_text().splitlines()
    assert len(opened) == 1
    url = urlsplit(opened[0])
    assert f"{url.scheme}://{url.netloc}" == idc.url, "built on the configured SSO OIDC endpoint"
    assert url.path == "/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["scopes"] == "sso:account:access"
    assert len(query["state"]) >= 32
    redirect = urlsplit(query["redirect_uri"])
    assert (redirect.hostname, redirect.path) == ("127.0.0.1", "/oauth/callback") and redirect.port
    data = json.loads(token_path(aws_home, "corp").read_text())
    assert idc.access_token_is_valid(data["accessToken"])
    assert idc.refresh_token_is_valid(data["refreshToken"])
    assert idc.grant_counts()["authorization_code"] == 1
    assert idc.request_counts()["StartDeviceAuthorization"] == 0
    assert data["accessToken"] not in result.stdout + result.stderr


@needs_pkce_model
def test_pkce_registration_is_made_for_the_authorization_code_grant(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    session = botocore.session.Session()
    requests: list[dict] = []
    session.register(
        "before-call.sso-oidc.RegisterClient", lambda params, **_: requests.append(json.loads(params["body"]))
    )
    PKCELogin(
        resolve_session(session.full_config, "corp"), session, out=io.StringIO(), browser=following_browser
    ).run()
    registered = [r for r in requests if r.get("clientName") != "endpoint-probe"]
    assert len(registered) == 1
    assert registered[0]["grantTypes"] == ["authorization_code", "refresh_token"]
    assert registered[0]["redirectUris"] == ["http://127.0.0.1/oauth/callback"]
    assert registered[0]["issuerUrl"] == "https://fake-idc.awsapps.com/start"
    assert registered[0]["scopes"] == ["sso:account:access"]
    assert idc.request_counts()["RegisterClient"] == 1, "finding the endpoint sends nothing"


@needs_pkce_model
def test_a_denied_pkce_login_says_so_and_writes_nothing(
    write_config: Callable[[str], Path], aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(SSO_CONFIG)
    with FakeIdentityCenter(auto_approve=False) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)

        def deny(url: str) -> bool:
            query = urlsplit(url).query
            form = f"{query}&decision=deny".encode()
            urllib.request.urlopen(
                urllib.request.Request(f"{idc.url}/authorize", data=form), timeout=30
            ).read()
            return True

        with pytest.raises(LoginError, match="the sign-in was denied"):
            corp_pkce(browser=deny).run()
        assert idc.grant_counts()["authorization_code"] == 0
    assert not token_path(aws_home, "corp").exists()


@needs_pkce_model
def test_a_pkce_login_gives_up_after_its_timeout(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    with pytest.raises(
        LoginError, match=r"no sign-in reached http://127\.0\.0\.1:\d+/oauth/callback within 1 s"
    ):
        corp_pkce(browser=lambda url: True, timeout=1).run()
    assert not token_path(aws_home, "corp").exists()


@needs_pkce_model
def test_redirect_port_fixes_the_listener_port(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ports: list[int] = []

    def browser(url: str) -> bool:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        ports.append(urlsplit(redirect).port or 0)
        return following_browser(url)

    corp_pkce(browser=browser, redirect_port=port).run()
    assert ports == [port]


def test_a_busy_redirect_port_is_one_clear_error(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LoginError, match=f"port {port} on 127.0.0.1 is already in use"):
            corp_pkce(browser=following_browser, redirect_port=port).run()
    assert idc.request_counts()["RegisterClient"] == 0


# -- the listener ----------------------------------------------------------------


def get(port: int, path: str, host: str = "127.0.0.1") -> int:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def listener() -> object:
    state = secrets.token_urlsafe(16)
    with RedirectListener(state) as opened:
        opened.state = state  # type: ignore[attr-defined]
        yield opened


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/oauth/callback?code=c&state=forged", id="wrong-state"),
        pytest.param("/oauth/callback?code=c", id="no-state"),
        pytest.param("/elsewhere?code=c&state={state}", id="wrong-path"),
        pytest.param("/oauth/callback?state={state}", id="neither-code-nor-error"),
    ],
)
def test_the_listener_rejects_a_bad_request_and_keeps_waiting(listener: RedirectListener, path: str) -> None:
    state = listener.state  # type: ignore[attr-defined]
    assert get(listener.port, path.format(state=state)) in (400, 404)
    assert listener.wait(0.01) is None, "a stray or forged request does not end the login"
    assert get(listener.port, f"/oauth/callback?code=the-code&state={state}") == 200
    redirect = listener.wait(5)
    assert redirect is not None and redirect.code == "the-code"
    assert listener.rejected == 1


def test_the_listener_takes_one_redirect_and_rejects_a_second(listener: RedirectListener) -> None:
    state = listener.state  # type: ignore[attr-defined]
    assert get(listener.port, f"/oauth/callback?code=first&state={state}") == 200
    assert get(listener.port, f"/oauth/callback?code=second&state={state}") == 409
    redirect = listener.wait(5)
    assert redirect is not None and redirect.code == "first"
    assert "first" not in repr(redirect), "the code never shows in a repr"


def test_the_listener_answers_a_page_that_says_the_window_can_be_closed(listener: RedirectListener) -> None:
    state = listener.state  # type: ignore[attr-defined]
    page = urllib.request.urlopen(f"{listener.redirect_uri}?code=c&state={state}", timeout=10).read()
    assert b"You can close this window" in page


def test_the_listener_is_reachable_on_127_0_0_1_only(listener: RedirectListener) -> None:
    assert listener.address[0] == "127.0.0.1"
    # Another loopback address of this host: the AWS CLI v2's listener (bound to every
    # interface) answers there; ours must not.
    with pytest.raises(ConnectionRefusedError):
        get(listener.port, "/oauth/callback", host="127.0.0.2")
    external = outward_address()
    if external is not None:
        with pytest.raises(ConnectionRefusedError):
            get(listener.port, "/oauth/callback", host=external)


def outward_address() -> str | None:
    """This host's address on its network, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route lookup only
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else str(address)


def test_a_post_to_the_listener_is_refused(listener: RedirectListener) -> None:
    request = urllib.request.Request(listener.redirect_uri, data=b"code=c", method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 405
    assert listener.wait(0.01) is None


def test_the_verifier_is_64_unreserved_characters_and_the_challenge_is_its_s256() -> None:
    verifier = new_code_verifier()
    assert len(verifier) == 64 and set(verifier) <= set(VERIFIER_ALPHABET)
    assert new_code_verifier() != verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    assert code_challenge(verifier) == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert verifier_matches(verifier, code_challenge(verifier)), "the fake's own S256 check agrees"


NATIVE_RESOLUTION = """
import boto3  # the off switch is set: botocore's own sso provider
print(boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials().access_key)
"""


@needs_endpoint_variables
@needs_pkce_model
def test_botocores_native_provider_uses_the_token_our_pkce_login_wrote(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    write_config(SSO_CONFIG)
    command, _ = browser_script(tmp_path)
    login = run_python(
        "-m",
        "botocore_sso_provider",
        "login",
        "--sso-session",
        "corp",
        env={**os.environ, "BROWSER": command},
    )
    assert login.returncode == 0, login.stderr
    native = run_python("-c", NATIVE_RESOLUTION, native=True)
    assert native.returncode == 0, native.stderr
    assert native.stdout.startswith("ASIA")
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert idc.grant_counts()["refresh_token"] == 0, "a fresh token: native used it as it is"
