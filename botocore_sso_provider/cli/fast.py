"""A profile's credentials for another program, as cheaply as the shared caches allow.

SDKs in other languages run ``botocore-sso credential-process`` once per
process, so the warm path is a Python start plus two small file reads: the
config and the role's cache file. It imports no part of botocore (importing
botocore alone costs more than a Python start): ``quick_files`` reads both
files without it, as botocore and ``cache.py`` would. It serves only what it
fully understands: a plain SSO profile (legacy or sso-session) whose cache
file is ours, private and fresh. Anything else, including every error, goes
the full way: a botocore session with this package's provider, which
validates the config with errors that name the fix and refreshes under the
shared locks (N concurrent runs make one GetRoleCredentials).

Profiles that are not SSO profiles (an assume-role profile on top of an SSO
one, static keys) take the full way too. A profile whose own
``credential_process`` would call this package for that same profile is
refused, and so is any deeper loop (tracked in an environment variable that
nested runs inherit).
"""

from __future__ import annotations

import datetime
import json
import os

from ..rules.credential_values import cached_credentials_problem
from ..rules.keys import role_cache_key_of
from ..store.files import (
    config_path,
    load_config,
    plain_sso_profile,
    profile_name,
    read_ini,
    read_private_json,
    role_cache_dir,
)
from .exporting import ProfileCredentials

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

FRESH_FOR = datetime.timedelta(minutes=15)
"""Cached role credentials with less than this left are refreshed first: the provider's
advisory window (``credentials.ADVISORY_REFRESH_WINDOW``), so an SDK that refreshes at
its own 15-minute mark never gets back the credentials it is replacing."""

CHAIN_VARIABLE = "BOTOCORE_SSO_CREDENTIAL_PROCESS_CHAIN"
"""The profiles being resolved by enclosing runs (a JSON list), to refuse loops."""


def load_full_config() -> dict[str, Any]:
    """The config file as botocore parses it (profiles and sso-sessions); empty when absent."""
    import botocore.configloader
    from botocore.exceptions import ConfigNotFound

    try:
        return dict(botocore.configloader.load_config(config_path()))
    except ConfigNotFound:
        return {}


