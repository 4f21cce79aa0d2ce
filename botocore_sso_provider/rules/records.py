"""Token and role-credential files read into records, and the states of those records.

A cache file's object becomes a record or a problem (a few words naming
what is wrong, never a value), by the same rules for every path: the
provider, the warm ``credential-process``, ``status`` and ``serve``. A
record's state, fresh, due or expired, comes from one set of windows:

- ``fresh``: more than ``ADVISORY_REFRESH_WINDOW`` (15 minutes, botocore's)
  left. A fresh token or fresh role credentials are used as they are.
- ``due``: less than that but not expired. Role credentials that are due are
  fetched anew (an SDK refreshing at its own 15-minute mark must not get
  back what it is replacing); a due token is refreshed when it can be, and
  used as it is when it cannot.
- ``expired``.

Role credentials expire at the portal's time; their state applies this
process's clock correction (:mod:`.timestamps`).

What a role's access key id, secret key and session token may hold is one
rule for answers and files alike (:func:`role_credentials_problem`). Real
ones are base64-ish: access key ids ``[A-Z0-9]`` (16 to 128, the API's
documented bounds), secret keys 40 characters, session tokens base64 of
about 0.4 to 3 KB. The rule does not insist on that shape (test doubles,
botocore's own tests among them, use ``foo`` or ``fake-1a2b``); it refuses
what does harm. Each value is printable ASCII without spaces (``!`` to
``~``): a NUL makes ``exec`` fail, an ESC or a bidi override rewrites the
terminal ``export`` prints to, a newline or space splits the shell words and
the lines of the formats we print. Each is bounded: 128 characters for an
access key id (the API's maximum), 1 KiB for a secret key (no maximum is
documented; 25 times the real length), 32 KiB for a session token (STS says
its size is not fixed; 10 times the largest seen with session tags and
policies, and a cache file holding it stays under the 64 KiB the fast paths
read). Anything else is not credentials but a broken or hostile answer.
"""

from __future__ import annotations

import datetime

from .timestamps import format_timestamp, local_time_of, parse_timestamp

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional, Union

    from .profiles import SSOSessionConfig

ADVISORY_REFRESH_WINDOW = datetime.timedelta(minutes=15)
"""Tokens and role credentials with less than this left are due for a refresh (botocore's window)."""

MAX_TOKEN_LIFETIME = datetime.timedelta(days=90)
"""The longest ``expiresIn`` believed (the longest session an administrator can set)."""

MANDATORY_REFRESH_WINDOW = datetime.timedelta(minutes=10)
"""With more than this left, a token another process is refreshing is used as it is (botocore's)."""

FRESH = "fresh"
DUE = "due"
EXPIRED = "expired"


# --- what a credential value may hold ------------------------------------------------------------

MAX_ACCESS_KEY_ID_LENGTH = 128
MAX_SECRET_ACCESS_KEY_LENGTH = 1024
MAX_SESSION_TOKEN_LENGTH = 32 * 1024

_LIMITS = (
    ("an", "access key id", MAX_ACCESS_KEY_ID_LENGTH),
    ("a", "secret access key", MAX_SECRET_ACCESS_KEY_LENGTH),
    ("a", "session token", MAX_SESSION_TOKEN_LENGTH),
)


def role_credentials_problem(access_key: object, secret_key: object, token: object) -> Optional[str]:
    """What is wrong with these role credentials, in words that quote none of them; None if usable.

    The words fit after "with": "a session token of 204800 characters, over ...".
    """
    for (article, what, limit), value in zip(_LIMITS, (access_key, secret_key, token)):
        problem = _value_problem(article, what, limit, value)
        if problem is not None:
            return problem
    return None


CACHE_FILE_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")
"""The three values' names in a role cache file's ``Credentials`` (the AWS CLI v2's)."""


def cached_credentials_problem(credentials: Mapping[str, Any]) -> Optional[str]:
    """:func:`role_credentials_problem` for a role cache file's ``Credentials`` object."""
    return role_credentials_problem(*(credentials.get(name) for name in CACHE_FILE_FIELDS))


def _value_problem(article: str, what: str, limit: int, value: object) -> Optional[str]:
    if not isinstance(value, str) or not value:
        return f"no text for {what}"
    if len(value) > limit:
        return f"{article} {what} of {len(value)} characters, over the {limit} it may have"
    if value.isascii() and value.isprintable() and " " not in value:  # at C speed: the warm paths
        return None
    char = next(char for char in value if not "!" <= char <= "~")
    return f"{article} {what} holding U+{ord(char):04X}, not printable ASCII without spaces"


# --- records and their states -------------------------------------------------------------------


def state(
    expires_at: datetime.datetime,
    now: datetime.datetime,
    window: datetime.timedelta = ADVISORY_REFRESH_WINDOW,
) -> str:
    """FRESH, DUE or EXPIRED at ``now``.

    ``window`` is how much must be left to be fresh: botocore's 15 minutes
    unless the user asked for another margin (``login --if-needed --min-remaining``).
    """
    left = expires_at - now
    if left > window:
        return FRESH
    return DUE if left > datetime.timedelta(0) else EXPIRED


def _text(value: object) -> Optional[str]:
    return value if isinstance(value, str) and value else None


