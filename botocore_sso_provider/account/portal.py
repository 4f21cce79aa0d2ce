"""What a login can reach: every account and role, from ListAccounts and ListAccountRoles.

Both listings are followed to their last page (the ``nextToken`` the service
paginators follow). The role listings, one per account, run on a small thread
pool so a large organisation takes seconds, not minutes, without hammering
the service. Throttling (``TooManyRequestsException``) and other passing
failures are retried here, page by page, with capped exponential backoff and
full jitter: botocore's own retries are switched off for these clients, so
one retry budget covers a page and the pool's threads back off independently.
The access token comes from ``TokenProvider`` (which refreshes it at most
once); a token the portal refuses is read once more from the cache (another
process may have refreshed it) before the listing fails naming the login.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import RoleListingAbandoned, ServiceUnavailableError, SessionEndedError, login_command
from ..provider.clients import portal_client
from ..provider.faults import describe_failure, is_transient
from ..provider.token import TokenProvider
from ..rules.profiles import SSOSessionConfig, is_role_name
from ..rules.terminal import printable

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
"""The largest page the portal serves (max_result 1-100)."""

ROLE_LISTING_WORKERS = 4
"""Concurrent ListAccountRoles calls: enough to hide latency, few enough not to be throttled."""

MAX_ATTEMPTS = 8
"""Tries per page before a throttled or failing listing gives up."""

BASE_DELAY = 0.25
MAX_DELAY = 8.0
"""Backoff between tries, seconds: full jitter over min(MAX_DELAY, BASE_DELAY * 2**try)."""


@dataclass(frozen=True)
class AccountAccess:
    """One account the login can reach and the roles it may use there."""

    account_id: str
    account_name: str
    email_address: str
    roles: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "accountName": self.account_name,
            "emailAddress": self.email_address,
            "roles": list(self.roles),
        }


@dataclass
class ListingStats:
    """What a listing cost: requests made and throttled answers retried."""

    requests: int = 0
    throttled: int = 0
    token_reloads: int = 0


ACCOUNT_ID = re.compile(r"[0-9]{12}")
"""An AWS account id: exactly twelve ASCII digits."""

ACCOUNT_NAME = re.compile(r"[ -~]{0,50}")
"""An account name as AWS Organizations allows it: printable ASCII, at most 50 (none if not sent)."""

EMAIL_ADDRESS = re.compile(r"[!-~]{0,254}")
"""An account's e-mail address: printable ASCII without spaces, at most 254 (none if not sent)."""


def account_problem(account: AccountAccess) -> Optional[str]:
    """Why this account's id, name or e-mail address is not one AWS can send, or None.

    The portal's answers are data: what no real service returns (a line
    break, an escape, a bracket in an id) is refused rather than cleaned.
    """
    for what, value, rule, expected in (
        ("id", account.account_id, ACCOUNT_ID, "12 digits"),
        ("name", account.account_name, ACCOUNT_NAME, "printable ASCII, at most 50 characters"),
        ("e-mail address", account.email_address, EMAIL_ADDRESS, "printable ASCII without spaces"),
    ):
        if not rule.fullmatch(value):
            return f'its {what} "{printable(value)}" is not {expected}'
    return None


def role_name_problem(role: str) -> Optional[str]:
    """Why ``role`` is not a role name AWS can send, or None."""
    if is_role_name(role):
        return None
    return f'the role name "{printable(role)}" is not 1 to 64 of A-Z a-z 0-9 + = , . @ _ -'


def usable_accounts(accounts: list[AccountAccess], warn: Callable[[str], None]) -> list[AccountAccess]:
    """``accounts`` without what AWS cannot have sent: one ``warn`` (escaped) per account or role skipped."""
    usable = []
    for account in accounts:
        problem = account_problem(account)
        if problem is not None:
            warn(f"Skipped an account: {problem}.")
            continue
        roles = []
        for role in account.roles:
            problem = role_name_problem(role)
            if problem is None:
                roles.append(role)
            else:
                warn(f"Skipped a role of account {account.account_id}: {problem}.")
        usable.append(
            AccountAccess(account.account_id, account.account_name, account.email_address, tuple(roles))
        )
    return usable


def sort_key(account: AccountAccess) -> tuple[str, str]:
    return (account.account_name.lower(), account.account_id)


