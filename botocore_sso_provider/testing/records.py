"""What the fake Identity Center remembers: one small mutable record per thing it issued.

Records are only read and changed by ``IdentityCenterState`` under its lock;
they hold no logic beyond a question or two about themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

# Device authorization states.
PENDING, APPROVED, DENIED, USED = "pending", "approved", "denied", "used"


@dataclass
class Client:
    """A RegisterClient registration."""

    client_id: str
    client_secret: str
    name: str
    scopes: Tuple[str, ...]
    grant_types: Tuple[str, ...]
    redirect_uris: Tuple[str, ...]
    issuer_url: Optional[str]
    issued_at: float
    expires_at: float

    def allows(self, grant: str) -> bool:
        # A registration without grantTypes (what the CLI's device login sends) may use any.
        return not self.grant_types or grant in self.grant_types


@dataclass
class DeviceAuthorization:
    """A StartDeviceAuthorization, waiting for the user's decision and then one exchange."""

    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires_at: float
    status: str = PENDING
    user: Optional[str] = None


@dataclass
class AuthorizationCode:
    """A code handed to the browser by /authorize, good for one CreateToken."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    user: str
    start_url: str
    expires_at: float
    used: bool = False


@dataclass
class PortalSession:
    """A user's sign-in to one start URL; every token issued in it dies with it."""

    user: str
    start_url: str
    expires_at: float
    ended: bool = False
    latest_access_expiry: float = 0.0

    def alive(self, now: float) -> bool:
        return not self.ended and now < self.expires_at


@dataclass
class AccessToken:
    session_id: str
    expires_at: float


@dataclass
class RefreshToken:
    session_id: str
    client_id: str
    rotated: bool = False


@dataclass
class Issued:
    """The outcome of a successful CreateToken."""

    access_token: str
    expires_at: float
    expires_in: int
    refresh_token: Optional[str] = None

    def to_wire(self) -> Dict[str, Any]:
        body: Dict[str, Any] = {
            "accessToken": self.access_token,
            "tokenType": "Bearer",
            "expiresIn": self.expires_in,
        }
        if self.refresh_token is not None:
            body["refreshToken"] = self.refresh_token
        return body


@dataclass(frozen=True)
class AuthorizeRequest:
    """A checked ``/authorize`` request; ``error`` is an OAuth error to redirect back with."""

    client_id: str
    redirect_uri: str
    state: Optional[str]
    code_challenge: str
    error: Optional[str]
    client_name: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
