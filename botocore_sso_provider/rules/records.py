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
process's clock correction (:mod:`.clock`).
"""

from __future__ import annotations

import datetime

from .credential_values import cached_credentials_problem
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


def state(expires_at: datetime.datetime, now: datetime.datetime) -> str:
    """FRESH, DUE or EXPIRED at ``now``."""
    left = expires_at - now
    if left > ADVISORY_REFRESH_WINDOW:
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

    def state(self, now: datetime.datetime) -> str:
        return state(self.expires_at, now)

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
