"""Putting the provider into a session's credential chain.

``register(session)`` swaps the session's lazy ``credential_provider``
component for one that builds botocore's own resolver and inserts
``SSOCredentialProvider`` just before botocore's ``sso`` provider. Building
stays lazy (at the session's first credential lookup), so the profile a
caller sets after creating the session (as ``boto3.Session(profile_name=...)``
does) is the one used, and precedence is unchanged: explicit keys,
environment variables and assume-role profiles still come first.

The botocore surface used: ``Session.lazy_register_component``,
``botocore.credentials.create_credential_resolver`` and
``CredentialResolver.insert_before``, all public; and, so that a
``source_profile`` that is an SSO profile resolves through this package too,
the assume-role provider's ``_profile_provider_builder`` (private, guarded in
:func:`_chain_source_profiles`: where it is missing, source profiles keep
botocore's own SSO provider and a debug line says so).
"""

from __future__ import annotations

import logging
from typing import Any

import botocore.credentials
from botocore.exceptions import UnknownCredentialError

from .credentials import SSOCredentialProvider

logger = logging.getLogger(__name__)

_REGISTERED_ATTR = "_botocore_sso_provider_registered"
_FALLBACK_ANCHOR = "shared-credentials-file"


def register(session: Any) -> None:
    """Make ``session`` (botocore or boto3) resolve SSO profiles through this package.

    Idempotent; safe before or after the session has resolved credentials
    (credentials already resolved stay as they are).
    """
    core = getattr(session, "_session", session)  # boto3.Session wraps a botocore one
    if getattr(core, _REGISTERED_ATTR, False):
        return
    setattr(core, _REGISTERED_ATTR, True)
    core.lazy_register_component("credential_provider", lambda: build_resolver(core))


def build_resolver(core: Any) -> Any:
    """botocore's default resolver for ``core``, with our provider before ``sso``."""
    resolver = botocore.credentials.create_credential_resolver(
        core, region_name=getattr(core, "_last_client_region_used", None)
    )
    insert_provider(resolver, SSOCredentialProvider(core))
    _chain_source_profiles(resolver, core)
    return resolver


def insert_provider(resolver: Any, provider: Any) -> None:
    """Insert ``provider`` before botocore's ``sso`` provider, once."""
    if any(isinstance(existing, type(provider)) for existing in resolver.providers):
        return
    try:
        resolver.insert_before("sso", provider)
    except UnknownCredentialError:
        try:
            resolver.insert_before(_FALLBACK_ANCHOR, provider)
        except UnknownCredentialError:
            resolver.providers.append(provider)


def _chain_source_profiles(resolver: Any, core: Any) -> None:
    """Let assume-role profiles whose source_profile is an SSO profile use this package."""
    try:
        assume_role = resolver.get_provider("assume-role")
    except UnknownCredentialError:
        return
    builder = getattr(assume_role, "_profile_provider_builder", None)
    original = getattr(builder, "providers", None)
    if original is None or getattr(original, "_botocore_sso_provider", False):
        logger.debug("botocore has no profile provider builder; source profiles use its own SSO provider")
        return

    def providers(profile_name: str, disable_env_vars: bool = False) -> list[Any]:
        chain = list(original(profile_name, disable_env_vars))
        methods = [getattr(p, "METHOD", None) for p in chain]
        ours = SSOCredentialProvider(core, profile_name)
        chain.insert(methods.index("sso") if "sso" in methods else 0, ours)
        return chain

    providers._botocore_sso_provider = True  # type: ignore[attr-defined]
    setattr(builder, "providers", providers)  # noqa: B010 - an instance attribute, on purpose
