"""The SSO portal as the fake serves it: role credentials, the listings, logout."""

from __future__ import annotations

import secrets
import string
from typing import Any, Dict, Optional

from .protocol import page_size, paginate
from .service_errors import portal_error
from .store import IdentityStore

_KEY_ALPHABET = string.ascii_uppercase + string.digits


class PortalOperations(IdentityStore):
    """Operations authorised by the access token in ``x-amz-sso_bearer_token``."""

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
                self._issued_role_keys[issued["accessKeyId"]] = (key, issued)
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
