"""The PKCE redirect listener against other local processes: idle connections, through the real command.

Any local process, or the browser's own preconnect, can open a connection to
the listener and send nothing. The browser's redirect still completes the
login, and whatever stays connected, the login ends by ``--timeout``.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Callable, Iterator, List
from urllib.parse import parse_qs, urlsplit

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import COMMAND, SSO_CONFIG, needs_pkce_model, token_path

pytestmark = pytest.mark.functional


class Login:
    """A running ``botocore-sso login --use-pkce --no-browser`` and the authorize URL it printed."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        assert process.stdout is not None
        for line in process.stdout:
            if "/authorize?" in line:
                self.authorize_url = line.strip()
                break
        else:
            raise AssertionError(f"no authorize URL printed: {process.communicate(timeout=30)}")

    @property
    def listener_port(self) -> int:
        redirect_uri = parse_qs(urlsplit(self.authorize_url).query)["redirect_uri"][0]
        port = urlsplit(redirect_uri).port
        assert port is not None
        return port

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


@pytest.fixture
def pkce_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> Iterator[Callable[..., Login]]:
    write_config(SSO_CONFIG)
    started: List[subprocess.Popen] = []

    def start(*args: str) -> Login:
        process = subprocess.Popen(
            [*COMMAND, "login", "--sso-session", "corp", "--use-pkce", "--no-browser", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        return Login(process)

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)


@needs_pkce_model
def test_an_idle_connection_does_not_block_the_browsers_redirect(
    pkce_login: Callable[..., Login], idc: FakeIdentityCenter, aws_home: Path
) -> None:
    login = pkce_login("--timeout", "120")
    with socket.create_connection(("127.0.0.1", login.listener_port), timeout=30):  # a preconnect
        # The browser: the fake's /authorize approves and redirects to the listener.
        page = urllib.request.urlopen(login.authorize_url, timeout=30).read()
        assert b"You can close this window" in page
        status, out, err = login.finish()
    assert status == 0, err
    assert "Logged in to" in out
    token = json.loads(token_path(aws_home, "corp").read_text())
    assert idc.access_token_is_valid(token["accessToken"])


@needs_pkce_model
def test_a_connection_held_open_without_a_redirect_ends_by_the_timeout(
    pkce_login: Callable[..., Login],
) -> None:
    login = pkce_login("--timeout", "3")
    with socket.create_connection(("127.0.0.1", login.listener_port), timeout=30):
        status, _, err = login.finish(timeout=120)  # a hang fails here instead of hanging
    assert status != 0
    assert "Traceback" not in err
    waiting, error = _progress_and_error(err)
    assert all(line.startswith("Waiting for the sign-in") for line in waiting), err
    assert "no sign-in reached" in error and "within 3 s" in error, err


def _progress_and_error(stderr: str) -> tuple[list[str], str]:
    """The login's progress lines, and the one line that says why it failed."""
    *progress, error = stderr.strip().splitlines()
    return progress, error


@needs_pkce_model
def test_many_idle_connections_still_let_the_redirect_through(
    pkce_login: Callable[..., Login], aws_home: Path
) -> None:
    login = pkce_login("--timeout", "120")
    idle = [socket.create_connection(("127.0.0.1", login.listener_port), timeout=30) for _ in range(50)]
    try:
        urllib.request.urlopen(login.authorize_url, timeout=30).read()
        status, _, err = login.finish()
    finally:
        for connection in idle:
            connection.close()
    assert status == 0, err
    assert token_path(aws_home, "corp").exists()
