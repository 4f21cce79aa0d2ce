"""The fake IAM Identity Center as a real HTTP server on the loopback interface.

Unmodified botocore clients talk to it when pointed at ``url`` (with
``endpoint_url=`` or the ``AWS_ENDPOINT_URL_SSO`` / ``AWS_ENDPOINT_URL_SSO_OIDC``
variables from ``environ()``): SSO OIDC and the SSO portal share one server,
as their paths never collide. ``FakeIdentityCenter`` is the public face; the
request handling itself lives in ``routes``, the state in ``state``.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import re
import socket
import socketserver
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Type
from urllib.parse import parse_qs, urlsplit

from .directory_file import load_directory
from .faults import FaultPlan, RawAnswer
from .federation import FEDERATION_PATH
from .iam_tokens import IAM_GRANT_TYPES, TrustedTokenIssuer
from .model import (
    DEFAULT_ACCOUNTS,
    DEFAULT_START_URL,
    OPERATIONS,
    Account,
    Settings,
    User,
    default_users,
    loopback_host,
)
from .routes import App, Request, Response, json_response
from .state import IdentityCenterState
from .throttling import Throttles
from .vanity import VANITY_PATH

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
_QUERY = re.compile(r"\?\S*")


class _Handler(BaseHTTPRequestHandler):
    """Parses one HTTP/1.1 request, hands it to the App, writes the answer."""

    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    server_version = "FakeIdentityCenter/1.0"

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def _serve(self, method: str) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._refuse(411, "Send a Content-Length")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._refuse(413 if length > MAX_BODY_BYTES else 400, "Bad Content-Length")
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(method, parts.path, query, headers, body)
        self._write(self.server.app.handle(request))

    def _refuse(self, status: int, message: str) -> None:
        self.close_connection = True  # the unread body would be taken for the next request
        self._write(json_response(status, {"message": message}, "InvalidRequestException"))

    def _write(self, response: Response) -> None:
        self._date = response.date
        self.send_response(response.status)
        if response.content_type is not None:
            self.send_header("Content-Type", response.content_type)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        if response.cut_after is not None:
            self.close_connection = True
            self.end_headers()
            self.wfile.write(response.body[: response.cut_after])
            self.wfile.flush()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        """The Date header, from the injectable clock: tests simulate clock skew with it."""
        if timestamp is None and getattr(self, "_date", None):
            return str(self._date)
        moment = self.server.clock() if timestamp is None else timestamp
        return email.utils.formatdate(moment, usegmt=True)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        # Never the query string: it may carry user codes and PKCE challenges.
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake identity center: %s", _QUERY.sub("?...", format % args))


class _Server(ThreadingHTTPServer):
    """A threading HTTP server whose open connections can be closed on stop.

    botocore keeps connections alive, so a handler thread may sit waiting for
    the next request forever; ``close_connections`` shuts those sockets so
    their threads end and can be joined.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # socketserver's 5 drops SYNs under a burst: 1 s client stalls

    def __init__(self, address: Tuple[str, int], app: App, clock: Callable[[], float], family: int) -> None:
        self.address_family = family
        self.app = app
        self.clock = clock
        self._connections: Dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host's FQDN: slow, and not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="fake-identity-center-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(request, None)
            self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Peers hanging up (and our own stop) are normal here; no tracebacks on stderr.
        logger.debug("connection error in the fake identity center", exc_info=True)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            open_connections = list(self._connections.items())
        for connection, _ in open_connections:
            with contextlib.suppress(OSError):  # already closed by its own thread
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for _, thread in open_connections:
            thread.join(max(0.0, deadline - time.monotonic()))


