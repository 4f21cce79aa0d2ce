"""The authorization-code login with PKCE (RFC 7636, S256): the AWS CLI v2's default since 2.22.

RegisterClient for the ``authorization_code`` grant (reused by grant type,
see ``registration``), open ``{oidc endpoint}/authorize`` in a browser with a
fresh ``state`` and code challenge, receive the code on the loopback
listener, then exchange it with CreateToken and the code verifier. The
authorize URL is built on the endpoint botocore resolves for the SSO OIDC
client, so ``AWS_ENDPOINT_URL_SSO_OIDC``, ``[services]``, FIPS and the China
partition apply as they do to the API calls.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from typing import Any, Callable, Optional
from urllib.parse import quote, urlencode, urlsplit

from botocore.awsrequest import AWSResponse

from ..errors import ListenerError, LoginError
from ..provider.clients import oidc_client
from ..rules.profiles import DEFAULT_SCOPES, SSOSessionConfig
from ..rules.records import TokenRecord
from ..rules.terminal import printable
from ..rules.timestamps import Clock, utcnow
from ..settings import token_cache_dir
from ..store.cache import JSONFileCache
from .answers import checked_token
from .browser import Host, open_url
from .failures import login_names, reported_as_login_errors
from .interaction import TextSink, WaitingDisplay
from .listener import DEFAULT_TIMEOUT, RedirectListener
from .preflight import check_cache_paths
from .registration import AUTHORIZATION_CODE_GRANT, Registration, RegistrationStore
from .token_file import save_login

VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_LENGTH = 64
MAX_ERROR_SHOWN = 100
"""OAuth error codes are short words (RFC 6749, 4.1.2.1); a longer one is cut when shown."""


def shown_error(error: Optional[str]) -> str:
    """The redirect's ``error`` as the terminal may show it: it is whatever reached the listener."""
    if error is None:
        return "no code and no error"
    text = printable(error)
    return text if len(text) <= MAX_ERROR_SHOWN else text[: MAX_ERROR_SHOWN - 3] + "..."


def new_code_verifier() -> str:
    """A code verifier of 64 characters from RFC 7636's unreserved set."""
    return "".join(secrets.choice(VERIFIER_ALPHABET) for _ in range(VERIFIER_LENGTH))


def code_challenge(verifier: str) -> str:
    """base64url(SHA-256(verifier)) without padding: the S256 method."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def pkce_unsupported(botocore_session: Any) -> Optional[str]:
    """Why this botocore cannot run a PKCE login (its SSO OIDC model lacks the fields); None if it can."""
    import botocore

    try:
        model = botocore_session.get_service_model("sso-oidc")
        register = model.operation_model("RegisterClient").input_shape.members
        create = model.operation_model("CreateToken").input_shape.members
    except Exception:  # no model at all: let the login itself report it
        return None
    if "grantTypes" in register and "codeVerifier" in create:
        return None
    return f"this botocore ({botocore.__version__}) has no PKCE fields in its SSO OIDC model"


def oidc_base_url(client: Any) -> str:
    """The scheme and host botocore would send an SSO OIDC call to, found without sending one."""
    found: dict[str, str] = {}

    def capture(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parts = urlsplit(params["url"])
        found["url"] = f"{parts.scheme}://{parts.netloc}"
        return AWSResponse(params["url"], 200, {}, None), {}  # short-circuits: nothing is sent

    client.meta.events.register_first("before-call.sso-oidc.RegisterClient", capture)
    try:
        client.register_client(clientName="endpoint-probe", clientType="public")
    finally:
        client.meta.events.unregister("before-call.sso-oidc.RegisterClient", capture)
    return found["url"]


class PKCELogin:
    """One authorization-code login for one sso-session."""

    def __init__(
        self,
        session: SSOSessionConfig,
        botocore_session: Any,
        *,
        out: TextSink,
        open_browser: bool = True,
        redirect_port: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        portal_start_url: Optional[str] = None,
        cache: Optional[JSONFileCache] = None,
        clock: Clock = utcnow,
        host: Optional[Host] = None,
        browser: Optional[Callable[[str], bool]] = None,
    ) -> None:
        self._session = session
        self._botocore_session = botocore_session
        self._out = out
        self._open_browser = open_browser
        self._redirect_port = redirect_port
        self._timeout = timeout
        self._portal_start_url = portal_start_url or session.start_url
        self._cache = cache if cache is not None else JSONFileCache(token_cache_dir)
        self._clock = clock
        self._host = host if host is not None else Host.current()
        self._browser = browser

    def run(self) -> TokenRecord:
        """Log in and write the token file; returns the new token."""
        store = RegistrationStore(self._session, self._cache, self._clock)
        check_cache_paths(self._session, self._cache, self._session.token_cache_key, store.key)
        state = secrets.token_urlsafe(32)
        verifier = new_code_verifier()
        try:
            listener = RedirectListener(state, port=self._redirect_port)
        except ListenerError as err:
            raise LoginError(
                reason=f"the redirect listener could not start: {err}", **login_names(self._session)
            ) from None
        with listener, reported_as_login_errors(self._session):
            client = oidc_client(self._botocore_session, self._session.region)
            registration = store.obtain(client, AUTHORIZATION_CODE_GRANT, issuer_url=self._portal_start_url)
            url = self._authorize_url(client, registration, listener.redirect_uri, state, verifier)
            self._show(url)
            display = WaitingDisplay("Waiting for the sign-in in the browser")
            redirect = listener.wait(self._timeout, display.tick)
            display.done()
            if redirect is None:
                raise LoginError(
                    reason=f"no sign-in reached {listener.redirect_uri} within {self._timeout:g} s",
                    **login_names(self._session),
                )
            if redirect.error is not None or redirect.code is None:
                reason = (
                    "the sign-in was denied"
                    if redirect.error == "access_denied"
                    else f"the authorization failed ({shown_error(redirect.error)})"
                )
                raise LoginError(reason=reason, **login_names(self._session))
            response = checked_token(
                client.create_token(
                    grantType=AUTHORIZATION_CODE_GRANT,
                    clientId=registration.client_id,
                    clientSecret=registration.client_secret,
                    code=redirect.code,
                    codeVerifier=verifier,
                    redirectUri=listener.redirect_uri,
                )
            )
        return save_login(
            self._session,
            self._botocore_session,
            response,
            registration,
            cache=self._cache,
            clock=self._clock,
        )

    def _authorize_url(
        self, client: Any, registration: Registration, redirect_uri: str, state: str, verifier: str
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": registration.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": " ".join(self._session.scopes or DEFAULT_SCOPES),
            "code_challenge": code_challenge(verifier),
        }
        return f"{oidc_base_url(client)}/authorize?{urlencode(query, quote_via=quote)}"

    def _show(self, url: str) -> None:
        self._out.write(f"To sign in, open this URL in a browser on this machine:\n\n  {url}\n\n")
        self._out.flush()
        if not self._open_browser:
            return
        opened = open_url(url, self._host) if self._browser is None else self._browser(url)
        if not opened:
            self._out.write("Could not open a browser: open the URL above yourself.\n")
            self._out.flush()
