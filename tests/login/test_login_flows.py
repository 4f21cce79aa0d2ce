"""The login command end to end: the flow it picks and says, the device flow's endings, and bad answers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import botocore.session
import pytest

from botocore_sso_provider.cli.main import main
from botocore_sso_provider.errors import LoginError
from botocore_sso_provider.login import DeviceCodeLogin
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, needs_pkce_model, token_path

pytestmark = pytest.mark.functional


def corp_device_login(**options: Any) -> DeviceCodeLogin:
    session = botocore.session.Session()
    config = resolve_session(session.full_config, "corp")
    return DeviceCodeLogin(config, session, out=io.StringIO(), open_browser=False, **options)


def test_over_ssh_the_command_uses_the_device_code_and_says_why(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(SSO_CONFIG)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
    monkeypatch.setenv("DISPLAY", ":0")
    assert main(["login", "--sso-session", "corp", "--no-browser"]) == 0
    out = capsys.readouterr().out
    assert "Using the device-code flow: this is an SSH session (SSH_CONNECTION is set)" in out
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.grant_counts()["authorization_code"] == 0
    assert token_path(aws_home, "corp").exists()


@needs_pkce_model
def test_use_pkce_overrides_the_ssh_guess_and_no_browser_still_waits_for_the_redirect(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    env = {**os.environ, "SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22", "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "botocore_sso_provider", "login", "--sso-session", "corp"]
    with subprocess.Popen(
        [*argv, "--use-pkce", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.strip().startswith(f"{idc.url}/authorize?"):
                urllib.request.urlopen(line.strip(), timeout=30).read()  # the user, in a browser
                break
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Using the authorization-code flow with PKCE: --use-pkce was given." in "".join(lines)
    assert idc.grant_counts()["authorization_code"] == 1
    assert token_path(aws_home, "corp").exists()


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param("expired_token", "the code expired before it was approved", id="expired_token"),
        pytest.param("access_denied", "the sign-in was denied", id="access_denied"),
    ],
)
def test_the_device_flow_ends_clearly_on_expired_and_denied(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path, error: str, message: str
) -> None:
    write_config(SSO_CONFIG)
    idc.inject("CreateToken", "authorization_pending", times=1)
    idc.inject("CreateToken", error, times=1)
    with pytest.raises(LoginError, match=message) as caught:
        corp_device_login(sleep=lambda _: None).run()
    assert str(caught.value).endswith("Run: botocore-sso login --sso-session corp")
    assert idc.grant_counts()["urn:ietf:params:oauth:grant-type:device_code"] == 2, "no poll after the end"
    assert not token_path(aws_home, "corp").exists()


# -- where the login cannot be saved: found before the user is asked anything ------------


def test_a_directory_at_the_token_path_is_reported_before_the_user_signs_in(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config(SSO_CONFIG)
    path = token_path(aws_home, "corp")
    path.mkdir(parents=True)
    assert main(["login", "--sso-session", "corp", "--no-browser", "--use-device-code"]) == 1
    err = capsys.readouterr().err
    assert f"{path} is a directory, where an SSO cache file must be" in err
    assert f"rm -r {path}" in err and "botocore-sso login --sso-session corp" in err
    assert idc.request_counts()["StartDeviceAuthorization"] == 0, "checked before any code is shown"
    assert idc.request_counts()["RegisterClient"] == 0


def test_a_file_at_the_cache_directory_is_reported_before_the_user_signs_in(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config(SSO_CONFIG)
    (aws_home / ".aws" / "sso").write_text("not a directory")
    assert main(["login", "--sso-session", "corp", "--no-browser", "--use-device-code"]) == 1
    err = capsys.readouterr().err
    assert f"{aws_home / '.aws' / 'sso'} is a file, where the SSO cache directory must be" in err
    assert idc.request_counts()["StartDeviceAuthorization"] == 0


# -- answers the login cannot use: a server that answers like a broken service ------------


class _BrokenOIDC(BaseHTTPRequestHandler):
    answers: dict[str, Any] = {}
    calls: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(self.path)
        body = json.dumps(self.answers.get(self.path, {})).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def broken_oidc(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_BrokenOIDC]]:
    handler = type("Handler", (_BrokenOIDC,), {"answers": {}, "calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


REGISTERED = {"clientId": "id", "clientSecret": "secret", "clientSecretExpiresAt": 4102444800}
AUTHORIZATION = {
    "deviceCode": "dc",
    "userCode": "ABCD-EFGH",
    "verificationUri": "https://device.example/",
    "verificationUriComplete": "https://device.example/?user_code=ABCD-EFGH",
    "expiresIn": 600,
}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({}, "RegisterClient answered without clientId, clientSecret", id="register-empty"),
        pytest.param(
            {"/client/register": {**REGISTERED, "clientSecretExpiresAt": "soon"}},
            "sent an answer that cannot be read (ValueError)",
            id="register-expiry-as-text",
        ),
        pytest.param(
            {"/client/register": REGISTERED},
            "StartDeviceAuthorization answered without deviceCode, userCode, verificationUri",
            id="device-empty",
        ),
        pytest.param(
            {"/client/register": REGISTERED, "/device_authorization": {**AUTHORIZATION, "interval": -5}},
            "a polling interval of -5 seconds",
            id="negative-interval",
        ),
        pytest.param(
            {"/client/register": REGISTERED, "/device_authorization": {**AUTHORIZATION, "interval": 10**9}},
            "a polling interval of 1000000000 seconds",
            id="absurd-interval",
        ),
        pytest.param(
            {"/client/register": {**REGISTERED, "clientSecretExpiresAt": -1}},
            "RegisterClient answered without a usable clientSecretExpiresAt",
            id="register-negative-expiry",
        ),
    ],
)
def test_an_unusable_answer_ends_the_login_with_one_sentence(
    broken_oidc: type[_BrokenOIDC],
    write_config: Callable[[str], Path],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
    answers: dict[str, Any],
    message: str,
) -> None:
    write_config(SSO_CONFIG)
    broken_oidc.answers.update(answers)
    assert main(["login", "--sso-session", "corp", "--no-browser", "--use-device-code"]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], captured.err
    assert lines[0].startswith('botocore-sso: The SSO login for the sso-session "corp" did not complete')
    assert "Traceback" not in captured.err
    assert "/token" not in broken_oidc.calls, "never polled with an unusable authorization"
    assert "ABCD-EFGH" not in captured.out, "no code shown for an authorization that cannot work"
    assert not token_path(aws_home, "corp").exists()
