"""Interactive logins (the device-code flow) and the client registration they use.

The flow is the AWS CLI v2's: RegisterClient (cached beside the tokens under
the CLI's key, reused until it expires), StartDeviceAuthorization, show the
user code and the verification URL, then poll CreateToken every ``interval``
seconds, adding 5 seconds for good on ``slow_down`` (RFC 8628, section 3.5).
The token is written in the AWS CLI v2 format, so ``aws`` and botocore read it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time
import webbrowser
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from .cache import CacheFileCorrupt, JSONFileCache, token_cache_dir
from .clients import oidc_client
from .clock import Clock, format_timestamp, parse_timestamp, utcnow
from .config import SSOSessionConfig
from .errors import LoginError, ServiceUnavailableError, SSOProviderError, login_command
from .faults import describe_failure, is_transient
from .token import SSOToken, TokenProvider, token_file_data

logger = logging.getLogger(__name__)

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_NAME = "botocore-sso-provider"
SLOW_DOWN_STEP = 5
REGISTRATION_MARGIN = datetime.timedelta(minutes=15)


class TextSink(Protocol):
    """Where a login prints what the user must do (a terminal, or a test's buffer)."""

    def write(self, text: str, /) -> Any: ...

    def flush(self) -> None: ...


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
        "scopes": list(session.scopes) if session.refreshable else None,
        "session_name": session.name,
    }
    return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()  # noqa: S324


class DeviceCodeLogin:
    """One device-code login for one sso-session or legacy start URL."""

    def __init__(
        self,
        session: SSOSessionConfig,
        botocore_session: Any,
        *,
        out: TextSink,
        open_browser: bool = True,
        cache: Optional[JSONFileCache] = None,
        clock: Clock = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        browser: Callable[[str], Any] = webbrowser.open,
    ) -> None:
        self._session = session
        self._botocore_session = botocore_session
        self._out = out
        self._open_browser = open_browser
        self._cache = cache if cache is not None else JSONFileCache(token_cache_dir)
        self._clock = clock
        self._sleep = sleep
        self._browser = browser
        self._client: Any = None

    def run(self) -> SSOToken:
        """Log in and write the token file; returns the new token."""
        try:
            self._client = oidc_client(self._botocore_session, self._session.region)
            registration = self._registration()
            authorization = self._client.start_device_authorization(
                clientId=registration.client_id,
                clientSecret=registration.client_secret,
                startUrl=self._session.start_url,
            )
            self._prompt(authorization)
            response = self._poll(registration, authorization)
        except SSOProviderError:
            raise
        except (ClientError, BotoCoreError) as err:
            if is_transient(err):
                raise ServiceUnavailableError(reason=describe_failure(err), **self._names()) from None
            reason = f"IAM Identity Center refused it ({describe_failure(err)})"
            raise LoginError(reason=reason, **self._names()) from None
        data = token_file_data(
            response,
            session=self._session,
            client_id=registration.client_id,
            client_secret=registration.client_secret,
            registration_expires_at=registration.expires_at,
            now=self._clock(),
        )
        TokenProvider(self._session, self._botocore_session, cache=self._cache, clock=self._clock).save(data)
        return SSOToken(data)

    def _registration(self) -> Registration:
        key = registration_cache_key(self._session)
        try:
            cached = self._cache.read(key)
        except CacheFileCorrupt:
            cached = None
        if cached and {"clientId", "clientSecret", "expiresAt"} <= cached.keys():
            try:
                usable = parse_timestamp(cached["expiresAt"]) - self._clock() > REGISTRATION_MARGIN
            except (ValueError, OverflowError):
                usable = False
            if usable:
                return Registration(cached["clientId"], cached["clientSecret"], cached["expiresAt"])
        request: dict[str, Any] = {"clientName": CLIENT_NAME, "clientType": "public"}
        if self._session.refreshable:
            request["scopes"] = list(self._session.scopes)
        response = self._client.register_client(**request)
        expires_at = format_timestamp(
            datetime.datetime.fromtimestamp(response["clientSecretExpiresAt"], datetime.timezone.utc)
        )
        stored: dict[str, Any] = {
            "clientId": response["clientId"],
            "clientSecret": response["clientSecret"],
            "expiresAt": expires_at,
        }
        if self._session.refreshable:
            stored["scopes"] = list(self._session.scopes)
        self._cache.write(key, stored)
        return Registration(response["clientId"], response["clientSecret"], expires_at)

    def _prompt(self, authorization: dict[str, Any]) -> None:
        url = authorization.get("verificationUriComplete") or authorization["verificationUri"]
        self._out.write(
            "To sign in, open this URL in a browser (on any device):\n\n"
            f"  {authorization['verificationUri']}\n\n"
            f"and enter the code:\n\n  {authorization['userCode']}\n\n"
        )
        self._out.flush()
        if self._open_browser:
            try:
                self._browser(url)
            except Exception:  # a missing browser is not an error: the URL is printed
                logger.debug("Could not open a browser", exc_info=True)

    def _poll(self, registration: Registration, authorization: dict[str, Any]) -> dict[str, Any]:
        interval = float(authorization.get("interval") or 5)
        deadline = time.monotonic() + float(authorization.get("expiresIn") or 600)
        exceptions = self._client.exceptions
        while True:
            self._sleep(interval)
            try:
                response: dict[str, Any] = self._client.create_token(
                    grantType=DEVICE_CODE_GRANT,
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    deviceCode=authorization["deviceCode"],
                )
                return response
            except exceptions.AuthorizationPendingException:
                pass
            except exceptions.SlowDownException:
                interval += SLOW_DOWN_STEP
            except exceptions.ExpiredTokenException:
                raise LoginError(reason="the code expired before it was approved", **self._names()) from None
            except exceptions.AccessDeniedException:
                raise LoginError(reason="the sign-in was denied", **self._names()) from None
            if time.monotonic() >= deadline:
                raise LoginError(reason="the code expired before it was approved", **self._names())

    def _names(self) -> dict[str, Any]:
        return {
            "subject": self._session.subject,
            "profile": self._session.profile,
            "session_name": self._session.name,
            "command": login_command(self._session.profile, self._session.name),
        }
