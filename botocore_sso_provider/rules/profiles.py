"""Which profile, what botocore's chain does with it, and its SSO settings: one answer for every path.

- **Which profile**: the one named, else ``AWS_DEFAULT_PROFILE`` if it is
  set, else ``AWS_PROFILE`` if it is set, else ``default``: botocore's order,
  and as in botocore a variable set to the empty string names the profile
  "" (which does not exist), not the next one.
- **Whose profile** (:func:`route`): botocore's chain asks the assume-role
  provider (``role_arn``) and the web-identity provider before ``sso``, so a
  profile carrying ``sso_*`` keys *and* ``role_arn`` is resolved by assuming
  that role, never from the SSO caches, by any path, warm or cold.
- **Its SSO settings** (:func:`resolve_profile`): a profile is an SSO
  profile when it names ``sso_account_id`` or ``sso_role_name``. It is either
  *legacy* (start URL and region in the profile, token keyed by the start
  URL) or uses an ``[sso-session NAME]`` section (token keyed by the session
  name, registration scopes). Anything wrong is a :class:`ConfigProblem`
  naming the profile, the file and the key, with the fix; the provider
  raises it as ``SSOConfigError``, the fast paths take the full path.

Standard library only, without ``typing``: the warm ``credential-process``
and ``status --short`` decide here too.
"""

from __future__ import annotations

import os
import re

from .. import settings
from .keys import role_cache_key_of, token_cache_key_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional, Union

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)
"""What a PKCE login registers and asks for when no sso_registration_scopes is set (as the CLI)."""

REGION_NAME = r"^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$"
"""botocore's rule for a region name (``botocore.utils.validate_region_name``); compiled at first use."""

ROLE_NAME = r"[A-Za-z0-9+=,.@_-]{1,64}"
"""An IAM role name (a permission set's name is one, and shorter): these characters, 1 to 64."""

SSO = "sso"
ASSUME_ROLE = "assume-role"
WEB_IDENTITY = "web-identity"
NOT_SSO = "not-sso"
MISSING = "missing"

IN_PROFILE = "profile"
IN_SESSION = "sso-session"
IN_BOTH = "both"
IN_SERVICES = "services"

_LOGIN_KEYS = (
    ("sso_session", IN_PROFILE, "The [sso-session NAME] section that holds the profile's login."),
    ("sso_start_url", IN_BOTH, "The AWS access portal URL: in the sso-session, or in a legacy profile."),
    ("sso_region", IN_BOTH, "IAM Identity Center's region; `login` corrects it for a vanity start URL."),
    ("sso_account_id", IN_PROFILE, "The role's account; with sso_role_name, it makes a profile SSO."),
    ("sso_role_name", IN_PROFILE, "The role to use in that account."),
)
CONFIG_KEYS: tuple[tuple[str, str, str], ...] = (
    *_LOGIN_KEYS,
    ("sso_registration_scopes", IN_SESSION, "Scopes a login registers for, comma-separated."),
    ("sso_auto_login", IN_BOTH, "true (or 1, yes, on): log in on demand where a terminal is there."),
    ("botocore_sso_generated", IN_PROFILE, "Marks what `populate` wrote: `--prune` removes only those."),
    ("role_arn", IN_PROFILE, "botocore assumes this role first: the profile is not resolved from SSO."),
    ("source_profile", IN_PROFILE, "An assume-role profile's source; `status` follows it to the SSO root."),
    ("credential_source", IN_PROFILE, "An assume-role profile's source outside the config: its chain ends."),
    ("web_identity_token_file", IN_PROFILE, "botocore tries web identity before SSO."),
    ("credential_process", IN_PROFILE, "For other tools; calling `credential-process` for itself is a loop."),
    ("region", IN_PROFILE, "Handed to `export` and `exec`, used by `console`, written by `populate`."),
    ("retry_mode", IN_PROFILE, "Set (or max_attempts): botocore's retries for our clients, not our bound."),
    ("max_attempts", IN_PROFILE, "Set (or retry_mode): botocore's retries for our clients, not our bound."),
    ("ca_bundle", IN_PROFILE, "The CAs our clients trust, and `login` when it resolves a vanity start URL."),
    ("services", IN_PROFILE, "The [services NAME] section whose `sso` and `sso-oidc` endpoints apply."),
    ("endpoint_url", IN_SERVICES, "Under `sso =` or `sso-oidc =` (or for every service, in a profile)."),
)
"""Every config key the package reads or writes, or honours through botocore: (key, where, one line).

Where: in a profile, an ``[sso-session]``, both, or a ``[services]``
section. The reference documentation is made from this, and a test holds
it to the keys the code looks up.
"""

