"""Credentials in other programs' formats: the credential_process document, shell lines, JSON.

The formats are those of ``aws configure export-credentials`` (``process``,
``env``, ``env-no-export``, ``powershell``, ``windows-cmd``, ``fish``) plus
``json``. Every shell format also sets ``AWS_CREDENTIAL_EXPIRATION``. Values
are quoted for the shell that reads them, so a value can never run as code;
where a shell has no safe quoting for a character (``windows-cmd`` and ``%``,
``!`` or ``"``), the value is refused instead of printed.
"""

from __future__ import annotations

import datetime
import json

from ..rules.timestamps import format_timestamp

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

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

FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish", "json")
"""What ``botocore-sso export --format`` accepts; ``env`` is the default."""


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
    try:
        line = _SHELL_LINES[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}") from None
    variables = environment_variables(credentials)
    for name, value in variables.items():
        if "\0" in value:
            raise _unsafe_value(name, format)
    return "".join(line(name, value) + "\n" for name, value in variables.items())
