"""Every exception of the package, each saying what happened and the command that fixes it.

The tree (botocore bases in brackets)::

    Exception
    ├── SSOProviderError                  every error raised on purpose; a user may meet each
    │   ├── SSOConfigError                [InvalidConfigError] the config does not describe a usable profile
    │   ├── CredentialLoopError           [InvalidConfigError] credential_process calls itself
    │   ├── NotLoggedInError              [SSOTokenLoadError, UnauthorizedSSOTokenError]
    │   ├── TokenExpiredError             [UnauthorizedSSOTokenError, TokenRetrievalError]
    │   ├── SessionEndedError             [UnauthorizedSSOTokenError, TokenRetrievalError]
    │   ├── RegistrationExpiredError      [UnauthorizedSSOTokenError, TokenRetrievalError]
    │   ├── UnwritableCacheError          [UnauthorizedSSOTokenError, TokenRetrievalError]
    │   ├── CorruptCacheError             [SSOTokenLoadError, UnauthorizedSSOTokenError] raised by store/
    │   │   └── UnsafeCacheError          a cache path not trusted or not usable (raised by store/)
    │   ├── CacheLockedError              [TokenRetrievalError] a lock wait timed out (raised by store/)
    │   ├── LoginError                    [UnauthorizedSSOTokenError] an interactive login failed
    │   ├── LoginCachePathError           [UnauthorizedSSOTokenError] a login could not be saved
    │   ├── ServiceUnavailableError       [TokenRetrievalError]
    │   ├── UnexpectedAnswerError         [TokenRetrievalError] not IAM Identity Center's answer
    │   ├── RoleAccessDeniedError         [CredentialRetrievalError, ClientError]
    │   ├── NoCredentialsError            [CredentialRetrievalError]
    │   └── ConsoleSignInError            [CredentialRetrievalError]
    └── InternalSignal                    caught inside the package, told as one of the above or a
        │                                 command's sentence; never raised out of a public call
        ├── CommandError                  a command line mistake (cli.main: exit status 2)
        ├── UnsafeValueError [ValueError] export: a value the chosen shell cannot quote
        ├── VanityURLError                a start URL that does not resolve (login: SSOConfigError)
        ├── ListenerError                 the PKCE redirect listener cannot open (login: LoginError)
        ├── UnusableLoginAnswer           an OIDC answer a login cannot use (login: LoginError)
        ├── RequestHeadTooLarge [ConnectionAbortedError]  a local HTTP client sent too much
        └── RoleListingAbandoned          another thread's role listing failed (account listing)

Every ``SSOProviderError`` subclasses the botocore exceptions that callers of
botocore already catch, so code written against botocore's native SSO support
keeps working: where botocore's own provider raises ``SSOTokenLoadError`` (no
token, a token file without ``accessToken`` or ``expiresAt``),
``TokenRetrievalError`` (an sso-session token that expired and cannot be
refreshed) or a ``ClientError`` (ForbiddenException from GetRoleCredentials),
ours is an instance of the same class, with our message.
Messages are templates kept as class data (``fmt``), so tests can match them,
and they are filled only with names, paths and commands: never a token,
client secret or key.

The store raises its errors (``CorruptCacheError``, ``UnsafeCacheError``,
``CacheLockedError``) before it knows which login a file belongs to: they then
read with ``fmt_before_login``. The provider adds the login with
:meth:`SSOProviderError.with_login`, which keeps the class.
"""

from __future__ import annotations

import shlex
from typing import Any, Optional, TypeVar

