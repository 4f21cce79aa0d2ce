"""A completed login written as the AWS CLI v2's token file, under the token lock."""

from __future__ import annotations

from typing import Any, Mapping

from ..provider.token import TokenProvider
from ..rules.profiles import SSOSessionConfig
from ..rules.records import TokenRecord, known_token, token_file_data
from ..rules.timestamps import Clock
from ..store.cache import JSONFileCache
from .registration import Registration


def save_login(
    session: SSOSessionConfig,
    botocore_session: Any,
    response: Mapping[str, Any],
    registration: Registration,
    *,
    cache: JSONFileCache,
    clock: Clock,
) -> TokenRecord:
    """Write the token file for a CreateToken answer; returns the new token.

    ``startUrl`` is the configured start URL (the one the file is keyed by),
    as the CLI writes it, even when a vanity URL was resolved for the login.
    """
    data = token_file_data(
        response,
        session=session,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
        registration_expires_at=registration.expires_at,
        now=clock(),
    )
    TokenProvider(session, botocore_session, cache=cache, clock=clock).save(data)
    return known_token(data)
