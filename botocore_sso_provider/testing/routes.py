"""One HTTP request in, one response out: routing, counting, faults and wire rendering.

Independent of sockets so the whole request path reads top to bottom in
``App.handle``: find the operation, count it, wait the injected latency
(outside every lock), answer an injected fault, else call the state and
render its answer or its ``FakeServiceError``.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs

from . import sigv4
from .faults import FaultPlan
from .federation import FEDERATION_PATH, FederationError
from .model import OIDC_OPERATIONS
from .pages import authorize_page, device_page, message_page
from .service_errors import OIDC, PORTAL, FakeServiceError, oidc_error, service_error
from .state import IdentityCenterState
from .throttling import Throttles
from .vanity import VANITY_PATH, VanityRedirect

logger = logging.getLogger(__name__)

BEARER_HEADER = "x-amz-sso_bearer_token"
IAM_SIGNING_NAME = "sso-oauth"  # SSO OIDC's SigV4 signing name
JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: Optional[str] = JSON_TYPE
    headers: List[Tuple[str, str]] = field(default_factory=list)
    cut_after: Optional[int] = None  # bytes of the body sent before the connection is cut
    date: Optional[str] = None  # a Date header other than the clock's


def json_response(status: int, payload: Any, error_type: Optional[str] = None) -> Response:
    response = Response(status, json.dumps(payload).encode("utf-8"))
    if error_type is not None:
        response.headers.append(("x-amzn-ErrorType", error_type))
    return response


def error_response(error: FakeServiceError) -> Response:
    return json_response(error.status, error.body, error.error_type)


def html_response(status: int, page: str) -> Response:
    return Response(status, page.encode("utf-8"), HTML_TYPE)


def redirect(location: str) -> Response:
    return Response(302, b"", None, [("Location", location)])


def form_fields(body: bytes) -> Dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, first value of each field."""
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


_Endpoint = Callable[[Request, Mapping[str, Any]], Response]


