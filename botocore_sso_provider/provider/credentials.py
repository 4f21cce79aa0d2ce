"""The credential provider: role credentials from IAM Identity Center, shared across processes.

``SSOCredentialProvider.load()`` returns None for a profile that is not an SSO
profile, so botocore's chain goes on. For an SSO profile it returns deferred
credentials, as botocore's own provider does: nothing is fetched until first
use. Each fetch reads the AWS CLI v2 role-credential cache first (fresh files
are used by every process without a request), and otherwise calls
GetRoleCredentials once under the cache lock.

The shared file holds the portal's expiry as the portal stated it (server
time), as the AWS CLI v2 writes it. A local clock that is off is corrected
only in this process's memory (``rules.timestamps``, which every reader
of the process applies), and only by up to ``MAX_CLOCK_SKEW_CORRECTION``:
a bogus ``Date`` header must not reach other processes. An answer whose
credentials break ``rules.records.role_credentials_problem`` (a control character, an
ESC, 200 KB), already expired, or expiring beyond any real role session (a
unit error) is refused and never cached; a cache file whose credentials break
that rule is not used, and fetched anew.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any, Mapping, Optional

from botocore.credentials import CredentialProvider, RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from .. import settings
from ..errors import (
    LOGIN_NEEDED,
    CacheLockedError,
    CorruptCacheError,
    RoleAccessDeniedError,
    ServiceUnavailableError,
    SessionEndedError,
    UnexpectedAnswerError,
    UnsafeCacheError,
    login_command,
)
from ..rules import timestamps as clock
from ..rules.profiles import SSOConfig
from ..rules.records import FRESH, RoleRecord, role_credentials_problem, role_record
from ..rules.timestamps import Clock, format_timestamp, from_epoch_millis, utcnow
from ..store.cache import JSONFileCache
from . import botocore_credentials, redaction
from .config import resolve_profile

if TYPE_CHECKING:
    from .on_demand import LoginOnDemand
    from .token import TokenProvider

# Only the first fetch and later refreshes need the token, the clients and
# the failure rules: they are imported there, so a warm resolution (the role
# credentials cached and fresh) loads none of them.

logger = logging.getLogger(__name__)

MAX_ROLE_CREDENTIAL_LIFETIME = datetime.timedelta(days=366)
"""Beyond this, an expiry is a unit or parsing error, not a role session.

