"""What a test does to a running fake: play the user, count requests, inject faults.

``FakeIdentityCenter`` inherits these methods; each one hands its work to the
identity state, the fault plan or the throttling switches, which hold their own
locks, so a test may call them from any thread while requests are served.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from .faults import FaultPlan, RawAnswer
from .iam_tokens import IAM_GRANT_TYPES, TrustedTokenIssuer
from .model import DEFAULT_START_URL, OPERATIONS
from .routes import App
from .state import IdentityCenterState
from .throttling import Throttles


class Steering:
    """The steering methods of ``FakeIdentityCenter``, over the parts it builds."""

    _state: IdentityCenterState
    _faults: FaultPlan
    _throttles: Throttles
    _app: App

    def signin_token_role(self, token: str) -> Optional[Tuple[str, str, str]]:
        """(user, account id, role name) a console sign-in token is valid for; None if it is not."""
        return self._state.signin_token_role(token)

    # -- trusted identity propagation (CreateTokenWithIAM) -------------------------

    def register_trusted_token_issuer(
        self, issuer_url: str, *, user_claim: str = "sub", algorithm: str = "HS256"
    ) -> TrustedTokenIssuer:
        """An identity provider whose JWTs applications may exchange; ``.mint()`` makes its JWTs.

        ``user_claim`` is the JWT claim whose value names the directory user
        (``"alice"``). JWTs are HS256-signed with a key of this issuer's own,
        or with ``algorithm="RS256"`` signed with a new 2048-bit RSA key
        (about a second to make) whose public JWKS is ``issuer.jwks()``.
        """
        return self._state.register_trusted_token_issuer(issuer_url, user_claim, algorithm)

    def register_application(
        self,
        name: str,
        *,
        trusted_token_issuers: Mapping[str, Sequence[str]],
        scopes: Sequence[str] = ("openid", "aws", "sso:account:access"),
        grant_types: Sequence[str] = IAM_GRANT_TYPES,
    ) -> str:
        """An OAuth application for CreateTokenWithIAM; returns its ARN, the ``clientId`` to use.

        ``trusted_token_issuers`` maps each issuer URL it trusts to the JWT
        audiences (``aud``) it accepts from that issuer.
        """
        return self._state.register_application(name, trusted_token_issuers, scopes, grant_types)

    def iam_credentials(self) -> Dict[str, str]:
        """New IAM keys (``aws_access_key_id``, ``aws_secret_access_key``) to sign CreateTokenWithIAM.

        Role credentials from GetRoleCredentials are accepted too.
        """
        return self._state.new_iam_credentials()

    def iam_refresh_token_is_valid(self, token: str) -> bool:
        return self._state.iam_refresh_token_is_valid(token)

    # -- a vanity start URL (see vanity.py) ----------------------------------------

    def redirect_vanity_to(self, target: Optional[str]) -> None:
        """Where the vanity start URL redirects (``None``: it answers 200, no redirect)."""
        self._app.vanity.target = target

    @property
    def vanity_requests(self) -> int:
        """How many requests the vanity start URL received."""
        return self._app.vanity.requests

    # -- counters ----------------------------------------------------------------

    def request_counts(self) -> Dict[str, int]:
        """Requests per operation, failed ones included; every operation is present."""
        return self._state.request_counts()

    def grant_counts(self) -> Dict[str, int]:
        """CreateToken requests per grantType; the three known grant types are present."""
        return self._state.grant_counts()

    def reset_counts(self) -> None:
        self._state.reset_counts()

    # -- playing the user --------------------------------------------------------

    def approve(self, user_code: str, user: Optional[str] = None) -> None:
        """Approve a pending device login as ``user`` (default: the first user)."""
        self._state.decide_device(user_code, approve=True, user=user)

    def deny(self, user_code: str) -> None:
        self._state.decide_device(user_code, approve=False)

    def issue_token(
        self,
        *,
        user: Optional[str] = None,
        start_url: str = DEFAULT_START_URL,
        scopes: Sequence[str] = ("sso:account:access",),
        session_name: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Seed a completed login without any HTTP flow.

        Returns the fields the AWS CLI v2 writes to its token cache (startUrl,
        region, accessToken, expiresAt, clientId, clientSecret,
        registrationExpiresAt, and refreshToken unless ``scopes`` is empty,
        i.e. a legacy login) plus ``expiresIn``.
        """
        return self._state.issue_token(
            user=user, start_url=start_url, scopes=scopes, session_name=session_name
        )

    def end_sessions(self, user: Optional[str] = None) -> None:
        """End portal sessions (all, or one user's): refresh fails, bearer tokens stop working."""
        self._state.end_sessions(user)

    def access_token_is_valid(self, token: str) -> bool:
        return self._state.access_token_is_valid(token)

    def refresh_token_is_valid(self, token: str) -> bool:
        return self._state.refresh_token_is_valid(token)

    # -- faults ------------------------------------------------------------------

    def inject(self, operation: str, error: str, times: int = 1) -> None:
        """Make the next ``times`` requests of ``operation`` fail with ``error``.

        ``error`` is an OAuth code (``"invalid_grant"``) or an exception name
        (``"TooManyRequestsException"``); it is sent with the real status,
        ``x-amzn-ErrorType`` header and the body shape of the operation's service.
        """
        _check_operation(operation)
        self._faults.inject(operation, error, times)

    def set_faults(
        self,
        *,
        error_rate: Optional[float] = None,
        throttle_rate: Optional[float] = None,
        latency: Optional[float] = None,
    ) -> None:
        """Random share of 500s and of throttling answers, and seconds added before each answer.

        Throttling is a 429 TooManyRequestsException on the portal and a
        SlowDownException (400 ``slow_down``) on SSO OIDC, as the services do.
        """
        self._faults.set(error_rate=error_rate, throttle_rate=throttle_rate, latency=latency)

    def inject_answer(
        self,
        operation: str,
        *,
        status: int = 200,
        body: bytes = b"{}",
        content_type: Optional[str] = "application/json",
        headers: Sequence[Tuple[str, str]] = (),
        cut_after: Optional[int] = None,
        date: Optional[str] = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests of ``operation`` with something the service never sends.

        For a client's robustness: a proxy's HTML page (``status=403``,
        ``content_type="text/html"``), malformed or incomplete JSON, a
        connection cut after ``cut_after`` body bytes, a bogus ``date``.
        The request is counted; the identity state is not touched.
        """
        _check_operation(operation)
        answer = RawAnswer(status, body, content_type, tuple(headers), cut_after, date)
        self._faults.inject_answer(operation, answer, times)

    def throttle(self, operation: str, *, every: int = 0, rate: float = 0.0) -> None:
        """Throttle one operation: request 1, 1+every, 1+2*every...; or a random share ``rate``.

        The portal answers 429 TooManyRequestsException, SSO OIDC 400
        SlowDownException. ``throttle("ListAccountRoles", every=3)`` throttles
        a third of the role listings; ``every=0, rate=0`` switches it off.
        Scripted ``inject()`` errors come first.
        """
        _check_operation(operation)
        self._throttles.set(operation, every=every, rate=rate)

    def throttled_counts(self) -> Dict[str, int]:
        """Requests answered with throttling by ``throttle()``, per operation."""
        return self._throttles.throttled_counts()

    def clear_faults(self) -> None:
        """Drop scripted errors and answers and switch random faults, throttling switches and latency off."""
        self._faults.clear()
        self._throttles.clear()


def _check_operation(operation: str) -> None:
    if operation not in OPERATIONS:
        raise ValueError(f"unknown operation {operation!r}; use one of: {', '.join(OPERATIONS)}")
