"""The fake IAM Identity Center as a real HTTP server on the loopback interface.

Unmodified botocore clients talk to it when pointed at ``url`` (with
``endpoint_url=`` or the ``AWS_ENDPOINT_URL_SSO`` / ``AWS_ENDPOINT_URL_SSO_OIDC``
variables from ``environ()``): SSO OIDC and the SSO portal share one server,
as their paths never collide. ``FakeIdentityCenter`` is the public face: it
builds the parts from one ``FakeSettings`` and runs them. What a test does to
it while it runs is in ``steering``, the sockets in ``http_server``, the
request handling in ``routes``, the state in ``state``.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
from types import TracebackType
from typing import Any, Dict, Optional, Type

from .directory_file import load_directory
from .faults import FaultPlan
from .federation import FEDERATION_PATH
from .http_server import LoopbackServer
from .routes import App
from .settings import FakeSettings
from .state import IdentityCenterState
from .steering import Steering
from .throttling import Throttles
from .vanity import VANITY_PATH

logger = logging.getLogger(__name__)


class FakeIdentityCenter(Steering):
    """A fake AWS IAM Identity Center (SSO OIDC + SSO portal) for tests and demos.

    Start it (``with FakeIdentityCenter() as idc:``), point botocore at
    ``idc.url``, and steer it: approve device logins, end sessions, inject
    errors, read per-operation request counters (see ``Steering``).

    Built from a ``FakeSettings`` (its directory, lifetimes, switches, random
    faults, clock and address; each field is described there): pass one
    whole, or its fields as keyword arguments (``FakeIdentityCenter(
    session_ttl=60, auto_approve=False)``), or both (the keywords replace
    those fields of the settings). A keyword that is not a field, or a value
    out of range, is refused here, before anything runs.
    """

    def __init__(self, settings: Optional[FakeSettings] = None, **fields: Any) -> None:
        settings = FakeSettings() if settings is None else settings
        self._settings = dataclasses.replace(settings, **fields) if fields else settings
        self._state = IdentityCenterState(self._settings)
        self._faults = FaultPlan(
            error_rate=self._settings.error_rate,
            throttle_rate=self._settings.throttle_rate,
            latency=self._settings.latency,
            seed=self._settings.seed,
        )
        self._throttles = Throttles(self._settings.seed)
        self._stopping = threading.Event()
        self._app = App(self._state, self._faults, self._stopping, self._throttles)
        self._lifecycle = threading.Lock()
        self._server: Optional[LoopbackServer] = None
        self._thread: Optional[threading.Thread] = None
        self._url: Optional[str] = None

    @classmethod
    def from_fixture(cls, path: str, **fields: Any) -> FakeIdentityCenter:
        """A fake whose accounts, roles and users come from a ``fixture.json`` file.

        See ``directory_file`` for the format; ``fields`` are the constructor's.
        """
        accounts, users = load_directory(path)
        return cls(accounts=accounts, users=users, **fields)

    # -- life cycle --------------------------------------------------------------

    def start(self) -> FakeIdentityCenter:
        """Bind (a free port unless one was given) and serve in a daemon thread."""
        with self._lifecycle:
            if self._server is not None:
                raise RuntimeError("the fake Identity Center is already running")
            host, clock = self._settings.host, self._settings.clock
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            server = LoopbackServer((host, self._settings.port), self._app, clock, family)
            port = server.server_address[1]
            if family == socket.AF_INET6:
                host = f"[{host}]"
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
    def settings(self) -> FakeSettings:
        """What this fake was built from (``port`` as asked; the bound one is in ``url``)."""
        return self._settings

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

    @property
    def vanity_start_url(self) -> str:
        """A start URL on a host that is not IAM Identity Center's: it redirects once."""
        return f"{self.url}{VANITY_PATH}"
