"""The shell-prompt line (``status --short``) from the files alone, without botocore.

A prompt runs ``botocore-sso status --short`` before every command line, so
it must cost little more than a Python start: it reads the config and the
two cache files with ``quick_files`` and imports no part of botocore, not
even this package's errors (which subclass botocore's). The rules that make
a login usable live here and ``status.py`` uses them too, so the line and
its exit status are the same whichever way they are found. Whatever the
quick readers are not sure of (an unusual config, a file it does not
trust, a profile that is not plainly SSO) is answered by the full path in
``status.py``, which also words every error.
"""

from __future__ import annotations

import datetime
import os

from ..store.files import (
    config_path,
    load_config,
    plain_sso_profile,
    profile_name,
    read_private_json,
    role_cache_dir,
    token_cache_dir,
)
from .credential_values import cached_credentials_problem
from .keys import role_cache_key_of, token_cache_key_of
from .terminal import printable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

_UTC = datetime.timezone.utc
_UNSURE = object()


def now_utc() -> datetime.datetime:
    return datetime.datetime.now(_UTC)


def parse_time(text: Any) -> Optional[datetime.datetime]:
    """A cache timestamp as aware UTC; None when absent or unreadable.

    The CLI's own format (``2026-11-23T10:00:00Z``) is parsed here directly:
    dateutil costs 10 ms to import, too much for a prompt, so it only reads
    the other spellings.
    """
    if not isinstance(text, str) or not text:
        return None
    if len(text) == 20 and text[4] == text[7] == "-" and text[10] == "T" and text[19] == "Z":
        try:  # by hand: strptime's first call compiles its locale regexes (milliseconds)
            return datetime.datetime(
                int(text[0:4]),
                int(text[5:7]),
                int(text[8:10]),
                int(text[11:13]),
                int(text[14:16]),
                int(text[17:19]),
                tzinfo=_UTC,
            )
        except ValueError:
            pass
    try:
        from .clock import parse_timestamp

        return parse_timestamp(text)
    except (ValueError, OverflowError, TypeError):
        return None


def after(moment: Optional[datetime.datetime], now: datetime.datetime) -> bool:
    """Whether a token or role credentials expiring at ``moment`` still work at ``now``."""
    return moment is not None and moment > now


def refreshable(
    token: Mapping[str, Any],
    registration_expires_at: Optional[datetime.datetime],
    *,
    session: bool,
    now: datetime.datetime,
) -> bool:
    """Whether the cache holds what a refresh needs: an sso-session login, a refresh token, a live client."""
    return bool(
        session
        and token.get("refreshToken")
        and token.get("clientId")
        and token.get("clientSecret")
        and (registration_expires_at is None or registration_expires_at > now)
    )


def role_expiry(data: Any) -> Optional[datetime.datetime]:
    """When the cached role credentials in ``data`` (a role cache file's object) expire; None if not ours."""
    if not data or data.get("ProviderType", "sso") != "sso":
        return None
    credentials = data.get("Credentials")
    if not isinstance(credentials, dict) or cached_credentials_problem(credentials):
        return None  # credentials no path would hand out (role_credential_values) are none
    return parse_time(credentials.get("Expiration"))


def prompt_line(
    label: str,
    *,
    token_found: bool,
    expires_at: Optional[datetime.datetime],
    can_refresh: bool,
    role_expires_at: Optional[datetime.datetime],
    now: datetime.datetime,
) -> str:
    """One line for a shell prompt: ``corp 3h12m``, ``corp refresh``, ``corp role 40m``, ``corp expired``.

    ``label`` (a session name or start URL from the config) is shown escaped: a prompt is a terminal too.
    """
    label = printable(label)
    if after(expires_at, now) and expires_at is not None:
        return f"{label} {duration(expires_at - now)}"
    if can_refresh:
        return f"{label} refresh"
    if after(role_expires_at, now) and role_expires_at is not None:
        return f"{label} role {duration(role_expires_at - now)}"
    return f"{label} {'expired' if token_found else 'logged out'}"


def duration(delta: datetime.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return f"{hours // 24}d{hours % 24}h"
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def sso_root(profiles: Mapping[str, Any], profile: str) -> str:
    """The SSO profile at the root of ``profile``'s ``source_profile`` chain (``profile`` itself if none)."""
    seen = {profile}
    current = profile
    while True:
        values = profiles.get(current)
        if not isinstance(values, dict):
            return current
        source = values.get("source_profile")
        if "role_arn" not in values or not isinstance(source, str) or not source or source in seen:
            return current
        seen.add(source)
        current = source


def short_status(profile: Optional[str]) -> Optional[tuple[str, bool]]:
    """The prompt line of ``profile`` (default: as botocore picks it) and whether it is usable.

    None when the quick readers are not sure of something: the caller then
    asks the full path (``status.profile_status``).
    """
    config = load_config(config_path())
    if config is None:
        return None
    profiles, sessions = config
    sso = plain_sso_profile(profiles, sessions, sso_root(profiles, profile_name(profile)))
    if sso is None:
        return None
    token_key = token_cache_key_of(session_name=sso.session_name, start_url=sso.start_url)
    role_key = role_cache_key_of(
        sso.account_id, sso.role_name, session_name=sso.session_name, start_url=sso.start_url
    )
    token = _read_cache_file(os.path.join(token_cache_dir(), f"{token_key}.json"))
    role = _read_cache_file(os.path.join(role_cache_dir(), f"{role_key}.json"))
    if token is _UNSURE or role is _UNSURE:
        return None
    now = now_utc()
    role_expires_at = role_expiry(role)
    token_found = bool(token) and "accessToken" in token
    expires_at = parse_time(token.get("expiresAt")) if token_found else None
    registration = parse_time(token.get("registrationExpiresAt")) if token_found else None
    can_refresh = token_found and refreshable(
        token, registration, session=sso.session_name is not None, now=now
    )
    line = prompt_line(
        sso.session_name if sso.session_name is not None else sso.start_url,
        token_found=token_found,
        expires_at=expires_at,
        can_refresh=can_refresh,
        role_expires_at=role_expires_at,
        now=now,
    )
    return line, after(expires_at, now) or can_refresh or after(role_expires_at, now)


def _read_cache_file(path: str) -> Any:
    """A cache file's object; None when there is no file; ``_UNSURE`` for anything else."""
    data = read_private_json(path)
    if data is None:
        return _UNSURE if os.path.lexists(path) else None
    return data if isinstance(data, dict) else _UNSURE
