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
never a header, a token or a key. Other local users can still connect without
the token: ``bounded_http`` bounds what their connections can hold (a
deadline per request, a connection cap that closes idle ones first, no spin
when descriptors run out), and a refused connection is closed after its answer.

Refusals answer ``{"code", "message", "Code", "Message"}``: botocore shows the
body as it is, the Go and Java SDKs read ``code``/``message`` (Java
case-sensitively), the JavaScript SDK's ``fromHttp`` reads ``Code``/``Message``.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import json
import logging
import secrets
import threading
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from ..login.bounded_http import BoundedHTTPServer, BoundedRequestHandler
from ..rules.terminal import printable
from ..rules.timestamps import format_timestamp
from .exporting import ProfileCredentials

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

    Use it as a context manager (``start``/``stop``). ``answers`` counts
    responses by HTTP status.
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
        self._server = _Server((bind_host, port), _Handler)
        self._server.credential_server = self
        self.host = bind_host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PATH}"

    def environment(self) -> dict[str, str]:
        """The two variables that point an SDK at this server."""
        return {URI_VARIABLE: self.url, TOKEN_VARIABLE: self.token}

    def start(self) -> CredentialServer:
        self._server.start("credential-server")
        logger.info("Credential server listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the socket; idempotent."""
        self._server.stop()

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
            logger.warning("Could not get credentials: %s", printable(err))
            return 503, refusal("CredentialsUnavailable", str(err))
        except Exception as err:  # anything else: its type only, the message might quote anything
            logger.warning("Could not get credentials: unexpected %s", type(err).__name__)
            return 500, refusal("InternalError", f"unexpected {type(err).__name__}")
        expiration = credentials.expiration or (
            datetime.datetime.now(datetime.timezone.utc) + STATIC_CREDENTIALS_LIFETIME
        )
        body: dict[str, Any] = {
            "AccessKeyId": credentials.access_key,
            "SecretAccessKey": credentials.secret_key,
            "Token": credentials.token,
            "Expiration": format_timestamp(expiration),
        }
        if credentials.account_id:
            body["AccountId"] = credentials.account_id
        return 200, body

    def count(self, status: int) -> None:
        with self._answers_lock:
            self.answers[status] = self.answers.get(status, 0) + 1


def refusal(code: str, message: str) -> dict[str, str]:
    """An error body every SDK shows: ``code``/``message`` and ``Code``/``Message``, on one line each."""
    text = printable(message)
    return {"code": code, "message": text, "Code": code, "Message": text}


class _Server(BoundedHTTPServer):
    allow_reuse_address = False  # never share a port with a stale server
    credential_server: CredentialServer


_MESSAGES = {
    401: "Missing Authorization header: send AWS_CONTAINER_AUTHORIZATION_TOKEN.",
    403: "Wrong authorization token.",
    404: "Not found.",
    405: "Only GET is served.",
}


class _Handler(BoundedRequestHandler):
    server: _Server
    server_version = "botocore-sso-credential-server"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.credential_server
        refused = owner.authorized(self.headers.get("Authorization"))
        if refused:
            self._send(refused, refusal("Unauthorized", _MESSAGES[refused]))
            return
        if urlsplit(self.path).path != PATH:
            self._send(404, refusal("NotFound", _MESSAGES[404]))
            return
        self._send(*owner.answer())

    def _refuse_method(self) -> None:
        self._send(405, refusal("MethodNotAllowed", _MESSAGES[405]))

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
        if status != 200:  # keep-alive is for the client with the token; a refused one goes
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("credential server: " + format, *args)
