"""The provider in aiobotocore's sessions (aiobotocore, aioboto3, s3fs): the same caches, lock and errors.

aiobotocore builds its own chain of async providers: their ``load`` is
awaited, and their credentials refresh by awaiting a function. Its own
``AioSSOProvider`` is a port of botocore's, without a lock, so a dask
cluster's workers on one machine each refresh and spend a rotated refresh
token twice. :class:`AsyncSSOCredentialProvider` goes in just before it and
wraps the sync provider (:class:`.credentials.SSOCredentialProvider`): which
profile, whether it is ours, the shared caches, the lock, the refresh and the
errors are that provider's, asked in a worker thread. Waiting on the lock
(another process may hold it for seconds), reading files and the requests of a
refresh therefore never run on the event loop.

Why a worker thread rather than aiobotocore's async clients: the shared lock
is a file lock, which has no async form, so some thread must wait on it in
any case; and a second, async implementation of the fetch would be a second
set of rules. The thread costs a hand-off per fetch (fetches happen once per
expiry); aiobotocore's own provider, for comparison, builds its client on the
loop. The measured loop gaps are in the benchmarks.

The credentials are aiobotocore's own classes (``AioRefreshableCredentials``,
``AioDeferredRefreshableCredentials``, or their anyio variants where the
session runs on anyio), so creating a client makes no request and refreshes
come before expiry, as aiobotocore expects.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from typing import Any, Callable, Optional, TypeVar

from aiobotocore.credentials import AioDeferredRefreshableCredentials, AioRefreshableCredentials
from botocore.credentials import CredentialProvider

from ..rules.timestamps import parse_timestamp
from .botocore_credentials import Prepared, credential_options
from .credentials import SSOCredentialProvider

T = TypeVar("T")

Fetch = Callable[[], Any]  # an async function returning metadata


class AsyncSSOCredentialProvider(CredentialProvider):
    """The sync provider, awaited: for aiobotocore's ``AioCredentialResolver``."""

    METHOD = SSOCredentialProvider.METHOD
    CANONICAL_NAME = SSOCredentialProvider.CANONICAL_NAME

    def __init__(self, session: Any, profile_name: Optional[str] = None) -> None:
        super().__init__()
        self._session = session
        self._profile_name = profile_name
        self._anyio = runs_on_anyio(session)

    def _sync_provider(self) -> SSOCredentialProvider:
        """The sync provider, on a botocore twin of the session (made in a worker thread: it reads files)."""
        return SSOCredentialProvider(sync_twin(self._session), self._profile_name)

    async def load(self) -> Any:
        """Deferred credentials for an SSO profile (nothing fetched); refreshable ones when warm."""

        def prepare() -> tuple[Optional[Prepared], Callable[[], Any]]:
            provider = self._sync_provider()
            return provider.prepare(), provider.clock

        prepared, clock = await in_thread(prepare, anyio=self._anyio)
        if prepared is None:
            return None
        return async_credentials(prepared, clock, anyio=self._anyio)


def sync_twin(session: Any) -> Any:
    """A botocore session with the same settings as an aiobotocore one, for the sync provider's clients.

    The sync provider makes its SSO and SSO OIDC clients with the session it
    is given, and an aiobotocore session only makes async ones. The twin takes
    every variable set on the session (profile, config file, region, ...:
    ``instance_variables``, public) and its login on demand; everything else
    comes from the same files and environment, as for the session itself.
    Twins are shared while all of that, and the config file, stay the same.
    """
    from .on_demand import attached_login

    variables = tuple(sorted((name, repr(value)) for name, value in session.instance_variables().items()))
    environment = tuple(
        sorted((name, value) for name, value in os.environ.items() if name.startswith("AWS_"))
    )
    key = (variables, environment, os.environ.get("HOME"), _config_stamp(session), attached_login(session))
    with _twins_lock:
        twin = _twins.get(key)
        if twin is None:
            twin = _twins[key] = _new_twin(session)
            while len(_twins) > _MAX_TWINS:
                del _twins[next(iter(_twins))]
    return twin


_twins: dict[Any, Any] = {}
"""Twins by the settings they mirror: the sessions of one program share one (the sync path is thread-safe)."""
_twins_lock = threading.Lock()
_MAX_TWINS = 16


