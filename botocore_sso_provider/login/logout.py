"""Logging out: end the portal session, then delete the token and its role credentials.

For one session, the token file is read, Logout is called with its access
token, and the token file and the cached role credentials of every profile
in the config that uses this session are deleted. Other sessions' files are
left alone. ``log_out_everywhere`` sweeps as ``aws sso logout`` does: every
token file holding an ``accessToken`` and every ``ProviderType: sso`` role
file. A service that cannot be reached still means the local files are
deleted, with a warning. Nothing to delete is not an error: logging out twice
succeeds twice.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import CacheLockedError, CorruptCacheError, SSOConfigError
from ..provider.clients import portal_client
from ..provider.config import resolve_profile
from ..provider.faults import describe_failure
from ..rules.profiles import SSOSessionConfig
from ..settings import role_cache_dir, token_cache_dir
from ..store.cache import JSONFileCache

logger = logging.getLogger(__name__)


@dataclass
class LogoutReport:
    """What a logout did, for the command to print."""

    tokens_removed: int = 0
    role_files_removed: int = 0
    logout_calls: int = 0
    warnings: list[str] = field(default_factory=list)


def log_out(
    session: SSOSessionConfig,
    botocore_session: Any,
    *,
    token_cache: Optional[JSONFileCache] = None,
    role_cache: Optional[JSONFileCache] = None,
) -> LogoutReport:
    """Log out of one sso-session or legacy start URL."""
    tokens = token_cache if token_cache is not None else JSONFileCache(token_cache_dir)
    roles = role_cache if role_cache is not None else JSONFileCache(role_cache_dir)
    report = LogoutReport()
    key = session.token_cache_key
    try:
        data = tokens.read(key)
    except CorruptCacheError:
        data = {}
    if data is not None:
        _end_portal_session(data, session.region, botocore_session, report)
        _delete_token(tokens, key, report)
    for role_key in _role_keys_of(session, botocore_session.full_config):
        if roles.delete(role_key):
            report.role_files_removed += 1
    return report


def log_out_everywhere(
    botocore_session: Any,
    *,
    token_cache: Optional[JSONFileCache] = None,
    role_cache: Optional[JSONFileCache] = None,
) -> LogoutReport:
    """Every SSO token and SSO role credential in the caches, as ``aws sso logout`` sweeps."""
    tokens = token_cache if token_cache is not None else JSONFileCache(token_cache_dir)
    roles = role_cache if role_cache is not None else JSONFileCache(role_cache_dir)
    report = LogoutReport()
    for key, data in _json_files(tokens):
        if "accessToken" in data:
            _end_portal_session(data, None, botocore_session, report)
            _delete_token(tokens, key, report)
    for key, data in _json_files(roles):
        if data.get("ProviderType") == "sso" and roles.delete(key):
            report.role_files_removed += 1
    return report


def _end_portal_session(
    data: Mapping[str, Any], fallback_region: Optional[str], botocore_session: Any, report: LogoutReport
) -> None:
    access_token = data.get("accessToken")
    region = data.get("region") or fallback_region
    if not isinstance(access_token, str) or not access_token or not isinstance(region, str):
        return
    client = portal_client(botocore_session, region)
    try:
        client.logout(accessToken=access_token)
        report.logout_calls += 1
    except client.exceptions.UnauthorizedException:
        report.logout_calls += 1  # already ended or expired: the goal is met
    except (ClientError, BotoCoreError) as err:
        report.warnings.append(
            f"IAM Identity Center did not answer the logout ({describe_failure(err)}); the local files are "
            "deleted, but the portal session stays valid until it expires."
        )


def _delete_token(tokens: JSONFileCache, key: str, report: LogoutReport) -> None:
    """Delete under the token lock, so a refresh in flight cannot write the token back."""
    try:
        with tokens.lock(key):
            removed = tokens.delete(key)
    except CacheLockedError:
        removed = tokens.delete(key)
    if removed:
        report.tokens_removed += 1


def _role_keys_of(session: SSOSessionConfig, full_config: Mapping[str, Any]) -> set[str]:
    """The role-credential cache keys of every profile in the config that uses ``session``."""
    keys = set()
    for profile in full_config.get("profiles", {}):
        try:
            config = resolve_profile(full_config, profile)
        except SSOConfigError:
            continue
        if config is None:
            continue
        same = (
            config.session.name == session.name
            if session.name is not None
            else config.session.name is None and config.session.start_url == session.start_url
        )
        if same:
            keys.add(config.role_cache_key)
    return keys


def _json_files(cache: JSONFileCache) -> list[tuple[str, dict[str, Any]]]:
    try:
        names = sorted(os.listdir(cache.directory))
    except OSError:
        return []
    found = []
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        key = name[: -len(".json")]
        try:
            data = cache.read(key)
        except CorruptCacheError:
            continue
        if data is not None:
            found.append((key, data))
    return found
