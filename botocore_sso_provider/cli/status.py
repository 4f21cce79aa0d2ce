"""What is logged in and cached, read from the files alone: no request, no secret shown.

``status`` answers from the config file (parsed by ``botocore.configloader``,
the host's own parser, without a botocore session) and the cache files. The
shell-prompt line (``status --short``) is answered by :mod:`.fast` without
botocore when it can, and comes here for anything unusual and for every
error. Both judge the files by :mod:`..rules` (records, their states, the
verdict), the rules the provider itself follows: ``usable`` here means the
provider gives credentials without a new login, ``refresh`` that it
refreshes the token first, ``login`` that it fails with an error naming the
login command. Whether a refresh will really succeed (the portal session
may have been ended) only the service knows.
"""

from __future__ import annotations

import datetime
from typing import Any, Mapping, NamedTuple, Optional, Union

from .. import settings
from ..errors import CorruptCacheError, SSOConfigError, login_command
from ..provider.config import resolve_profile, resolve_session
from ..rules import timestamps as clock
from ..rules.profiles import (
    ASSUME_ROLE,
    MISSING,
    SSO,
    WEB_IDENTITY,
    SSOSessionConfig,
    chosen_profile,
    sso_root,
)
from ..rules.profiles import route as profile_route
from ..rules.records import EXPIRED, FRESH, RoleRecord, TokenRecord, role_record, token_record
from ..rules.timestamps import format_timestamp
from ..rules.verdicts import LOGIN, login_verdict, prompt_line, verdict
from ..store.cache import JSONFileCache

Token = Union[TokenRecord, str, None]
Role = Union[RoleRecord, str, None]


def format_time(moment: Optional[datetime.datetime]) -> Optional[str]:
    return format_timestamp(moment) if moment is not None else None


def load_config_file() -> dict[str, Any]:
    """The config file as botocore parses it (``profiles``, ``sso_sessions``); {} when absent."""
    import botocore.configloader
    from botocore.exceptions import ConfigNotFound

    try:
        return dict(botocore.configloader.load_config(settings.config_file()))
    except ConfigNotFound:
        return {}


class RoleCredentialStatus(NamedTuple):
    account_id: str
    role_name: str
    record: Role
    """The role cache file's record; its problem (then fetched anew); None when there is none."""

    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        return self.record.local_expiration if isinstance(self.record, RoleRecord) else None

    def fresh(self, now: datetime.datetime) -> bool:
        return isinstance(self.record, RoleRecord) and self.record.state(now) == FRESH

    def to_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "roleName": self.role_name,
            "expiresAt": format_time(self.expires_at),
        }


class LoginStatus(NamedTuple):
    """One sso-session or legacy start URL as the cache files describe it."""

    login: SSOSessionConfig
    token: Token
    role_credentials: tuple[RoleCredentialStatus, ...]
    problem: Optional[str]
    now: datetime.datetime  # the moment the files were read; every answer is about it

    @property
    def token_found(self) -> bool:
        return isinstance(self.token, TokenRecord)

    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        return self.token.expires_at if isinstance(self.token, TokenRecord) else None

    @property
    def registration_expires_at(self) -> Optional[datetime.datetime]:
        return self.token.registration_expires_at if isinstance(self.token, TokenRecord) else None

    @property
    def refreshable(self) -> bool:
        return isinstance(self.token, TokenRecord) and self.token.refreshable(self.now)

    @property
    def token_valid(self) -> bool:
        return isinstance(self.token, TokenRecord) and self.token.state(self.now) != EXPIRED

    @property
    def logged_in(self) -> bool:
        """A token that works now, or one that can be refreshed without the user."""
        return login_verdict(self.token, self.now) != LOGIN

    @property
    def usable(self) -> bool:
        return self.logged_in or any(role.fresh(self.now) for role in self.role_credentials)

    @property
    def label(self) -> str:
        return self.login.label

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
    moment = now or clock.now()
    tokens = JSONFileCache(settings.token_cache_dir)
    problem: Optional[str] = None
    token: Token = None
    try:
        data = tokens.read(login.token_cache_key)
    except CorruptCacheError as err:  # an untrusted file (UnsafeCacheError) among them
        problem = _problem("the token file", err.path, err.reason)
        fix = getattr(err, "fix", None)
        problem = f"{problem}. {fix}" if fix else problem
        token = err.reason
    else:
        token = None if data is None else token_record(data)
        if isinstance(token, str):
            problem = _problem("the token file", tokens.path(login.token_cache_key), token)
    role_cache = JSONFileCache(settings.role_cache_dir)
    role_states = tuple(
        RoleCredentialStatus(account_id, role_name, _role(role_cache, account_id, role_name, login))
        for account_id, role_name in roles
    )
    return LoginStatus(login, token, role_states, problem, moment)


