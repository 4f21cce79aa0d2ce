"""What is logged in and cached, read from the files alone: no request, no secret shown.

``status`` answers from the config file (parsed by ``botocore.configloader``,
the host's own parser, without a botocore session) and the cache files. The
shell-prompt line (``status --short``) is answered by ``quick_status``
without botocore when it can, by the same rules (they live there), and
comes here for anything unusual and for every error. A login is *usable*
when credentials can be had now without a new login: fresh cached role
credentials, or an access token that is valid or can be refreshed. Whether a
refresh will really succeed (the portal session may have been ended) only
the service knows; ``refreshable`` says what the cache allows.
"""

from __future__ import annotations

import datetime
from typing import Any, Mapping, NamedTuple, Optional

from ..errors import SSOConfigError, login_command
from ..rules.keys import role_cache_key_of
from ..rules.profiles import SSOSessionConfig, config_file_path, resolve_profile, resolve_session
from ..rules.verdicts import after, now_utc, parse_time, prompt_line, refreshable, role_expiry, sso_root
from ..store import cache as _cache
from ..store.cache import JSONFileCache, role_cache_dir, token_cache_dir
from ..store.files import profile_name

_CLI_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# What the cache raises for a file it will not use: unparseable, and (where the cache checks
# ownership and file types) untrusted. Each carries ``path`` and ``reason``.
_UNREADABLE: tuple[type[Exception], ...] = tuple(
    getattr(_cache, name) for name in ("CacheFileCorrupt", "CachePathUnusable") if hasattr(_cache, name)
)
_UTC = datetime.timezone.utc


def format_time(moment: Optional[datetime.datetime]) -> Optional[str]:
    return moment.astimezone(_UTC).strftime(_CLI_FORMAT) if moment is not None else None


def load_config_file() -> dict[str, Any]:
    """The config file as botocore parses it (``profiles``, ``sso_sessions``); {} when absent."""
    import botocore.configloader
    from botocore.exceptions import ConfigNotFound

    try:
        return dict(botocore.configloader.load_config(config_file_path()))
    except ConfigNotFound:
        return {}


def role_cache_key(account_id: str, role_name: str, login: SSOSessionConfig) -> str:
    """The AWS CLI v2's role-credential file name; the same as ``credentials.role_cache_key``."""
    return role_cache_key_of(account_id, role_name, session_name=login.name, start_url=login.start_url)


class RoleCredentialStatus(NamedTuple):
    account_id: str
    role_name: str
    expires_at: Optional[datetime.datetime]

    def fresh(self, now: datetime.datetime) -> bool:
        return after(self.expires_at, now)

    def to_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "roleName": self.role_name,
            "expiresAt": format_time(self.expires_at),
        }


class LoginStatus(NamedTuple):
    """One sso-session or legacy start URL as the cache files describe it."""

    login: SSOSessionConfig
    token_found: bool
    expires_at: Optional[datetime.datetime]
    refreshable: bool
    registration_expires_at: Optional[datetime.datetime]
    role_credentials: tuple[RoleCredentialStatus, ...]
    problem: Optional[str]
    now: datetime.datetime  # the moment the files were read; every answer is about it

    @property
    def token_valid(self) -> bool:
        return after(self.expires_at, self.now)

    @property
    def logged_in(self) -> bool:
        """A token that works now, or one that can be refreshed without the user."""
        return self.token_valid or self.refreshable

    @property
    def usable(self) -> bool:
        return self.logged_in or any(role.fresh(self.now) for role in self.role_credentials)

    @property
    def label(self) -> str:
        return self.login.name if self.login.name is not None else self.login.start_url

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.login.name,
            "startUrl": self.login.start_url,
            "region": self.login.region,
            "loggedIn": self.logged_in,
            "expiresAt": format_time(self.expires_at),
            "refreshable": self.refreshable,
            "registrationExpiresAt": format_time(self.registration_expires_at),
            "roleCredentials": [role.to_json() for role in self.role_credentials],
        }
        if self.problem:
            data["problem"] = self.problem
        if not self.logged_in:
            data["fix"] = login_command(self.login.profile, self.login.name)
        return data


