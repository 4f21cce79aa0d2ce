"""A profile's credentials for another program, as cheaply as the shared caches allow.

SDKs in other languages run ``botocore-sso credential-process`` once per
process, so the warm path is a Python start plus two small file reads: the
config (botocore's own parser, ``botocore.configloader``) and the role's
cache file. It imports neither boto3 nor ``botocore.session`` nor the
provider. Only when the cached role credentials are missing or not fresh does
it build a botocore session with this package's provider, which refreshes
under the shared locks (N concurrent runs make one GetRoleCredentials).

Profiles that are not SSO profiles (an assume-role profile on top of an SSO
one, static keys) go through the botocore session as well. A profile whose
own ``credential_process`` would call this package for that same profile is
refused, and so is any deeper loop (tracked in an environment variable that
nested runs inherit).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shlex
import threading
from typing import Any, Iterator, Mapping, Optional

from .cache import CacheFileCorrupt, JSONFileCache, role_cache_dir
from .cache_keys import role_cache_key
from .config import config_file_path, resolve_profile
from .exporting import ProfileCredentials

FRESH_FOR = datetime.timedelta(minutes=15)
"""Cached role credentials with less than this left are refreshed first: the provider's
advisory window (``credentials.ADVISORY_REFRESH_WINDOW``), so an SDK that refreshes at
its own 15-minute mark never gets back the credentials it is replacing."""

CHAIN_VARIABLE = "BOTOCORE_SSO_CREDENTIAL_PROCESS_CHAIN"
"""The profiles being resolved by enclosing runs (a JSON list), to refuse loops."""

PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def profile_name(profile: Optional[str], environ: Mapping[str, str] = os.environ) -> str:
    """The profile botocore would use: the one named, else $AWS_PROFILE, else ``default``."""
    for candidate in (profile, *(environ.get(name) for name in PROFILE_VARIABLES)):
        if candidate:
            return candidate
    return "default"


def load_full_config() -> dict[str, Any]:
    """The config file as botocore parses it (profiles and sso-sessions); empty when absent."""
    from botocore.configloader import load_config
    from botocore.exceptions import ConfigNotFound

    try:
        return dict(load_config(config_file_path()))
    except ConfigNotFound:
        return {}


def cached_credentials(full_config: Mapping[str, Any], profile: str) -> Optional[ProfileCredentials]:
    """The profile's role credentials from the shared cache when fresh; None otherwise.

    Raises ``SSOConfigError`` for an SSO profile that is configured wrong.
    """
    config = resolve_profile(full_config, profile)
    if config is None:
        return None
    try:
        data = JSONFileCache(role_cache_dir).read(role_cache_key(config))
    except CacheFileCorrupt:
        return None  # the provider fetches again and rewrites it
    if not data or data.get("ProviderType", "sso") != "sso":
        return None
    creds = data.get("Credentials")
    if not isinstance(creds, Mapping):
        return None
    try:
        expiration = parse_expiration(creds["Expiration"])
        credentials = ProfileCredentials(
            access_key=str(creds["AccessKeyId"]),
            secret_key=str(creds["SecretAccessKey"]),
            token=str(creds["SessionToken"]),
            expiration=expiration,
            account_id=creds.get("AccountId") or config.account_id,
            region=_region(full_config, profile),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if expiration - datetime.datetime.now(datetime.timezone.utc) <= FRESH_FOR:
        return None
    return credentials


def parse_expiration(text: str) -> datetime.datetime:
    """The CLI's ``...Z`` timestamps without importing dateutil; other forms as the provider reads them."""
    if text.endswith("Z"):
        with contextlib.suppress(ValueError):
            return datetime.datetime.fromisoformat(text[:-1]).replace(tzinfo=datetime.timezone.utc)
    from .clock import parse_timestamp

    return parse_timestamp(text)


def profile_credentials(profile: Optional[str] = None) -> ProfileCredentials:
    """The credentials of ``profile`` (default: as botocore picks it): cached, else resolved."""
    name = profile_name(profile)
    full_config = load_full_config()
    cached = cached_credentials(full_config, name)
    if cached is not None:
        return cached
    return CredentialSource(name).resolve(full_config)


