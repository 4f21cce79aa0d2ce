"""The loopback listener that receives the PKCE redirect (RFC 8252, section 7.3).

It binds 127.0.0.1 only (never every interface), is opened before the browser
and stays open until the login is done (a close-then-rebind would lose a
redirect that arrives in between). It accepts exactly one request: a GET on
the callback path whose ``state`` matches. Anything else (another path, a
wrong or missing state, a second request) gets an error status and the
listener keeps waiting, so a stray or forged request cannot end the login.

Any local process can connect to it, and a browser may open a connection it
never uses (a preconnect): it runs on :class:`BoundedHTTPServer`, so an idle
connection neither blocks the real redirect nor keeps ``close`` waiting, and
the login ends by its timeout whatever connects.
"""

from __future__ import annotations

import errno
import hmac
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlsplit

from ..errors import ListenerError
from .bounded_http import BoundedHTTPServer, BoundedRequestHandler

CALLBACK_PATH = "/oauth/callback"
LOOPBACK = "127.0.0.1"
DEFAULT_TIMEOUT = 600.0
"""Seconds a login waits for the redirect (the AWS CLI v2 waits 10 minutes too)."""
MAX_CONNECTIONS = 16
"""Connections at once: a browser opens a few; the longest idle is closed to make room for more."""

_DONE_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title></head>'
    b"<body><h1>Signed in</h1><p>botocore-sso received the sign-in. You can close this window.</p>"
    b"</body></html>"
)
_FAILED_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>'
    b"<body><h1>Sign-in failed</h1><p>The sign-in did not complete; see the terminal. "
    b"You can close this window.</p></body></html>"
)


@dataclass(frozen=True)
class Redirect:
    """What the browser brought back: a code, or the error the service sent."""

    code: Optional[str] = None
    error: Optional[str] = None

    def __repr__(self) -> str:
        return f"Redirect(code={'***' if self.code else None}, error={self.error!r})"


class RedirectListener:
    """One login's listener: ``with RedirectListener(state) as listener: ... listener.wait(...)``."""

    def __init__(self, state: str, *, port: int = 0) -> None:
        self._state = state
        self._outcome: Optional[Redirect] = None
        self._received = threading.Event()
        self._guard = threading.Lock()
        self.rejected = 0
        """How many requests were refused (wrong path, wrong state, second request)."""
        handler = _handler_for(self)
        try:
            self._server = _LoopbackServer((LOOPBACK, port), handler)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise ListenerError(f"port {port} on {LOOPBACK} is already in use") from None
            raise ListenerError(f"cannot listen on {LOOPBACK}:{port} ({err.strerror})") from None
        self._server.start("sso-redirect")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def redirect_uri(self) -> str:
        """The redirect URI of this login, with the listener's port."""
        return f"http://{LOOPBACK}:{self.port}{CALLBACK_PATH}"

    def wait(self, timeout: float, on_tick: Callable[[], None] = lambda: None) -> Optional[Redirect]:
        """The accepted redirect, or None after ``timeout`` seconds; ``on_tick`` runs about each second."""
        remaining = timeout
        while remaining > 0:
            step = min(1.0, remaining)
            if self._received.wait(step):
                return self._outcome
            remaining -= step
            on_tick()
        return self._outcome if self._received.is_set() else None

    def close(self) -> None:
        """Stop listening and end every connection, without waiting on any client."""
        self._server.stop()

    def __enter__(self) -> RedirectListener:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _refuse(self) -> None:
        with self._guard:
            self.rejected += 1

    def _accept(self, path: str, query: str) -> tuple[int, bytes, bool]:
        """The status and page for one request, and whether it was the redirect (now recorded).

        The waiting login is told by :meth:`_announce`, once the page is sent:
        told sooner, it would close the listener, and the browser's answer with it.
        """
        params = {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
        with self._guard:
            valid = (
                path == CALLBACK_PATH
                and self._outcome is None
                and hmac.compare_digest(params.get("state", "").encode(), self._state.encode())
                and bool(params.get("code") or params.get("error"))
            )
            if not valid:
                self.rejected += 1
                if path != CALLBACK_PATH:
                    return 404, b"Not found", False
                if self._outcome:
                    return 409, b"This sign-in is already complete", False
                return 400, b"Bad request", False
            self._outcome = Redirect(code=params.get("code") or None, error=params.get("error") or None)
        return 200, (_DONE_PAGE if self._outcome.code else _FAILED_PAGE), True

    def _announce(self) -> None:
        self._received.set()


class _LoopbackServer(BoundedHTTPServer):
    allow_reuse_address = True  # a fixed --redirect-port can be used again at once (TIME_WAIT)

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler, max_connections=MAX_CONNECTIONS)


def _handler_for(listener: RedirectListener) -> type[BaseHTTPRequestHandler]:
    class Handler(BoundedRequestHandler):
        server_version = "botocore-sso"
        sys_version = ""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, page, redirected = listener._accept(parts.path, parts.query)
            try:
                self._answer(status, page)
            finally:
                if redirected:  # the page is sent (or cannot be): the login may close the listener now
                    listener._announce()

        def do_POST(self) -> None:
            listener._refuse()
            self._answer(405, b"Method not allowed")

        do_PUT = do_DELETE = do_HEAD = do_POST

        def _answer(self, status: int, page: bytes) -> None:
            self.send_response(status)
            content_type = "text/html; charset=utf-8" if page.startswith(b"<!") else "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(page)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(page)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the query holds the authorization code: never logged

    return Handler