class FakeIdentityCenter:
    """A fake AWS IAM Identity Center (SSO OIDC + SSO portal) for tests and demos.

    Start it (``with FakeIdentityCenter() as idc:``), point botocore at
    ``idc.url``, and steer it: approve device logins, end sessions, inject
    errors, read per-operation request counters. Time comes from ``clock``,
    so tests expire tokens by moving a fake clock, never by sleeping.

    Directory: ``accounts`` (default ``DEFAULT_ACCOUNTS``: dev, prod,
    sandbox) and ``users`` (default: ``alice`` with every role of every
    account); the first user is the one auto-approved logins sign in as.

    Lifetimes, in seconds: ``access_token_ttl`` for logins whose client
    registered scopes (they also get a refresh token), ``legacy_token_ttl``
    for clients registered without scopes (no refresh token),
    ``session_ttl`` for the portal session (refresh fails with
    ``invalid_grant`` once it is over; access tokens live to their own
    expiry unless the session is ended explicitly), ``role_credentials_ttl``,
    ``client_registration_ttl``, ``device_code_ttl``; ``device_poll_interval``
    is only advertised, never enforced.

    Refresh tokens: ``rotate_refresh_tokens`` invalidates the old token as
    the new one is issued; ``reuse_detection`` ends the whole portal session
    when a rotated-away token is replayed; ``issue_refresh_tokens=False``
    returns no new refresh token and keeps the old one valid.

    ``auto_approve`` approves device codes and /authorize requests at once
    as the default user; switch it off to approve with ``approve()``, the
    /device and /authorize pages, or ``POST /_fake/approve``.
    ``stable_role_credentials`` answers GetRoleCredentials for the same user,
    account and role with the same credentials while they are valid, so two
    clients' results can be compared side by side.
    ``error_rate``/``throttle_rate``/``latency``/``seed`` are the random
    faults of ``set_faults()``. ``host`` must be a loopback address.
    """

    def __init__(
        self,
        *,
        accounts: Optional[Sequence[Account]] = None,
        users: Optional[Sequence[User]] = None,
        region: str = "us-east-1",
        access_token_ttl: float = 3600,
        legacy_token_ttl: float = 8 * 3600,
        session_ttl: float = 8 * 3600,
        role_credentials_ttl: float = 3600,
        client_registration_ttl: float = 90 * 86400,
        device_code_ttl: float = 600,
        device_poll_interval: int = 1,
        rotate_refresh_tokens: bool = True,
        reuse_detection: bool = False,
        issue_refresh_tokens: bool = True,
        auto_approve: bool = True,
        stable_role_credentials: bool = False,
        error_rate: float = 0.0,
        throttle_rate: float = 0.0,
        latency: float = 0.0,
        seed: Optional[int] = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._host = loopback_host(host)
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {port!r}")
        self._port = port
        self._clock = clock
        accounts = DEFAULT_ACCOUNTS if accounts is None else tuple(accounts)
        users = default_users(accounts) if users is None else tuple(users)
        self._settings = Settings(
            region=region,
            access_token_ttl=access_token_ttl,
            legacy_token_ttl=legacy_token_ttl,
            session_ttl=session_ttl,
            role_credentials_ttl=role_credentials_ttl,
            client_registration_ttl=client_registration_ttl,
            device_code_ttl=device_code_ttl,
            device_poll_interval=device_poll_interval,
            rotate_refresh_tokens=rotate_refresh_tokens,
            reuse_detection=reuse_detection,
            issue_refresh_tokens=issue_refresh_tokens,
            auto_approve=auto_approve,
            stable_role_credentials=stable_role_credentials,
        )
        self._state = IdentityCenterState(accounts, users, self._settings, clock)
        self._faults = FaultPlan(
            error_rate=error_rate, throttle_rate=throttle_rate, latency=latency, seed=seed
        )
        self._throttles = Throttles(seed)
        self._stopping = threading.Event()
        self._app = App(self._state, self._faults, self._stopping, self._throttles)
        self._lifecycle = threading.Lock()
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._url: Optional[str] = None

    @classmethod
    def from_fixture(cls, path: str, **options: Any) -> FakeIdentityCenter:
        """A fake whose accounts, roles and users come from a ``fixture.json`` file.

        See ``directory_file`` for the format; ``options`` are the constructor's.
        """
        accounts, users = load_directory(path)
        return cls(accounts=accounts, users=users, **options)

    # -- life cycle --------------------------------------------------------------

    def start(self) -> FakeIdentityCenter:
        """Bind (a free port unless one was given) and serve in a daemon thread."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the fake Identity Center is already running")
            family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
            server = _Server((self._host, self._port), self._app, self._clock, family)
            port = server.server_address[1]
            host = f"[{self._host}]" if family == socket.AF_INET6 else self._host
            self._url = f"http://{host}:{port}"
            self._state.base_url = self._url
            self._stopping.clear()
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.01},  # stop() waits up to one poll
                name="fake-identity-center",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
        logger.debug("fake identity center listening on %s", self._url)
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and every open connection, join the threads.

        Idempotent. State (sessions, tokens, counters) survives, so ``start``
        may be called again.
        """
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        self._stopping.set()  # cut injected latency short
        server.shutdown()
        thread.join()
        server.server_close()
        server.close_connections(timeout=5.0)

    def __enter__(self) -> FakeIdentityCenter:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run until Ctrl-C (or ``stop()`` from another thread); for the command line."""
        if self._server is None:
            self.start()
        try:
            while self._server is not None and not self._stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # -- where it is -------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``; set by ``start()`` (and still readable after stop)."""
        if self._url is None:
            raise RuntimeError("start the fake Identity Center first")
        return self._url

    @property
    def region(self) -> str:
        return self._settings.region

    @property
    def default_user(self) -> str:
        return self._state.default_user

    def environ(self) -> Dict[str, str]:
        """The variables that point botocore's SSO and SSO OIDC clients at this server."""
        return {"AWS_ENDPOINT_URL_SSO": self.url, "AWS_ENDPOINT_URL_SSO_OIDC": self.url}

    @property
    def federation_url(self) -> str:
        """The sign-in federation endpoint (getSigninToken, login) this server also serves."""
        return f"{self.url}{FEDERATION_PATH}"

    def federation_environ(self) -> Dict[str, str]:
        """The variable that points ``botocore-sso console`` at this server's federation endpoint."""
        return {"BOTOCORE_SSO_FEDERATION_ENDPOINT": self.federation_url}

    def signin_token_role(self, token: str) -> Optional[Tuple[str, str, str]]:
        """(user, account id, role name) a console sign-in token is valid for; None if it is not."""
        return self._state.signin_token_role(token)

    # -- trusted identity propagation (CreateTokenWithIAM) -------------------------

    def register_trusted_token_issuer(
        self, issuer_url: str, *, user_claim: str = "sub", algorithm: str = "HS256"
    ) -> TrustedTokenIssuer:
        """An identity provider whose JWTs applications may exchange; ``.mint()`` makes its JWTs.

        ``user_claim`` is the JWT claim whose value names the directory user
        (``"alice"``). JWTs are HS256-signed with a key of this issuer's own,
        or with ``algorithm="RS256"`` signed with a new 2048-bit RSA key
        (about a second to make) whose public JWKS is ``issuer.jwks()``.
        """
        return self._state.register_trusted_token_issuer(issuer_url, user_claim, algorithm)

    def register_application(
        self,
        name: str,
        *,
        trusted_token_issuers: Mapping[str, Sequence[str]],
        scopes: Sequence[str] = ("openid", "aws", "sso:account:access"),
        grant_types: Sequence[str] = IAM_GRANT_TYPES,
    ) -> str:
        """An OAuth application for CreateTokenWithIAM; returns its ARN, the ``clientId`` to use.

        ``trusted_token_issuers`` maps each issuer URL it trusts to the JWT
        audiences (``aud``) it accepts from that issuer.
        """
        return self._state.register_application(name, trusted_token_issuers, scopes, grant_types)

    def iam_credentials(self) -> Dict[str, str]:
        """New IAM keys (``aws_access_key_id``, ``aws_secret_access_key``) to sign CreateTokenWithIAM.

        Role credentials from GetRoleCredentials are accepted too.
        """
        return self._state.new_iam_credentials()

    def iam_refresh_token_is_valid(self, token: str) -> bool:
        return self._state.iam_refresh_token_is_valid(token)

    # -- a vanity start URL (see vanity.py) ----------------------------------------

    @property
    def vanity_start_url(self) -> str:
        """A start URL on a host that is not IAM Identity Center's: it redirects once."""
        return f"{self.url}{VANITY_PATH}"

    def redirect_vanity_to(self, target: Optional[str]) -> None:
        """Where the vanity start URL redirects (``None``: it answers 200, no redirect)."""
        self._app.vanity.target = target

    @property
    def vanity_requests(self) -> int:
        """How many requests the vanity start URL received."""
        return self._app.vanity.requests

    # -- counters ----------------------------------------------------------------

    def request_counts(self) -> Dict[str, int]:
        """Requests per operation, failed ones included; every operation is present."""
        return self._state.request_counts()

    def grant_counts(self) -> Dict[str, int]:
        """CreateToken requests per grantType; the three known grant types are present."""
        return self._state.grant_counts()

    def reset_counts(self) -> None:
        self._state.reset_counts()

    # -- playing the user --------------------------------------------------------

    def approve(self, user_code: str, user: Optional[str] = None) -> None:
        """Approve a pending device login as ``user`` (default: the first user)."""
        self._state.decide_device(user_code, approve=True, user=user)

    def deny(self, user_code: str) -> None:
        self._state.decide_device(user_code, approve=False)

    def issue_token(
        self,
        *,
        user: Optional[str] = None,
        start_url: str = DEFAULT_START_URL,
        scopes: Sequence[str] = ("sso:account:access",),
        session_name: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Seed a completed login without any HTTP flow.

        Returns the fields the AWS CLI v2 writes to its token cache (startUrl,
        region, accessToken, expiresAt, clientId, clientSecret,
        registrationExpiresAt, and refreshToken unless ``scopes`` is empty,
        i.e. a legacy login) plus ``expiresIn``.
        """
        return self._state.issue_token(
            user=user, start_url=start_url, scopes=scopes, session_name=session_name
        )

    def end_sessions(self, user: Optional[str] = None) -> None:
        """End portal sessions (all, or one user's): refresh fails, bearer tokens stop working."""
        self._state.end_sessions(user)

    def access_token_is_valid(self, token: str) -> bool:
        return self._state.access_token_is_valid(token)

    def refresh_token_is_valid(self, token: str) -> bool:
        return self._state.refresh_token_is_valid(token)

    # -- faults ------------------------------------------------------------------

    def inject(self, operation: str, error: str, times: int = 1) -> None:
        """Make the next ``times`` requests of ``operation`` fail with ``error``.

        ``error`` is an OAuth code (``"invalid_grant"``) or an exception name
        (``"TooManyRequestsException"``); it is sent with the real status,
        ``x-amzn-ErrorType`` header and the body shape of the operation's service.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; use one of: {', '.join(OPERATIONS)}")
        self._faults.inject(operation, error, times)

    def set_faults(
        self,
        *,
        error_rate: Optional[float] = None,
        throttle_rate: Optional[float] = None,
        latency: Optional[float] = None,
    ) -> None:
        """Random share of 500s and of throttling answers, and seconds added before each answer.

        Throttling is a 429 TooManyRequestsException on the portal and a
        SlowDownException (400 ``slow_down``) on SSO OIDC, as the services do.
        """
        self._faults.set(error_rate=error_rate, throttle_rate=throttle_rate, latency=latency)

    def inject_answer(
        self,
        operation: str,
        *,
        status: int = 200,
        body: bytes = b"{}",
        content_type: Optional[str] = "application/json",
        headers: Sequence[Tuple[str, str]] = (),
        cut_after: Optional[int] = None,
        date: Optional[str] = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests of ``operation`` with something the service never sends.

        For a client's robustness: a proxy's HTML page (``status=403``,
        ``content_type="text/html"``), malformed or incomplete JSON, a
        connection cut after ``cut_after`` body bytes, a bogus ``date``.
        The request is counted; the identity state is not touched.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; use one of: {', '.join(OPERATIONS)}")
        answer = RawAnswer(status, body, content_type, tuple(headers), cut_after, date)
        self._faults.inject_answer(operation, answer, times)

    def throttle(self, operation: str, *, every: int = 0, rate: float = 0.0) -> None:
        """Throttle one operation: request 1, 1+every, 1+2*every...; or a random share ``rate``.

        The portal answers 429 TooManyRequestsException, SSO OIDC 400
        SlowDownException. ``throttle("ListAccountRoles", every=3)`` throttles
        a third of the role listings; ``every=0, rate=0`` switches it off.
        Scripted ``inject()`` errors come first.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; use one of: {', '.join(OPERATIONS)}")
        self._throttles.set(operation, every=every, rate=rate)

    def throttled_counts(self) -> Dict[str, int]:
        """Requests answered with throttling by ``throttle()``, per operation."""
        return self._throttles.throttled_counts()

    def clear_faults(self) -> None:
        """Drop scripted errors and answers and switch random faults, throttling switches and latency off."""
        self._faults.clear()
        self._throttles.clear()
