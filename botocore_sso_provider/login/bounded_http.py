"""HTTP servers that any local process can reach, bounded so that none of them can stall us.

A loopback port is open to every user of the machine: opening a TCP
connection needs no token. ``serve``, ``exec --server`` and the PKCE redirect
listener therefore run on :class:`BoundedHTTPServer`, which decides once, for
all of them:

- a thread per connection, at most ``max_connections`` of them;
- each request gets ``request_timeout`` seconds from the moment the server
  waits for it until its request line and headers are read, and at most
  ``MAX_REQUEST_HEAD`` bytes: an idle keep-alive connection, a silent one, or
  one that trickles its headers a byte at a time is closed then;
- beyond the cap, a new connection is still accepted, and the connection that
  has waited longest without sending a request is closed to make room (only
  when every connection is in the middle of a request is the new one closed
  at once). Waiting in the backlog instead would let a flood of idle
  connections keep the rightful client out for a whole timeout, again and
  again; this way a client that sends its request as soon as it connects, as
  every SDK does, is answered whatever else is connected;
- when ``accept`` fails for lack of descriptors (EMFILE, ENFILE), it closes
  the longest-idle connection and waits for a connection to end (at most
  ``ACCEPT_BACKOFF`` seconds) instead of spinning on a listening socket that
  stays readable;
- ``stop`` closes every connection, so stopping never waits for a client.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import socket
import socketserver
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = 5.0
"""Seconds a connection has to deliver a request's line and headers, idle time included."""

MAX_CONNECTIONS = 64
"""Connections open at once: far below the 256 descriptors macOS allows a process by default."""

MAX_REQUEST_HEAD = 16 * 1024
"""Bytes of request line and headers read for one request (a credential request needs a few hundred)."""

ACCEPT_BACKOFF = 0.5
"""Seconds the accept loop waits for a descriptor to be freed after EMFILE or ENFILE."""

_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class _Connections:
    """The open connections; those waiting for a request may be closed to make room, oldest first."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._changed = threading.Condition()
        self._waiting: dict[socket.socket, None] = {}  # insertion order: the longest-waiting first
        self._busy: set[socket.socket] = set()
        self._stopping = False
        self.closed_to_make_room = 0
        self._warned = False

    def admit(self, connection: socket.socket) -> bool:
        """Take ``connection`` in, closing the longest-waiting one at the cap; False when all are busy."""
        with self._changed:
            if self._stopping:
                return False
            if len(self._waiting) + len(self._busy) >= self._limit and not self._close_longest_waiting():
                logger.debug("%d requests in progress: a new connection was closed", self._limit)
                return False
            self._waiting[connection] = None
            return True

    def waiting(self, connection: socket.socket) -> None:
        """``connection`` waits for its next request (it goes to the back of the line)."""
        with self._changed:
            if connection in self._busy:
                self._busy.discard(connection)
                self._waiting[connection] = None

    def busy(self, connection: socket.socket) -> None:
        """``connection`` sent a whole request head: never closed to make room while it is answered."""
        with self._changed:
            if connection in self._waiting:  # else it was closed to make room a moment ago
                del self._waiting[connection]
                self._busy.add(connection)

    def forget(self, connection: socket.socket) -> None:
        with self._changed:
            self._waiting.pop(connection, None)
            self._busy.discard(connection)
            self._changed.notify_all()

    def make_room(self, timeout: float) -> None:
        """Out of descriptors: close the longest-waiting connection, then wait for one to end."""
        with self._changed:
            if not self._stopping:
                self._close_longest_waiting()
                self._changed.wait(timeout)

    def close_all(self) -> None:
        """Stopping: every connection ends now, whatever its client is doing."""
        with self._changed:
            self._stopping = True
            for connection in [*self._waiting, *self._busy]:
                _hang_up(connection)
            self._changed.notify_all()

    def _close_longest_waiting(self) -> bool:
        if not self._waiting:
            return False
        connection = next(iter(self._waiting))
        del self._waiting[connection]
        _hang_up(connection)  # its handler thread reads EOF, ends, and closes the socket
        self.closed_to_make_room += 1
        if not self._warned:
            self._warned = True
            logger.warning(
                "%d connections open: closing the ones idle longest (is another process flooding this port?)",
                self._limit,
            )
        return True


def _hang_up(connection: socket.socket) -> None:
    # shutdown, not close: another thread may be blocked reading this descriptor.
    with contextlib.suppress(OSError):  # already gone
        connection.shutdown(socket.SHUT_RDWR)


class _RequestHeadReader(io.RawIOBase):
    """Reads a socket under one deadline and one byte budget per request, however the bytes trickle in."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self._deadline = 0.0
        self._budget = 0

    def start_request(self, timeout: float, budget: int) -> None:
        self._deadline = time.monotonic() + timeout
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("the request did not arrive in time")
        if self._budget <= 0:
            from ..errors import RequestHeadTooLarge  # here: serve and exec --server run without botocore

            raise RequestHeadTooLarge("the request head is too large")
        self._connection.settimeout(remaining)
        view = memoryview(buffer)[: self._budget]
        received = self._connection.recv_into(view)
        self._budget -= received
        return received


class BoundedHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server bounded as this module says; IPv6 when the host has a colon."""

    daemon_threads = True
    block_on_close = False  # stop() ends the connections; nothing to wait for
    request_queue_size = 128  # socketserver's 5 drops SYNs in a burst: a real client would stall

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        max_connections: int = MAX_CONNECTIONS,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.connections = _Connections(max_connections)
        self.request_timeout = request_timeout
        self._thread: Optional[threading.Thread] = None
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN: slow on some networks, and never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def start(self, name: str) -> None:
        """Serve in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close every connection and the listening socket; returns without waiting on any client."""
        self.connections.close_all()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    # -- socketserver's hooks ------------------------------------------------------

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as err:
            if err.errno in _OUT_OF_DESCRIPTORS:
                logger.debug("accept failed (%s): waiting for a descriptor", errno.errorcode[err.errno])
                self.connections.make_room(ACCEPT_BACKOFF)
            raise  # socketserver drops the attempt and selects again

    def verify_request(self, request: Any, client_address: Any) -> bool:
        return self.connections.admit(request)

    def shutdown_request(self, request: Any) -> None:
        self.connections.forget(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up, timed out or sent too much: one debug line, not a traceback."""
        logger.debug("connection from %s ended in an error", client_address[0])


class BoundedRequestHandler(BaseHTTPRequestHandler):
    """The handler side: each request's head is read under the server's deadline and byte budget."""

    server: BoundedHTTPServer

    def setup(self) -> None:
        super().setup()
        unbounded = self.rfile
        self._head_reader = _RequestHeadReader(self.connection)
        self.rfile = io.BufferedReader(self._head_reader)
        unbounded.close()  # its reference would keep the socket open after close()

    def handle_one_request(self) -> None:
        self._head_reader.start_request(self.server.request_timeout, MAX_REQUEST_HEAD)
        self.server.connections.waiting(self.connection)
        super().handle_one_request()

    def parse_request(self) -> bool:
        parsed = super().parse_request()
        self.server.connections.busy(self.connection)
        self.connection.settimeout(self.server.request_timeout)  # for the answer: a client that never reads
        return parsed
