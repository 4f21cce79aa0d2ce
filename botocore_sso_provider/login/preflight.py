"""Checks made before a login asks anything of the user: can its result be saved?

A token path that is a directory, or a cache directory that is a file, would
make the login fail after the user has approved it in the browser or typed
the code. These are found first, and named with the fix.
"""

from __future__ import annotations

import os
import shlex
import stat
from typing import Any

from ..errors import LoginCachePathError, login_command
from ..rules.profiles import SSOSessionConfig
from ..store.cache import JSONFileCache


def check_cache_paths(session: SSOSessionConfig, cache: JSONFileCache, *keys: str) -> None:
    """Raise :class:`LoginCachePathError` unless every ``<key>.json`` can be written as a file."""
    directory = cache.directory
    current = directory
    while current and not os.path.exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if os.path.exists(current) and not os.path.isdir(current):
        _fail(session, current, "is a file, where the SSO cache directory must be", current)
    for key in keys:
        path = cache.path(key)
        try:
            mode = os.stat(path).st_mode  # follows links: a link to a directory is a directory
        except FileNotFoundError:
            continue
        except OSError as err:
            _fail(session, path, f"cannot be read ({err.strerror})", path)
        if stat.S_ISDIR(mode):
            _fail(session, path, "is a directory, where an SSO cache file must be", path)
        if not stat.S_ISREG(mode):
            _fail(session, path, "is not a regular file, where an SSO cache file must be", path)


def _fail(session: SSOSessionConfig, path: str, problem: str, remove: Any) -> None:
    raise LoginCachePathError(
        subject=session.subject,
        profile=session.profile,
        session_name=session.name,
        path=path,
        problem=problem,
        fix=f"Move it away or remove it (rm -r {shlex.quote(str(remove))})",
        command=login_command(session.profile, session.name),
    )
