"""Credentials in other programs' formats: the credential_process document, shell lines, JSON, files.

The formats are those of ``aws configure export-credentials`` (``process``,
``env``, ``env-no-export``, ``powershell``, ``windows-cmd``, ``fish``) plus
``json`` and ``dotenv``. Every shell format also sets
``AWS_CREDENTIAL_EXPIRATION``. Values are quoted for the shell that reads
them, so a value can never run as code; where a shell has no safe quoting for
a character (``windows-cmd`` and ``%``, ``!`` or ``"``), the value is refused
instead of printed.

``dotenv`` is the env file docker (``--env-file``) and compose (``env_file``)
read: ``NAME=value``, no quotes, no ``export``. Docker takes the value as it
stands, compose strips spaces, comments and quotes and expands ``$``: there is
no quoting both read alike, so a value either would read differently is
refused. :func:`write_credentials_section` puts the keys in a section of the
shared credentials file instead, for tools that read only that file.
"""

from __future__ import annotations

import datetime
import json

from ..rules.terminal import printable
from ..rules.timestamps import format_timestamp

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Optional

"""ISO 8601 in UTC, as the AWS CLI v2 writes expirations."""


class ProfileCredentials:
    """A profile's credentials as handed to another program. The repr shows no secret.

    A plain class, not a dataclass: the warm ``credential-process`` path must
    not pay for importing ``dataclasses``.
    """

    __slots__ = ("access_key", "account_id", "expiration", "region", "secret_key", "token")

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        token: Optional[str] = None,
        expiration: Optional[datetime.datetime] = None,
        account_id: Optional[str] = None,
        region: Optional[str] = None,
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.token = token
        self.expiration = expiration
        self.account_id = account_id
        self.region = region
        """The profile's ``region``, for programs started with these credentials."""

    @property
    def expiration_text(self) -> Optional[str]:
        return None if self.expiration is None else format_timestamp(self.expiration)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProfileCredentials) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ProfileCredentials(access_key=***, secret_key=***, token=***, expiration={self.expiration!r}, "
            f"account_id={self.account_id!r}, region={self.region!r})"
        )


def process_document(credentials: ProfileCredentials) -> dict[str, Any]:
    """The ``credential_process`` document (Version 1) every AWS SDK reads."""
    document: dict[str, Any] = {
        "Version": 1,
        "AccessKeyId": credentials.access_key,
        "SecretAccessKey": credentials.secret_key,
    }
    if credentials.token is not None:
        document["SessionToken"] = credentials.token
    if credentials.expiration is not None:
        document["Expiration"] = credentials.expiration_text
    if credentials.account_id:
        document["AccountId"] = credentials.account_id
    return document


def environment_variables(credentials: ProfileCredentials) -> dict[str, str]:
    """The AWS_* variables every SDK reads, in the order the AWS CLI prints them."""
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
    }
    if credentials.token is not None:
        variables["AWS_SESSION_TOKEN"] = credentials.token
    expiration = credentials.expiration_text
    if expiration is not None:
        variables["AWS_CREDENTIAL_EXPIRATION"] = expiration
    return variables


def _unsafe_value(variable: str, shell: str) -> Exception:
    """``errors.UnsafeValueError``, imported only when raised: a warm export runs without botocore."""
    from ..errors import UnsafeValueError

    return UnsafeValueError(variable, shell)


def posix_quote(value: str) -> str:
    """Single quotes for sh, bash and zsh: nothing inside is special except the quote itself."""
    return "'" + value.replace("'", "'\"'\"'") + "'"


def fish_quote(value: str) -> str:
    """fish's single quotes, where only ``\\`` and ``'`` need a backslash."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell takes typographic quotes as ' too


def powershell_quote(value: str) -> str:
    """PowerShell's verbatim single-quoted string: every quote character doubled, nothing expands."""
    return "'" + "".join(c + c if c in _POWERSHELL_QUOTES else c for c in value) + "'"


_CMD_UNSAFE = frozenset('"%!\r\n')


def _posix(name: str, value: str) -> str:
    return f"export {name}={posix_quote(value)}"


def _posix_no_export(name: str, value: str) -> str:
    return f"{name}={posix_quote(value)}"


def _fish(name: str, value: str) -> str:
    return f"set -gx {name} {fish_quote(value)}"


def _powershell(name: str, value: str) -> str:
    return f"$Env:{name}={powershell_quote(value)}"


def _windows_cmd(name: str, value: str) -> str:
    # Inside set "NAME=value" the characters & | < > ^ are literal; % and ! expand and " ends it.
    if any(c in _CMD_UNSAFE for c in value):
        raise _unsafe_value(name, "windows-cmd")
    return f'set "{name}={value}"'


_SHELL_LINES: dict[str, Callable[[str, str], str]] = {
    "env": _posix,
    "env-no-export": _posix_no_export,
    "fish": _fish,
    "powershell": _powershell,
    "windows-cmd": _windows_cmd,
}

_DOTENV_UNSAFE = frozenset("$'\"`\\")


