"""The moving parts of the fake Identity Center: registrations, logins, sessions, tokens.

Pure logic, no sockets. Every public method takes the one lock and reads the
injectable clock once, so each request sees a single consistent moment and
tests move time instead of sleeping. Failures are raised as
``FakeServiceError`` already in the wire shape; the HTTP layer only writes
them out. Misuse of the Python control API (unknown user, unknown user code)
raises ``ValueError``.
"""

from __future__ import annotations

import hmac
import secrets
import string
import threading
from collections import Counter
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from .model import (
    DEFAULT_START_URL,
    GRANT_AUTHORIZATION_CODE,
    GRANT_DEVICE_CODE,
    GRANT_REFRESH_TOKEN,
    GRANT_TYPES,
    OPERATIONS,
    Account,
    Settings,
    User,
    check_directory,
)
from .protocol import (
    add_query,
    format_time,
    normalise_user_code,
    optional_text,
    page_size,
    paginate,
    redirect_allowed,
    required_text,
    text_list,
    verifier_matches,
)
from .records import (
    APPROVED,
    DENIED,
    PENDING,
    USED,
    AccessToken,
    AuthorizationCode,
    AuthorizeRequest,
    Client,
    DeviceAuthorization,
    Issued,
    PortalSession,
    RefreshToken,
)
from .service_errors import FakeServiceError, oidc_error, portal_error

_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no words by accident (RFC 8628)
_KEY_ALPHABET = string.ascii_uppercase + string.digits