Role sessions last at most 12 hours today, but botocore's own tests answer
24 h and the service may raise its limit: a lifetime is refused only where a
unit error shows. Seconds read as milliseconds land in 1970 (refused as
expired), microseconds tens of thousands of years away; a year bounds both
with room for any limit the service may set.
"""


class RoleCredentialFetcher:
    """Role credentials for one profile: from the shared cache, else from the portal."""

    def __init__(
        self,
        config: SSOConfig,
        botocore_session: Any,
        *,
        role_cache: JSONFileCache,
        token_cache: Optional[JSONFileCache] = None,
        token_provider: Optional[TokenProvider] = None,
        clock: Clock = utcnow,
        login: Optional[LoginOnDemand] = None,
    ) -> None:
        self._config = config
        self._login = login
        self._botocore_session = botocore_session
        self._cache = role_cache
        self._token_cache = (
            token_cache if token_cache is not None else JSONFileCache(settings.token_cache_dir)
        )
        self._token_provider = token_provider
        self._clock = clock
        self._key = config.role_cache_key

    @property
    def _tokens(self) -> TokenProvider:
        """The login's token provider, made when a fetch first needs a token."""
        if self._token_provider is None:
            from .token import TokenProvider

            self._token_provider = TokenProvider(
                self._config.session,
                self._botocore_session,
                cache=self._token_cache,
                clock=self._clock,
                login=self._login,
            )
        return self._token_provider

    def fetch(self) -> dict[str, Any]:
        """Metadata for ``RefreshableCredentials``: fresh from the cache or the portal.

        The first process at the role lock fetches for all. It makes its
        portal client before it asks for the token, so where the token is due
        for a refresh, the next process here (finding the role lock taken and
        the token's free) refreshes it meanwhile: the two clients are built
        side by side. The rest wait for the role file alone.
        """
        cached = self._fresh_cached()
        if cached is not None:
            return cached
        try:
            return self._fetch_shared()
        except LOGIN_NEEDED as err:
            self._tokens.login_on_demand(err)  # outside every lock: a login may take minutes
            return self._fetch_shared()

    def _fetch_shared(self) -> dict[str, Any]:
        try:
            with self._cache.lock(self._key, ready=_taken_elsewhere) as held:
                if held.ready is None:
                    return self._fetch_held()
            if not self._token_cache.is_locked(self._config.session.token_cache_key):
                self._tokens.refresh_unless_busy()  # the refresh the fetching process will wait for
            with self._cache.lock(self._key, ready=self._fresh_cached) as held:
                return held.ready if held.ready is not None else self._fetch_held()
        except CacheLockedError as err:
            raise err.with_login(**self._names()) from None
        except UnsafeCacheError as err:
            if err.names_login:
                raise  # the token cache's, from inside the role lock
            _warn_unusable(err)  # the role lock: fetch for this process alone, share nothing
            return self._fetch_and_store(store=False)

    def _fetch_held(self) -> dict[str, Any]:
        """Under the role lock: the cache once more (its last holder may have written it), else the portal."""
        cached = self._fresh_cached()
        if cached is not None:
            return cached
        return self._fetch_and_store()

    def cached(self) -> Optional[dict[str, Any]]:
        """Fresh role credentials from the shared cache, or None; reads one file, never calls out."""
        return self._fresh_cached()

    def _fresh_cached(self) -> Optional[dict[str, Any]]:
        try:
            data = self._cache.read(self._key)
        except UnsafeCacheError as err:  # before its base, CorruptCacheError
            _warn_unusable(err)
            return None
        except CorruptCacheError as err:
            logger.debug("Ignoring unreadable role cache file %s (%s)", err.path, err.reason)
            return None
        record = role_record(data) if data is not None else None
        if isinstance(record, str):
            logger.debug("Not using the role cache file of profile %s: %s", self._config.profile, record)
            return None
        if record is None or record.state(self._clock()) != FRESH:
            return None
        redaction.remember(record.secret_key, record.token)
        return botocore_credentials.metadata(record)

    def _fetch_and_store(self, store: bool = True) -> dict[str, Any]:
        from .clients import portal_client
        from .faults import describe_failure, is_foreign_answer, is_transient

        self._tokens.load()  # a logged-out user learns it before a client is built
        client = portal_client(self._botocore_session, self._config.session.region)
        access_token = self._tokens.cached_or_refreshed().access_token  # may wait for another's refresh
        try:
            response = client.get_role_credentials(
                roleName=self._config.role_name,
                accountId=self._config.account_id,
                accessToken=access_token,
            )
        except client.exceptions.UnauthorizedException:
            raise SessionEndedError(**self._names()) from None
        except ClientError as err:
            if is_foreign_answer(err):
                raise UnexpectedAnswerError(reason=describe_failure(err), **self._names()) from None
            if err.response.get("Error", {}).get("Code") in ("ForbiddenException", "AccessDeniedException"):
                raise RoleAccessDeniedError(
                    response=err.response,
                    operation_name=err.operation_name,
                    role_name=self._config.role_name,
                    account_id=self._config.account_id,
                    config_file=settings.config_file(),
                    **self._names(),
                ) from None
            raise self._service_error(err) from None
        except (ValueError, TypeError) as err:  # botocore's parser meeting a field of the wrong type
            raise UnexpectedAnswerError(
                reason=f"GetRoleCredentials answer not parseable ({type(err).__name__})", **self._names()
            ) from None
        except BotoCoreError as err:
            if not is_transient(err):  # a body botocore could not parse
                raise UnexpectedAnswerError(reason=describe_failure(err), **self._names()) from None
            raise self._service_error(err) from None
        self._measure_skew(response)
        role, expiration = self._checked_credentials(response)
        redaction.remember(role["secretAccessKey"], role["sessionToken"])
        data = {
            "ProviderType": "sso",
            "Credentials": {
                "AccessKeyId": role["accessKeyId"],
                "SecretAccessKey": role["secretAccessKey"],
                "SessionToken": role["sessionToken"],
                "Expiration": format_timestamp(expiration),  # server time, as the CLI v2 writes it
                "AccountId": self._config.account_id,
            },
        }
        if store:
            try:
                self._cache.write(self._key, data)
            except (UnsafeCacheError, OSError) as err:
                logger.warning("Role credentials of profile %s not cached: %s", self._config.profile, err)
        record = role_record(data)
        assert isinstance(record, RoleRecord)  # checked above, field by field
        return botocore_credentials.metadata(record)

    def _checked_credentials(
        self, response: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], datetime.datetime]:
        """The role credentials and their expiry (server time), or the error naming what is wrong."""
        role = response.get("roleCredentials")
        if not isinstance(role, Mapping):
            raise self._unexpected("without roleCredentials")
        wrong = role_credentials_problem(
            role.get("accessKeyId"), role.get("secretAccessKey"), role.get("sessionToken")
        )
        if wrong is not None:
            raise self._unexpected(f"with {wrong}")
        expiration = from_epoch_millis(role.get("expiration"))
        if expiration is None:
            raise self._unexpected("without an expiration in epoch milliseconds")
        lifetime = clock.local_time_of(expiration) - self._clock()
        if lifetime <= datetime.timedelta(0):
            raise self._unexpected(f"with credentials that expired at {expiration}")
        if lifetime > MAX_ROLE_CREDENTIAL_LIFETIME:
            raise self._unexpected(f"with an expiration {expiration}, over a year away")
        return role, expiration

    def _measure_skew(self, response: Mapping[str, Any]) -> None:
        """Believe the response's ``Date`` header about the portal's clock, within bounds (timestamps)."""
        date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        skew = clock.skew_shown_by(date, self._clock())
        if skew is None:
            return
        if not clock.believable(skew):
            _warn_clock_skew(skew, believed=False)
            return
        skew = clock.tolerated(skew)
        if skew:
            _warn_clock_skew(skew)
        clock.believe_skew(skew)

    def _unexpected(self, what: str) -> UnexpectedAnswerError:
        """The error for a GetRoleCredentials answer that is not usable credentials; ``what`` quotes none."""
        return UnexpectedAnswerError(reason=f"GetRoleCredentials answered {what}", **self._names())

    def _service_error(self, err: BaseException) -> Exception:
        from .faults import describe_failure

        return ServiceUnavailableError(reason=describe_failure(err), **self._names())

    def _names(self) -> dict[str, Any]:
        session = self._config.session
        return {
            "subject": session.subject,
            "profile": self._config.profile,
            "session_name": session.name,
            "command": login_command(self._config.profile, session.name),
        }


