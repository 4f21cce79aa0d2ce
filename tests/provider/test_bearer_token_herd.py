"""8 processes, each with a bearer-auth client and a SigV4 client for one sso-session.

The token is inside the mandatory refresh window and the fake rotates refresh
tokens with reuse detection, so a second CreateToken anywhere (botocore's own
token provider refreshing beside ours) would end the session. The bearer
service is a tiny CodeCatalyst stand-in on loopback (HTTPS with a throwaway
certificate: botocore sends bearer tokens over HTTPS only) that accepts
exactly the access tokens the fake Identity Center considers valid; STS is
moto's server.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List

import botocore.session
import pytest

from botocore_sso_provider.provider.bearer_token import SSOBearerTokenProvider
from botocore_sso_provider.testing import FakeIdentityCenter
from tests import herds as herd
from tests.conftest import seed_token, stored_token
from tests.herds import Workers

PROCESSES = 8

pytestmark = pytest.mark.skipif(
    "codecatalyst" not in botocore.session.get_session().get_available_services(),
    reason="this botocore has no CodeCatalyst model (bearer auth services came with botocore 1.29.2x)",
)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the client trusts the certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "bearer-service.pem", directory / "bearer-service.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class BearerService:
    """CodeCatalyst's VerifySession on loopback HTTPS: 200 for a valid bearer token, 401 otherwise."""

    def __init__(self, idc: FakeIdentityCenter, directory: Path) -> None:
        self.tokens_seen: List[str] = []
        service = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                token = self.headers.get("Authorization", "").partition("Bearer ")[2]
                service.tokens_seen.append(token)
                valid = bool(token) and idc.access_token_is_valid(token)
                body = {"identity": "alice"} if valid else {"message": "invalid token"}
                payload = json.dumps(body).encode()
                self.send_response(200 if valid else 401)
                if not valid:
                    self.send_header("x-amzn-ErrorType", "AccessDeniedException")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.certificate, key = self_signed_certificate(directory)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> BearerService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def run_herd(
    workers: Workers, monkeypatch: pytest.MonkeyPatch, bearer: BearerService, moto_url: str, *extra: str
) -> List[Dict[str, Any]]:
    monkeypatch.setattr(herd, "WORKER", str(Path(__file__).with_name("bearer_worker.py")))
    orders = ["bearer-first", "sigv4-first"]
    common = ["--bearer-url", bearer.url, "--bearer-ca", str(bearer.certificate), "--sts-url", moto_url]
    argvs = [[*common, "--order", orders[i % 2], *extra] for i in range(PROCESSES)]
    reports = workers.herd(argvs)
    for report in reports:
        assert report["returncode"] == 0, report["stderr"]
        assert "Traceback" not in report["stderr"], report["stderr"]
    return reports


def test_8_processes_with_bearer_and_sigv4_clients_make_one_refresh_and_no_failure(
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
    moto_url: str,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    with BearerService(idc, aws_home.parent) as bearer:
        reports = run_herd(workers, monkeypatch, bearer, moto_url)
    results = [result for report in reports for result in report["results"]]
    assert [r for r in results if not r["ok"]] == []
    assert sorted(r["call"] for r in results) == ["bearer"] * PROCESSES + ["sigv4"] * PROCESSES
    assert all(SSOBearerTokenProvider.METHOD in report["token_chain"] for report in reports)
    assert idc.request_counts()["CreateToken"] == 1
    assert idc.grant_counts()["refresh_token"] == 1
    assert idc.request_counts()["GetRoleCredentials"] == 1, "one role, one call for all processes"
    stored = stored_token(aws_home)
    assert set(bearer.tokens_seen) == {stored["accessToken"]}, (
        "every bearer call used the one refreshed token"
    )
    assert stored["refreshToken"] != seeded["refreshToken"]
    assert idc.refresh_token_is_valid(stored["refreshToken"]), "the session survived"
