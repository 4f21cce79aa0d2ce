"""A local credential server in the AWS container-credentials protocol (``serve``, ``exec --server``).

Every AWS SDK reads ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and sends
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as the ``Authorization`` header; a
``GET`` answers ``AccessKeyId``, ``SecretAccessKey``, ``Token``,
``Expiration`` (and ``AccountId``). Each answer comes from the shared caches
through a ``CredentialSource``, so a long-running client keeps getting fresh
credentials past the first ones' expiry.

Who may ask: the server listens on 127.0.0.1 unless told otherwise, and every
request must carry the token generated at start (compared in constant time):
none is 401, a wrong one 403. The log holds methods, paths and status codes,
never a header, a token or a key.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from .exporting import ProfileCredentials, format_expiration

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
PATH = "/"
URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name

STATIC_CREDENTIALS_LIFETIME = datetime.timedelta(hours=1)
"""The ``Expiration`` given for credentials that do not expire: SDKs require one, and ask again."""

CredentialGetter = Callable[[], ProfileCredentials]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class CredentialServer:
    """Serves ``get_credentials()`` to clients holding ``token``, on ``host:port`` (a free port by default).

    Use it as a context manager (``start``/``stop``), or ``serve_forever`` in
    the calling thread. ``answers`` counts responses by HTTP status.
    """

    def __init__(
        self,
        get_credentials: CredentialGetter,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        token: Optional[str] = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.answers: dict[int, int] = {}
        self._get_credentials = get_credentials
        self._answers_lock = threading.Lock()
        bind_host = host.strip("[]")
        family_server = _IPv6Server if ":" in bind_host else _Server
        self._server = family_server((bind_host, port), _Handler)
        self._server.credential_server = self
        self.host = bind_host
        self.port: int = self._server.server_address[1]
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PATH}"

    def environment(self) -> dict[str, str]:
        """The two variables that point an SDK at this server."""
        return {URI_VARIABLE: self.url, TOKEN_VARIABLE: self.token}

    def start(self) -> CredentialServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="credential-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("Credential server listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        logger.info("Credential server listening on %s", self.url)
        self._server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        """Stop serving and close the socket; idempotent."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> CredentialServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- what the handler calls ----------------------------------------------------

    def authorized(self, header: Optional[str]) -> int:
        """0 when ``header`` holds the token, else the status to answer (401 none, 403 wrong)."""
        if not header:
            return 401
        if hmac.compare_digest(header.encode("utf-8"), self.token.encode("utf-8")):
            return 0
        return 403

    def answer(self) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for an authorized GET."""
        from botocore.exceptions import BotoCoreError

        try:
            credentials = self._get_credentials()
        except BotoCoreError as err:  # ours name the fix and hold no secret
            logger.warning("Could not get credentials: %s", err)
            return 503, {"code": "CredentialsUnavailable", "message": str(err)}
        except Exception as err:  # anything else: its type only, the message might quote anything
            logger.warning("Could not get credentials: unexpected %s", type(err).__name__)
            return 500, {"code": "InternalError", "message": f"unexpected {type(err).__name__}"}
        expiration = credentials.expiration or (
            datetime.datetime.now(datetime.timezone.utc) + STATIC_CREDENTIALS_LIFETIME
        )
        body: dict[str, Any] = {
            "AccessKeyId": credentials.access_key,
            "SecretAccessKey": credentials.secret_key,
            "Token": credentials.token,
            "Expiration": format_expiration(expiration),
        }
        if credentials.account_id:
            body["AccountId"] = credentials.account_id
        return 200, body

    def count(self, status: int) -> None:
        with self._answers_lock:
            self.answers[status] = self.answers.get(status, 0) + 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # never share a port with a stale server
    credential_server: CredentialServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer, say: one debug line, not socketserver's traceback."""
        logger.debug("credential server: connection from %s ended in an error", client_address[0])


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


_MESSAGES = {
    401: "Missing Authorization header: send AWS_CONTAINER_AUTHORIZATION_TOKEN.",
    403: "Wrong authorization token.",
    404: "Not found.",
    405: "Only GET is served.",
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "botocore-sso-credential-server"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.credential_server
        refused = owner.authorized(self.headers.get("Authorization"))
        if refused:
            self._send(refused, {"code": "Unauthorized", "message": _MESSAGES[refused]})
            return
        if urlsplit(self.path).path != PATH:
            self._send(404, {"code": "NotFound", "message": _MESSAGES[404]})
            return
        self._send(*owner.answer())

    def _refuse_method(self) -> None:
        self._send(405, {"code": "MethodNotAllowed", "message": _MESSAGES[405]})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse_method

    def do_HEAD(self) -> None:
        self._send(405, None)

    def _send(self, status: int, body: Optional[dict[str, Any]]) -> None:
        self.server.credential_server.count(status)
        data = json.dumps(body).encode("utf-8") if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("credential server: " + format, *args)