def dotenv_variables(credentials: ProfileCredentials) -> dict[str, str]:
    """What a container needs: :func:`environment_variables` and the region variables ``exec`` sets."""
    variables = environment_variables(credentials)
    if credentials.region:
        variables["AWS_REGION"] = credentials.region
        variables["AWS_DEFAULT_REGION"] = credentials.region
    return variables


def is_dotenv_safe(value: str) -> bool:
    """Whether docker and compose both read ``NAME=value`` as exactly ``value``.

    Docker keeps edge spaces, quotes and ``$``; compose strips spaces and
    quotes, starts a comment at `` #`` and expands ``$`` (``\\`` escapes it).
    """
    if printable(value) != value or value.startswith("#"):
        return False
    return not any(char.isspace() or char in _DOTENV_UNSAFE for char in value)


def _dotenv(name: str, value: str) -> str:
    if not is_dotenv_safe(value):
        raise _unsafe_value(name, "an env file")
    return f"{name}={value}"


FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish", "json", "dotenv")
"""What :func:`render` prints; ``env`` is the default."""


def render(credentials: ProfileCredentials, format: str) -> str:
    """The text to print for ``format`` (one of ``FORMATS``), ending in a newline."""
    if format == "process":
        return json.dumps(process_document(credentials), indent=2) + "\n"
    if format == "json":
        document = process_document(credentials)
        del document["Version"]
        if credentials.region:
            document["Region"] = credentials.region
        return json.dumps(document, indent=2) + "\n"
    if format == "dotenv":
        return "".join(_dotenv(name, value) + "\n" for name, value in dotenv_variables(credentials).items())
    try:
        line = _SHELL_LINES[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}") from None
    variables = environment_variables(credentials)
    for name, value in variables.items():
        if "\0" in value:
            raise _unsafe_value(name, format)
    return "".join(line(name, value) + "\n" for name, value in variables.items())


# --- the shared credentials file ---------------------------------------------------------------------

CREDENTIALS_FILE_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_account_id")
"""The keys written to the section; every other key in it is the user's and is kept."""
_DROPPED_KEYS = ("aws_security_token",)
"""The session token's old name: botocore reads it before ``aws_session_token``, so it must go."""


def credentials_profile_problem(name: str, profile: str, profiles: Mapping[str, Any]) -> Optional[str]:
    """Why the credentials file's section ``[name]`` must not get ``profile``'s keys; None if it may.

    Some SDKs read the credentials file before a profile's own settings: keys
    there under the name of a profile that gets its credentials another way
    (SSO, a role, a web identity, a credential_process) would shadow it.
    """
    from ..store.credentials_file import section_name_problem

    problem = section_name_problem(name)
    if problem is not None:
        return f"{problem}, and the credentials file could not hold it as a section name"
    if name == profile:
        return (
            "it is the profile being exported: SDKs that read the credentials file first would take "
            "these fixed keys instead of its SSO settings, and keep them after they expire"
        )
    values = profiles.get(name)
    if not isinstance(values, dict):
        return None
    from ..rules.profiles import ASSUME_ROLE, SSO, WEB_IDENTITY, route

    how = {SSO: "SSO", ASSUME_ROLE: "role_arn", WEB_IDENTITY: "web_identity_token_file"}.get(
        route(profiles, name)
    )
    if how is None and "credential_process" in values:
        how = "credential_process"
    if how is None:
        return None
    return (
        f'the profile "{name}" of the config file gets its credentials from {how}, and keys in the '
        "credentials file under that name would shadow them in SDKs that read that file first"
    )


def credentials_file_values(credentials: ProfileCredentials) -> dict[str, str]:
    """The section's keys; refused (ValueError) unless the values are temporary credentials fit to write."""
    from ..rules.records import role_credentials_problem

    if credentials.token is None:
        raise ValueError("they have no session token: only temporary credentials are written to the file")
    problem = role_credentials_problem(credentials.access_key, credentials.secret_key, credentials.token)
    if problem is not None:
        raise ValueError(f"they come with {problem}")
    written = dict(
        zip(CREDENTIALS_FILE_KEYS, (credentials.access_key, credentials.secret_key, credentials.token))
    )
    if credentials.account_id and credentials.account_id.isdigit():
        written["aws_account_id"] = credentials.account_id
    return written


def write_credentials_section(credentials: ProfileCredentials, profile: str, name: str, path: str) -> bool:
    """Put ``profile``'s credentials in section ``[name]`` of the credentials file at ``path``.

    Returns False when the section already held exactly them (the file is
    then left alone). The section's comment says who wrote the keys, when they
    expire and the command that refreshes them.
    """
    import shlex

    from ..store.credentials_file import update_section

    values = credentials_file_values(credentials)
    expiry = credentials.expiration_text
    notes = [
        f"temporary credentials of the profile {profile}, written by botocore-sso export; "
        + (f"they expire at {expiry}." if expiry else "they expire."),
        "to refresh them, run: botocore-sso export --format credentials-file "
        f"--profile {shlex.quote(profile)} --credentials-profile {shlex.quote(name)}",
    ]
    dropped = (*_DROPPED_KEYS, *(key for key in CREDENTIALS_FILE_KEYS if key not in values))
    return update_section(path, name, values, notes, drop=dropped)
