"""The warm paths: answers from the shared caches without importing botocore, by the rules every path uses.

SDKs run ``botocore-sso credential-process`` once per process, and a shell
prompt runs ``status --short`` before every command line: each must cost
little more than a Python start, and importing botocore alone costs more
than that. So these read the config with ``configparser`` exactly as
botocore does (:mod:`..store.config_file`), the cache files with the strict
trusted reader (:mod:`..store.files`), and decide with :mod:`..rules`: which
profile, whether botocore's chain would give it to the SSO provider at all
(a profile that also assumes a role is never answered here), whether a
record is usable. They answer None whenever they are not sure (a file they
do not trust, a config they do not fully understand, any problem): the
caller then takes the full path, through botocore, which words every error.
"""

from __future__ import annotations

import os

from .. import settings
from ..rules import timestamps as clock
from ..rules.profiles import (
    SSO,
    SSOConfig,
    SSOSessionConfig,
    chosen_profile,
    profile_region,
    resolve_profile,
    route,
    session_for_login,
    sso_root,
)
from ..rules.records import FRESH, RoleRecord, TokenRecord, role_record, token_record
from ..store.files import load_config, read_ini, read_private_json
from .exporting import ProfileCredentials

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import datetime
    from typing import Any, Optional

_UNSURE = object()


def cached_credentials(profile: str) -> Optional[ProfileCredentials]:
    """``profile``'s role credentials from the shared cache when fresh and plainly ours; else None."""
    found = _sso_config(profile, root=False)
    if found is None or _credentials_file_names(profile):
        return None
    config, values = found
    record = role_record(_read(settings.role_cache_dir(), config.role_cache_key))
    if not isinstance(record, RoleRecord) or record.state(clock.now()) != FRESH:
        return None
    return ProfileCredentials(
        access_key=record.access_key,
        secret_key=record.secret_key,
        token=record.token,
        expiration=record.local_expiration,
        account_id=record.account_id or config.account_id,
        region=profile_region(values),
    )


def profile_credentials(profile: Optional[str] = None) -> ProfileCredentials:
    """The credentials of ``profile`` (default: as botocore picks it): cached, else resolved the full way."""
    name = chosen_profile(profile)
    cached = cached_credentials(name)
    if cached is not None:
        return cached
    from .credential_source import CredentialSource  # the full path, only on a miss: it loads botocore

    return CredentialSource(name).resolve()


def short_status(profile: Optional[str]) -> Optional[tuple[str, bool]]:
    """The prompt line of ``profile`` (default: as botocore picks it), and whether it is usable; or None.

    A profile that assumes a role from an SSO profile (``source_profile``)
    is as usable as the SSO profile at the root of its chain.
    """
    found = _sso_config(chosen_profile(profile), root=True)
    if found is None:
        return None
    config = found[0]
    token = _read(settings.token_cache_dir(), config.session.token_cache_key)
    role = _read(settings.role_cache_dir(), config.role_cache_key)
    if token is _UNSURE or role is _UNSURE:
        return None
    from ..rules.verdicts import LOGIN, prompt_line, verdict  # the prompt's only: credential-process skips it

    now = clock.now()
    token_answer = None if token is None else token_record(token)
    role_answer = None if role is None else role_record(role)
    line = prompt_line(config.session.label, token_answer, role_answer, now)
    return line, verdict(token_answer, role_answer, now) != LOGIN


def lasting_login(
    profile: Optional[str], session_name: Optional[str], margin: datetime.timedelta
) -> Optional[tuple[SSOSessionConfig, TokenRecord]]:
    """The login ``login --if-needed`` keeps as it is (its token valid for more than ``margin``); else None.

    A shell start-up file runs it every time; None sends the command the full
    way, which refreshes, logs in or words the problem.
    """
    config = load_config(settings.config_file())
    if config is None:
        return None
    profiles, sessions = config
    named = None if session_name else chosen_profile(profile)
    session = session_for_login(
        {"profiles": profiles, "sso_sessions": sessions}, profile=named, session_name=session_name
    )
    if not isinstance(session, SSOSessionConfig):
        return None
    data = _read(settings.token_cache_dir(), session.token_cache_key)
    record = token_record(data) if isinstance(data, dict) else None
    if not isinstance(record, TokenRecord) or record.state(clock.now(), margin) != FRESH:
        return None
    return session, record


def _sso_config(profile: str, *, root: bool) -> Optional[tuple[SSOConfig, dict[str, Any]]]:
    """The SSO settings botocore's chain would use for ``profile`` (or its chain's root), with the
    profile's section; None if unsure."""
    config = load_config(settings.config_file())
    if config is None:
        return None
    profiles, sessions = config
    if root:
        profile = sso_root(profiles, profile)
    if route(profiles, profile) != SSO:
        return None
    resolved = resolve_profile({"profiles": profiles, "sso_sessions": sessions}, profile)
    return (resolved, profiles[profile]) if isinstance(resolved, SSOConfig) else None


def _read(directory: str, key: str) -> Any:
    """A cache file's object; None when there is no file; ``_UNSURE`` when it is not ours to judge here."""
    path = os.path.join(directory, f"{key}.json")
    data = read_private_json(path)
    if data is None:
        return _UNSURE if os.path.lexists(path) else None
    return data if isinstance(data, dict) else _UNSURE


def _credentials_file_names(profile: str) -> bool:
    """Whether the credentials file has a section for ``profile`` (botocore merges it in: full path)."""
    path = settings.credentials_file()
    if not os.path.exists(path):
        return False
    sections = read_ini(path)
    return sections is None or profile in sections