class TokenRecord:
    """A token file's content, checked. Its repr never shows a secret."""

    __slots__ = (
        "access_token",
        "client_id",
        "client_secret",
        "data",
        "expires_at",
        "refresh_token",
        "registration_expires_at",
    )

    def __init__(self, data: Mapping[str, Any], access_token: str, expires_at: datetime.datetime) -> None:
        self.data = data
        """The whole file, unknown fields included: a refresh keeps them."""
        self.access_token = access_token
        self.expires_at = expires_at
        self.refresh_token = _text(data.get("refreshToken"))
        self.client_id = _text(data.get("clientId"))
        self.client_secret = _text(data.get("clientSecret"))
        self.registration_expires_at = parse_timestamp(data.get("registrationExpiresAt"))
        """When the client registration ends; None when unknown (the service tells if it has ended)."""

    @property
    def can_refresh(self) -> bool:
        """Whether the file holds what a refresh sends: a refresh token and the client's id and secret."""
        return bool(self.refresh_token and self.client_id and self.client_secret)

    def registration_ended(self, now: datetime.datetime) -> bool:
        return self.registration_expires_at is not None and self.registration_expires_at <= now

    def refreshable(self, now: datetime.datetime) -> bool:
        """Whether a refresh may be tried at ``now``: the fields are there and the registration lives."""
        return self.can_refresh and not self.registration_ended(now)

    def state(self, now: datetime.datetime, window: datetime.timedelta = ADVISORY_REFRESH_WINDOW) -> str:
        return state(self.expires_at, now, window)

    def __repr__(self) -> str:
        return (
            f"TokenRecord(accessToken='***', expiresAt={self.data.get('expiresAt')!r}, "
            f"refreshable={self.can_refresh})"
        )


def token_record(data: object) -> Union[TokenRecord, str]:
    """A token file's object as a record, or what is wrong with it."""
    if not isinstance(data, dict):
        return "not a JSON object"
    access_token, expires_at = data.get("accessToken"), data.get("expiresAt")
    if not (isinstance(access_token, str) and access_token and isinstance(expires_at, str)):
        return "no accessToken or expiresAt"
    moment = parse_timestamp(expires_at)
    if moment is None:
        return "bad expiresAt"
    return TokenRecord(data, access_token, moment)


def known_token(data: Mapping[str, Any]) -> TokenRecord:
    """The record of a token file this package has just written or checked; ValueError if it is not one."""
    record = token_record(data)
    if isinstance(record, str):
        raise ValueError(f"not a usable token file: {record}")
    return record


class RoleRecord:
    """A role-credential file's content, checked. Its repr never shows a secret."""

    __slots__ = ("access_key", "account_id", "expiration", "secret_key", "token")

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        token: str,
        expiration: datetime.datetime,
        account_id: Optional[str],
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.token = token
        self.expiration = expiration
        """At the portal's time, as the portal stated it."""
        self.account_id = account_id

    @property
    def local_expiration(self) -> datetime.datetime:
        """The expiration on this machine's clock (this process's correction applied)."""
        return local_time_of(self.expiration)

    def state(self, now: datetime.datetime) -> str:
        return state(self.local_expiration, now)

    def __repr__(self) -> str:
        return f"RoleRecord(access_key={self.access_key!r}, expiration={self.expiration.isoformat()!r})"


def role_record(data: object) -> Union[RoleRecord, str]:
    """A role cache file's object as a record, or what is wrong with it (the file is then fetched anew)."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("ProviderType", "sso") != "sso":
        return "not SSO role credentials"
    credentials = data.get("Credentials")
    if not isinstance(credentials, dict):
        return "no Credentials"
    problem = cached_credentials_problem(credentials)
    if problem is not None:
        return f"credentials with {problem}"
    expiration = parse_timestamp(credentials.get("Expiration"))
    if expiration is None:
        return "no Expiration timestamp"
    account_id = credentials.get("AccountId")
    if account_id is not None and not isinstance(account_id, str):
        return "an AccountId that is not text"
    return RoleRecord(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
        expiration,
        account_id,
    )


def token_file_data(
    response: Mapping[str, Any],
    *,
    session: SSOSessionConfig,
    client_id: str,
    client_secret: str,
    registration_expires_at: Optional[str],
    now: datetime.datetime,
    previous: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """The token file after a CreateToken response, in the AWS CLI v2 format.

    Fields of ``previous`` that we do not know are kept, and so is its refresh
    token when the response carries none. ``response`` must have passed
    :func:`unusable_token_response`.
    """
    data: dict[str, Any] = dict(previous or {})
    data.update(
        {
            "startUrl": session.start_url,
            "region": session.region,
            "accessToken": response["accessToken"],
            "expiresAt": format_timestamp(now + datetime.timedelta(seconds=response["expiresIn"])),
            "clientId": client_id,
            "clientSecret": client_secret,
        }
    )
    if registration_expires_at:
        data["registrationExpiresAt"] = registration_expires_at
    if response.get("refreshToken"):
        data["refreshToken"] = response["refreshToken"]
    return data


def unusable_token_response(response: Mapping[str, Any]) -> Optional[str]:
    """Why a CreateToken answer must not be used or saved; None when it is fine.

    Names fields only, never their values.
    """
    access_token = response.get("accessToken")
    if not isinstance(access_token, str) or not access_token.strip():
        return "CreateToken answered without an accessToken"
    expires_in = response.get("expiresIn")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        return "CreateToken answered without a whole number of seconds in expiresIn"
    if not 0 < expires_in <= MAX_TOKEN_LIFETIME.total_seconds():
        return f"CreateToken answered with expiresIn = {expires_in}, outside 1 s to 90 days"
    refresh_token = response.get("refreshToken")
    if refresh_token is not None and not isinstance(refresh_token, str):
        return "CreateToken answered with a refreshToken that is not text"
    return None
