"""How the cache takes the lock of one entry: checked paths, a bounded wait, a fallback.

:func:`hold` is what ``JSONFileCache.lock`` gives: the lock of one key
(:mod:`.lock`), or what a ``ready`` check answered while another holder had
it, or, where the directory cannot be written, a lock of this process's
threads only. The directory is made private and checked first; a lock path
that is not a regular file of ours raises ``errors.UnsafeCacheError`` and is
never worked around by going without the lock. A wait that outlasts the
timeout raises ``errors.CacheLockedError`` naming who holds the lock and what
to do.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import time
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from .. import settings
from .files import (
    PRIVATE_FILE_MODE,
    UNWRITABLE,
    check_directory,
    disk_state,
    make_private_dirs,
    not_a_directory,
    unsafe,
)
from .lock import FileLock, acquire_unless_ready, thread_lock, timed_out
from .trust import lock_path_problem

T = TypeVar("T")

logger = logging.getLogger(__name__)


class Held(Generic[T]):
    """What :func:`hold` gives its caller.

    ``shared``: a file lock other processes respect is held. ``ready``: what
    ``ready()`` answered while another holder had the lock; then no lock is held.
    """

    __slots__ = ("ready", "shared")

    def __init__(self, shared: bool, ready: Optional[T] = None) -> None:
        self.shared = shared
        self.ready = ready


@contextlib.contextmanager
def hold(
    lock_path: str,
    timeout: float,
    ready: Optional[Callable[[], Optional[T]]] = None,
    *,
    watched: Optional[str] = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Held[T]]:
    """Hold the lock at ``lock_path`` across threads and processes, or skip it once ``ready`` answers.

    While another process or thread holds the lock, ``ready()`` is polled
    (asked again only once the file ``watched`` changed); its first non-None
    value ends the wait without the lock (``Held.ready``): the holder wrote
    what this caller waited for. Raises ``CacheLockedError`` after
    ``timeout`` seconds (capped at ``settings.MAX_LOCK_TIMEOUT``); never waits longer.
    Where the directory cannot be written, only the threads of this process
    are excluded and ``Held.shared`` is False: the caller must not spend
    anything other processes rely on. A lock path that is not a regular file
    of ours raises ``UnsafeCacheError``: it is never worked around by going
    without the lock.
    """
    directory = os.path.dirname(lock_path)
    timeout = min(timeout, settings.MAX_LOCK_TIMEOUT)
    file_lock = FileLock(lock_path)
    existed = False
    try:
        make_private_dirs(directory)
        check_directory(directory)
        existed = check_lock_path(lock_path)
        if ready is None:
            check: Callable[[], Optional[T]] = _not_ready
        else:
            check = _when_changed(watched, ready) if watched is not None else ready
        value = acquire_unless_ready(file_lock, timeout, check, sleep=sleep, clock=clock)
    except ImportError:  # where fcntl is missing, filelock is needed
        raise unsafe(
            lock_path,
            "cannot be locked: the Python package filelock is not installed",
            "pip install filelock",
        ) from None
    except OSError as err:
        if err.errno == errno.ENOTDIR:
            raise not_a_directory(directory) from None
        if existed and err.errno in (errno.EACCES, errno.EPERM):
            # Ours (checked above) yet refused: a mode another tool set.
            raise unsafe(
                lock_path, f"cannot be opened for locking ({err.strerror})", f"chmod 600 {_quote(lock_path)}"
            ) from None
        if err.errno not in UNWRITABLE:
            raise
        # No warning yet: the caller may refuse to go on (an expired token is not refreshed
        # into memory); a write kept in memory warns, once per process.
        logger.debug("Cannot create the lock %s (%s): locking within this process only", lock_path, err)
        with _thread_lock_only(lock_path, timeout):
            yield Held(shared=False)
        return
    if value is not None:
        yield Held(shared=False, ready=value)
        return
    try:
        _keep_private(lock_path)
        yield Held(shared=True)
    finally:
        file_lock.release()


def check_lock_path(lock_path: str) -> bool:
    """Whether the lock file exists; ``UnsafeCacheError`` for a symlink, a non-file or a stranger's file."""
    try:
        info = os.lstat(lock_path)
    except FileNotFoundError:
        return False
    problem = lock_path_problem(info, lock_path)
    if problem is not None:
        raise unsafe(lock_path, *problem)
    return True


@contextlib.contextmanager
def _thread_lock_only(lock_path: str, timeout: float) -> Iterator[None]:
    guard = thread_lock(lock_path)
    if not guard.acquire(timeout=timeout):
        raise timed_out(lock_path, timeout)
    try:
        yield
    finally:
        guard.release()


def _not_ready() -> None:
    return None


_UNSEEN = object()


def _when_changed(path: str, ready: Callable[[], Optional[T]]) -> Callable[[], Optional[T]]:
    """``ready``, asked once and then only after the file at ``path`` changed (one stat a poll).

    A waiter polls while another process refreshes; reading and parsing the
    file every time would spend the CPU that process needs. Writes replace
    the file (a new inode), so a finished write is always seen.
    """
    seen: Any = _UNSEEN

    def check() -> Optional[T]:
        nonlocal seen
        state = disk_state(path)
        if state == seen:
            return None
        seen = state
        return ready()

    return check


def _keep_private(lock_path: str) -> None:
    """A lock file another tool created group- or world-writable is made 0600 (if it is ours)."""
    with contextlib.suppress(OSError):
        info = os.stat(lock_path)
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            os.chmod(lock_path, PRIVATE_FILE_MODE)


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)
