"""The errors a user can meet, each saying what happened and the command that fixes it.

Every class subclasses the botocore exceptions that callers of botocore already
catch, so code written against botocore's native SSO support keeps working:
where botocore's own provider raises ``SSOTokenLoadError`` (no token, a token
file without ``accessToken`` or ``expiresAt``), ``TokenRetrievalError`` (an
sso-session token that expired and cannot be refreshed) or a ``ClientError``
(ForbiddenException from GetRoleCredentials), ours is an instance of the same
class, with our message.
Messages are templates kept as class data (``fmt``), so tests can match them,
and they are filled only with names, paths and commands: never a token,
client secret or key.
"""

from __future__ import annotations

import shlex
from typing import Any, Optional

from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    InvalidConfigError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

LOGIN_COMMAND = "botocore-sso login"


def login_command(profile: Optional[str] = None, session_name: Optional[str] = None) -> str:
    """The exact command that gets a fresh login for a profile or an sso-session.

    Names are quoted for a POSIX shell (``shlex.quote``): the command is
    pasted into shells, and a name may hold ``$(...)``.
    """
    if session_name:
        return f"{LOGIN_COMMAND} --sso-session {shlex.quote(session_name)}"
    if profile and profile != "default":
        return f"{LOGIN_COMMAND} --profile {shlex.quote(profile)}"
    return LOGIN_COMMAND


class SSOProviderError(Exception):
    """Marker base: every error this package raises on purpose is one of these."""

    kwargs: dict[str, Any]
    summary = "SSO credentials unavailable"
    """A few words for callers of the botocore bases that read ``kwargs["error_msg"]``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("provider", "sso")
        kwargs.setdefault("error_msg", kwargs.get("reason") or self.summary)
        super().__init__(**kwargs)  # the botocore base formats ``fmt`` with these


class SSOConfigError(SSOProviderError, InvalidConfigError):
    """The config file does not describe a usable SSO profile."""

    fmt = "{error_msg}"


class NotLoggedInError(SSOProviderError, SSOTokenLoadError, UnauthorizedSSOTokenError):
    """No cached login exists for this session or start URL."""

    fmt = "There is no SSO login for {subject}. Run: {command}"


class TokenExpiredError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The cached access token has expired and cannot be refreshed."""

    fmt = "The SSO login for {subject} has expired. Run: {command}"


class SessionEndedError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The portal session behind the refresh token is over (invalid_grant)."""

    fmt = "The SSO session for {subject} has ended. Run: {command}"


class RegistrationExpiredError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The OIDC client registration stored with the token has expired."""

    fmt = (
        "The client registration for {subject} has expired, so the login cannot be refreshed. Run: {command}"
    )


class UnwritableCacheError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The token expired where the cache cannot be written: refreshing would spend the shared refresh token.

    Not among ``LOGIN_NEEDED``: a login here could not be saved either.
    """

    fmt = (
        "The SSO login for {subject} has expired and was not refreshed, because the token cache {directory} "
        "cannot be written ({problem}) and a refresh here would spend the refresh token every other process "
        "shares: refresh it where the cache is writable ({command}, or any AWS call there), or make it "
        "writable (to refresh in this process's memory only, set {switch}=1)."
    )

    summary = "SSO token expired and the token cache cannot be written"


LOGIN_NEEDED = (NotLoggedInError, TokenExpiredError, SessionEndedError, RegistrationExpiredError)
"""The errors only a new login fixes (one on demand, where the user opted in)."""


class CorruptCacheError(SSOProviderError, SSOTokenLoadError, UnauthorizedSSOTokenError):
    """A cache file cannot be read as the JSON it must hold."""

    fmt = "The SSO cache file {path} for {subject} is unreadable ({reason}). Run: {command}"


class RoleAccessDeniedError(SSOProviderError, CredentialRetrievalError, ClientError):
    """The logged-in user may not use this account and role.

    Also the ``ClientError`` botocore's own provider lets through: ``response``
    and ``operation_name`` are GetRoleCredentials' own, so callers that read
    ``err.response["Error"]["Code"]`` (``ForbiddenException``) keep working.
    """

    fmt = (
        'The SSO user may not use role "{role_name}" in account {account_id}, which profile "{profile}" '
        "names. Check sso_account_id and sso_role_name in {config_file}, or log in as a user who has "
        "that role: {command}"
    )

    summary = "access denied"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # BotoCoreError's __init__: ClientError's is not called
        self.response: dict[str, Any] = kwargs.get("response") or {"Error": {"Code": "ForbiddenException"}}
        self.operation_name: str = kwargs.get("operation_name") or "GetRoleCredentials"


class ServiceUnavailableError(SSOProviderError, TokenRetrievalError):
    """IAM Identity Center could not be reached or kept failing after retries."""

    fmt = (
        "IAM Identity Center did not answer for {subject} ({reason}). "
        "Try again later; if it persists, run: {command}"
    )

    summary = "IAM Identity Center unavailable"


class CacheLockedError(SSOProviderError, TokenRetrievalError):
    """Another process held a cache lock for longer than the lock timeout.

    ``holder`` and ``advice`` say who holds it and what to do (resume a
    stopped holder, wait for a running one): the cache reads them from the
    lock file and ``/proc`` when the wait times out (``CacheLockTimeout``).
    """

    fmt = (
        "{holder} held the SSO cache lock {path} for {timeout:g} s, so the credentials for "
        "{subject} could not be refreshed; {advice}."
    )

    summary = "cache lock timeout"


class LoginError(SSOProviderError, UnauthorizedSSOTokenError):
    """An interactive login did not complete (denied, timed out, expired code)."""

    fmt = "The SSO login for {subject} did not complete: {reason}. Run: {command}"


class UnsafeCacheError(SSOProviderError, UnauthorizedSSOTokenError):
    """A cache path is not trusted (another user's, writable by others) or cannot be used."""

    fmt = "The SSO cache for {subject} cannot be used: {path} {reason}. To fix it: {fix}"

    summary = "SSO cache path not trusted or not usable"


class UnexpectedAnswerError(SSOProviderError, TokenRetrievalError):
    """An answer came back that is not a usable one of IAM Identity Center (a proxy's page, garbage)."""

    fmt = (
        "IAM Identity Center's address gave an answer for {subject} that cannot be used ({reason}); "
        "nothing cached was changed. If a proxy or firewall stands in the way (HTTPS_PROXY, NO_PROXY), "
        "check it; otherwise try again later, and if it persists, run: {command}"
    )

    summary = "unusable answer from IAM Identity Center"


class LoginCachePathError(SSOProviderError, UnauthorizedSSOTokenError):
    """A login could not be saved where it must go; found before the user signs in."""

    fmt = "Cannot log in to {subject}: {path} {problem}. {fix}, then run: {command}"


class CredentialLoopError(SSOProviderError, InvalidConfigError):
    """A profile's credential_process would call ``botocore-sso`` for that same profile, forever."""

    fmt = (
        'The profile "{profile}" gets its credentials from botocore-sso for itself ({how}), which would '
        "call itself without end. Point credential_process at an SSO profile instead, or give "
        '"{profile}" sso_session, sso_account_id and sso_role_name in {config_file}.'
    )

    summary = "credential_process loop"


class NoCredentialsError(SSOProviderError, CredentialRetrievalError):
    """A profile resolved to no credentials at all."""

    fmt = (
        'The profile "{profile}" has no credentials botocore can find in {config_file} or the '
        "credentials file. Configure it, for example with sso_session, sso_account_id and sso_role_name."
    )

    summary = "no credentials"