_ANY_SSO_KEYS = tuple(key for key, _, _ in _LOGIN_KEYS)
_PROFILE_KEYS = ("sso_account_id", "sso_role_name")
_SESSION_KEYS = ("sso_start_url", "sso_region")


class ConfigProblem:
    """Why the config does not describe a usable SSO profile or session, in one sentence with the fix."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"ConfigProblem({self.message!r})"


class SSOSessionConfig:
    """Where a login lives: an sso-session (refreshable scopes, keyed by name) or a legacy start URL."""

    __slots__ = ("name", "profile", "region", "scopes", "start_url")

    def __init__(
        self,
        start_url: str,
        region: str,
        name: Optional[str] = None,
        scopes: Optional[tuple[str, ...]] = None,
        profile: Optional[str] = None,
    ) -> None:
        self.start_url = start_url
        self.region = region
        self.name = name
        self.scopes = scopes
        """sso_registration_scopes as configured; None when the key is absent (the CLI's "scopes": null)."""
        self.profile = profile

    def _fields(self) -> tuple[Any, ...]:
        return (self.start_url, self.region, self.name, self.scopes, self.profile)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SSOSessionConfig) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"SSOSessionConfig(start_url={self.start_url!r}, region={self.region!r}, name={self.name!r}, "
            f"scopes={self.scopes!r}, profile={self.profile!r})"
        )

    def in_region(self, region: str) -> SSOSessionConfig:
        """The same login, its service calls made in ``region``."""
        return SSOSessionConfig(self.start_url, region, self.name, self.scopes, self.profile)

    @property
    def refreshable(self) -> bool:
        """An sso-session login (legacy logins are refreshed too where their token file allows)."""
        return self.name is not None

    @property
    def token_cache_key(self) -> str:
        """The AWS CLI v2 file name (without .json) of this login's token."""
        return token_cache_key_of(session_name=self.name, start_url=self.start_url)

    @property
    def label(self) -> str:
        """The session name, or for a legacy login its start URL."""
        return self.name if self.name is not None else self.start_url

    @property
    def subject(self) -> str:
        """How messages name this login."""
        what = f'the sso-session "{self.name}"' if self.name else f"the start URL {self.start_url}"
        return f'{what} (profile "{self.profile}")' if self.profile else what


class SSOConfig:
    """A resolved SSO profile: which login, and which account and role."""

    __slots__ = ("account_id", "profile", "role_name", "session")

    def __init__(self, profile: str, session: SSOSessionConfig, account_id: str, role_name: str) -> None:
        self.profile = profile
        self.session = session
        self.account_id = account_id
        self.role_name = role_name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SSOConfig) and (
            self.profile,
            self.session,
            self.account_id,
            self.role_name,
        ) == (other.profile, other.session, other.account_id, other.role_name)

    def __hash__(self) -> int:
        return hash((self.profile, self.session, self.account_id, self.role_name))

    def __repr__(self) -> str:
        return (
            f"SSOConfig(profile={self.profile!r}, session={self.session!r}, "
            f"account_id={self.account_id!r}, role_name={self.role_name!r})"
        )

    @property
    def role_cache_key(self) -> str:
        """The AWS CLI v2 file name (without .json) of this role's cached credentials."""
        return role_cache_key_of(
            self.account_id, self.role_name, session_name=self.session.name, start_url=self.session.start_url
        )


