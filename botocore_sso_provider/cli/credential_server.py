"""A local credential server in the AWS container-credentials protocol (``serve``, ``exec --server``).

Every AWS SDK reads ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and sends
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` as the ``Authorization`` header; a
``GET`` answers ``AccessKeyId``, ``SecretAccessKey``, ``Token``,
``Expiration`` (and ``AccountId``). Each answer comes from the shared caches
through a ``CredentialSource``, so a long-running client keeps getting fresh
credentials past the first ones' expiry.

One server serves several profiles: ``/profiles/<name>`` answers that
profile and ``/`` the first one, so every container of a compose file points
at its own route of the same server (one login, one token). A profile that
is not served is 404 with a sentence, never another profile's credentials.
``/healthz`` answers 200 to anyone while the server runs, with no secret,
for health checks. With ``instance_metadata`` it also speaks the EC2
instance-metadata protocol (:mod:`.instance_metadata`) under ``/latest/``,
to the server's own user only (:mod:`.peer_user`).

Who may ask: the server listens on 127.0.0.1 unless told otherwise, and every
credential request must carry the token generated at start (compared in
constant time): none is 401, a wrong one 403. The log holds methods, paths and
status codes, never a header, a token or a key. Other local users can still
connect without the token: ``bounded_http`` bounds what their connections can
hold (a deadline per request, a connection cap that closes idle ones first, no
spin when descriptors run out), and a refused connection is closed after its
answer.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import secrets
import threading
from typing import Any, Callable, Mapping, Optional, Union
from urllib.parse import quote, unquote, urlsplit

from ..login.bounded_http import BoundedHTTPServer, BoundedRequestHandler
from ..rules.terminal import printable
from .credential_answers import credential_fields, refusal, unavailable
from .exporting import ProfileCredentials
from .instance_metadata import InstanceMetadata, Reply
from .peer_user import peer_uid, trusted_uids

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
PATH = "/"
PROFILES_PATH = "/profiles/"
HEALTH_PATH = "/healthz"
URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name
TOKEN_FILE_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"  # noqa: S105 - a variable name

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
    """Serves credentials to clients holding ``token``, on ``host:port`` (a free port by default).

    ``credentials`` is one getter, or the getter of each profile by name (the
    first one also answers ``/``). Use it as a context manager
    (``start``/``stop``). ``answers`` counts responses by HTTP status.
    """

    def __init__(
        self,
        credentials: Union[CredentialGetter, Mapping[str, CredentialGetter]],
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        token: Optional[str] = None,
        instance_metadata: Optional[InstanceMetadata] = None,
    ) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.answers: dict[int, int] = {}
        if callable(credentials):
            self.profiles: dict[str, CredentialGetter] = {}
            self._default: CredentialGetter = credentials
        else:
            self.profiles = dict(credentials)
            if not self.profiles:
                raise ValueError("no profile to serve")
            self._default = next(iter(self.profiles.values()))
        bind_host = host.strip("[]")
        if instance_metadata is not None and not is_loopback(bind_host):
            raise ValueError("instance metadata is served on loopback only")
        self.instance_metadata = instance_metadata
        self._answers_lock = threading.Lock()
        self._server = _Server((bind_host, port), _Handler)
        self._server.credential_server = self
        self.host = bind_host
        self.port: int = self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PATH}"

    def url_for(self, profile: str) -> str:
        """The route of one served profile."""
        return self.url.rstrip("/") + PROFILES_PATH + quote(profile, safe="")

    @property
    def health_url(self) -> str:
        return self.url.rstrip("/") + HEALTH_PATH

    def environment(self) -> dict[str, str]:
        """The two variables that point an SDK at this server (its first profile)."""
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

    def answer(self, path: str = PATH) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for an authorized GET of ``path``."""
        get_credentials = self._route(path)
        if isinstance(get_credentials, str):
            return 404, refusal("NotFound", get_credentials)
        try:
            credentials = get_credentials()
        except Exception as err:
            return unavailable(err)
        return 200, credential_fields(credentials)

    def _route(self, path: str) -> Union[CredentialGetter, str]:
        """The getter a path asks for, or the sentence of a 404."""
        if path == PATH:
            return self._default
        if not path.startswith(PROFILES_PATH):
            return "Not found."
        try:
            name = unquote(path[len(PROFILES_PATH) :], errors="strict")
        except UnicodeDecodeError:
            name = None
        if name is not None and name in self.profiles:
            return self.profiles[name]
        shown = (name or "?")[:64]
        if not self.profiles:
            return f'No profile "{shown}" is served here; this server serves only /.'
        return f'No profile "{shown}" is served here; this server serves: {", ".join(self.profiles)}.'

    def trusts_peer(self, client: tuple[Any, ...], server: tuple[Any, ...]) -> bool:
        """Whether the connection from ``client`` belongs to this user (or root): instance metadata only."""
        return peer_uid((client[0], client[1]), (server[0], server[1])) in trusted_uids()

    def count(self, status: int) -> None:
        with self._answers_lock:
            self.answers[status] = self.answers.get(status, 0) + 1


class _Server(BoundedHTTPServer):
    allow_reuse_address = False  # never share a port with a stale server
    credential_server: CredentialServer


_MESSAGES = {
    401: "Missing Authorization header: send AWS_CONTAINER_AUTHORIZATION_TOKEN.",
    403: "Wrong authorization token.",
    405: "Only GET is served.",
}
_STRANGER = "This instance-metadata endpoint answers only the processes of the user who started it."


class _Handler(BoundedRequestHandler):
    server: _Server
    server_version = "botocore-sso-credential-server"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    trusted_peer: Optional[bool] = None
    """Whether this connection's client is our user or root (instance metadata asks once)."""

    def _dispatch(self) -> None:
        owner = self.server.credential_server
        path = urlsplit(self.path).path
        if path == HEALTH_PATH:
            if self.command in ("GET", "HEAD"):
                self._send(200, {"status": "ok"})
            else:
                self._send(405, refusal("MethodNotAllowed", _MESSAGES[405]))
            return
        if owner.instance_metadata is not None and owner.instance_metadata.handles(path):
            if self.trusted_peer is None:  # once per connection: reading the kernel's table takes a while
                self.trusted_peer = owner.trusts_peer(self.client_address, self.connection.getsockname())
            if not self.trusted_peer:
                self._reply(Reply(403, _STRANGER.encode("utf-8")))
                return
            self._reply(owner.instance_metadata.answer(self.command, path, self.headers))
            return
        if self.command == "HEAD":
            self._send(405, None)
            return
        if self.command != "GET":
            self._send(405, refusal("MethodNotAllowed", _MESSAGES[405]))
            return
        refused = owner.authorized(self.headers.get("Authorization"))
        if refused:
            self._send(refused, refusal("Unauthorized", _MESSAGES[refused]))
            return
        self._send(*owner.answer(path))

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = _dispatch

    def _send(self, status: int, body: Optional[dict[str, Any]]) -> None:
        data = json.dumps(body).encode("utf-8") if body is not None else b""
        self._reply(Reply(status, data, "application/json"))

    def _reply(self, reply: Reply) -> None:
        self.server.credential_server.count(reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 200:  # keep-alive is for the client with the token; a refused one goes
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # the path is the client's: a profile name, or anything a stranger sends
        logger.debug("%s %s -> %s", self.command, printable(urlsplit(self.path).path), code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("credential server: " + format, *(printable(arg) for arg in args))
