"""Our role-credential metadata as botocore's credentials objects: refreshable, deferred, marked.

botocore refreshes ``RefreshableCredentials`` by calling a function that
returns metadata (keys and an expiry); ours fetches from the shared cache or
the portal (:mod:`.credentials`). Deferred credentials make no request
until first used, as botocore's own SSO provider; their first fetch fails
with our error alone. Feature IDs mark the User-Agent as botocore's own
provider does.
"""

from __future__ import annotations

import datetime
import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Optional

from botocore.credentials import DeferredRefreshableCredentials, RefreshableCredentials

from ..rules.timestamps import Clock, format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from ..rules.records import RoleRecord


class Prepared(NamedTuple):
    """A profile's role credentials before they are wrapped: how to fetch them, and what is cached now."""

    fetch: Callable[[], dict[str, Any]]
    """Metadata (:func:`metadata`): the shared cache, or the portal under the lock."""
    cached: Optional[dict[str, Any]]
    """The shared cache's fresh metadata when it was prepared; None: the first use fetches."""


def metadata(record: RoleRecord) -> dict[str, Any]:
    """What botocore's ``RefreshableCredentials`` reads, the expiry on this machine's clock."""
    return {
        "access_key": record.access_key,
        "secret_key": record.secret_key,
        "token": record.token,
        "expiry_time": format_timestamp(record.local_expiration),
        "account_id": record.account_id,
    }


def marked(fetch: Callable[[], dict[str, Any]], feature_ids: tuple[str, ...]) -> Callable[[], dict[str, Any]]:
    def fetch_marked() -> dict[str, Any]:
        register_feature_ids(feature_ids)  # as botocore's fetcher marks the calls it makes
        return fetch()

    return fetch_marked


def refreshable(
    metadata: Mapping[str, Any], fetch: Callable[[], dict[str, Any]], clock: Clock
) -> RefreshableCredentials:
    """Credentials already fetched (from the shared cache), refreshed by botocore through ``fetch``.

    Built with the expiry as a datetime: botocore's own parsing of the
    metadata's timestamp (dateutil's general parser) would double the cost
    of a warm resolution.
    """
    return RefreshableCredentials(
        access_key=metadata["access_key"],
        secret_key=metadata["secret_key"],
        token=metadata["token"],
        expiry_time=_expiry(metadata),
        refresh_using=fetch,
        method="sso",
        time_fetcher=clock,
        **credential_options(metadata),
    )


def credential_options(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments this botocore's credentials take beyond the keys: ``account_id`` (1.35+)."""
    return {"account_id": metadata.get("account_id")} if _CREDENTIALS_CARRY_ACCOUNT_ID else {}


def _expiry(metadata: Mapping[str, Any]) -> datetime.datetime:
    expiry = parse_timestamp(metadata["expiry_time"])
    assert expiry is not None  # written by _metadata, in the CLI's format
    return expiry


# botocore 1.35+ credentials carry the account ID (for account-based endpoints).
_CREDENTIALS_CARRY_ACCOUNT_ID = "account_id" in RefreshableCredentials.__init__.__code__.co_varnames


class DeferredSSOCredentials(DeferredRefreshableCredentials):
    """botocore's deferred credentials, whose first fetch fails with our error alone.

    botocore logs every failed mandatory refresh as a warning with a traceback
    before raising it; the first fetch is therefore made here, so a logged-out
    user gets one exception naming the fix and no log noise. Later refreshes
    are botocore's own (advisory and mandatory windows).
    """

    def __init__(self, fetch: Callable[[], dict[str, Any]], clock: Clock) -> None:
        self._fetch = fetch
        self._prefetched: Optional[dict[str, Any]] = None
        self._first_fetch_lock = threading.Lock()
        super().__init__(refresh_using=self._next_metadata, method="sso", time_fetcher=clock)

    def _refresh(self) -> None:
        # botocore's hook for every read of the credentials; guarded: without it, botocore's own path.
        if getattr(self, "_frozen_credentials", None) is None:
            with self._first_fetch_lock:  # every thread's first read waits here, so one fetch
                if getattr(self, "_frozen_credentials", None) is None:
                    self._prefetched = self._fetch()  # raises our error as it is
                    try:
                        super()._refresh()  # hands the prefetched metadata to botocore
                    finally:
                        self._prefetched = None
                    return
        super()._refresh()

    def _next_metadata(self) -> dict[str, Any]:
        metadata, self._prefetched = self._prefetched, None
        return metadata if metadata is not None else self._fetch()  # botocore 1.35+ also reads account_id


def register_feature_ids(feature_ids: tuple[str, ...]) -> None:
    """Mark the User-Agent as botocore's own SSO provider does (botocore 1.40.37+; else nothing).

    ``CREDENTIALS_PROFILE_SSO`` and ``CREDENTIALS_SSO`` for sso-session
    profiles, the ``_LEGACY`` pair for legacy ones. botocore records them only
    inside a client call or a client's creation, as for its own provider.
    """
    if _register_feature_ids is not None:
        _register_feature_ids(feature_ids)


try:
    from botocore.useragent import register_feature_ids as _register_feature_ids
except ImportError:  # botocore before 1.40.37 has no feature IDs (older ones no useragent module at all)
    _register_feature_ids = None
