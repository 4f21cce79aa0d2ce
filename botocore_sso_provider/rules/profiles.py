"""From botocore's parsed config to a validated SSO configuration.

A profile is an SSO profile when it names ``sso_account_id`` or
``sso_role_name`` (as botocore decides). It is either *legacy* (start URL and
region in the profile, token keyed by the start URL, not refreshable) or uses
an ``[sso-session NAME]`` section (token keyed by the session name,
refreshable). Anything wrong is reported naming the profile, the file and the
key, with the fix.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, NamedTuple, Optional

from ..errors import SSOConfigError
from ..store.files import is_region_name
from .keys import token_cache_key_of

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)
"""What a PKCE login registers and asks for when no sso_registration_scopes is set (as the CLI)."""

_PROFILE_KEYS = ("sso_account_id", "sso_role_name")
_ANY_SSO_KEYS = ("sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name")
_SESSION_KEYS = ("sso_start_url", "sso_region")


class SSOSessionConfig(NamedTuple):
    """Where a login lives: an sso-session (refreshable) or a legacy start URL.

    Named tuples, not dataclasses, because every warm resolution imports this
    module and a dataclass costs an ``exec`` at import.
    """

    start_url: str
    region: str
    name: Optional[str] = None
    scopes: Optional[tuple[str, ...]] = None
    """sso_registration_scopes as configured; None when the key is absent (the CLI's "scopes": null)."""
    profile: Optional[str] = None

    @property
    def refreshable(self) -> bool:
        return self.name is not None

    @property
    def token_cache_key(self) -> str:
        """The AWS CLI v2 file name (without .json) of this login's token."""
        return token_cache_key_of(session_name=self.name, start_url=self.start_url)

    @property
    def subject(self) -> str:
        """How messages name this login."""
        what = f'the sso-session "{self.name}"' if self.name else f"the start URL {self.start_url}"
        return f'{what} (profile "{self.profile}")' if self.profile else what


class SSOConfig(NamedTuple):
    """A resolved SSO profile: which login, and which account and role."""

    profile: str
    session: SSOSessionConfig
    account_id: str
    role_name: str


def config_file_path() -> str:
    """The config file botocore reads, for messages."""
    return os.path.expanduser(os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"))


def resolve_profile(full_config: Mapping[str, Any], profile: str) -> Optional[SSOConfig]:
    """The SSO configuration of ``profile``, or None when it is not an SSO profile."""
    profiles = full_config.get("profiles", {})
    values = profiles.get(profile)
    if not values or not any(key in values for key in _PROFILE_KEYS):
        return None
    missing = [key for key in _PROFILE_KEYS if not values.get(key)]
    if missing:
        raise _missing(profile, missing, "profile")
    session_name = values.get("sso_session")
    if session_name is not None:
        session = resolve_session(full_config, session_name, profile=profile)
        _check_agreement(profile, values, session_name, full_config.get("sso_sessions", {})[session_name])
    else:
        missing = [key for key in _SESSION_KEYS if not values.get(key)]
        if missing:
            raise _missing(profile, missing, "profile")
        _check_region(values["sso_region"], profile, "profile")
        session = SSOSessionConfig(
            start_url=values["sso_start_url"], region=values["sso_region"], profile=profile
        )
    return SSOConfig(
        profile=profile,
        session=session,
        account_id=str(values["sso_account_id"]),
        role_name=values["sso_role_name"],
    )


def resolve_session(
    full_config: Mapping[str, Any], name: str, profile: Optional[str] = None
) -> SSOSessionConfig:
    """The ``[sso-session NAME]`` section, validated."""
    sessions = full_config.get("sso_sessions", {})
    values = sessions.get(name)
    if values is None:
        owner = f'The profile "{profile}" names' if profile else "There is"
        raise SSOConfigError(
            error_msg=(
                f"{owner} sso_session = {name}, but {config_file_path()} has no "
                f"[sso-session {name}] section. Add it with sso_start_url and sso_region."
            )
        )
    missing = [key for key in _SESSION_KEYS if not values.get(key)]
    if missing:
        raise _missing(name, missing, "sso-session")
    _check_region(values["sso_region"], name, "sso-session")
    raw_scopes = values.get("sso_registration_scopes")
    scopes = None if raw_scopes is None else tuple(s.strip() for s in raw_scopes.split(",") if s.strip())
    return SSOSessionConfig(
        start_url=values["sso_start_url"],
        region=values["sso_region"],
        name=name,
        scopes=scopes,
        profile=profile,
    )


def session_for_login(
    full_config: Mapping[str, Any], *, profile: Optional[str], session_name: Optional[str]
) -> SSOSessionConfig:
    """The login a ``botocore-sso login`` call means: by sso-session, or by profile."""
    if session_name:
        return resolve_session(full_config, session_name)
    name = profile or "default"
    values = full_config.get("profiles", {}).get(name)
    if values is None:
        raise SSOConfigError(error_msg=f'The profile "{name}" does not exist in {config_file_path()}.')
    if values.get("sso_session"):
        return resolve_session(full_config, values["sso_session"], profile=name)
    if not any(key in values for key in _ANY_SSO_KEYS):
        raise SSOConfigError(
            error_msg=(
                f'The profile "{name}" has no SSO settings in {config_file_path()}. Add sso_session = NAME '
                "and an [sso-session NAME] section with sso_start_url and sso_region."
            )
        )
    missing = [key for key in _SESSION_KEYS if not values.get(key)]
    if missing:
        raise _missing(name, missing, "profile")
    _check_region(values["sso_region"], name, "profile")
    return SSOSessionConfig(start_url=values["sso_start_url"], region=values["sso_region"], profile=name)


def _check_agreement(
    profile: str, values: Mapping[str, Any], session_name: str, section: Mapping[str, Any]
) -> None:
    """As botocore does: every key both the profile and its sso-session set must have one value."""
    for key, value in section.items():
        if key in values and values[key] != value:
            where = _profile_section(profile)
            raise SSOConfigError(
                error_msg=(
                    f'The profile "{profile}" sets {key} = {values[key]} in {where}, '
                    f"but its sso-session sets {key} = {value} in [sso-session {session_name}] of "
                    f"{config_file_path()}. Make them agree, or remove {key} from {where}."
                )
            )


def _profile_section(name: str) -> str:
    return "[default]" if name == "default" else f"[profile {name}]"


def _check_region(region: str, name: str, kind: str) -> None:
    """A region botocore would refuse with a bare InvalidRegionError, named here with its place."""
    if not isinstance(region, str) or not is_region_name(region):
        section = f"[profile {name}]" if kind == "profile" else f"[sso-session {name}]"
        raise SSOConfigError(
            error_msg=(
                f"sso_region = {region!r} in {section} of {config_file_path()} is not a region name. "
                "Set it to the region of your IAM Identity Center, such as us-east-1."
            )
        )


def _missing(name: str, keys: list[str], kind: str) -> SSOConfigError:
    section = _profile_section(name) if kind == "profile" else f"[sso-session {name}]"
    return SSOConfigError(
        error_msg=(
            f'The {kind} "{name}" is configured for SSO but is missing {", ".join(keys)} '
            f"in {section} of {config_file_path()}. Add {'it' if len(keys) == 1 else 'them'}."
        )
    )
