"""The OIDC client registration a login uses, shared with the AWS CLI v2 on disk.

The registration file sits beside the tokens under the CLI's key (the SHA-1
of ``{"tool", "startUrl", "region", "scopes", "session_name"}``, with
``"scopes": null`` when ``sso_registration_scopes`` is not set), so ``aws sso
login`` and ``botocore-sso login`` reuse each other's. A registration is
reused only for the grant it was made for, as the CLI does: a PKCE login needs
one whose ``grantTypes`` hold ``authorization_code``; a device-code login
needs one without ``grantTypes`` (the CLI's device login records none) or
with the device-code grant. Anything else, or one that expires within 15
minutes, is replaced by a new RegisterClient.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ..errors import CorruptCacheError
from ..rules.profiles import DEFAULT_SCOPES, SSOSessionConfig
from ..rules.timestamps import Clock, format_timestamp, parse_timestamp
from ..store.cache import JSONFileCache
from .answers import checked_registration

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
REFRESH_TOKEN_GRANT = "refresh_token"  # noqa: S105 - a grant name
PKCE_GRANT_TYPES = (AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT)
"""What a PKCE registration asks for (the AWS CLI v2's list)."""

REDIRECT_URI = "http://127.0.0.1/oauth/callback"
"""The redirect URI a PKCE client registers; the port is added per login (RFC 8252, 7.3)."""

REGISTRATION_MARGIN = datetime.timedelta(minutes=15)
"""A registration with less than this left is replaced (the CLI's window)."""


@dataclass(frozen=True)
class Registration:
    """An OIDC client registration. Its repr never shows the secret."""

    client_id: str
    client_secret: str = field(repr=False)
    expires_at: str


def registration_cache_key(session: SSOSessionConfig) -> str:
    """The AWS CLI v2's file name for a client registration (so both reuse it)."""
    args = {
        "tool": "botocore",
        "startUrl": session.start_url,
        "region": session.region,
        "scopes": list(session.scopes) if session.scopes is not None else None,
        "session_name": session.name,
    }
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()  # noqa: S324


def serves_grant(stored: Mapping[str, Any], grant: str) -> bool:
    """Whether a stored registration was made for ``grant``."""
    grant_types = stored.get("grantTypes")
    if grant == AUTHORIZATION_CODE_GRANT:
        return isinstance(grant_types, list) and AUTHORIZATION_CODE_GRANT in grant_types
    return grant_types is None or (isinstance(grant_types, list) and DEVICE_CODE_GRANT in grant_types)


class RegistrationStore:
    """Finds a reusable registration for one session and grant, or makes and stores a new one."""

    def __init__(self, session: SSOSessionConfig, cache: JSONFileCache, clock: Clock) -> None:
        self._session = session
        self._cache = cache
        self._clock = clock
        self.key = registration_cache_key(session)

    @property
    def path(self) -> str:
        return self._cache.path(self.key)

    def reusable(self, grant: str) -> Optional[Registration]:
        """The cached registration when it fits ``grant`` and lives long enough."""
        try:
            stored = self._cache.read(self.key)
        except CorruptCacheError:
            return None
        if not stored or not serves_grant(stored, grant):
            return None
        client_id, secret, expires_at = (stored.get(k) for k in ("clientId", "clientSecret", "expiresAt"))
        if not (isinstance(client_id, str) and isinstance(secret, str) and isinstance(expires_at, str)):
            return None
        expiry = parse_timestamp(expires_at)
        if expiry is None or expiry - self._clock() <= REGISTRATION_MARGIN:
            return None
        return Registration(client_id, secret, expires_at)

    def obtain(self, client: Any, grant: str, *, issuer_url: Optional[str] = None) -> Registration:
        """A registration for ``grant``: the cached one, else a new one that replaces it."""
        found = self.reusable(grant)
        if found is not None:
            return found
        request, stored_extra = self._request(grant, issuer_url)
        answer = checked_registration(client.register_client(**request))
        expires_at = format_timestamp(
            datetime.datetime.fromtimestamp(answer["clientSecretExpiresAt"], datetime.timezone.utc)
        )
        stored: dict[str, Any] = {
            "clientId": answer["clientId"],
            "clientSecret": answer["clientSecret"],
            "expiresAt": expires_at,
            **stored_extra,
        }
        self._cache.write(self.key, stored)
        return Registration(answer["clientId"], answer["clientSecret"], expires_at)

    def _client_name(self) -> str:
        """The AWS CLI v2's: what the sign-in page shows the user, the same for either tool."""
        name = self._session.name if self._session.name is not None else int(self._clock().timestamp())
        return f"botocore-client-{name}"

    def _request(self, grant: str, issuer_url: Optional[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """RegisterClient's arguments and what is stored beside the secret, as the CLI does."""
        request: dict[str, Any] = {"clientName": self._client_name(), "clientType": "public"}
        scopes = list(self._session.scopes) if self._session.scopes else None
        if grant == AUTHORIZATION_CODE_GRANT:
            scopes = scopes or list(DEFAULT_SCOPES)
            request.update(
                grantTypes=list(PKCE_GRANT_TYPES),
                redirectUris=[REDIRECT_URI],
                issuerUrl=issuer_url or self._session.start_url,
                scopes=scopes,
            )
            return request, {"scopes": scopes, "grantTypes": list(PKCE_GRANT_TYPES)}
        if scopes:
            request["scopes"] = scopes
            return request, {"scopes": scopes}
        return request, {}
