"""Bearer tokens for botocore's token-auth services (CodeCatalyst), refreshed under our lock.

botocore's own ``SSOTokenProvider`` (in its token provider chain) refreshes the
sso-session token file with no lock. A process with a bearer-auth client and
a SigV4 client for one sso-session would then refresh it twice, beside our
locked refresh, and could spend a rotated refresh token. This provider goes
into the chain just before botocore's ``sso`` one and answers the same
profiles the same way (a profile with ``sso_session``; a deferred token,
nothing read until first use), through :class:`~.token.TokenProvider`, so
every refresh of a token file goes through one lock.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from botocore.tokens import DeferredRefreshableToken, FrozenAuthToken

from ..rules.timestamps import Clock, utcnow
from ..settings import token_cache_dir
from ..store.cache import JSONFileCache
from .config import resolve_session
from .token import TokenProvider

logger = logging.getLogger(__name__)


class SSOBearerTokenProvider:
    """A botocore token provider (``METHOD`` and ``load_token``) for sso-session profiles."""

    METHOD = "botocore-sso-provider"
    """Its name in the chain; botocore's own keeps ``sso``. The tokens' ``method`` is ``sso``."""

    def __init__(
        self,
        session: Any,
        profile_name: Optional[str] = None,
        *,
        clock: Clock = utcnow,
        cache: Optional[JSONFileCache] = None,
    ) -> None:
        self._session = session
        self._profile_name = profile_name
        self._clock = clock
        self._cache = cache if cache is not None else JSONFileCache(token_cache_dir)

    @property
    def profile_name(self) -> str:
        return self._profile_name or self._session.get_config_variable("profile") or "default"

    def load_token(self, **kwargs: Any) -> Optional[DeferredRefreshableToken]:
        """A deferred token for a profile with ``sso_session``; None (chain goes on) otherwise."""
        full_config = self._session.full_config
        profile = self.profile_name
        session_name = full_config.get("profiles", {}).get(profile, {}).get("sso_session")
        if session_name is None:
            return None
        config = resolve_session(full_config, session_name, profile=profile)
        tokens = TokenProvider(config, self._session, cache=self._cache, clock=self._clock)

        def frozen() -> FrozenAuthToken:
            token = tokens.usable_token()
            return FrozenAuthToken(token.access_token, expiration=token.expires_at)

        return DeferredRefreshableToken(method="sso", refresh_using=frozen, time_fetcher=self._clock)


def insert_token_provider(chain: Any, provider: Any) -> None:
    """Put ``provider`` just before botocore's ``sso`` token provider, once.

    botocore 1.43.37+ has ``TokenProviderChain.insert_before``; older ones keep
    the providers in ``_providers`` (private, guarded here: if neither exists,
    the chain is left as botocore built it and a debug line says so).
    """
    providers = getattr(chain, "_providers", None)
    if isinstance(providers, list) and any(isinstance(p, type(provider)) for p in providers):
        return
    if hasattr(chain, "insert_before"):
        from botocore.exceptions import UnknownTokenProviderError

        try:
            chain.insert_before("sso", provider)
            return
        except UnknownTokenProviderError:
            pass
    if not isinstance(providers, list):
        logger.debug("botocore's token provider chain has no known shape; bearer tokens use its own provider")
        return
    methods = [getattr(p, "METHOD", None) for p in providers]
    providers.insert(methods.index("sso") if "sso" in methods else len(providers), provider)
