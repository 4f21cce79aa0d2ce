"""A valid SSO access token: load it from the shared cache, refresh it under the lock.

The token file is the AWS CLI v2's (``~/.aws/sso/cache/<sha1>.json``).
A token with more than the advisory window left is used as it is, read
without the lock. Otherwise one process refreshes it with CreateToken
(refresh-token grant) while the others wait on the lock and then use what it
wrote. A failed refresh never overwrites the file, and a token that has not
expired keeps working through a transient failure, a garbled answer, or a
lock that cannot be taken. A refresh whose result could not be saved (a
read-only or full disk, a read-only mount into a container) would spend the
refresh token every other process relies on (rotation), so it does not
happen: the cached token is used until it expires, then the error says to
refresh where the cache is writable, unless the user opted in with
``BOTOCORE_SSO_REFRESH_UNWRITABLE_CACHE``.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Optional

from botocore.exceptions import BotoCoreError, ClientError

from .. import settings
from ..errors import (
    LOGIN_NEEDED,
    CacheLockedError,
    CorruptCacheError,
    NotLoggedInError,
    RegistrationExpiredError,
    ServiceUnavailableError,
    SessionEndedError,
    TokenExpiredError,
    UnexpectedAnswerError,
    UnsafeCacheError,
    UnwritableCacheError,
    login_command,
)
from ..rules.profiles import SSOSessionConfig
from ..rules.records import (
    ADVISORY_REFRESH_WINDOW,
    FRESH,
    MANDATORY_REFRESH_WINDOW,
    TokenRecord,
    known_token,
    token_file_data,
    token_record,
    unusable_token_response,
)
from ..rules.timestamps import Clock, utcnow
from ..store.cache import JSONFileCache
from ..store.cache_lock import Held
from . import redaction
from .clients import oidc_client
from .faults import describe_failure, is_foreign_answer, is_transient
from .on_demand import LoginOnDemand, attached_login

logger = logging.getLogger(__name__)

REFRESH_RETRY_INTERVAL = datetime.timedelta(minutes=1)
"""How long this process waits before trying a failed refresh again."""

_REFRESH_GRANT = "refresh_token"


def refresh_unwritable_cache_allowed() -> bool:
    """Whether the user opted in to refreshing into memory where the token cache cannot be written."""
    return settings.switch(settings.REFRESH_UNWRITABLE_CACHE_VARIABLE)


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


class TokenProvider:
    """Hands out a usable access token for one sso-session or legacy start URL."""

    def __init__(
        self,
        session_config: SSOSessionConfig,
        botocore_session: Any,
        *,
        cache: Optional[JSONFileCache] = None,
        clock: Clock = utcnow,
        login: Optional[LoginOnDemand] = None,
        must_last: Optional[datetime.timedelta] = None,
    ) -> None:
        """``must_last`` (``botocore-sso login --if-needed``): refresh a token that does not last
        longer than this, instead of botocore's 15 minutes; and raise a failed or impossible refresh's
        error even while the token has not expired, so the caller can tell an ended session (log in)
        from a passing failure (keep the token)."""
        self._window = must_last if must_last is not None else ADVISORY_REFRESH_WINDOW
        self._strict = must_last is not None
        self._config = session_config
        self._login = login if login is not None else attached_login(botocore_session)
        self._botocore_session = botocore_session
        self._cache = cache if cache is not None else JSONFileCache(settings.token_cache_dir)
        self._clock = clock
        self._history = _refresh_history(self._cache.path(self.cache_key))

    @property
    def cache_key(self) -> str:
        return self._config.token_cache_key

    def load(self) -> TokenRecord:
        """The cached token as it is, or the error that says how to get one."""
        try:
            data = self._cache.read(self.cache_key)
        except CorruptCacheError as err:  # an untrusted one (UnsafeCacheError) too
            raise err.with_login(**self._names()) from None
        if data is None:
            raise NotLoggedInError(**self._names())
        token = token_record(data)
        if isinstance(token, str):
            raise CorruptCacheError(path=self._cache.path(self.cache_key), reason=token, **self._names())
        redaction.remember(token.access_token, token.refresh_token, token.client_secret)
        return token

    def save(self, data: Mapping[str, Any]) -> None:
        """Write a new login (from ``botocore-sso login``) under the lock."""
        with self._locked():
            self._cache.write(self.cache_key, data)

    def access_token(self) -> str:
        """A token that works now: cached, refreshed once for all processes, or (opt-in) a new login."""
        return self.usable_token().access_token

    def usable_token(self) -> TokenRecord:
        """``access_token()`` with its expiry: the whole token file that was used."""
        try:
            return self.cached_or_refreshed()
        except LOGIN_NEEDED as err:
            return self.login_on_demand(err)

    def login_on_demand(self, error: Exception) -> TokenRecord:
        """A new login through the ``login`` given (opt-in, with a terminal there); else ``error`` raised."""
        if self._login is None:
            raise error
        return self._login(self._config, self._botocore_session, error)

    def cached_or_refreshed(self) -> TokenRecord:
        """``usable_token()`` without a login on demand: for callers holding a lock others wait on."""
        token = self.load()
        if self._fresh(token):
            return token
        return self._refresh_or_fallback(token)

    def refresh_unless_busy(self) -> None:
        """Refresh the token if it is due and nobody is refreshing it; never wait for another's refresh.

        For a process whose role credentials another one is fetching: that
        one waits for the token, so this one only spares it the refresh.
        """
        token = self.load()
        if not self._fresh(token):
            self._refresh_or_fallback(token, wait=False)

    def _refresh_or_fallback(self, seen: TokenRecord, wait: bool = True) -> TokenRecord:
        if not seen.can_refresh:
            return self._usable_or_raise(seen, TokenExpiredError)
        if seen.registration_ended(self._clock()):
            return self._usable_or_raise(seen, RegistrationExpiredError)
        failed_at = self._history.failed_at
        recently_failed = failed_at is not None and self._clock() - failed_at < REFRESH_RETRY_INTERVAL
        if recently_failed and self._kept_on_failure(seen):
            return seen
        try:
            ready = (lambda: self._usable_while_refreshed(seen)) if wait else (lambda: seen)
            with self._locked(ready=ready) as held:
                if held.ready is not None:
                    return held.ready
                current = self.load()
                if self._refreshed_since(seen, current):
                    return current  # another process or thread refreshed it meanwhile
                problem = self._cache.unwritable_reason(self.cache_key)
                if problem is None and not held.shared:
                    problem = "its lock file cannot be created"
                if problem is not None:
                    if self._remaining(current) > datetime.timedelta(0):
                        return self._kept_unrefreshed(current, problem)
                    if not refresh_unwritable_cache_allowed():
                        raise self._unwritable(problem)
                    logger.warning(
                        "Refreshing the SSO token for %s in this process only: the cache cannot be "
                        "written (%s). Other processes will need a new login: %s",
                        self._config.subject,
                        problem,
                        self._names()["command"],
                    )
                return self._refresh(current)
        except (CacheLockedError, UnsafeCacheError) as err:
            if self._kept_on_failure(seen):
                logger.warning("%s Using the cached token, which has not expired.", err)
                return seen
            raise

    def _usable_while_refreshed(self, seen: TokenRecord) -> Optional[TokenRecord]:
        """While another process refreshes: its new token, or ``seen`` if that is good for a while yet.

        A token outside the mandatory window is still valid to use while the
        refresh is someone else's work, as botocore does between threads.
        """
        if not self._strict and self._remaining(seen) > MANDATORY_REFRESH_WINDOW:
            return seen
        current = self.load()
        return current if self._refreshed_since(seen, current) else None

    def _refreshed_since(self, seen: TokenRecord, current: TokenRecord) -> bool:
        return current.access_token != seen.access_token or self._fresh(current)

    def _fresh(self, token: TokenRecord) -> bool:
        return token.state(self._clock(), self._window) == FRESH

    def _kept_on_failure(self, token: TokenRecord) -> bool:
        """Whether a failed refresh falls back to ``token``: it has not expired (and we are not strict)."""
        return not self._strict and self._remaining(token) > datetime.timedelta(0)

    def _unwritable(self, problem: str) -> UnwritableCacheError:
        """The error for an expired token that is not refreshed because the cache cannot be written."""
        directory = self._cache.directory
        prefix = f"{directory}: "  # the directory is named in the message already
        return UnwritableCacheError(
            directory=directory,
            problem=problem[len(prefix) :] if problem.startswith(prefix) else problem,
            switch=settings.REFRESH_UNWRITABLE_CACHE_VARIABLE,
            **self._names(),
        )

    def _kept_unrefreshed(self, token: TokenRecord, problem: str) -> TokenRecord:
        """Do not spend the shared refresh token on a result that cannot be shared."""
        self._history.failed_at = self._clock()
        if not self._history.warned:
            self._history.warned = True
            logger.warning(
                "Not refreshing the SSO token for %s: the cache cannot be written (%s), and a refresh "
                "would leave every other process with a spent refresh token. Using the cached token until "
                "it expires at %s; make the cache writable before then.",
                self._config.subject,
                problem,
                token.data.get("expiresAt"),
            )
        return token

    def _refresh(self, token: TokenRecord) -> TokenRecord:
        client = oidc_client(self._botocore_session, self._config.region)
        try:
            response = client.create_token(
                grantType=_REFRESH_GRANT,
                clientId=token.client_id,
                clientSecret=token.client_secret,
                refreshToken=token.refresh_token,
            )
        except client.exceptions.InvalidGrantException:
            return self._after_invalid_grant(token)
        except client.exceptions.InvalidClientException:
            return self._failed(token, RegistrationExpiredError)
        except (ValueError, TypeError) as err:  # botocore's parser meeting a field of the wrong type
            return self._failed(
                token,
                UnexpectedAnswerError,
                reason=f"CreateToken answer not parseable ({type(err).__name__})",
            )
        except (ClientError, BotoCoreError) as err:
            if is_foreign_answer(err):
                return self._failed(token, UnexpectedAnswerError, reason=describe_failure(err))
            if not is_transient(err):
                return self._failed(token, SessionEndedError)
            return self._failed(token, ServiceUnavailableError, reason=describe_failure(err))
        problem = unusable_token_response(response)
        if problem is not None:
            return self._failed(token, UnexpectedAnswerError, reason=problem)
        redaction.remember(response["accessToken"], response.get("refreshToken"))
        now = self._clock()
        data = token_file_data(
            response,
            session=self._config,
            client_id=str(token.client_id),
            client_secret=str(token.client_secret),
            registration_expires_at=token.data.get("registrationExpiresAt"),
            now=now,
            previous=token.data,
        )
        try:
            self._cache.write(self.cache_key, data)
        except (UnsafeCacheError, OSError) as err:
            # Checked just before the call, so another tool changed the directory meanwhile.
            logger.warning(
                "The refreshed SSO token for %s could not be saved (%s); other processes will need a "
                "new login: %s",
                self._config.subject,
                err,
                self._names()["command"],
            )
        self._history.failed_at, self._history.warned = None, False
        logger.info("Refreshed the SSO token for %s", self._config.subject)
        return known_token(data)

    def _after_invalid_grant(self, token: TokenRecord) -> TokenRecord:
        """Another tool may have rotated the refresh token: read the file once more."""
        current = self.load()
        if current.refresh_token != token.refresh_token and self._remaining(current) > datetime.timedelta(0):
            return current
        return self._failed(token, SessionEndedError)

    def _failed(self, token: TokenRecord, error: type[Exception], reason: str = "") -> TokenRecord:
        """Keep using a token that has not expired yet; else raise ``error``."""
        self._history.failed_at = self._clock()
        if self._kept_on_failure(token):
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

    def _usable_or_raise(self, token: TokenRecord, error: type[Exception]) -> TokenRecord:
        if self._kept_on_failure(token):
            return token
        raise error(**self._names())

    def _remaining(self, token: TokenRecord) -> datetime.timedelta:
        return token.expires_at - self._clock()

    @contextlib.contextmanager
    def _locked(
        self, ready: Optional[Callable[[], Optional[TokenRecord]]] = None
    ) -> Iterator[Held[TokenRecord]]:
        try:
            with self._cache.lock(self.cache_key, ready=ready) as held:
                yield held
        except (CacheLockedError, UnsafeCacheError) as err:
            raise err.with_login(**self._names()) from None

    def _names(self) -> dict[str, Any]:
        return {
            "subject": self._config.subject,
            "profile": self._config.profile,
            "session_name": self._config.name,
            "command": login_command(self._config.profile, self._config.name),
        }