class CredentialSource:
    """One profile's credentials, again and again (the credential server's source).

    Each call reads the shared cache first; the botocore session used when the
    cache is not fresh is built once and kept.
    """

    def __init__(self, profile: Optional[str] = None) -> None:
        self.profile = profile_name(profile)
        self._session: Any = None
        self._credentials: Any = None
        self._lock = threading.Lock()  # one resolution at a time: the loop marker is process-wide

    def get(self) -> ProfileCredentials:
        full_config = load_full_config()
        cached = cached_credentials(full_config, self.profile)
        if cached is not None:
            return cached
        return self.resolve(full_config)

    def resolve(self, full_config: Mapping[str, Any]) -> ProfileCredentials:
        """Through botocore's chain with this package's provider; refreshes under the shared locks."""
        refuse_loop(full_config, self.profile)
        with self._lock, _resolving(self.profile):
            if self._session is None:
                import botocore.session

                from .activation import register

                self._session = botocore.session.Session(profile=self.profile)
                register(self._session)
            if self._credentials is None:
                self._credentials = self._session.get_credentials()
            if self._credentials is None:
                from .errors import NoCredentialsError

                raise NoCredentialsError(profile=self.profile, config_file=config_file_path())
            frozen = self._credentials.get_frozen_credentials()
            # RefreshableCredentials keeps its expiry private; the AWS CLI's export-credentials reads it too.
            expiration = getattr(self._credentials, "_expiry_time", None)
        return ProfileCredentials(
            access_key=frozen.access_key,
            secret_key=frozen.secret_key,
            token=frozen.token,
            expiration=expiration.astimezone(datetime.timezone.utc) if expiration else None,
            account_id=getattr(frozen, "account_id", None) or getattr(self._credentials, "account_id", None),
            region=_region(full_config, self.profile),
        )


def refuse_loop(full_config: Mapping[str, Any], profile: str) -> None:
    """Raise ``CredentialLoopError`` when resolving ``profile`` would run this command for it again."""
    chain = _chain()
    if profile in chain:
        how = " -> ".join(f'"{name}"' for name in [*chain, profile])
        _raise_loop(profile, f"credential_process chain {how}")
    values = full_config.get("profiles", {}).get(profile) or {}
    command = values.get("credential_process")
    if command and calls_us_for(command) == profile:
        _raise_loop(profile, f"credential_process = {command}")


def calls_us_for(command: str, environ: Mapping[str, str] = os.environ) -> Optional[str]:
    """The profile a ``credential_process`` command asks botocore-sso for; None if it is not ours."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    ours = any(
        os.path.basename(word).startswith("botocore-sso") or "botocore_sso_provider" in word for word in words
    )
    if not ours or ("credential-process" not in words and "export" not in words):
        return None
    for index, word in enumerate(words):
        if word == "--profile" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--profile="):
            return word.partition("=")[2]
    return profile_name(None, environ)


def _raise_loop(profile: str, how: str) -> None:
    from .errors import CredentialLoopError

    raise CredentialLoopError(profile=profile, how=how, config_file=config_file_path())


def _chain() -> list[str]:
    try:
        chain = json.loads(os.environ.get(CHAIN_VARIABLE, "[]"))
    except ValueError:
        return []
    return [str(name) for name in chain] if isinstance(chain, list) else []


@contextlib.contextmanager
def _resolving(profile: str) -> Iterator[None]:
    """Mark ``profile`` as being resolved for the credential processes botocore may start meanwhile."""
    previous = os.environ.get(CHAIN_VARIABLE)
    os.environ[CHAIN_VARIABLE] = json.dumps([*_chain(), profile])
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CHAIN_VARIABLE, None)
        else:
            os.environ[CHAIN_VARIABLE] = previous


def _region(full_config: Mapping[str, Any], profile: str) -> Optional[str]:
    values = full_config.get("profiles", {}).get(profile) or {}
    region = values.get("region")
    return str(region) if region else None