def _config_stamp(session: Any) -> Optional[tuple[int, int]]:
    """The config file's modification time and size: a changed file gets a new twin (a new session would)."""
    try:
        info = os.stat(os.path.expanduser(session.get_config_variable("config_file")))
    except (OSError, TypeError):
        return None
    return info.st_mtime_ns, info.st_size


def _new_twin(session: Any) -> Any:
    import botocore.session

    from .on_demand import attach_login, attached_login

    twin = botocore.session.Session()
    for name, value in session.instance_variables().items():
        twin.set_config_variable(name, value)
    login = attached_login(session)
    if login is not None:
        attach_login(twin, login)
    return twin


def runs_on_anyio(session: Any) -> bool:
    """Whether an aiobotocore session runs on anyio (its httpx sessions, aiobotocore 3), not asyncio."""
    primitives = getattr(session, "_async_primitives", None)  # aiobotocore 3; before it, asyncio only
    return getattr(primitives, "value", None) == "anyio"


async def in_thread(function: Callable[[], T], *, anyio: bool = False) -> T:
    """``function()`` in a worker thread, with the caller's context (the User-Agent's feature IDs)."""
    if anyio:
        import anyio as anyio_module

        return await anyio_module.to_thread.run_sync(function)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(contextvars.copy_context().run, function))


def async_credentials(prepared: Prepared, clock: Callable[[], Any], *, anyio: bool = False) -> Any:
    """aiobotocore's refreshable credentials, warm or deferred, refreshed through ``prepared.fetch``."""

    async def fetch() -> dict[str, Any]:
        return await in_thread(prepared.fetch, anyio=anyio)

    if prepared.cached is None:
        return (_deferred_anyio_class() if anyio else DeferredAioSSOCredentials)(fetch, clock)
    metadata = prepared.cached
    return (_refreshable_anyio_class() if anyio else AioRefreshableCredentials)(
        access_key=metadata["access_key"],
        secret_key=metadata["secret_key"],
        token=metadata["token"],
        expiry_time=parse_timestamp(metadata["expiry_time"]),
        refresh_using=fetch,
        method="sso",
        time_fetcher=clock,
        **credential_options(metadata),
    )


class DeferredAioSSOCredentials(AioDeferredRefreshableCredentials):
    """aiobotocore's deferred credentials, whose first fetch fails with our error alone.

    As :class:`.botocore_credentials.DeferredSSOCredentials` for botocore:
    aiobotocore logs a failed mandatory refresh as a warning with a traceback
    before raising it, so the first fetch is made here; later refreshes are
    aiobotocore's own (advisory and mandatory windows, one at a time).
    """

    def __init__(self, fetch: Fetch, clock: Callable[[], Any]) -> None:
        self._fetch = fetch
        self._prefetched: Optional[dict[str, Any]] = None
        super().__init__(refresh_using=self._next_metadata, method="sso", time_fetcher=clock)
        create_lock = getattr(self, "_create_lock", None)  # aiobotocore 3: asyncio's or anyio's
        self._first_fetch_lock = create_lock() if create_lock is not None else asyncio.Lock()

    async def _refresh(self) -> None:
        if self._frozen_credentials is None:
            async with self._first_fetch_lock:  # every task's first read waits here: one fetch
                if self._frozen_credentials is None:
                    self._prefetched = await self._fetch()  # raises our error as it is
                    try:
                        await super()._refresh()  # hands the prefetched metadata to aiobotocore
                    finally:
                        self._prefetched = None
                    return
        await super()._refresh()

    async def _next_metadata(self) -> dict[str, Any]:
        metadata, self._prefetched = self._prefetched, None
        return metadata if metadata is not None else await self._fetch()


@functools.cache
def _deferred_anyio_class() -> type:
    from aiobotocore.credentials import AnyioDeferredRefreshableCredentials  # aiobotocore 3

    bases = (DeferredAioSSOCredentials, AnyioDeferredRefreshableCredentials)
    return type("DeferredAnyioSSOCredentials", bases, {})


def _refreshable_anyio_class() -> type:
    from aiobotocore.credentials import AnyioRefreshableCredentials

    return AnyioRefreshableCredentials
