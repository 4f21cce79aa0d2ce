"""Putting the provider into a session's credential chain.

``register(session)`` swaps the session's lazy ``credential_provider``
component for one that builds botocore's own resolver and inserts
``SSOCredentialProvider`` just before botocore's ``sso`` provider, and its
lazy ``token_provider`` component for botocore's token chain with
``SSOBearerTokenProvider`` just before botocore's ``sso`` token provider. Building
stays lazy (at the session's first credential lookup), so the profile a
caller sets after creating the session (as ``boto3.Session(profile_name=...)``
does) is the one used, and precedence is unchanged: explicit keys,
environment variables and assume-role profiles still come first.

The botocore surface used: ``Session.lazy_register_component``,
``botocore.credentials.create_credential_resolver`` and
``CredentialResolver.insert_before``, ``botocore.tokens.create_token_resolver``
and (botocore 1.43.37+) ``TokenProviderChain.insert_before``, all public; the
token chain's ``_providers`` on older botocore (guarded in
:func:`.bearer_token.insert_token_provider`); and, so that a
``source_profile`` that is an SSO profile resolves through this package too,
the assume-role provider's ``_profile_provider_builder`` (private, guarded in
:func:`_chain_source_profiles`: where it is missing, source profiles keep
botocore's own SSO provider and a debug line says so).

Logging in on demand is login/'s work, a layer above: ``botocore_sso_provider.wiring``
attaches login/'s ``login_on_demand`` to every session it registers
(:func:`.on_demand.attach_login`), and each token provider of that session
asks it; a session without one never logs in by itself.

Transparent activation (docs/explanation/activation.md): the start-up hook
``_botocore_sso_provider_startup`` registers a botocore initializer that calls
:func:`initialize_session` for every new session. That does what ``register``
does, through the same lazy component, unless the off switch
``BOTOCORE_SSO_PROVIDER_DISABLED`` is set. When the session first builds its
resolver, every provider of the ``botocore.credential_providers`` entry-point
group (:mod:`.entry_points`) goes in just before botocore's ``sso`` provider,
after ours.

An aiobotocore session (aioboto3's, s3fs's) gets aiobotocore's own async
resolver, built by the session's ``_create_credential_resolver`` (botocore's
name, private, checked before use), with ``AsyncSSOCredentialProvider``
(:mod:`.aio`) just before aiobotocore's ``sso`` provider; its token chain and
the entry points (sync providers) are left out. An aiobotocore older than
``MIN_AIOBOTOCORE`` keeps its own chain, with one warning.
"""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any, Callable, Mapping, Optional

import botocore.credentials
from botocore.exceptions import UnknownCredentialError

from .. import settings
from .entry_points import provider_factories, warn_once
from .on_demand import LoginOnDemand, attach_login

logger = logging.getLogger(__name__)

_REGISTERED_ATTR = "_botocore_sso_provider_registered"
_FALLBACK_ANCHOR = "shared-credentials-file"

DISABLED_VARIABLE = settings.DISABLED_VARIABLE
"""Set to 1 (or true, yes, on) to switch transparent activation off; ``register`` still works."""


def register(session: Any, login: Optional[LoginOnDemand] = None) -> None:
    """Make ``session`` (botocore, boto3 or aiobotocore) resolve SSO profiles through this package.

    Idempotent; safe before or after the session has resolved credentials
    (credentials already resolved stay as they are). ``login``: how to log in
    on demand (``botocore_sso_provider.register`` passes login/'s).
    """
    core = getattr(session, "_session", session)  # boto3.Session wraps a botocore one
    if login is not None:
        attach_login(core, login)
    if getattr(core, _REGISTERED_ATTR, False):
        return
    if is_async_session(core):
        _register_async(core)
        return
    setattr(core, _REGISTERED_ATTR, True)
    core.lazy_register_component("credential_provider", lambda: _or_botocores_own(build_resolver, core))
    core.lazy_register_component("token_provider", lambda: _or_botocores_own(build_token_resolver, core))


def is_registered(session: Any) -> bool:
    """Whether ``session`` (botocore or boto3) already resolves SSO profiles through this package."""
    return bool(getattr(getattr(session, "_session", session), _REGISTERED_ATTR, False))


def build_resolver(core: Any) -> Any:
    """botocore's default resolver for ``core``, with our provider before ``sso``."""
    from .credentials import SSOCredentialProvider  # here: importing activation stays cheap

    resolver = botocore.credentials.create_credential_resolver(
        core, region_name=getattr(core, "_last_client_region_used", None)
    )
    insert_provider(resolver, SSOCredentialProvider(core))
    _chain_source_profiles(resolver, core)
    return resolver


def build_token_resolver(core: Any) -> Any:
    """botocore's default token provider chain for ``core``, with our provider before ``sso``.

    Bearer-auth clients (CodeCatalyst) then refresh sso-session tokens through
    the same lock as the credentials do (see :mod:`.bearer_token`).
    """
    import botocore.tokens

    from .bearer_token import SSOBearerTokenProvider, insert_token_provider

    chain = botocore.tokens.create_token_resolver(core)
    insert_token_provider(chain, SSOBearerTokenProvider(core))
    return chain


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


def _chain_source_profiles(resolver: Any, core: Any, provider_class: Optional[type] = None) -> None:
    """Let assume-role profiles whose source_profile is an SSO profile use this package."""
    from .credentials import SSOCredentialProvider

    provider = provider_class or SSOCredentialProvider
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
        ours = provider(core, profile_name)
        chain.insert(methods.index("sso") if "sso" in methods else 0, ours)
        return chain

    providers._botocore_sso_provider = True  # type: ignore[attr-defined]
    setattr(builder, "providers", providers)  # noqa: B010 - an instance attribute, on purpose


