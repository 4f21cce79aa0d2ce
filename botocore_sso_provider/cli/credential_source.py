"""A profile's credentials for another program, the full way: through botocore, with this package's provider.

``credential-process``, ``export``, ``exec`` and ``serve`` hand a profile's
credentials to programs that are not Python. The warm answer comes from
:mod:`.fast` (no botocore, and not this module); anything else goes the full way: a botocore
session with this package's provider, which validates the config with
errors that name the fix and refreshes under the shared locks (N concurrent
runs make one GetRoleCredentials). A profile that botocore resolves with
something else (assume-role, web identity, static keys) is resolved by
botocore's chain, as any SDK would.

A profile whose own ``credential_process`` would call this package for that
same profile is refused, and so is any deeper loop (tracked in an
environment variable that nested runs inherit).
"""

from __future__ import annotations

import datetime
import json
import os

from .. import settings
from ..rules.profiles import SSO, chosen_profile, profile_region, route
from .exporting import ProfileCredentials

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Optional

CHAIN_VARIABLE = settings.CREDENTIAL_PROCESS_CHAIN_VARIABLE


def load_full_config() -> dict[str, Any]:
    """The config file as botocore parses it (profiles and sso-sessions); empty when absent."""
    import botocore.configloader
    from botocore.exceptions import ConfigNotFound

    try:
        return dict(botocore.configloader.load_config(settings.config_file()))
    except ConfigNotFound:
        return {}


class CredentialSource:
    """One profile's credentials, again and again (the credential server's source).

    Each call asks ``cached`` first (``fast.cached_credentials``: the shared
    cache, without botocore); the botocore session used when that has nothing
    fresh is built once and kept.
    """

    def __init__(
        self,
        profile: Optional[str] = None,
        cached: Optional[Callable[[str], Optional[ProfileCredentials]]] = None,
    ) -> None:
        self.profile = chosen_profile(profile)
        self._cached = cached
        self._session: Any = None
        self._credentials: Any = None
        import threading

        self._lock = threading.Lock()  # one resolution at a time: the loop marker is process-wide

    def get(self) -> ProfileCredentials:
        cached = self._cached(self.profile) if self._cached is not None else None
        return cached if cached is not None else self.resolve()

    def resolve(self) -> ProfileCredentials:
        """Through botocore's chain with this package's provider; refreshes under the shared locks."""
        full_config = load_full_config()
        if self.profile not in full_config.get("profiles", {}) and self.profile != "default":
            from botocore.exceptions import ProfileNotFound

            raise ProfileNotFound(profile=self.profile)  # as a botocore client would (not default's keys)
        refuse_loop(full_config, self.profile)
        with self._lock, _Resolving(self.profile):
            if self._session is None:
                import botocore.session

                from ..wiring import register

                self._session = botocore.session.Session(profile=self.profile)
                register(self._session)
            if self._credentials is None:
                self._credentials = self._session.get_credentials()
            if self._credentials is None:
                from ..errors import NoCredentialsError

                raise NoCredentialsError(profile=self.profile, config_file=settings.config_file())
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
            region=profile_region(full_config.get("profiles", {}).get(self.profile) or {}),
        )


def refuse_loop(full_config: Mapping[str, Any], profile: str) -> None:
    """Raise ``CredentialLoopError`` when resolving ``profile`` would run this command for it again."""
    chain = settings.credential_process_chain()
    if profile in chain:
        how = " -> ".join(f'"{name}"' for name in [*chain, profile])
        _raise_loop(profile, f"credential_process chain {how}")
    profiles = full_config.get("profiles", {})
    if route(profiles, profile) == SSO:
        return  # this package's provider answers an SSO profile before any credential_process
    values = profiles.get(profile) or {}
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
    return chosen_profile(None, environ)


def _raise_loop(profile: str, how: str) -> None:
    from ..errors import CredentialLoopError

    raise CredentialLoopError(profile=profile, how=how, config_file=settings.config_file())


class _Resolving:
    """Marks a profile as being resolved, for the credential processes botocore may start meanwhile."""

    def __init__(self, profile: str) -> None:
        self._profile = profile
        self._previous: Optional[str] = None

    def __enter__(self) -> None:
        self._previous = os.environ.get(CHAIN_VARIABLE)
        os.environ[CHAIN_VARIABLE] = json.dumps([*settings.credential_process_chain(), self._profile])

    def __exit__(self, *exc: Any) -> None:
        if self._previous is None:
            os.environ.pop(CHAIN_VARIABLE, None)
        else:
            os.environ[CHAIN_VARIABLE] = self._previous
