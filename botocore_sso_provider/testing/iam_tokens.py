"""CreateTokenWithIAM: tokens for applications that call with IAM credentials (trusted identity propagation).

An application (a customer-managed OAuth application; its ARN is the
``clientId``) trusts some *trusted token issuers*: identity providers whose
JWTs it may exchange (JWT-bearer grant) for Identity Center tokens, if the
JWT's ``aud`` is one the application accepts for that issuer. The user is
the directory user named by the issuer's ``user_claim`` (default ``sub``).
The refresh-token grant renews such a login; the token-exchange grant turns
an Identity Center access token into one for this application. Every call
must be SigV4-signed (service ``sso-oauth``) with credentials the fake knows:
IAM keys from ``iam_credentials()`` or role credentials it issued.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

from . import jwt, rsa
from .protocol import optional_text, required_text
from .records import PortalSession
from .service_errors import oidc_error
from .sigv4 import SigningKey
from .store import IdentityStore

GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type
IAM_REFRESH_GRANT = "refresh_token"
IAM_GRANT_TYPES = (GRANT_JWT_BEARER, IAM_REFRESH_GRANT, GRANT_TOKEN_EXCHANGE)
TOKEN_TYPE_ACCESS = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
TOKEN_TYPE_REFRESH = "urn:ietf:params:oauth:token-type:refresh_token"  # noqa: S105
_KEY_CHARS = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class TrustedTokenIssuer:
    """An identity provider whose JWTs applications may exchange; ``mint`` makes such JWTs.

    With an RSA key (``algorithm="RS256"`` at registration) it signs as real
    issuers do and ``jwks()`` is its public JWKS document; else HS256 with ``key``.
    """

    issuer_url: str
    key: bytes = field(repr=False)
    user_claim: str
    clock: Callable[[], float] = field(repr=False, compare=False)
    rsa_key: Optional[rsa.PrivateKey] = field(default=None, repr=False)

    @property
    def algorithm(self) -> str:
        return "HS256" if self.rsa_key is None else "RS256"

    @property
    def kid(self) -> Optional[str]:
        """The RSA key's ID in the JWKS (a digest of the public key); None for HS256."""
        if self.rsa_key is None:
            return None
        return hashlib.sha256(f"{self.rsa_key.n}:{self.rsa_key.e}".encode()).hexdigest()[:16]

    def jwks(self) -> Dict[str, Any]:
        """The public JWKS document an RS256 issuer publishes (``{"keys": [...]}``)."""
        if self.rsa_key is None or self.kid is None:
            raise ValueError("an HS256 issuer has no JWKS; register it with algorithm='RS256'")
        return {"keys": [self.rsa_key.public.jwk(self.kid)]}

    def checking_key(self) -> jwt.CheckingKey:
        return self.key if self.rsa_key is None else self.rsa_key.public

    def mint(
        self,
        subject: str,
        audience: str,
        *,
        expires_in: float = 300,
        claims: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """A JWT from this issuer for ``audience`` naming the user ``subject`` in ``user_claim``."""
        now = int(self.clock())
        body: Dict[str, Any] = {
            "iss": self.issuer_url,
            "aud": audience,
            "iat": now,
            "exp": int(now + expires_in),
            "jti": secrets.token_hex(8),
            "sub": subject,
        }
        body[self.user_claim] = subject
        body.update(claims or {})
        return jwt.encode(body, self.key if self.rsa_key is None else self.rsa_key, kid=self.kid)


@dataclass(frozen=True)
class Application:
    """An OAuth application that calls CreateTokenWithIAM; its ARN is the ``clientId``."""

    arn: str
    name: str
    trusted_issuers: Mapping[str, Tuple[str, ...]]  # issuer URL -> accepted audiences
    scopes: Tuple[str, ...]
    grant_types: Tuple[str, ...]


@dataclass
class _IamRefreshToken:
    session_id: str
    application: str
    scopes: Tuple[str, ...]
    rotated: bool = False


class IamTokenOperations(IdentityStore):
    """Applications, trusted token issuers, IAM keys and the CreateTokenWithIAM grants."""

    # -- the control side: what a test registers -----------------------------------

    def register_trusted_token_issuer(
        self, issuer_url: str, user_claim: str = "sub", algorithm: str = "HS256"
    ) -> TrustedTokenIssuer:
        if algorithm not in ("HS256", "RS256"):
            raise ValueError(f"algorithm must be HS256 or RS256, not {algorithm!r}")
        rsa_key = rsa.generate() if algorithm == "RS256" else None
        issuer = TrustedTokenIssuer(issuer_url, secrets.token_bytes(32), user_claim, self._clock, rsa_key)
        with self._lock:
            self._issuers[issuer_url] = issuer
        return issuer

    def register_application(
        self,
        name: str,
        trusted_token_issuers: Mapping[str, Sequence[str]],
        scopes: Sequence[str] = ("openid", "aws", "sso:account:access"),
        grant_types: Sequence[str] = IAM_GRANT_TYPES,
    ) -> str:
        unknown_grants = [grant for grant in grant_types if grant not in IAM_GRANT_TYPES]
        if unknown_grants:
            raise ValueError(f"unknown grant types {unknown_grants}; use some of {list(IAM_GRANT_TYPES)}")
        with self._lock:
            unknown = [url for url in trusted_token_issuers if url not in self._issuers]
            if unknown:
                raise ValueError(f"register the trusted token issuers {unknown} first")
            arn = "arn:aws:sso::123456789012:application/ssoins-fake0000000000/apl-" + secrets.token_hex(8)
            self._applications[arn] = Application(
                arn,
                name,
                {url: tuple(audiences) for url, audiences in trusted_token_issuers.items()},
                tuple(scopes),
                tuple(grant_types),
            )
        return arn

    def new_iam_credentials(self) -> Dict[str, str]:
        """Long-term IAM keys the fake accepts on SigV4-signed requests."""
        key = SigningKey(
            "AKIA" + "".join(secrets.choice(_KEY_CHARS) for _ in range(16)), secrets.token_urlsafe(30)
        )
        with self._lock:
            self._iam_keys[key.access_key_id] = key
        return {"aws_access_key_id": key.access_key_id, "aws_secret_access_key": key.secret_access_key}

    def signing_key(self, access_key_id: str) -> Optional[SigningKey]:
        """The secret behind an access key id: IAM keys, or unexpired role credentials issued here."""
        with self._lock:
            key = self._iam_keys.get(access_key_id)
            if key is not None:
                return key
            found = self._issued_role_keys.get(access_key_id)
            if found is None or found[1]["expiration"] <= self._clock() * 1000:
                return None
            issued = found[1]
            return SigningKey(access_key_id, issued["secretAccessKey"], issued["sessionToken"])

    # -- the operation ---------------------------------------------------------------

    def create_token_with_iam(self, body: Mapping[str, Any]) -> Dict[str, Any]:
        client_id = required_text(body, "clientId")
        grant = required_text(body, "grantType")
        with self._lock:
            now = self._clock()
            application = self._applications.get(client_id)
            if application is None:
                raise oidc_error("invalid_client", "Unknown application (clientId)")
            if grant not in IAM_GRANT_TYPES:
                raise oidc_error("unsupported_grant_type", f"Unsupported grant type: {grant}")
            if grant not in application.grant_types:
                raise oidc_error("unauthorized_client", f"The application is not allowed to use {grant}")
            scopes = self._requested_scopes(body, application)
            if grant == GRANT_JWT_BEARER:
                user = self._user_from_assertion(application, required_text(body, "assertion"), now)
                session_id = self._new_iam_session(user, application, now)
                issue_refresh = IAM_REFRESH_GRANT in application.grant_types
                issued_type = TOKEN_TYPE_ACCESS
            elif grant == IAM_REFRESH_GRANT:
                session_id, scopes = self._redeem_iam_refresh(application, body, scopes, now)
                issue_refresh, issued_type = True, TOKEN_TYPE_ACCESS
            else:
                session_id, issue_refresh, issued_type = self._exchange(application, body, now)
            return self._issue_iam_tokens(application, session_id, scopes, issue_refresh, issued_type, now)

    def _requested_scopes(self, body: Mapping[str, Any], application: Application) -> Tuple[str, ...]:
        requested = body.get("scope")
        if requested is None:
            return application.scopes
        if not isinstance(requested, list) or not all(isinstance(s, str) for s in requested):
            raise oidc_error("invalid_request", "scope must be a list of strings")
        extra = [scope for scope in requested if scope not in application.scopes]
        if extra:
            raise oidc_error("invalid_scope", f"Scopes not granted to the application: {', '.join(extra)}")
        return tuple(requested)

    def _user_from_assertion(self, application: Application, assertion: str, now: float) -> str:
        try:
            issuer_url = jwt.unverified_claims(assertion).get("iss")
            issuer = self._issuers.get(issuer_url) if isinstance(issuer_url, str) else None
            if issuer is None or issuer.issuer_url not in application.trusted_issuers:
                raise jwt.InvalidJWT("The assertion's issuer is not trusted by this application")
            claims = jwt.decode(
                assertion,
                issuer.checking_key(),
                issuer=issuer.issuer_url,
                audiences=application.trusted_issuers[issuer.issuer_url],
                now=now,
                kid=issuer.kid,
            )
        except jwt.InvalidJWT as err:
            raise oidc_error("invalid_grant", str(err)) from None
        user = claims.get(issuer.user_claim)
        if not isinstance(user, str) or user not in self._users:
            raise oidc_error("invalid_grant", f"No user matches the assertion's {issuer.user_claim} claim")
        return user

    def _redeem_iam_refresh(
        self, application: Application, body: Mapping[str, Any], scopes: Tuple[str, ...], now: float
    ) -> Tuple[str, Tuple[str, ...]]:
        record = self._iam_refresh_tokens.get(required_text(body, "refreshToken"))
        if record is None or record.application != application.arn:
            raise oidc_error("invalid_grant", "Invalid refresh token provided")
        if record.rotated:
            raise oidc_error("invalid_grant", "Refresh token has already been used")
        if not self._sessions[record.session_id].alive(now):
            raise oidc_error("invalid_grant", "The session has ended; sign in again")
        if body.get("scope") is not None and any(scope not in record.scopes for scope in scopes):
            raise oidc_error("invalid_scope", "Refreshed scopes must be within the original ones")
        if self.settings.rotate_refresh_tokens:
            record.rotated = True
        return record.session_id, scopes if body.get("scope") is not None else record.scopes

    def _exchange(
        self, application: Application, body: Mapping[str, Any], now: float
    ) -> Tuple[str, bool, str]:
        subject = required_text(body, "subjectToken")
        if optional_text(body, "subjectTokenType") != TOKEN_TYPE_ACCESS:
            raise oidc_error("invalid_request", f"subjectTokenType must be {TOKEN_TYPE_ACCESS}")
        requested = optional_text(body, "requestedTokenType") or TOKEN_TYPE_ACCESS
        if requested not in (TOKEN_TYPE_ACCESS, TOKEN_TYPE_REFRESH):
            raise oidc_error("invalid_request", "requestedTokenType is not supported")
        record = self._access_tokens.get(subject)
        if record is None or now >= record.expires_at or not self._sessions[record.session_id].alive(now):
            raise oidc_error("invalid_grant", "The subject token is not valid")
        user = self._sessions[record.session_id].user
        session_id = self._new_iam_session(user, application, now)
        return session_id, requested == TOKEN_TYPE_REFRESH, requested

    def _new_iam_session(self, user: str, application: Application, now: float) -> str:
        session_id = secrets.token_hex(16)
        self._sessions[session_id] = PortalSession(user, application.arn, now + self.settings.session_ttl)
        return session_id

    def _issue_iam_tokens(
        self,
        application: Application,
        session_id: str,
        scopes: Tuple[str, ...],
        issue_refresh: bool,
        issued_type: str,
        now: float,
    ) -> Dict[str, Any]:
        expires_at = now + self.settings.access_token_ttl
        session = self._sessions[session_id]
        identity_context = secrets.token_urlsafe(32)
        id_token = jwt.encode(
            {
                "iss": self.base_url,
                "aud": application.arn,
                "sub": session.user,
                "iat": int(now),
                "exp": int(expires_at),
                "sts:identity_context": identity_context,
                "sts:audit_context": secrets.token_urlsafe(16),
            },
            self._id_token_key,
        )
        response: Dict[str, Any] = {
            "accessToken": self._new_access_token(session_id, expires_at),
            "tokenType": "Bearer",
            "expiresIn": int(self.settings.access_token_ttl),
            "idToken": id_token,
            "issuedTokenType": issued_type,
            "scope": list(scopes),
            "awsAdditionalDetails": {"identityContext": identity_context},
        }
        if issue_refresh:
            token = "aor" + secrets.token_urlsafe(48)
            self._iam_refresh_tokens[token] = _IamRefreshToken(session_id, application.arn, scopes)
            response["refreshToken"] = token
        return response

    def iam_refresh_token_is_valid(self, token: str) -> bool:
        with self._lock:
            record = self._iam_refresh_tokens.get(token)
            return (
                record is not None
                and not record.rotated
                and self._sessions[record.session_id].alive(self._clock())
            )