class IdentityCenterState:
    """Everything the fake remembers, guarded by one lock."""

    def __init__(
        self,
        accounts: Sequence[Account],
        users: Sequence[User],
        settings: Settings,
        clock: Callable[[], float],
    ) -> None:
        check_directory(accounts, users)
        self.settings = settings
        self.base_url = "http://127.0.0.1"  # the server sets the real one once bound
        self.default_user = users[0].name
        self._clock = clock
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
        self._operations: Counter[str] = Counter()
        self._grants: Counter[str] = Counter()

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

    # -- SSO OIDC ------------------------------------------------------------

    def register_client(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        name = required_text(body, "clientName")
        client_type = required_text(body, "clientType")
        if client_type != "public":
            raise oidc_error("invalid_client_metadata", f"Unsupported clientType: {client_type}")
        grant_types = text_list(body, "grantTypes")
        for grant in grant_types:
            if grant not in GRANT_TYPES:
                raise oidc_error("unsupported_grant_type", f"Unsupported grant type: {grant}")
        redirect_uris = text_list(body, "redirectUris")
        for uri in redirect_uris:
            parts = urlsplit(uri)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise oidc_error("invalid_redirect_uri", "Redirect URIs must be http(s) URLs")
        with self._lock:
            now = self._clock()
            client = self._new_client(
                name,
                text_list(body, "scopes"),
                grant_types,
                redirect_uris,
                optional_text(body, "issuerUrl"),
                now,
            )
            base_url = self.base_url
        response: Dict[str, Any] = {
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "clientIdIssuedAt": int(client.issued_at),
            "clientSecretExpiresAt": int(client.expires_at),
        }
        if redirect_uris:
            response["authorizationEndpoint"] = f"{base_url}/authorize"
            response["tokenEndpoint"] = f"{base_url}/token"
        return response

    def start_device_authorization(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        start_url = required_text(body, "startUrl")
        settings = self.settings
        with self._lock:
            now = self._clock()
            client = self._authenticate(body, now)
            self._check_grant_allowed(client, GRANT_DEVICE_CODE)
            auth = DeviceAuthorization(
                device_code=secrets.token_urlsafe(48),
                user_code=self._new_user_code(),
                client_id=client.client_id,
                start_url=start_url,
                expires_at=now + settings.device_code_ttl,
            )
            if settings.auto_approve:
                auth.status, auth.user = APPROVED, self.default_user
            self._devices[auth.device_code] = auth
            self._user_codes[normalise_user_code(auth.user_code)] = auth
            base_url = self.base_url
        return {
            "deviceCode": auth.device_code,
            "userCode": auth.user_code,
            "verificationUri": f"{base_url}/device",
            "verificationUriComplete": f"{base_url}/device?user_code={auth.user_code}",
            "expiresIn": int(settings.device_code_ttl),
            "interval": settings.device_poll_interval,
        }

    def create_token(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        grant = required_text(body, "grantType")
        with self._lock:
            now = self._clock()
            client = self._authenticate(body, now)
            if grant not in GRANT_TYPES:
                raise oidc_error("unsupported_grant_type", f"Unsupported grant type: {grant}")
            self._check_grant_allowed(client, grant)
            if grant == GRANT_DEVICE_CODE:
                issued = self._redeem_device_code(client, body, now)
            elif grant == GRANT_REFRESH_TOKEN:
                issued = self._redeem_refresh_token(client, body, now)
            else:
                issued = self._redeem_authorization_code(client, body, now)
        return issued.to_wire()

    def _redeem_device_code(self, client: Client, body: Mapping[str, Any], now: float) -> Issued:
        auth = self._devices.get(required_text(body, "deviceCode"))
        if auth is None or auth.client_id != client.client_id:
            raise oidc_error("invalid_grant", "Invalid device code provided")
        if auth.status == USED:
            raise oidc_error("invalid_grant", "Device code has already been used")
        if now >= auth.expires_at:
            raise oidc_error("expired_token", "Device code has expired")
        if auth.status == DENIED:
            raise oidc_error("access_denied", "The user denied the authorization request")
        if auth.status == PENDING or auth.user is None:
            raise oidc_error("authorization_pending", "Authorization is still pending")
        auth.status = USED
        return self._login(client, auth.user, auth.start_url, now)

    def _redeem_refresh_token(self, client: Client, body: Mapping[str, Any], now: float) -> Issued:
        record = self._refresh_tokens.get(required_text(body, "refreshToken"))
        if record is None or record.client_id != client.client_id:
            raise oidc_error("invalid_grant", "Invalid refresh token provided")
        session = self._sessions[record.session_id]
        if not session.alive(now):
            raise oidc_error("invalid_grant", "The session has ended; sign in again")
        if record.rotated:
            if self.settings.reuse_detection:
                session.ended = True  # a replayed token may be stolen: end everything
            raise oidc_error("invalid_grant", "Refresh token has already been used")
        expires_at = now + self.settings.access_token_ttl
        session.latest_access_expiry = max(session.latest_access_expiry, expires_at)
        issued = Issued(
            self._new_access_token(record.session_id, expires_at),
            expires_at,
            int(self.settings.access_token_ttl),
        )
        if self.settings.issue_refresh_tokens:
            issued.refresh_token = self._new_refresh_token(record.session_id, client)
            if self.settings.rotate_refresh_tokens:
                record.rotated = True
        return issued

    def _redeem_authorization_code(self, client: Client, body: Mapping[str, Any], now: float) -> Issued:
        grant = self._codes.get(required_text(body, "code"))
        if grant is None or grant.used or grant.client_id != client.client_id:
            raise oidc_error("invalid_grant", "Invalid authorization code provided")
        grant.used = True  # one attempt per code, right or wrong (RFC 6749 §4.1.2)
        if now >= grant.expires_at:
            raise oidc_error("invalid_grant", "Authorization code has expired")
        if optional_text(body, "redirectUri") != grant.redirect_uri:
            raise oidc_error("invalid_grant", "redirectUri does not match the authorization")
        verifier = optional_text(body, "codeVerifier") or ""
        if not verifier_matches(verifier, grant.code_challenge):
            raise oidc_error("invalid_grant", "Invalid code verifier")
        return self._login(client, grant.user, grant.start_url, now)

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

    # -- the browser side: /authorize and /device ------------------------------

    def check_authorize(self, params: Mapping[str, str]) -> AuthorizeRequest:
        """Validate an /authorize request; errors that cannot be redirected are raised."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        with self._lock:
            client = self._clients.get(client_id)
            if client is None:
                raise oidc_error("invalid_client", "Unknown client_id")
            if self._clock() >= client.expires_at:
                raise oidc_error("invalid_client", "Client registration has expired")
        if not redirect_allowed(redirect_uri, client.redirect_uris):
            raise oidc_error(
                "invalid_redirect_uri",
                "redirect_uri must be a loopback http URI matching a registered redirect URI",
            )
        error: Optional[str] = None
        if params.get("response_type") != "code":
            error = "unsupported_response_type"
        elif not client.allows(GRANT_AUTHORIZATION_CODE):
            error = "unauthorized_client"
        elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            error = "invalid_request"
        return AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            code_challenge=params.get("code_challenge", ""),
            error=error,
            client_name=client.name,
            params=dict(params),
        )

    def complete_authorize(
        self, request: AuthorizeRequest, *, approved: bool, user: Optional[str] = None
    ) -> str:
        """Where to send the browser: the redirect URI with a code, or with an error."""
        if request.error is not None:
            return add_query(request.redirect_uri, error=request.error, state=request.state)
        if not approved:
            return add_query(request.redirect_uri, error="access_denied", state=request.state)
        with self._lock:
            now = self._clock()
            client = self._clients[request.client_id]
            code = secrets.token_urlsafe(32)
            self._codes[code] = AuthorizationCode(
                client_id=client.client_id,
                redirect_uri=request.redirect_uri,
                code_challenge=request.code_challenge,
                user=self._user_name(user),
                start_url=client.issuer_url or DEFAULT_START_URL,
                expires_at=now + self.settings.authorization_code_ttl,
            )
        return add_query(request.redirect_uri, code=code, state=request.state)

    def decide_device(self, user_code: str, *, approve: bool, user: Optional[str] = None) -> None:
        """Approve (as ``user``, default: the default user) or deny a pending device login."""
        with self._lock:
            auth = self._user_codes.get(normalise_user_code(user_code))
            if auth is None:
                raise ValueError(f"unknown user code {user_code!r}")
            if self._clock() >= auth.expires_at:
                raise ValueError(f"user code {user_code!r} has expired")
            if auth.status != PENDING:
                raise ValueError(f"user code {user_code!r} is already {auth.status}")
            name = self._user_name(user)
            auth.status = APPROVED if approve else DENIED
            auth.user = name

    def device_status(self, user_code: str) -> Optional[str]:
        """pending, approved, denied, used or expired; None for an unknown code."""
        with self._lock:
            auth = self._user_codes.get(normalise_user_code(user_code))
            if auth is None:
                return None
            if auth.status != USED and self._clock() >= auth.expires_at:
                return "expired"
            return auth.status

    # -- SSO portal ----------------------------------------------------------

    def get_role_credentials(
        self, token: Optional[str], account_id: Optional[str], role_name: Optional[str]
    ) -> Dict[str, Any]:
        with self._lock:
            now = self._clock()
            user = self._bearer_user(token, now)
            if not account_id or not role_name:
                raise portal_error("InvalidRequestException", "account_id and role_name are required")
            if role_name not in user.assignments.get(account_id, ()):
                raise portal_error("ForbiddenException", "No access")
            key = (user.name, account_id, role_name)
            issued = self._role_credentials.get(key)
            if not (self.settings.stable_role_credentials and issued and issued["expiration"] > now * 1000):
                issued = {
                    "accessKeyId": "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
                    "secretAccessKey": secrets.token_urlsafe(30),
                    "sessionToken": secrets.token_urlsafe(180),
                    "expiration": int((now + self.settings.role_credentials_ttl) * 1000),
                }
                self._role_credentials[key] = issued
        return {"roleCredentials": dict(issued)}

    def list_accounts(
        self, token: Optional[str], next_token: Optional[str], max_result: Optional[str]
    ) -> Dict[str, Any]:
        size = page_size(max_result)
        with self._lock:
            user = self._bearer_user(token, self._clock())
            accounts = [
                account for account_id, account in self._accounts.items() if user.assignments.get(account_id)
            ]
        page, following = paginate(accounts, "accounts", next_token, size)
        response: Dict[str, Any] = {
            "accountList": [
                {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email} for a in page
            ]
        }
        if following is not None:
            response["nextToken"] = following
        return response

    def list_account_roles(
        self,
        token: Optional[str],
        account_id: Optional[str],
        next_token: Optional[str],
        max_result: Optional[str],
    ) -> Dict[str, Any]:
        size = page_size(max_result)
        with self._lock:
            user = self._bearer_user(token, self._clock())
            if not account_id:
                raise portal_error("InvalidRequestException", "account_id is required")
            roles = list(user.assignments.get(account_id, ()))
        if not roles:
            raise portal_error("ForbiddenException", "No access")
        page, following = paginate(roles, f"roles:{account_id}", next_token, size)
        response: Dict[str, Any] = {
            "roleList": [{"roleName": role, "accountId": account_id} for role in page]
        }
        if following is not None:
            response["nextToken"] = following
        return response

    def logout(self, token: Optional[str]) -> None:
        with self._lock:
            self._bearer_session(token, self._clock()).ended = True

    # -- control API (used from Python and the /_fake endpoints) ---------------

    def issue_token(
        self,
        *,
        user: Optional[str],
        start_url: str,
        scopes: Sequence[str],
        session_name: Optional[str],
    ) -> Dict[str, Any]:
        """Seed a completed login; return what the AWS CLI v2 caches, plus ``expiresIn``."""
        with self._lock:
            now = self._clock()
            name = self._user_name(user)
            client = self._new_client(
                f"botocore-client-{session_name or int(now)}",
                tuple(scopes),
                (),
                (),
                start_url,
                now,
            )
            issued = self._login(client, name, start_url, now)
        seeded: Dict[str, Any] = {
            "startUrl": start_url,
            "region": self.settings.region,
            "accessToken": issued.access_token,
            "expiresIn": issued.expires_in,
            "expiresAt": format_time(issued.expires_at),
            "clientId": client.client_id,
            "clientSecret": client.client_secret,
            "registrationExpiresAt": format_time(client.expires_at),
        }
        if issued.refresh_token is not None:
            seeded["refreshToken"] = issued.refresh_token
        return seeded

    def end_sessions(self, user: Optional[str] = None) -> None:
        with self._lock:
            if user is not None:
                self._user_name(user)  # refuse unknown names
            for session in self._sessions.values():
                if user is None or session.user == user:
                    session.ended = True

    def access_token_is_valid(self, token: str) -> bool:
        with self._lock:
            try:
                self._bearer_session(token, self._clock())
            except FakeServiceError:
                return False
            return True

    def refresh_token_is_valid(self, token: str) -> bool:
        with self._lock:
            record = self._refresh_tokens.get(token)
            if record is None or record.rotated:
                return False
            return self._sessions[record.session_id].alive(self._clock())

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
