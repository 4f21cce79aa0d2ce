"""What the fake Identity Center remembers, and the bookkeeping every operation shares.

One lock guards everything; every public method of the operation classes
built on ``IdentityStore`` takes it and reads the injectable clock once, so
each request sees a single consistent moment and tests move time instead of
sleeping. Methods whose names start with ``_`` are called with the lock held.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import Counter
from typing import Any, Dict, List, Mapping, Optional, Tuple

from .model import GRANT_TYPES, OPERATIONS, Account, User, check_directory
from .protocol import required_text
from .records import (
    AccessToken,
    AuthorizationCode,
    Client,
    DeviceAuthorization,
    Issued,
    PortalSession,
    RefreshToken,
)
from .service_errors import oidc_error, portal_error
from .settings import FakeSettings

_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words by accident (RFC 8628)


class IdentityStore:
    """The directory, the records issued so far and the request counters, guarded by one lock."""

    def __init__(self, settings: FakeSettings) -> None:
        accounts, users = settings.directory()
        check_directory(accounts, users)
        self.settings = settings
        self.base_url = "http://127.0.0.1"  # the server sets the real one once bound
        self.default_user = users[0].name
        self._clock = settings.clock
        self._lock = threading.Lock()
        self._accounts: Dict[str, Account] = {a.account_id: a for a in accounts}
        self._users: Dict[str, User] = {u.name: u for u in users}
        self._clients: Dict[str, Client] = {}
        self._devices: Dict[str, DeviceAuthorization] = {}  # by device code
        self._user_codes: Dict[str, DeviceAuthorization] = {}  # by normalised user code
        self._codes: Dict[str, AuthorizationCode] = {}
        self._sessions: Dict[str, PortalSession] = {}
        self._access_tokens: Dict[str, AccessToken] = {}
        self._refresh_tokens: Dict[str, RefreshToken] = {}
        self._role_credentials: Dict[Tuple[str, str, str], Dict[str, Any]] = {}
        # Every role credential ever issued, by access key id: (user, account, role), credentials.
        self._issued_role_keys: Dict[str, Tuple[Tuple[str, str, str], Dict[str, Any]]] = {}
        self._signin_tokens: Dict[str, Any] = {}  # federation sign-in tokens, by token
        # CreateTokenWithIAM: trusted token issuers by URL, applications by ARN, IAM keys by id.
        self._issuers: Dict[str, Any] = {}
        self._applications: Dict[str, Any] = {}
        self._iam_keys: Dict[str, Any] = {}
        self._iam_refresh_tokens: Dict[str, Any] = {}
        self._id_token_key = secrets.token_bytes(32)
        self._operations: Counter[str] = Counter()
        self._grants: Counter[str] = Counter()

    def now(self) -> float:
        """The fake's clock (request signatures are checked against it)."""
        return self._clock()

    def user_names(self) -> List[str]:
        return list(self._users)

    # -- counters ------------------------------------------------------------

    def count(self, operation: str, grant_type: Optional[str] = None) -> None:
        with self._lock:
            self._operations[operation] += 1
            if grant_type is not None:
                self._grants[grant_type] += 1

    def request_counts(self) -> Dict[str, int]:
        with self._lock:
            counts = dict.fromkeys(OPERATIONS, 0)
            counts.update(self._operations)
            return counts

    def grant_counts(self) -> Dict[str, int]:
        with self._lock:
            counts = dict.fromkeys(GRANT_TYPES, 0)
            counts.update(self._grants)
            return counts

    def reset_counts(self) -> None:
        with self._lock:
            self._operations.clear()
            self._grants.clear()

    def _login(self, client: Client, user: str, start_url: str, now: float) -> Issued:
        """Tokens for a completed login, joining the user's live portal session if any.

        Within one portal session the service hands a second login the expiry
        of the session's latest access token, not a fresh lifetime.
        """
        session_id = self._live_session_id(user, start_url, now)
        if session_id is None:
            session_id = secrets.token_hex(16)
            self._sessions[session_id] = PortalSession(user, start_url, now + self.settings.session_ttl)
        session = self._sessions[session_id]
        legacy = not client.scopes
        ttl = self.settings.legacy_token_ttl if legacy else self.settings.access_token_ttl
        expires_at = now + ttl
        if session.latest_access_expiry > now:
            expires_at = session.latest_access_expiry
        session.latest_access_expiry = expires_at
        issued = Issued(self._new_access_token(session_id, expires_at), expires_at, int(expires_at - now))
        if not legacy:
            issued.refresh_token = self._new_refresh_token(session_id, client)
        return issued

    # -- internals (called with the lock held) ---------------------------------

    def _new_client(
        self,
        name: str,
        scopes: Tuple[str, ...],
        grant_types: Tuple[str, ...],
        redirect_uris: Tuple[str, ...],
        issuer_url: Optional[str],
        now: float,
    ) -> Client:
        client = Client(
            client_id=secrets.token_urlsafe(16),
            client_secret=secrets.token_urlsafe(64),
            name=name,
            scopes=scopes,
            grant_types=grant_types,
            redirect_uris=redirect_uris,
            issuer_url=issuer_url,
            issued_at=now,
            expires_at=now + self.settings.client_registration_ttl,
        )
        self._clients[client.client_id] = client
        return client

    def _authenticate(self, body: Mapping[str, Any], now: float) -> Client:
        client = self._clients.get(required_text(body, "clientId"))
        secret = required_text(body, "clientSecret")
        if client is None or not hmac.compare_digest(client.client_secret, secret):
            raise oidc_error("invalid_client", "Invalid client credentials")
        if now >= client.expires_at:
            raise oidc_error("invalid_client", "Client registration has expired")
        return client

    def _new_user_code(self) -> str:
        while True:
            letters = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
            if letters not in self._user_codes:
                return f"{letters[:4]}-{letters[4:]}"

    def _new_access_token(self, session_id: str, expires_at: float) -> str:
        token = "aoa" + secrets.token_urlsafe(48)
        self._access_tokens[token] = AccessToken(session_id, expires_at)
        return token

    def _new_refresh_token(self, session_id: str, client: Client) -> str:
        token = "aor" + secrets.token_urlsafe(48)
        self._refresh_tokens[token] = RefreshToken(session_id, client.client_id)
        return token

    def _live_session_id(self, user: str, start_url: str, now: float) -> Optional[str]:
        for session_id, session in self._sessions.items():
            if session.user == user and session.start_url == start_url and session.alive(now):
                return session_id
        return None

    def _bearer_session(self, token: Optional[str], now: float) -> PortalSession:
        record = self._access_tokens.get(token or "")
        if record is None or now >= record.expires_at:
            raise portal_error("UnauthorizedException")
        session = self._sessions[record.session_id]
        if session.ended:
            raise portal_error("UnauthorizedException")
        return session

    def _bearer_user(self, token: Optional[str], now: float) -> User:
        return self._users[self._bearer_session(token, now).user]

    def _user_name(self, user: Optional[str]) -> str:
        if user is None:
            return self.default_user
        if user not in self._users:
            raise ValueError(f"unknown user {user!r}; known users: {sorted(self._users)}")
        return user

    @staticmethod
    def _check_grant_allowed(client: Client, grant: str) -> None:
        if not client.allows(grant):
            raise oidc_error("unauthorized_client", f"Client is not registered for {grant}")