def _role(cache: JSONFileCache, account_id: str, role_name: str, login: SSOSessionConfig) -> Role:
    from ..rules.keys import role_cache_key_of

    key = role_cache_key_of(account_id, role_name, session_name=login.name, start_url=login.start_url)
    try:
        data = cache.read(key)
    except CorruptCacheError as err:
        return err.reason
    return None if data is None else role_record(data)


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
    def verdict(self) -> str:
        """USABLE, REFRESH or LOGIN (rules.verdicts): what the provider does with these files."""
        return verdict(self.login.token, self.role.record, self.login.now)

    @property
    def usable(self) -> bool:
        return self.verdict != LOGIN

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
            "verdict": self.verdict,
            "accountId": self.role.account_id,
            "roleName": self.role.role_name,
            "credentialsExpireAt": format_time(self.role.expires_at),
            "fix": self.fix,
        }

    def short_line(self) -> str:
        """One line for a shell prompt: ``corp 3h12m``, ``corp refresh``, ``corp expired``."""
        return prompt_line(self.login.label, self.login.token, self.role.record, self.login.now)


def profile_status(
    full_config: Mapping[str, Any], profile: str, *, now: Optional[datetime.datetime] = None
) -> ProfileStatus:
    """The status of ``profile``; SSOConfigError when it is not a working SSO profile.

    A profile that assumes a role from an SSO profile (``source_profile``,
    as deep as botocore allows) is as usable as the SSO profile at the root.
    """
    profiles = full_config.get("profiles", {})
    root = sso_root(profiles, profile)
    how = profile_route(profiles, root)
    resolved = resolve_profile(full_config, root) if how == SSO else None
    if resolved is None:
        raise SSOConfigError(error_msg=_not_ours(profile, root, how))
    pair = (resolved.account_id, resolved.role_name)
    login = login_status(resolved.session, (pair,), now=now)
    return ProfileStatus(profile, login, login.role_credentials[0])


def _not_ours(profile: str, root: str, how: str) -> str:
    where = settings.config_file()
    if how == MISSING:
        missing = root if root != profile else profile
        return f'The profile "{missing}" does not exist in {where}.'
    if how == ASSUME_ROLE:
        return (
            f'The profile "{root}" assumes a role (role_arn) with credentials that are not from SSO '
            f"(credential_source, or no source_profile) in {where}, so botocore resolves it without this "
            "package."
        )
    if how == WEB_IDENTITY:
        return (
            f'The profile "{root}" assumes a role with a web identity token (web_identity_token_file), '
            "which botocore tries before SSO, so this package does not provide its credentials."
        )
    return (
        f'The profile "{profile}" is not an SSO profile (no sso_account_id or sso_role_name '
        f"in {where}), so this package does not provide its credentials."
    )


def _problem(what: str, path: object, reason: object) -> str:
    return f"{what} {path} cannot be used ({reason})"


def default_profile() -> str:
    """The profile botocore would use (rules.profiles.chosen_profile), for messages."""
    return chosen_profile(None)