class App:
    """The fake's request handling; owns no sockets and no threads."""

    def __init__(
        self,
        state: IdentityCenterState,
        faults: FaultPlan,
        stopping: threading.Event,
        throttles: Optional[Throttles] = None,
    ) -> None:
        self._state = state
        self._faults = faults
        self._throttles = throttles if throttles is not None else Throttles()
        self._stopping = stopping
        self.vanity = VanityRedirect(state.settings.region)
        self._operations: Dict[Tuple[str, str], Tuple[str, _Endpoint]] = {
            ("POST", "/client/register"): ("RegisterClient", self._register_client),
            ("POST", "/device_authorization"): ("StartDeviceAuthorization", self._start_device_authorization),
            ("POST", "/token"): ("CreateToken", self._create_token),
            ("GET", "/authorize"): ("Authorize", self._authorize_get),
            ("POST", "/authorize"): ("Authorize", self._authorize_post),
            ("GET", "/federation/credentials"): ("GetRoleCredentials", self._get_role_credentials),
            ("GET", "/assignment/accounts"): ("ListAccounts", self._list_accounts),
            ("GET", "/assignment/roles"): ("ListAccountRoles", self._list_account_roles),
            ("POST", "/logout"): ("Logout", self._logout),
        }
        # Not service operations: never counted, never faulted.
        self._pages: Dict[Tuple[str, str], Callable[[Request], Response]] = {
            ("HEAD", VANITY_PATH): self._vanity,
            ("GET", VANITY_PATH): self._vanity,
            ("GET", "/device"): self._device_get,
            ("POST", "/device"): self._device_post,
            ("GET", FEDERATION_PATH): self._federation,
            ("GET", "/_fake/counts"): self._admin_counts,
            ("POST", "/_fake/reset-counts"): self._admin_reset_counts,
            ("POST", "/_fake/approve"): self._admin_approve,
            ("POST", "/_fake/deny"): self._admin_deny,
            ("POST", "/_fake/faults"): self._admin_faults,
            ("POST", "/_fake/inject"): self._admin_inject,
            ("POST", "/_fake/end-sessions"): self._admin_end_sessions,
            ("POST", "/_fake/throttle"): self._admin_throttle,
        }

    def handle(self, request: Request) -> Response:
        key = (request.method, request.path)
        try:
            if key in self._pages:
                return self._pages[key](request)
            if key == ("POST", "/token") and "aws_iam" in request.query:  # POST /token?aws_iam=t
                return self._operation(request, "CreateTokenWithIAM", self._create_token_with_iam)
            if key in self._operations:
                return self._operation(request, *self._operations[key])
            return json_response(404, {"message": "Not found"}, "UnknownOperationException")
        except Exception:
            logger.exception("fake identity center failed on %s %s", request.method, request.path)
            return error_response(service_error(PORTAL, "InternalServerException"))

    def _operation(self, request: Request, operation: str, endpoint: _Endpoint) -> Response:
        service = OIDC if operation in OIDC_OPERATIONS else PORTAL
        body: Mapping[str, Any] = {}
        bad_body: Optional[FakeServiceError] = None
        if request.method == "POST" and service == OIDC and operation != "Authorize":
            try:
                parsed = json.loads(request.body or b"{}")
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                body = parsed
            else:
                bad_body = oidc_error("invalid_request", "The body must be a JSON object")
        grant = body.get("grantType") if operation == "CreateToken" else None
        self._state.count(operation, grant if isinstance(grant, str) else None)

        throttle = "SlowDownException" if service == OIDC else "TooManyRequestsException"
        delay, fault = self._faults.next_fault(operation, throttle)
        if fault is None and self._throttles.should_throttle(operation):
            fault = throttle
        if delay > 0:
            self._stopping.wait(delay)  # interrupted by stop(); holds no lock
        raw = self._faults.next_answer(operation)
        if raw is not None:
            return Response(
                raw.status, raw.body, raw.content_type, list(raw.headers), raw.cut_after, raw.date
            )
        try:
            if fault is not None:
                raise service_error(service, fault)
            if bad_body is not None:
                raise bad_body
            return endpoint(request, body)
        except FakeServiceError as error:
            return error_response(error)
        except Exception:
            logger.exception("fake identity center failed on %s", operation)
            return error_response(service_error(service, "InternalServerException"))

    # -- SSO OIDC --------------------------------------------------------------

    def _register_client(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(200, self._state.register_client(body))

    def _start_device_authorization(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(200, self._state.start_device_authorization(body))

    def _create_token(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(200, self._state.create_token(body))

    def _create_token_with_iam(self, request: Request, body: Mapping[str, Any]) -> Response:
        try:
            sigv4.verify(
                method=request.method,
                path=request.path,
                query=request.query,
                headers=request.headers,
                body=request.body,
                region=self._state.settings.region,
                service=IAM_SIGNING_NAME,
                lookup=self._state.signing_key,
                now=self._state.now(),
            )
        except sigv4.SignatureError as error:
            return json_response(403, {"message": str(error)}, error.code)
        return json_response(200, self._state.create_token_with_iam(body))

    def _authorize_get(self, request: Request, body: Mapping[str, Any]) -> Response:
        checked = self._state.check_authorize(request.query)
        if checked.error is not None or self._state.settings.auto_approve:
            return redirect(self._state.complete_authorize(checked, approved=True))
        page = authorize_page(checked.params, checked.client_name, self._state.user_names())
        return html_response(200, page)

    def _authorize_post(self, request: Request, body: Mapping[str, Any]) -> Response:
        fields = form_fields(request.body)
        decision = fields.pop("decision", "")
        user = fields.pop("user", None) or None
        checked = self._state.check_authorize(fields)
        try:
            location = self._state.complete_authorize(checked, approved=decision == "approve", user=user)
        except ValueError as error:
            return html_response(400, message_page("Cannot sign in", str(error)))
        return redirect(location)

    # -- SSO portal ------------------------------------------------------------

    def _get_role_credentials(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(
            200,
            self._state.get_role_credentials(
                request.headers.get(BEARER_HEADER),
                request.query.get("account_id"),
                request.query.get("role_name"),
            ),
        )

    def _list_accounts(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(
            200,
            self._state.list_accounts(
                request.headers.get(BEARER_HEADER),
                request.query.get("next_token"),
                request.query.get("max_result"),
            ),
        )

    def _list_account_roles(self, request: Request, body: Mapping[str, Any]) -> Response:
        return json_response(
            200,
            self._state.list_account_roles(
                request.headers.get(BEARER_HEADER),
                request.query.get("account_id"),
                request.query.get("next_token"),
                request.query.get("max_result"),
            ),
        )

    def _logout(self, request: Request, body: Mapping[str, Any]) -> Response:
        self._state.logout(request.headers.get(BEARER_HEADER))
        return Response(200, b"", None)

    # -- a vanity start URL (see vanity.py) --------------------------------------

    def _vanity(self, request: Request) -> Response:
        self.vanity.requests += 1
        target = self.vanity.target
        return redirect(target) if target else html_response(200, message_page("Start", "Sign in"))

    # -- the device verification page ------------------------------------------

    def _device_get(self, request: Request) -> Response:
        user_code = request.query.get("user_code", "")
        status = self._state.device_status(user_code)
        if status is None:
            return html_response(400, message_page("Unknown code", "This code is not valid."))
        if status != "pending":
            return html_response(200, message_page("Device login", f"This request is {status}."))
        return html_response(200, device_page(user_code, self._state.user_names()))

    def _device_post(self, request: Request) -> Response:
        fields = form_fields(request.body)
        approve = fields.get("decision") == "approve"
        try:
            self._state.decide_device(
                fields.get("user_code", ""), approve=approve, user=fields.get("user") or None
            )
        except ValueError as error:
            return html_response(400, message_page("Cannot sign in", str(error)))
        outcome = "approved: return to your device" if approve else "denied"
        return html_response(200, message_page("Device login", f"The request was {outcome}."))

    # -- the sign-in federation endpoint (console sign-in) -----------------------

    def _federation(self, request: Request) -> Response:
        action = request.query.get("Action")
        try:
            if action == "getSigninToken":
                return json_response(200, self._state.get_signin_token(request.query.get("Session")))
            if action == "login":
                return redirect(self._state.federation_login(request.query))
            raise FederationError(400, "Action must be getSigninToken or login")
        except FederationError as error:
            return Response(error.status, str(error).encode("utf-8"), "text/plain; charset=utf-8")

    # -- /_fake: control over HTTP for a server run from the command line --------

    def _admin_counts(self, request: Request) -> Response:
        return json_response(
            200,
            {
                "operations": self._state.request_counts(),
                "grants": self._state.grant_counts(),
            },
        )

    def _admin_reset_counts(self, request: Request) -> Response:
        self._state.reset_counts()
        return json_response(200, {})

    def _admin_approve(self, request: Request) -> Response:
        return self._admin_call(
            request,
            lambda args: self._state.decide_device(
                _text(args, "userCode"), approve=True, user=_optional_text(args, "user")
            ),
        )

    def _admin_deny(self, request: Request) -> Response:
        return self._admin_call(
            request, lambda args: self._state.decide_device(_text(args, "userCode"), approve=False)
        )

    def _admin_faults(self, request: Request) -> Response:
        return self._admin_call(
            request,
            lambda args: self._faults.set(
                error_rate=_optional_number(args, "errorRate"),
                throttle_rate=_optional_number(args, "throttleRate"),
                latency=_optional_number(args, "latency"),
            ),
        )

    def _admin_inject(self, request: Request) -> Response:
        def inject(args: Mapping[str, Any]) -> None:
            operation = _text(args, "operation")
            if operation not in {op for op, _ in self._operations.values()}:
                raise ValueError(f"unknown operation {operation!r}")
            times = args.get("times", 1)
            if not isinstance(times, int):
                raise ValueError("times must be an integer")
            self._faults.inject(operation, _text(args, "error"), times)

        return self._admin_call(request, inject)

    def _admin_end_sessions(self, request: Request) -> Response:
        return self._admin_call(request, lambda args: self._state.end_sessions(_optional_text(args, "user")))

    def _admin_throttle(self, request: Request) -> Response:
        def throttle(args: Mapping[str, Any]) -> None:
            operation = _text(args, "operation")
            if operation not in {op for op, _ in self._operations.values()}:
                raise ValueError(f"unknown operation {operation!r}")
            every = args.get("every", 0)
            if not isinstance(every, int) or isinstance(every, bool):
                raise ValueError("every must be an integer")
            self._throttles.set(operation, every=every, rate=_optional_number(args, "rate") or 0.0)

        return self._admin_call(request, throttle)

    def _admin_call(self, request: Request, action: Callable[[Mapping[str, Any]], None]) -> Response:
        try:
            args = json.loads(request.body or b"{}")
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
            action(args)
        except ValueError as error:
            return json_response(400, {"message": str(error)}, "InvalidRequestException")
        return json_response(200, {})


def _optional_text(args: Mapping[str, Any], key: str) -> Optional[str]:
    value = args.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _text(args: Mapping[str, Any], key: str) -> str:
    value = _optional_text(args, key)
    if not value:
        raise ValueError(f"{key} is required")
    return value


def _optional_number(args: Mapping[str, Any], key: str) -> Optional[float]:
    value = args.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"{key} must be a number")
    return None if value is None else float(value)