from botocore.exceptions import (
    ClientError,
    CredentialRetrievalError,
    InvalidConfigError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

LOGIN_COMMAND = "botocore-sso login"

_Error = TypeVar("_Error", bound="SSOProviderError")


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
    """Marker base: every error this package raises on purpose is one of these, so catching it catches all."""

    kwargs: dict[str, Any]
    summary = "SSO credentials unavailable"
    """A few words for callers of the botocore bases that read ``kwargs["error_msg"]``."""

    fmt_before_login: Optional[str] = None
    """The message while no login is named (no ``subject``): a store error, raised below the provider."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("provider", "sso")
        kwargs.setdefault("error_msg", kwargs.get("reason") or self.summary)
        if self.fmt_before_login is not None and "subject" not in kwargs:
            self.fmt = self.fmt_before_login
        super().__init__(**kwargs)  # the botocore base formats ``fmt`` with these

    @property
    def names_login(self) -> bool:
        """Whether the message names the login it is about (``subject``, and ``command`` to run)."""
        return "subject" in self.kwargs

    def with_login(self: _Error, **names: Any) -> _Error:
        """The same error, of the same class, about the login ``names`` give (subject, command, ...).

        An error that names its login already is returned as it is: the
        innermost caller knew best which login it was about.
        """
        if self.names_login:
            return self
        return type(self)(**{**self.kwargs, **names})


class SSOConfigError(SSOProviderError, InvalidConfigError):
    """A setting is missing or contradictory; the message names the profile, the file and the key.

    As in botocore, any key that a profile and its sso-session both set must have the same value.
    """

    fmt = "{error_msg}"


class NotLoggedInError(SSOProviderError, SSOTokenLoadError, UnauthorizedSSOTokenError):
    """No cached login exists for this sso-session or start URL."""

    fmt = "There is no SSO login for {subject}. Run: {command}"


class TokenExpiredError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The cached access token has expired and cannot be refreshed (a legacy login, or no refresh fields)."""

    fmt = "The SSO login for {subject} has expired. Run: {command}"


class SessionEndedError(SSOProviderError, UnauthorizedSSOTokenError, TokenRetrievalError):
    """The portal session behind the login has ended (``invalid_grant``, or the portal rejects the token)."""

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
    """A cache file is unreadable, or a token file lacks ``accessToken`` or ``expiresAt``; names the file.

    Raised by the store with ``path`` and ``reason``; code that skips an
    unreadable file skips an untrusted one (:class:`UnsafeCacheError`) too.
    """

    fmt = "The SSO cache file {path} for {subject} is unreadable ({reason}). Run: {command}"
    fmt_before_login = "The SSO cache file {path} is unreadable ({reason})."

    @property
    def path(self) -> str:
        return str(self.kwargs["path"])

    @property
    def reason(self) -> str:
        return str(self.kwargs["reason"])


class UnsafeCacheError(CorruptCacheError):
    """A token file, cache directory or lock that is another user's, writable by others, or not a file
    or directory (or not usable otherwise); names the path, and ``fix`` says how (e.g. ``sudo chown``).
    """

    fmt = "The SSO cache for {subject} cannot be used: {path} {reason}. To fix it: {fix}"
    fmt_before_login = "The SSO cache cannot be used: {path} {reason}. To fix it: {fix}"

    summary = "SSO cache path not trusted or not usable"

    @property
    def fix(self) -> str:
        return str(self.kwargs["fix"])


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
    stopped holder, wait for a running one): the store reads them from the
    lock file and ``/proc`` the moment the wait times out.
    """

    fmt = (
        "{holder} held the SSO cache lock {path} for {timeout:g} s, so the credentials for "
        "{subject} could not be refreshed; {advice}."
    )
    fmt_before_login = "{holder} held the SSO cache lock {path} for {timeout:g} s; {advice}."

    summary = "cache lock timeout"

    @property
    def path(self) -> str:
        return str(self.kwargs["path"])

    @property
    def timeout(self) -> float:
        return float(self.kwargs["timeout"])


class LoginError(SSOProviderError, UnauthorizedSSOTokenError):
    """An interactive login was denied, expired, timed out, or answered with something unusable."""

    fmt = "The SSO login for {subject} did not complete: {reason}. Run: {command}"


class UnexpectedAnswerError(SSOProviderError, TokenRetrievalError):
    """An answer that is not a usable one of IAM Identity Center: HTML, ``{}``, missing or absurd
    fields, a proxy's 403. Nothing cached is changed.
    """

    fmt = (
        "IAM Identity Center's address gave an answer for {subject} that cannot be used ({reason}); "
        "nothing cached was changed. If a proxy or firewall stands in the way (HTTPS_PROXY, NO_PROXY), "
        "check it; otherwise try again later, and if it persists, run: {command}"
    )

    summary = "unusable answer from IAM Identity Center"


class LoginCachePathError(SSOProviderError, UnauthorizedSSOTokenError):
    """A login's token or registration path is a directory, or the cache directory a file.

    Found before the user signs in, so no sign-in is wasted on a login that could not be saved.
    """

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


class ConsoleSignInError(SSOProviderError, CredentialRetrievalError):
    """The federation endpoint refused the credentials or could not be reached."""

    fmt = 'Could not sign in to the AWS console with profile "{profile}": {reason}. {fix}'
    summary = "console sign-in failed"


class InternalSignal(Exception):
    """Marker base: raised and caught inside the package, then told as an error above or a command's line."""


class CommandError(InternalSignal):
    """A mistake in a command's arguments, told in one sentence with the fix (exit status 2)."""


class UnsafeValueError(InternalSignal, ValueError):
    """A value holds a character the chosen shell cannot quote; it is not printed."""

    def __init__(self, variable: str, shell: str) -> None:
        super().__init__(
            f"The value of {variable} holds a character {shell} cannot quote safely, so it is not "
            "printed. Use --format process or json."
        )


class VanityURLError(InternalSignal):
    """The start URL could not be resolved to an IAM Identity Center URL; the message says why."""


class ListenerError(InternalSignal):
    """The listener could not be opened (the port is taken, or not allowed)."""


class UnusableLoginAnswer(InternalSignal):
    """An OIDC answer the login cannot use; the message names the operation and the field."""


class RequestHeadTooLarge(InternalSignal, ConnectionAbortedError):
    """The client sent more than MAX_REQUEST_HEAD bytes without finishing its headers."""


class RoleListingAbandoned(InternalSignal):
    """Another thread's role listing failed, so this one stopped."""