class PortalLister:
    """Lists the accounts and roles of one sso-session or legacy start URL."""

    def __init__(
        self,
        session_config: SSOSessionConfig,
        botocore_session: Any,
        *,
        token_provider: Optional[TokenProvider] = None,
        workers: int = ROLE_LISTING_WORKERS,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        rng: Optional[random.Random] = None,
    ) -> None:
        self._config = session_config
        self._tokens = token_provider or TokenProvider(session_config, botocore_session)
        self._workers = max(1, workers)
        self._max_attempts = max(1, max_attempts)
        self._sleep = sleep
        self._random = rng or random.Random()  # noqa: S311 - jitter, not crypto
        self._stats_lock = threading.Lock()
        self._token_lock = threading.Lock()
        self._token: Optional[str] = None
        self._token_reloaded = False
        self.stats = ListingStats()
        self._abandon = threading.Event()
        self._client = portal_client(
            botocore_session,
            session_config.region,
            Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )

    def accounts(self) -> list[AccountAccess]:
        """Every reachable account with its roles, sorted by account name."""
        listed = list(self._pages("list_accounts", "accountList"))
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="sso-roles") as pool:
            futures = [pool.submit(self._roles, account["accountId"]) for account in listed]
        failures = [err for err in (f.exception() for f in futures) if err is not None]
        real = [err for err in failures if not isinstance(err, RoleListingAbandoned)]
        if real:
            raise real[0]
        role_lists = [f.result() for f in futures]
        result = [
            AccountAccess(
                account_id=str(account["accountId"]),
                account_name=str(account.get("accountName", "")),
                email_address=str(account.get("emailAddress", "")),
                roles=roles,
            )
            for account, roles in zip(listed, role_lists)
        ]
        return sorted(result, key=sort_key)

    def _roles(self, account_id: str) -> tuple[str, ...]:
        try:
            pages = self._pages("list_account_roles", "roleList", account_id)
            names = {str(role["roleName"]) for role in pages}
        except RoleListingAbandoned:
            raise
        except BaseException:
            self._abandon.set()  # the listing has failed: the other threads stop retrying
            raise
        return tuple(sorted(names))

    def _pages(self, operation: str, result_key: str, account_id: Optional[str] = None) -> Iterator[Any]:
        """The items of every page of one listing, each page retried on its own."""
        next_token: Optional[str] = None
        seen_tokens: set[str] = set()
        while True:
            kwargs: dict[str, Any] = {"maxResults": PAGE_SIZE}
            if account_id is not None:
                kwargs["accountId"] = account_id
            if next_token:
                kwargs["nextToken"] = next_token
            page = self._call(operation, kwargs)
            yield from page.get(result_key, [])
            next_token = page.get("nextToken")
            if not next_token:
                return
            if next_token in seen_tokens:  # as botocore's paginator: never loop forever
                raise ServiceUnavailableError(reason=f"{operation} repeated a page token", **self._names())
            seen_tokens.add(next_token)

    def _call(self, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        method = getattr(self._client, operation)
        attempt = 0
        while True:
            if self._abandon.is_set():
                raise RoleListingAbandoned()
            attempt += 1
            token = self._access_token()
            try:
                self._count(requests=1)
                response: dict[str, Any] = method(accessToken=token, **kwargs)
                return response
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "")
                if code == "UnauthorizedException":
                    self._reload_token(token)
                    continue
                if code == "ForbiddenException" and operation == "list_account_roles":
                    logger.debug("No roles visible in account %s", kwargs.get("accountId"))
                    return {}
                if not is_transient(err) or attempt >= self._max_attempts:
                    raise ServiceUnavailableError(reason=describe_failure(err), **self._names()) from None
                if (
                    code == "TooManyRequestsException"
                    or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 429
                ):
                    self._count(throttled=1)
            except BotoCoreError as err:
                if not is_transient(err) or attempt >= self._max_attempts:
                    raise ServiceUnavailableError(reason=describe_failure(err), **self._names()) from None
            delay = self._random.uniform(0, min(MAX_DELAY, BASE_DELAY * 2**attempt))
            logger.debug("%s: attempt %d failed; retrying in %.2f s", operation, attempt, delay)
            self._sleep(delay)

    def _access_token(self) -> str:
        with self._token_lock:
            if self._token is None:
                self._token = self._tokens.access_token()
            return self._token

    def _reload_token(self, refused: str) -> None:
        """Once per listing: take the cached token again (another process may have renewed it)."""
        with self._token_lock:
            if self._token != refused:
                return  # another thread already reloaded it
            if self._token_reloaded:
                raise SessionEndedError(**self._names())
            self._token_reloaded = True
            self._count(token_reloads=1)
            fresh = self._tokens.access_token()
            if fresh == refused:
                raise SessionEndedError(**self._names())
            self._token = fresh

    def _count(self, requests: int = 0, throttled: int = 0, token_reloads: int = 0) -> None:
        with self._stats_lock:
            self.stats.requests += requests
            self.stats.throttled += throttled
            self.stats.token_reloads += token_reloads

    def _names(self) -> dict[str, Any]:
        return {
            "subject": self._config.subject,
            "profile": self._config.profile,
            "session_name": self._config.name,
            "command": login_command(self._config.profile, self._config.name),
        }
