"""A valid SSO access token: load it from the shared cache, refresh it under the lock.

The token file is the AWS CLI v2's (``~/.aws/sso/cache/<sha1>.json``).
A token with more than the advisory window left is used as it is, read
without the lock. Otherwise one process refreshes it with CreateToken
(refresh-token grant) while the others wait on the lock and then use what it
wrote. A failed refresh never overwrites the file, and a token that has not
expired keeps working through a transient failure.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional

from botocore.exceptions import BotoCoreError, ClientError

from .cache import CacheFileCorrupt, CacheLockTimeout, JSONFileCache, token_cache_dir
from .clients import oidc_client
from .clock import Clock, format_timestamp, parse_timestamp, utcnow
from .config import SSOSessionConfig
from .errors import (
    CacheLockedError,
    CorruptCacheError,
    NotLoggedInError,
    RegistrationExpiredError,
    ServiceUnavailableError,
    SessionEndedError,
    TokenExpiredError,
    login_command,
)
from .faults import describe_failure, is_transient

logger = logging.getLogger(__name__)

ADVISORY_REFRESH_WINDOW = datetime.timedelta(minutes=15)
"""Refresh a token that has less than this left (botocore's window for tokens)."""

MANDATORY_REFRESH_WINDOW = datetime.timedelta(minutes=10)
"""With more than this left, a token another process is refreshing is used as it is (botocore's window)."""

REFRESH_RETRY_INTERVAL = datetime.timedelta(minutes=1)
"""How long this process waits before trying a failed refresh again."""

_REFRESH_GRANT = "refresh_token"


@dataclass
class _RefreshHistory:
    """This process's last failed refresh of one token file, shared by all its sessions."""

    failed_at: Optional[datetime.datetime] = None
    warned: bool = False


_histories: dict[str, _RefreshHistory] = {}
_histories_guard = threading.Lock()


def _refresh_history(path: str) -> _RefreshHistory:
    with _histories_guard:
        return _histories.setdefault(path, _RefreshHistory())


@dataclass(frozen=True)
class SSOToken:
    """A token file's content. Its repr never shows a secret."""

    data: Mapping[str, Any] = field(repr=False)

    @property
    def access_token(self) -> str:
        return str(self.data["accessToken"])

    @property
    def expires_at(self) -> datetime.datetime:
        return parse_timestamp(self.data["expiresAt"])

    @property
    def refresh_token(self) -> Optional[str]:
        value = self.data.get("refreshToken")
        return str(value) if value else None

    @property
    def can_refresh(self) -> bool:
        return bool(self.refresh_token and self.data.get("clientId") and self.data.get("clientSecret"))

    @property
    def registration_expires_at(self) -> Optional[datetime.datetime]:
        value = self.data.get("registrationExpiresAt")
        return parse_timestamp(value) if value else None

    def __repr__(self) -> str:
        return (
            f"SSOToken(accessToken='***', expiresAt={self.data.get('expiresAt')!r}, "
            f"refreshable={self.can_refresh})"
        )


def token_file_data(
    response: Mapping[str, Any],
    *,
    session: SSOSessionConfig,
    client_id: str,
    client_secret: str,
    registration_expires_at: Optional[str],
    now: datetime.datetime,
    previous: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """The token file after a CreateToken response, in the AWS CLI v2 format.

    Fields of ``previous`` that we do not know are kept, and so is its refresh
    token when the response carries none.
    """
    data: dict[str, Any] = dict(previous or {})
    data.update(
        {
            "startUrl": session.start_url,
            "region": session.region,
            "accessToken": response["accessToken"],
            "expiresAt": format_timestamp(now + datetime.timedelta(seconds=response["expiresIn"])),
            "clientId": client_id,
            "clientSecret": client_secret,
        }
    )
    if registration_expires_at:
        data["registrationExpiresAt"] = registration_expires_at
    if response.get("refreshToken"):
        data["refreshToken"] = response["refreshToken"]
    return data


class TokenProvider:
    """Hands out a usable access token for one sso-session or legacy start URL."""

    def __init__(
        self,
        session_config: SSOSessionConfig,
        botocore_session: Any,
        *,
        cache: Optional[JSONFileCache] = None,
        clock: Clock = utcnow,
    ) -> None:
        self._config = session_config
        self._botocore_session = botocore_session
        self._cache = cache if cache is not None else JSONFileCache(token_cache_dir)
        self._clock = clock
        self._history = _refresh_history(self._cache.path(self.cache_key))

    @property
    def cache_key(self) -> str:
        return self._config.token_cache_key

    def load(self) -> SSOToken:
        """The cached token as it is, or the error that says how to get one."""
        try:
            data = self._cache.read(self.cache_key)
        except CacheFileCorrupt as err:
            raise CorruptCacheError(path=err.path, reason=err.reason, **self._names()) from None
        if data is None:
            raise NotLoggedInError(**self._names())
        if "accessToken" not in data or "expiresAt" not in data:
            raise CorruptCacheError(
                path=self._cache.path(self.cache_key),
                reason="no accessToken or expiresAt",
                **self._names(),
            )
        try:
            parse_timestamp(data["expiresAt"])
        except (ValueError, OverflowError, TypeError):
            raise CorruptCacheError(
                path=self._cache.path(self.cache_key), reason="bad expiresAt", **self._names()
            ) from None
        return SSOToken(data)

    def save(self, data: Mapping[str, Any]) -> None:
        """Write a new login (from ``botocore-sso login``) under the lock."""
        with self._locked():
            self._cache.write(self.cache_key, data)

    def access_token(self) -> str:
        """A token that works now: cached, refreshed once for all processes, or (opt-in) a new login."""
        return self.usable_token().access_token

    def usable_token(self) -> SSOToken:
        """``access_token()`` with its expiry: the whole token file that was used."""
        try:
            return self._cached_or_refreshed()
        except (NotLoggedInError, TokenExpiredError, SessionEndedError, RegistrationExpiredError) as err:
            from .login.on_demand import login_on_demand  # the cold path only: never imported when warm

            return login_on_demand(self._config, self._botocore_session, err)

    def _cached_or_refreshed(self) -> SSOToken:
        token = self.load()
        if self._remaining(token) > ADVISORY_REFRESH_WINDOW:
            return token
        return self._refresh_or_fallback(token)

    def _refresh_or_fallback(self, seen: SSOToken) -> SSOToken:
        if not seen.can_refresh:
            return self._usable_or_raise(seen, TokenExpiredError)
        registration = seen.registration_expires_at
        if registration is not None and registration <= self._clock():
            return self._usable_or_raise(seen, RegistrationExpiredError)
        failed_at = self._history.failed_at
        recently_failed = failed_at is not None and self._clock() - failed_at < REFRESH_RETRY_INTERVAL
        if recently_failed and self._remaining(seen) > datetime.timedelta(0):
            return seen
        try:
            with self._locked(ready=lambda: self._usable_while_refreshed(seen)) as usable:
                if usable is not None:
                    return usable
                current = self.load()
                if self._refreshed_since(seen, current):
                    return current  # another process or thread refreshed it meanwhile
                return self._refresh(current)
        except CacheLockedError as err:
            if self._remaining(seen) > datetime.timedelta(0):
                logger.warning("%s Using the cached token, which has not expired.", err)
                return seen
            raise

    def _usable_while_refreshed(self, seen: SSOToken) -> Optional[SSOToken]:
        """While another process refreshes: its new token, or ``seen`` if that is good for a while yet.

        A token outside the mandatory window is still valid to use while the
        refresh is someone else's work, as botocore does between threads.
        """
        if self._remaining(seen) > MANDATORY_REFRESH_WINDOW:
            return seen
        current = self.load()
        return current if self._refreshed_since(seen, current) else None

    def _refreshed_since(self, seen: SSOToken, current: SSOToken) -> bool:
        return current.access_token != seen.access_token or (
            self._remaining(current) > ADVISORY_REFRESH_WINDOW
        )

    def _refresh(self, token: SSOToken) -> SSOToken:
        client = oidc_client(self._botocore_session, self._config.region)
        try:
            response = client.create_token(
                grantType=_REFRESH_GRANT,
                clientId=token.data["clientId"],
                clientSecret=token.data["clientSecret"],
                refreshToken=token.refresh_token,
            )
        except client.exceptions.InvalidGrantException:
            return self._after_invalid_grant(token)
        except client.exceptions.InvalidClientException:
            return self._failed(token, RegistrationExpiredError)
        except (ClientError, BotoCoreError) as err:
            if not is_transient(err):
                return self._failed(token, SessionEndedError)
            return self._failed(token, ServiceUnavailableError, reason=describe_failure(err))
        now = self._clock()
        data = token_file_data(
            response,
            session=self._config,
            client_id=token.data["clientId"],
            client_secret=token.data["clientSecret"],
            registration_expires_at=token.data.get("registrationExpiresAt"),
            now=now,
            previous=token.data,
        )
        self._cache.write(self.cache_key, data)
        self._history.failed_at, self._history.warned = None, False
        logger.info("Refreshed the SSO token for %s", self._config.subject)
        return SSOToken(data)

    def _after_invalid_grant(self, token: SSOToken) -> SSOToken:
        """Another tool may have rotated the refresh token: read the file once more."""
        current = self.load()
        if current.refresh_token != token.refresh_token and self._remaining(current) > datetime.timedelta(0):
            return current
        return self._failed(token, SessionEndedError)

    def _failed(self, token: SSOToken, error: type[Exception], reason: str = "") -> SSOToken:
        """Keep using a token that has not expired yet; else raise ``error``."""
        self._history.failed_at = self._clock()
        if self._remaining(token) > datetime.timedelta(0):
            if not self._history.warned:
                self._history.warned = True
                logger.warning(
                    "Could not refresh the SSO token for %s%s; using the cached one until it expires at %s.",
                    self._config.subject,
                    f" ({reason})" if reason else "",
                    token.data.get("expiresAt"),
                )
            return token
        names = self._names()
        if reason:
            names["reason"] = reason
        raise error(**names)

    def _usable_or_raise(self, token: SSOToken, error: type[Exception]) -> SSOToken:
        if self._remaining(token) > datetime.timedelta(0):
            return token
        raise error(**self._names())

    def _remaining(self, token: SSOToken) -> datetime.timedelta:
        return token.expires_at - self._clock()

    @contextlib.contextmanager
    def _locked(
        self, ready: Optional[Callable[[], Optional[SSOToken]]] = None
    ) -> Iterator[Optional[SSOToken]]:
        try:
            with self._cache.lock(self.cache_key, ready=ready) as usable:
                yield usable
        except CacheLockTimeout as err:
            raise CacheLockedError(path=err.path, timeout=err.timeout, **self._names()) from None

    def _names(self) -> dict[str, Any]:
        return {
            "subject": self._config.subject,
            "profile": self._config.profile,
            "session_name": self._config.name,
            "command": login_command(self._config.profile, self._config.name),
        }
