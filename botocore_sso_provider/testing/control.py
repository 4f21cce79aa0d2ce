"""The control API tests steer the fake with (from Python and the /_fake endpoints)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from .protocol import format_time
from .service_errors import FakeServiceError
from .store import IdentityStore


class ControlOperations(IdentityStore):
    """Seed logins, end sessions, ask whether a token still works."""

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