def chosen_profile(named: Optional[str], environ: Optional[Mapping[str, str]] = None) -> str:
    """The profile botocore uses: ``named`` when given (even ""), else the environment's, else default."""
    if named is not None:
        return named
    from_environment = settings.profile_from_environment(environ)
    return from_environment if from_environment is not None else "default"


def route(
    profiles: Mapping[str, Any],
    profile: str,
    *,
    named: bool = True,
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """What botocore's chain does with ``profile``: SSO, ASSUME_ROLE, WEB_IDENTITY, NOT_SSO or MISSING.

    ``named``: the profile was given to the session by name (``Session(profile=...)``,
    every ``botocore-sso`` command): botocore then ignores the web-identity
    environment variables, as it ignores environment keys.
    """
    values = profiles.get(profile)
    if not isinstance(values, dict):
        return MISSING
    if "role_arn" in values and "web_identity_token_file" not in values:
        return ASSUME_ROLE  # botocore's AssumeRoleProvider comes before every profile provider
    env = os.environ if environ is None else environ
    if not named and settings.WEB_IDENTITY_TOKEN_FILE_VARIABLE in env:
        token_file: Any = env[settings.WEB_IDENTITY_TOKEN_FILE_VARIABLE]
    else:
        token_file = values.get("web_identity_token_file")
    if token_file:
        return WEB_IDENTITY  # before sso among the profile providers
    if any(key in values for key in _PROFILE_KEYS):
        return SSO
    return NOT_SSO


def sso_root(profiles: Mapping[str, Any], profile: str) -> str:
    """The profile at the root of ``profile``'s ``source_profile`` chain (``profile`` itself if none).

    Each link is an assume-role profile whose credentials come from another
    profile; a ``credential_source`` or a loop ends the chain where it is.
    """
    seen = {profile}
    current = profile
    while route(profiles, current) == ASSUME_ROLE:
        source = profiles[current].get("source_profile")
        if not isinstance(source, str) or not source or source in seen:
            return current
        seen.add(source)
        current = source
    return current


def profile_region(values: Mapping[str, Any]) -> Optional[str]:
    """The ``region`` a profile's section names, for the programs it hands credentials to; None if none."""
    region = values.get("region")
    return region if isinstance(region, str) and region else None


def is_region_name(region: object) -> bool:
    """Whether botocore would take ``region`` as a region name."""
    return isinstance(region, str) and re.match(REGION_NAME, region) is not None


def is_role_name(name: object) -> bool:
    """Whether ``name`` is an IAM role name, as AWS sends them (so a safe path segment too)."""
    return isinstance(name, str) and re.fullmatch(ROLE_NAME, name, re.ASCII) is not None


def resolve_profile(full_config: Mapping[str, Any], profile: str) -> Union[SSOConfig, ConfigProblem, None]:
    """The SSO configuration of ``profile``; None when it is not an SSO profile; else the problem."""
    values = full_config.get("profiles", {}).get(profile)
    if not isinstance(values, dict) or not any(key in values for key in _PROFILE_KEYS):
        return None
    problem = _missing_or_not_text(profile, values, _PROFILE_KEYS, "profile")
    if problem is not None:
        return problem
    session_name = values.get("sso_session")
    session: Union[SSOSessionConfig, ConfigProblem]
    if session_name is not None:
        session = resolve_session(full_config, session_name, profile=profile)
        if isinstance(session, ConfigProblem):
            return session
        disagreement = _disagreement(profile, values, session_name, full_config["sso_sessions"][session_name])
        if disagreement is not None:
            return disagreement
    else:
        session = _legacy_session(profile, values)
        if isinstance(session, ConfigProblem):
            return session
    return SSOConfig(profile, session, values["sso_account_id"], values["sso_role_name"])


def resolve_session(
    full_config: Mapping[str, Any], name: object, profile: Optional[str] = None
) -> Union[SSOSessionConfig, ConfigProblem]:
    """The ``[sso-session NAME]`` section, validated."""
    values = full_config.get("sso_sessions", {}).get(name) if isinstance(name, str) else None
    if not isinstance(values, dict):
        owner = f'The profile "{profile}" names' if profile else "There is"
        return ConfigProblem(
            f"{owner} sso_session = {name}, but {settings.config_file()} has no "
            f"[sso-session {name}] section. Add it with sso_start_url and sso_region."
        )
    assert isinstance(name, str)
    problem = _missing_or_not_text(name, values, _SESSION_KEYS, "sso-session") or _bad_region(
        values["sso_region"], name, "sso-session"
    )
    if problem is not None:
        return problem
    raw_scopes = values.get("sso_registration_scopes")
    scopes = (
        tuple(s.strip() for s in raw_scopes.split(",") if s.strip()) if isinstance(raw_scopes, str) else None
    )
    return SSOSessionConfig(values["sso_start_url"], values["sso_region"], name, scopes, profile)


def session_for_login(
    full_config: Mapping[str, Any], *, profile: Optional[str], session_name: Optional[str]
) -> Union[SSOSessionConfig, ConfigProblem]:
    """The login a ``botocore-sso login`` call means: by sso-session, or by profile."""
    if session_name:
        return resolve_session(full_config, session_name)
    name = profile or "default"
    values = full_config.get("profiles", {}).get(name)
    if not isinstance(values, dict):
        return ConfigProblem(f'The profile "{name}" does not exist in {settings.config_file()}.')
    if values.get("sso_session"):
        return resolve_session(full_config, values["sso_session"], profile=name)
    if not any(key in values for key in _ANY_SSO_KEYS):
        return ConfigProblem(
            f'The profile "{name}" has no SSO settings in {settings.config_file()}. Add sso_session = NAME '
            "and an [sso-session NAME] section with sso_start_url and sso_region."
        )
    return _legacy_session(name, values)


def _legacy_session(profile: str, values: Mapping[str, Any]) -> Union[SSOSessionConfig, ConfigProblem]:
    problem = _missing_or_not_text(profile, values, _SESSION_KEYS, "profile") or _bad_region(
        values["sso_region"], profile, "profile"
    )
    if problem is not None:
        return problem
    return SSOSessionConfig(values["sso_start_url"], values["sso_region"], profile=profile)


def _disagreement(
    profile: str, values: Mapping[str, Any], session_name: str, section: Mapping[str, Any]
) -> Optional[ConfigProblem]:
    """As botocore does: every key both the profile and its sso-session set must have one value."""
    for key, value in section.items():
        if key in values and values[key] != value:
            where = _section(profile, "profile")
            return ConfigProblem(
                f'The profile "{profile}" sets {key} = {values[key]} in {where}, '
                f"but its sso-session sets {key} = {value} in [sso-session {session_name}] of "
                f"{settings.config_file()}. Make them agree, or remove {key} from {where}."
            )
    return None


def _section(name: str, kind: str) -> str:
    if kind == "profile":
        return "[default]" if name == "default" else f"[profile {name}]"
    return f"[sso-session {name}]"


def _bad_region(region: object, name: str, kind: str) -> Optional[ConfigProblem]:
    """A region botocore would refuse with a bare InvalidRegionError, named here with its place."""
    if is_region_name(region):
        return None
    return ConfigProblem(
        f"sso_region = {region!r} in {_section(name, kind)} of {settings.config_file()} is not a region "
        "name. Set it to the region of your IAM Identity Center, such as us-east-1."
    )


def _missing_or_not_text(
    name: str, values: Mapping[str, Any], keys: tuple[str, ...], kind: str
) -> Optional[ConfigProblem]:
    missing = [key for key in keys if not values.get(key)]
    if missing:
        return ConfigProblem(
            f'The {kind} "{name}" is configured for SSO but is missing {", ".join(missing)} '
            f"in {_section(name, kind)} of {settings.config_file()}. "
            f"Add {'it' if len(missing) == 1 else 'them'}."
        )
    nested = [key for key in keys if not isinstance(values[key], str)]
    if nested:
        return ConfigProblem(
            f"{nested[0]} in {_section(name, kind)} of {settings.config_file()} is a block of settings, "
            "not one value. Write it on one line: key = value."
        )
    return None
