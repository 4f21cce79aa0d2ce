"""The fake's HTTP/1.1 plumbing: a threading server on loopback and its request handler.

Sockets only: the handler turns each request into a ``routes.Request``, asks
the ``App`` and writes its ``Response`` (keep-alive, as botocore's connection
pool expects; a cut connection when a fault asks for one). The server tracks
open connections so that ``stop()`` can close them and join their threads.
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
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from .routes import App, Request, Response, json_response

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
_QUERY = re.compile(r"\?\S*")


class RequestHandler(BaseHTTPRequestHandler):
    """Parses one HTTP/1.1 request, hands it to the App, writes the answer."""

    server: LoopbackServer
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


class LoopbackServer(ThreadingHTTPServer):
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
        super().__init__(address, RequestHandler)

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
