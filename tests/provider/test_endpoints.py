"""The user's endpoint and proxy settings reach the clients this package creates."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import boto3
import pytest

from botocore_sso_provider import register
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, needs_endpoint_variables

pytestmark = pytest.mark.functional


@needs_endpoint_variables
def test_endpoints_from_a_services_section_are_honoured(
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    idc: FakeIdentityCenter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_login()
    for name in idc.environ():
        monkeypatch.delenv(name)
    write_config(
        SSO_CONFIG.replace("region = us-east-1\n", "region = us-east-1\n    services = fake-idc\n", 1)
        + f"""
    [services fake-idc]
    sso =
      endpoint_url = {idc.url}
    sso-oidc =
      endpoint_url = {idc.url}
    """
    )
    session = boto3.Session(profile_name="dev")
    register(session)
    assert session.get_credentials().get_frozen_credentials().access_key.startswith("ASIA")
    assert idc.request_counts()["GetRoleCredentials"] == 1


class _CountingProxy(BaseHTTPRequestHandler):
    """A forward proxy for plain HTTP that counts what passes through it."""

    seen: list[str] = []

    def _forward(self) -> None:
        target = urlsplit(self.path)
        type(self).seen.append(target.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")
        }
        upstream.request(
            self.command, target.path + (f"?{target.query}" if target.query else ""), body, headers
        )
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    do_GET = do_POST = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _CountingProxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CountingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_users_proxy(
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    idc: FakeIdentityCenter,
    proxy: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(SSO_CONFIG)
    seed_login()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    session = boto3.Session(profile_name="dev")
    register(session)
    session.get_credentials().get_frozen_credentials()
    assert _CountingProxy.seen == ["/federation/credentials"]
