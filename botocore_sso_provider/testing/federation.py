"""The AWS sign-in federation endpoint, for console sign-in tests: getSigninToken and login.

As ``https://signin.aws.amazon.com/federation`` does: ``getSigninToken``
takes the role session's credentials as JSON (``sessionId``, ``sessionKey``,
``sessionToken``) and answers ``{"SigninToken": ...}``, good for 15 minutes;
``login`` with that token redirects the browser to ``Destination``. The fake
accepts only role credentials it issued itself (GetRoleCredentials) that
have not expired, so a test proves the whole chain, not just a URL shape.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .store import IdentityStore

SIGNIN_TOKEN_TTL = 15 * 60
FEDERATION_PATH = "/federation"


class FederationError(Exception):
    """A refused federation request; ``status`` is the HTTP status the endpoint answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SigninToken:
    role: Tuple[str, str, str]  # user, account, role
    expires_at: float


class FederationOperations(IdentityStore):
    """Sign-in tokens minted from role credentials, and the login redirect."""

    def get_signin_token(self, session_json: Optional[str]) -> Dict[str, str]:
        try:
            session = json.loads(session_json or "")
        except ValueError:
            session = None
        if not isinstance(session, dict) or not all(
            isinstance(session.get(k), str) for k in ("sessionId", "sessionKey", "sessionToken")
        ):
            raise FederationError(400, "Session must be JSON with sessionId, sessionKey and sessionToken")
        with self._lock:
            now = self._clock()
            found = self._issued_role_keys.get(session["sessionId"])
            if found is None:
                raise FederationError(403, "The session credentials are not valid")
            role, issued = found
            if not (
                hmac.compare_digest(issued["secretAccessKey"], session["sessionKey"])
                and hmac.compare_digest(issued["sessionToken"], session["sessionToken"])
            ):
                raise FederationError(403, "The session credentials are not valid")
            if issued["expiration"] <= now * 1000:
                raise FederationError(403, "The session credentials have expired")
            token = secrets.token_urlsafe(96)
            self._signin_tokens[token] = SigninToken(role, now + SIGNIN_TOKEN_TTL)
        return {"SigninToken": token}

    def federation_login(self, params: Mapping[str, str]) -> str:
        """Where ``login`` sends the browser: the destination, for a valid sign-in token."""
        destination = params.get("Destination", "")
        parts = urlsplit(destination)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FederationError(400, "Destination must be an http(s) URL")
        with self._lock:
            record = self._signin_tokens.get(params.get("SigninToken", ""))
            if record is None or self._clock() >= record.expires_at:
                raise FederationError(400, "The sign-in token is not valid or has expired")
        return destination

    def signin_token_role(self, token: str) -> Optional[Tuple[str, str, str]]:
        """(user, account id, role name) a valid sign-in token signs in as; None otherwise."""
        with self._lock:
            record = self._signin_tokens.get(token)
            if record is None or self._clock() >= record.expires_at:
                return None
            return record.role
