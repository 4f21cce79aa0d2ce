"""One login for many processes: the others wait on a lock and use the token it wrote.

Thirty Terraform providers running ``credential_process`` at once must not
open thirty browser tabs. Every interactive login of one session takes the
login lock (``<token key>.login.lock`` beside the token, separate from the
refresh lock so refreshes of other processes are not held up for minutes).
Whoever gets it first logs in; a process that had to wait re-reads the token
file when it gets the lock, and when the token changed while it waited (so
another process just logged in) and is usable, it uses that one instead of
starting a login of its own. When the token did not change (the other login
was denied, expired or cancelled), it fails too instead of asking the user
once more for each waiting process.

``login --if-needed`` also takes, under the lock, a token that already lasts
longer than its margin (another process renewed it since we looked).
``login --force`` never waits: while another process holds the login lock it
logs in without it, so a login stuck in a forgotten terminal cannot hold it
up; the token file is still written under the token lock, atomically, and
the last login to finish is the one kept.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any, Callable, Mapping, Optional

from ..errors import CacheLockedError, CorruptCacheError, LoginError, login_command
from ..rules.profiles import SSOSessionConfig
from ..rules.records import FRESH, TokenRecord, known_token, token_record
from ..rules.timestamps import Clock, utcnow
from ..store.cache import JSONFileCache
from ..store.lock_holder import lock_holder
from .interaction import TextSink

USABLE_MARGIN = datetime.timedelta(minutes=1)
"""A token found after waiting is used when it has at least this left."""


def login_lock_key(session: SSOSessionConfig) -> str:
    return f"{session.token_cache_key}.login"


def log_in_once(
    session: SSOSessionConfig,
    cache: JSONFileCache,
    login: Callable[[], TokenRecord],
    *,
    out: TextSink,
    wait_timeout: float,
    reuse_valid_token: bool = False,
    reuse_if_lasts: Optional[datetime.timedelta] = None,
    force: bool = False,
    clock: Clock = utcnow,
) -> tuple[TokenRecord, bool]:
    """Run ``login`` unless another process's login is used; returns the token and whether we logged in.

    ``reuse_valid_token`` (logins on demand) also takes a usable token that
    was there before; ``reuse_if_lasts`` (``login --if-needed``) one that
    lasts longer than that; an explicit ``botocore-sso login`` always logs in
    anew unless another process did so while it waited; with ``force``, even then.
    """
    key = session.token_cache_key
    before = _fingerprint(_read(cache, key))
    directory = cache.directory

    def under_lock(waited: bool) -> tuple[TokenRecord, bool]:
        current = _read(cache, key)
        fresh = current is not None and _fingerprint(current) != before
        if force:
            return login(), True
        if current is not None and _usable(current, clock) and (reuse_valid_token or fresh):
            return known_token(current), False
        if current is not None and reuse_if_lasts is not None and _usable(current, clock, reuse_if_lasts):
            return known_token(current), False
        if waited:
            # The other login failed (denied, expired, cancelled): asking the user again from
            # each waiting process would turn one refusal into as many prompts as processes.
            raise LoginError(
                reason="the login another process started at the same time did not complete",
                **_names(session),
            )
        return login(), True

    with contextlib.ExitStack() as held:
        try:
            held.enter_context(JSONFileCache(directory, lock_timeout=0).lock(login_lock_key(session)))
        except CacheLockedError:
            pass  # another process is logging in (a timeout inside our own login is not this one)
        else:
            return under_lock(waited=False)
    if force:
        holder = lock_holder(cache.lock_path(login_lock_key(session)))
        who = holder.name if holder is not None else "Another process"
        out.write(f"{who} is logging in to {session.subject}; --force logs in without waiting for it.\n")
        out.flush()
        return login(), True
    out.write(
        f"Another process is logging in to {session.subject}; waiting for it to finish "
        f"(up to {wait_timeout / 60:.0f} min)...\n"
    )
    out.flush()
    try:
        with JSONFileCache(directory, lock_timeout=wait_timeout).lock(login_lock_key(session)):
            token, logged_in = under_lock(waited=True)
    except CacheLockedError as err:
        raise err.with_login(**_names(session)) from None
    if not logged_in:
        out.write(f"The other process logged in to {session.subject}; using its token.\n")
        out.flush()
    return token, logged_in


def _names(session: SSOSessionConfig) -> dict[str, Any]:
    return {
        "subject": session.subject,
        "profile": session.profile,
        "session_name": session.name,
        "command": login_command(session.profile, session.name),
    }


def _read(cache: JSONFileCache, key: str) -> Optional[dict[str, Any]]:
    try:
        return cache.read(key)
    except CorruptCacheError:
        return None


def _fingerprint(data: Optional[Mapping[str, Any]]) -> Optional[tuple[Any, Any]]:
    return None if data is None else (data.get("accessToken"), data.get("expiresAt"))


def _usable(data: Mapping[str, Any], clock: Clock, margin: datetime.timedelta = USABLE_MARGIN) -> bool:
    token = token_record(data)
    return isinstance(token, TokenRecord) and token.state(clock(), margin) == FRESH
