"""The browser side of a login: what /authorize and /device decide."""

from __future__ import annotations

import secrets
from typing import Mapping, Optional

from .model import DEFAULT_START_URL, GRANT_AUTHORIZATION_CODE
from .protocol import add_query, normalise_user_code, redirect_allowed
from .records import APPROVED, DENIED, PENDING, USED, AuthorizationCode, AuthorizeRequest
from .service_errors import oidc_error
from .store import IdentityStore


class BrowserDecisions(IdentityStore):
    """Checks and completes the pages a person (or a test) answers."""

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
