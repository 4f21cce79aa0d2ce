"""SSO OIDC as the fake serves it: RegisterClient, StartDeviceAuthorization, CreateToken."""

from __future__ import annotations

import secrets
from typing import Any, Dict, Mapping
from urllib.parse import urlsplit

from .model import GRANT_DEVICE_CODE, GRANT_REFRESH_TOKEN, GRANT_TYPES
from .protocol import normalise_user_code, optional_text, required_text, text_list, verifier_matches
from .records import APPROVED, DENIED, PENDING, USED, Client, DeviceAuthorization, Issued
from .service_errors import oidc_error
from .store import IdentityStore


class OidcOperations(IdentityStore):
    """Client registrations and the three CreateToken grants."""

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
