"""The device-code login (RFC 8628): for legacy profiles and hosts without a local browser.

RegisterClient (reused by grant type, see ``registration``),
StartDeviceAuthorization, show the user code and the verification URL, then
poll CreateToken every ``interval`` seconds, adding 5 seconds for good on
``slow_down`` (RFC 8628, section 3.5), until the code is approved, denied or
expired. The token is written in the AWS CLI v2 format, so ``aws`` and
botocore read it. The code and URLs are the service's words: shown escaped,
and a URL is opened only where ``browser.refusal_to_open`` allows it.
"""

from __future__ import annotations

import contextlib
import time
import webbrowser
from typing import Any, Callable, Mapping, Optional

from ..errors import LoginError
from ..provider.clients import oidc_client
from ..rules.profiles import SSOSessionConfig
from ..rules.records import TokenRecord
from ..rules.terminal import printable
from ..rules.timestamps import Clock, utcnow
from ..settings import token_cache_dir
from ..store.cache import JSONFileCache
from .answers import checked_device_authorization, checked_token, poll_interval
from .browser import refusal_to_open
from .failures import login_names, reported_as_login_errors
from .interaction import TextSink, WaitingDisplay
from .pkce import oidc_base_url
from .preflight import check_cache_paths
from .registration import DEVICE_CODE_GRANT, Registration, RegistrationStore
from .token_file import save_login

SLOW_DOWN_STEP = 5


class DeviceCodeLogin:
    """One device-code login for one sso-session or legacy start URL."""

    def __init__(
        self,
        session: SSOSessionConfig,
        botocore_session: Any,
        *,
        out: TextSink,
        open_browser: bool = True,
        portal_start_url: Optional[str] = None,
        cache: Optional[JSONFileCache] = None,
        clock: Clock = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        browser: Callable[[str], Any] = webbrowser.open,
    ) -> None:
        self._session = session
        self._botocore_session = botocore_session
        self._out = out
        self._open_browser = open_browser
        self._portal_start_url = portal_start_url or session.start_url
        self._cache = cache if cache is not None else JSONFileCache(token_cache_dir)
        self._clock = clock
        self._sleep = sleep
        self._browser = browser

    def run(self) -> TokenRecord:
        """Log in and write the token file; returns the new token."""
        store = RegistrationStore(self._session, self._cache, self._clock)
        check_cache_paths(self._session, self._cache, self._session.token_cache_key, store.key)
        with reported_as_login_errors(self._session):
            client = oidc_client(self._botocore_session, self._session.region)
            registration = store.obtain(client, DEVICE_CODE_GRANT)
            authorization = checked_device_authorization(
                client.start_device_authorization(
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    startUrl=self._portal_start_url,
                )
            )
            self._prompt(authorization, oidc_base_url(client))
            response = checked_token(self._poll(client, registration, authorization))
        return save_login(
            self._session,
            self._botocore_session,
            response,
            registration,
            cache=self._cache,
            clock=self._clock,
        )

    def _prompt(self, authorization: Mapping[str, Any], endpoint: str) -> None:
        """Show the code and the URLs (escaped: they are the service's words); open only a trusted URL."""
        page = authorization["verificationUri"]
        complete = authorization.get("verificationUriComplete")
        url = complete if isinstance(complete, str) and complete else page
        self._out.write(
            "To sign in, open this URL in a browser (on any device):\n\n"
            f"  {printable(page)}\n\n"
            f"and enter the code:\n\n  {printable(authorization['userCode'])}\n\n"
            f"or open this URL, which fills in the code:\n\n  {printable(url)}\n\n"
        )
        refusals = {shown: refusal_to_open(shown, endpoint) for shown in (page, url)}
        for shown, refusal in refusals.items():
            if refusal is not None:
                self._out.write(
                    f"Warning: IAM Identity Center sent the URL {printable(shown)}, which is not opened: "
                    f"{refusal}. Check it before you open it yourself.\n"
                )
        self._out.flush()
        if self._open_browser and refusals[url] is None:
            with contextlib.suppress(Exception):  # a missing browser is not an error: the URL is printed
                self._browser(url)

    def _poll(
        self, client: Any, registration: Registration, authorization: Mapping[str, Any]
    ) -> dict[str, Any]:
        interval = poll_interval(authorization)
        deadline = time.monotonic() + float(authorization["expiresIn"])
        exceptions = client.exceptions
        display = WaitingDisplay("Waiting for the code to be approved")
        try:
            while True:
                self._sleep(interval)
                display.tick()
                try:
                    response: dict[str, Any] = client.create_token(
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
                    raise LoginError(
                        reason="the code expired before it was approved", **login_names(self._session)
                    ) from None
                except exceptions.AccessDeniedException:
                    raise LoginError(reason="the sign-in was denied", **login_names(self._session)) from None
                if time.monotonic() >= deadline:
                    raise LoginError(
                        reason="the code expired before it was approved", **login_names(self._session)
                    )
        finally:
            display.done()