_skew_warned = False
_unusable_warned: set[str] = set()


def _warn_clock_skew(skew: datetime.timedelta, believed: bool = True) -> None:
    global _skew_warned
    if _skew_warned:
        return
    _skew_warned = True
    minutes = skew.total_seconds() / 60
    if not believed:
        logger.warning(
            "IAM Identity Center's Date header is %.0f minutes %s this machine's clock, too far to "
            "believe; credential expiry times are taken as the portal states them.",
            abs(minutes),
            "ahead of" if minutes > 0 else "behind",
        )
        return
    logger.warning(
        "This machine's clock is %.0f minutes %s IAM Identity Center's; credential expiry times are "
        "corrected for it in this process, but other AWS calls may fail until the clock is set right.",
        abs(minutes),
        "behind" if minutes > 0 else "ahead of",
    )


def _warn_unusable(err: UnsafeCacheError) -> None:
    """Once per path: the role cache there is not used, and how to fix it."""
    if err.path in _unusable_warned:
        return
    _unusable_warned.add(err.path)
    logger.warning("Not using the role credential cache: %s", err)


def _taken_elsewhere() -> bool:
    """A lock's ``ready``: stop waiting at once (the lock is taken: its holder fetches)."""
    return True


class SSOCredentialProvider(CredentialProvider):
    """botocore's ``sso`` provider, replaced: shared caches and errors that name the fix."""

    METHOD = "botocore-sso-provider"
    CANONICAL_NAME = "botocore-sso-provider"

    def __init__(
        self,
        session: Any,
        profile_name: Optional[str] = None,
        *,
        clock: Clock = utcnow,
        token_cache: Optional[JSONFileCache] = None,
        role_cache: Optional[JSONFileCache] = None,
        login: Optional[LoginOnDemand] = None,
    ) -> None:
        """``login``: how to log in on demand; None: the one attached to ``session`` (on_demand)."""
        super().__init__()
        self._session = session
        self._login = login
        self._profile_name = profile_name
        self._clock = clock
        self._token_cache = (
            token_cache if token_cache is not None else JSONFileCache(settings.token_cache_dir)
        )
        self._role_cache = role_cache if role_cache is not None else JSONFileCache(settings.role_cache_dir)

    @property
    def profile_name(self) -> str:
        return self._profile_name or self._session.get_config_variable("profile") or "default"

    @property
    def clock(self) -> Clock:
        """What "now" is for the credentials' expiry (``rules.timestamps.utcnow`` outside tests)."""
        return self._clock

    def load(self) -> Optional[RefreshableCredentials]:
        """Deferred credentials, as botocore's ``sso`` provider returns: no token is read, nothing fetched.

        The profile is checked now (a config error is raised at once, as
        botocore does); the token and role credentials are fetched at first
        use, so creating a client while logged out neither fails nor calls out.
        """
        prepared = self.prepare()
        if prepared is None:
            return None
        if prepared.cached is not None:
            return botocore_credentials.refreshable(prepared.cached, prepared.fetch, self._clock)
        return botocore_credentials.DeferredSSOCredentials(prepared.fetch, self._clock)

    def prepare(self) -> Optional[botocore_credentials.Prepared]:
        """What ``load`` wraps, for sync and async credentials alike; None for a profile not ours.

        Reads the config and, for the warm case, the shared role cache (local
        files, never a request); raises a config error at once.
        """
        config = resolve_profile(self._session.full_config, self.profile_name)
        if config is None:
            return None
        fetcher = RoleCredentialFetcher(
            config,
            self._session,
            role_cache=self._role_cache,
            token_cache=self._token_cache,
            clock=self._clock,
            login=self._login,
        )
        kind = "SSO" if config.session.name is not None else "SSO_LEGACY"
        botocore_credentials.register_feature_ids((f"CREDENTIALS_PROFILE_{kind}", f"CREDENTIALS_{kind}"))
        marked = botocore_credentials.marked(fetcher.fetch, (f"CREDENTIALS_PROFILE_{kind}",))
        return botocore_credentials.Prepared(fetch=marked, cached=fetcher.cached())