def cached_credentials(profile: str) -> Optional[ProfileCredentials]:
    """The profile's role credentials from the shared cache when fresh and plainly ours; else None.

    Never raises for a config or cache problem: None sends the caller the full
    way, where such problems are reported properly.
    """
    config = load_config(config_path())
    if config is None or _credentials_file_names(profile):
        return None
    profiles, sessions = config
    sso = plain_sso_profile(profiles, sessions, profile)
    if sso is None:
        return None
    key = role_cache_key_of(
        sso.account_id, sso.role_name, session_name=sso.session_name, start_url=sso.start_url
    )
    data = read_private_json(os.path.join(role_cache_dir(), f"{key}.json"))
    if not isinstance(data, dict) or data.get("ProviderType", "sso") != "sso":
        return None
    creds = data.get("Credentials")
    if not isinstance(creds, dict):
        return None
    if cached_credentials_problem(creds) is not None:
        return None  # another tool's file holding what no key holds: the full path fetches anew
    region = profiles[profile].get("region")
    try:
        expiration = parse_expiration(creds["Expiration"])
        credentials = ProfileCredentials(
            access_key=creds["AccessKeyId"],
            secret_key=creds["SecretAccessKey"],
            token=creds["SessionToken"],
            expiration=expiration,
            account_id=str(creds.get("AccountId") or sso.account_id),
            region=region if isinstance(region, str) and region else None,
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if expiration - datetime.datetime.now(datetime.timezone.utc) <= FRESH_FOR:
        return None
    return credentials


def parse_expiration(text: str) -> datetime.datetime:
    """The CLI's ``...Z`` timestamps without importing dateutil; other forms as the provider reads them."""
    if text.endswith("Z"):
        try:
            return datetime.datetime.fromisoformat(text[:-1]).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    from ..rules.clock import parse_timestamp

    return parse_timestamp(text)


def _credentials_file_names(profile: str) -> bool:
    """Whether the credentials file has a section for ``profile`` (botocore merges it in: full path)."""
    path = config_path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
    if not os.path.exists(path):
        return False
    sections = read_ini(path)
    return sections is None or profile in sections


def profile_credentials(profile: Optional[str] = None) -> ProfileCredentials:
    """The credentials of ``profile`` (default: as botocore picks it): cached, else resolved."""
    name = profile_name(profile)
    cached = cached_credentials(name)
    if cached is not None:
        return cached
    return CredentialSource(name).resolve()


class CredentialSource:
    """One profile's credentials, again and again (the credential server's source).

    Each call reads the shared cache first; the botocore session used when the
    cache is not fresh is built once and kept.
    """

    def __init__(self, profile: Optional[str] = None) -> None:
        self.profile = profile_name(profile)
        self._session: Any = None
        self._credentials: Any = None
        import threading

        self._lock = threading.Lock()  # one resolution at a time: the loop marker is process-wide

    def get(self) -> ProfileCredentials:
        cached = cached_credentials(self.profile)
        if cached is not None:
            return cached
        return self.resolve()

    def resolve(self) -> ProfileCredentials:
        """Through botocore's chain with this package's provider; refreshes under the shared locks."""
        full_config = load_full_config()
        refuse_loop(full_config, self.profile)
        with self._lock, _Resolving(self.profile):
            if self._session is None:
                import botocore.session

                from ..provider.activation import register

                self._session = botocore.session.Session(profile=self.profile)
                register(self._session)
            if self._credentials is None:
                self._credentials = self._session.get_credentials()
            if self._credentials is None:
                from ..errors import NoCredentialsError

                raise NoCredentialsError(profile=self.profile, config_file=config_path())
            frozen = self._credentials.get_frozen_credentials()
            # RefreshableCredentials keeps its expiry private; the AWS CLI's export-credentials reads it too.
            expiration = getattr(self._credentials, "_expiry_time", None)
        return ProfileCredentials(
            access_key=frozen.access_key,
            secret_key=frozen.secret_key,
            token=frozen.token,
            expiration=expiration.astimezone(datetime.timezone.utc) if expiration else None,
            account_id=getattr(frozen, "account_id", None)  # botocore 1.35 and later
            or ((full_config.get("profiles", {}).get(self.profile) or {}).get("sso_account_id")),
            region=_region(full_config, self.profile),
        )


def refuse_loop(full_config: Mapping[str, Any], profile: str) -> None:
    """Raise ``CredentialLoopError`` when resolving ``profile`` would run this command for it again."""
    chain = _chain()
    if profile in chain:
        how = " -> ".join(f'"{name}"' for name in [*chain, profile])
        _raise_loop(profile, f"credential_process chain {how}")
    values = full_config.get("profiles", {}).get(profile) or {}
    if "sso_account_id" in values or "sso_role_name" in values:
        return  # this package's provider answers an SSO profile before any credential_process
    command = values.get("credential_process")
    if command and calls_us_for(command) == profile:
        _raise_loop(profile, f"credential_process = {command}")


def calls_us_for(command: str, environ: Mapping[str, str] = os.environ) -> Optional[str]:
    """The profile a ``credential_process`` command asks botocore-sso for; None if it is not ours."""
    import shlex

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
    from ..errors import CredentialLoopError

    raise CredentialLoopError(profile=profile, how=how, config_file=config_path())


def _chain() -> list[str]:
    try:
        chain = json.loads(os.environ.get(CHAIN_VARIABLE, "[]"))
    except ValueError:
        return []
    return [str(name) for name in chain] if isinstance(chain, list) else []


class _Resolving:
    """Marks a profile as being resolved, for the credential processes botocore may start meanwhile."""

    def __init__(self, profile: str) -> None:
        self._profile = profile
        self._previous: Optional[str] = None

    def __enter__(self) -> None:
        self._previous = os.environ.get(CHAIN_VARIABLE)
        os.environ[CHAIN_VARIABLE] = json.dumps([*_chain(), self._profile])

    def __exit__(self, *exc: Any) -> None:
        if self._previous is None:
            os.environ.pop(CHAIN_VARIABLE, None)
        else:
            os.environ[CHAIN_VARIABLE] = self._previous


def _region(full_config: Mapping[str, Any], profile: str) -> Optional[str]:
    values = full_config.get("profiles", {}).get(profile) or {}
    region = values.get("region")
    return str(region) if region else None