def is_disabled(environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when the off switch is set in ``environ`` (default: the process environment)."""
    return settings.switch(DISABLED_VARIABLE, environ)


def is_async_session(session: Any) -> bool:
    """True for aiobotocore's sessions (and subclasses), whose resolver must be async."""
    return any(
        getattr(cls, "__module__", "").partition(".")[0] == "aiobotocore" for cls in type(session).__mro__
    )


def initialize_session(session: Any, login: Optional[LoginOnDemand] = None) -> None:
    """The botocore initializer: activate a new ``session`` as ``register`` would, with entry points.

    Does nothing while the off switch is set, for async (aiobotocore) sessions,
    or for a session already registered. Costs an attribute write and one
    lazy component per session; nothing is built, and the provider's modules
    are not imported, until the session first looks for credentials.
    """
    if is_disabled() or getattr(session, _REGISTERED_ATTR, False):
        return
    if login is not None:
        attach_login(session, login)
    if is_async_session(session):
        _register_async(session)
        return
    setattr(session, _REGISTERED_ATTR, True)
    session.lazy_register_component(
        "credential_provider", lambda: _or_botocores_own(build_activated_resolver, session)
    )
    session.lazy_register_component(
        "token_provider", lambda: _or_botocores_own(build_token_resolver, session)
    )


def _register_async(session: Any) -> None:
    """An aiobotocore session: its own async chain, with our async provider before its ``sso`` one.

    Only the credential chain changes (aiobotocore's token chain for bearer
    clients stays its own). An aiobotocore too old to have what the provider
    needs keeps its own chain, with one warning per process.
    """
    if not async_sessions_supported(session):
        return
    setattr(session, _REGISTERED_ATTR, True)
    session.lazy_register_component(
        "credential_provider", lambda: _or_botocores_own(build_async_resolver, session)
    )


MIN_AIOBOTOCORE = (2, 5, 4)
"""The oldest aiobotocore whose sessions resolve SSO profiles through this package (CI tests it)."""
_async_unsupported_warned = False


def async_sessions_supported(session: Any) -> bool:
    """Whether this aiobotocore is one the async provider works with; warns once when it is not."""
    global _async_unsupported_warned
    try:
        import aiobotocore

        version = _version_numbers(aiobotocore.__version__)
    except (ImportError, AttributeError, TypeError):
        version = (0,)
    # the private surface used: the session's own resolver factory (botocore's name, kept by aiobotocore)
    if version >= MIN_AIOBOTOCORE and callable(getattr(session, "_create_credential_resolver", None)):
        return True
    if not _async_unsupported_warned:
        _async_unsupported_warned = True
        shown = ".".join(str(part) for part in version) if version != (0,) else "of unknown version"
        warnings.warn(
            f"aiobotocore {shown} is older than {'.'.join(map(str, MIN_AIOBOTOCORE))}: its sessions keep "
            "their own SSO provider (no shared lock). Upgrade it: pip install -U aiobotocore",
            RuntimeWarning,
            stacklevel=3,
        )
    return False


def _version_numbers(version: str) -> tuple[int, ...]:
    """``"3.10.0"`` as ``(3, 10, 0)``; a pre-release's own numbers (``"3.11.0a1"``: ``(3, 11, 0)``)."""
    numbers = []
    for part in version.split(".")[:3]:
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers) or (0,)


def build_async_resolver(session: Any) -> Any:
    """aiobotocore's own resolver for ``session``, with our async provider before its ``sso`` one."""
    from .aio import AsyncSSOCredentialProvider  # imports aiobotocore: only for its own sessions

    resolver = session._create_credential_resolver()
    insert_provider(resolver, AsyncSSOCredentialProvider(session))
    _chain_source_profiles(resolver, session, AsyncSSOCredentialProvider)
    return resolver


def _or_botocores_own(build: Callable[[Any], Any], core: Any) -> Any:
    """``build(core)``; if this package cannot even load (half installed, corrupt), botocore's chain.

    A broken install of ours must never break what does not need us
    (environment keys, ...): one warning, and the session is pure botocore.
    A failure botocore's own chain meets too (a missing profile, a config it
    cannot parse) is the user's config, not our install: botocore's error
    alone, as botocore would raise it, and no warning.
    """
    try:
        return build(core)
    except Exception as err:
        failure = err
    fallback = _botocores_own(build, core)  # raises botocore's own error where the config is at fault
    global _load_failed_warned
    if not _load_failed_warned:
        _load_failed_warned = True
        warnings.warn(
            f"botocore-sso-provider could not load ({type(failure).__name__}: {failure}); botocore's own "
            "providers are used. Reinstall it: pip install --force-reinstall botocore-sso-provider",
            RuntimeWarning,
            stacklevel=2,
        )
    return fallback


def _botocores_own(build: Callable[[Any], Any], core: Any) -> Any:
    """botocore's own chain for what ``build`` would have made: the token chain or the credential one."""
    if build is build_token_resolver:
        from botocore.tokens import create_token_resolver

        return create_token_resolver(core)
    if build is build_async_resolver:
        return core._create_credential_resolver()
    return botocore.credentials.create_credential_resolver(
        core, region_name=getattr(core, "_last_client_region_used", None)
    )


_load_failed_warned = False


def build_activated_resolver(core: Any) -> Any:
    """``build_resolver(core)``, plus every other entry-point provider just before ``sso``."""
    from .credentials import SSOCredentialProvider

    resolver = build_resolver(core)
    for name, factory in provider_factories():
        if factory is SSOCredentialProvider:
            continue  # build_resolver put it there already
        try:
            provider = factory(core)
        except Exception as err:
            warn_once(name, f"could not be built: {type(err).__name__}: {err}")
            continue
        insert_provider(resolver, provider)
    return resolver