def login_status(
    login: SSOSessionConfig,
    roles: tuple[tuple[str, str], ...] = (),
    *,
    now: Optional[datetime.datetime] = None,
) -> LoginStatus:
    """Read one login's token file and the role-credential files of ``roles`` (account, role)."""
    moment = now or now_utc()
    problem: Optional[str] = None
    try:
        data = JSONFileCache(token_cache_dir).read(login.token_cache_key)
    except _UNREADABLE as err:
        data, problem = None, _problem("the token file", err)
    role_cache = JSONFileCache(role_cache_dir)
    role_states = tuple(
        RoleCredentialStatus(account_id, role_name, _role_expiry(role_cache, account_id, role_name, login))
        for account_id, role_name in roles
    )
    if not data or "accessToken" not in data:
        return LoginStatus(login, False, None, False, None, role_states, problem, moment)
    registration = parse_time(data.get("registrationExpiresAt"))
    return LoginStatus(
        login,
        True,
        parse_time(data.get("expiresAt")),
        refreshable(data, registration, session=login.refreshable, now=moment),
        registration,
        role_states,
        problem,
        moment,
    )


def _role_expiry(
    cache: JSONFileCache, account_id: str, role_name: str, login: SSOSessionConfig
) -> Optional[datetime.datetime]:
    try:
        return role_expiry(cache.read(role_cache_key(account_id, role_name, login)))
    except _UNREADABLE:
        return None


def all_logins(
    full_config: Mapping[str, Any], *, now: Optional[datetime.datetime] = None
) -> list[LoginStatus]:
    """Every sso-session section and every legacy start URL, with the roles its profiles name."""
    logins: dict[tuple[Optional[str], str], SSOSessionConfig] = {}
    roles: dict[tuple[Optional[str], str], list[tuple[str, str]]] = {}
    for name in full_config.get("sso_sessions", {}):
        try:
            session = resolve_session(full_config, name)
        except SSOConfigError:
            continue
        logins[(name, session.start_url)] = session
        roles[(name, session.start_url)] = []
    for profile in full_config.get("profiles", {}):
        try:
            resolved = resolve_profile(full_config, profile)
        except SSOConfigError:
            continue
        if resolved is None:
            continue
        key = (resolved.session.name, resolved.session.start_url)
        if key not in logins:
            logins[key] = SSOSessionConfig(
                resolved.session.start_url, resolved.session.region, profile=profile
            )
            roles[key] = []
        pair = (resolved.account_id, resolved.role_name)
        if pair not in roles[key]:
            roles[key].append(pair)
    return [login_status(logins[key], tuple(roles[key]), now=now) for key in logins]


class ProfileStatus(NamedTuple):
    """Whether one profile can get credentials now, and if not, the command that fixes it."""

    profile: str
    login: LoginStatus
    role: RoleCredentialStatus

    @property
    def usable(self) -> bool:
        return self.login.logged_in or self.role.fresh(self.login.now)

    @property
    def fix(self) -> Optional[str]:
        if self.usable:
            return None
        login = self.login.login  # for an assume-role profile, its SSO source's login
        return login_command(login.profile or self.profile, login.name)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.profile,
            "usable": self.usable,
            "accountId": self.role.account_id,
            "roleName": self.role.role_name,
            "credentialsExpireAt": format_time(self.role.expires_at),
            "fix": self.fix,
        }

    def short_line(self) -> str:
        """One line for a shell prompt: ``corp 3h12m``, ``corp refresh``, ``corp expired``."""
        login = self.login
        return prompt_line(
            login.label,
            token_found=login.token_found,
            expires_at=login.expires_at,
            can_refresh=login.refreshable,
            role_expires_at=self.role.expires_at,
            now=login.now,
        )


def profile_status(
    full_config: Mapping[str, Any], profile: str, *, now: Optional[datetime.datetime] = None
) -> ProfileStatus:
    """The status of ``profile``; SSOConfigError when it is not a working SSO profile.

    A profile that assumes a role from an SSO profile (``source_profile``,
    as deep as botocore allows) is as usable as the SSO profile at the root.
    """
    resolved = resolve_profile(full_config, sso_root(full_config.get("profiles", {}), profile))
    if resolved is None:
        if profile not in full_config.get("profiles", {}):
            message = f'The profile "{profile}" does not exist in {config_file_path()}.'
        else:
            message = (
                f'The profile "{profile}" is not an SSO profile (no sso_account_id or sso_role_name '
                f"in {config_file_path()}), so this package does not provide its credentials."
            )
        raise SSOConfigError(error_msg=message)
    pair = (resolved.account_id, resolved.role_name)
    login = login_status(resolved.session, (pair,), now=now)
    return ProfileStatus(profile, login, login.role_credentials[0])


def _problem(what: str, err: Exception) -> str:
    text = f"{what} {getattr(err, 'path', '?')} cannot be used ({getattr(err, 'reason', err)})"
    fix = getattr(err, "fix", None)
    return f"{text}. {fix}" if fix else text


def default_profile() -> str:
    """The profile botocore would use: AWS_DEFAULT_PROFILE, else AWS_PROFILE, else ``default``."""
    return profile_name(None)
