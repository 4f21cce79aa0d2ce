"""The cross-process lock of a cache entry, and waiting on it without taking it.

A refresh happens under an exclusive lock on ``<key>.lock`` beside the cache
file. Most processes that find the lock taken do not need it: the holder is
about to write what they want. So a waiter sleeps until the holder lets go
(a daemon thread blocked on a shared ``flock`` of the same file wakes it at
that moment), asking a caller's ``ready`` check (typically "is the cache file
fresh now?") then and every ``RECHECK_INTERVAL`` meanwhile; a waiter whose
data became fresh never holds the lock. Sleeping in the kernel costs a waiter
no CPU, which a herd's one refreshing process needs; where no thread can
watch (no ``fcntl``, or green threads that a blocking call would stall), it
polls with a short back-off instead.

On POSIX the lock is ``fcntl.flock`` on the lock file, which is exactly the
lock ``filelock`` takes there, so processes using either exclude each other;
calling it directly costs microseconds where importing ``filelock`` costs 6-8
ms in every waiting process. Elsewhere ``filelock`` provides it. The lock file
is never deleted (deleting it would split waiters across inodes). While held,
it names the holder's pid (see :mod:`.lock_holder`), so a waiter that times
out can say who holds it and what to do (``errors.CacheLockedError``).
How the cache takes it (private directories, trusted lock paths, the
fallback where nothing can be written) is :mod:`.cache_lock`'s.
"""

from __future__ import annotations

import _thread
import logging
import os
import stat
import threading
import time
from typing import Any, Callable, Optional, TypeVar

from ..errors import CacheLockedError
from .files import PRIVATE_FILE_MODE
from .lock_holder import clear_pid, holder_advice, write_pid

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

logger = logging.getLogger(__name__)

FIRST_POLL_INTERVAL = 0.001
MAX_POLL_INTERVAL = 0.01
"""Without a watching thread, waiters poll every 1 ms at first, backing off to 10 ms."""

RECHECK_INTERVAL = 0.25
"""With one, ``ready`` is asked at least this often (data can land before the holder lets go)."""
_FILE_MODE = PRIVATE_FILE_MODE
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_WATCH_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
"""Watching a lock never creates its file, follows a link, or blocks on opening a FIFO put there."""

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def timed_out(lock_path: str, timeout: float) -> CacheLockedError:
    """The error for a wait that outlasted ``timeout``: who holds the lock and what to do, read now."""
    holder, advice = holder_advice(lock_path)  # while the holder still holds it
    return CacheLockedError(path=lock_path, timeout=timeout, holder=holder, advice=advice)


def thread_lock(path: str) -> threading.Lock:
    """The lock that keeps this process's own threads apart on ``path`` (flock does not)."""
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class FileLock:
    """An exclusive lock on ``path`` for this thread, across threads and processes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._thread_lock = thread_lock(path)
        self._fd: Optional[int] = None
        self._fallback: Any = None  # a filelock.FileLock where fcntl is missing

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never blocks. OSError if the lock file cannot be opened."""
        if not self._thread_lock.acquire(blocking=False):
            return False
        try:
            taken = self._try_file_lock()
        except BaseException:
            self._thread_lock.release()
            raise
        if not taken:
            self._thread_lock.release()
        return taken

    def release(self) -> None:
        try:
            if self._fd is not None:
                fd, self._fd = self._fd, None
                try:
                    clear_pid(fd)
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
            elif self._fallback is not None:
                self._fallback.release()
        finally:
            self._thread_lock.release()

    def watch_release(self) -> Optional[threading.Event]:
        """An event set once whoever holds the lock lets go; None where no thread can watch for it."""
        if fcntl is None or not _native_threads():
            return None
        try:
            fd = os.open(self.path, _WATCH_FLAGS)
        except OSError:
            return None
        released = threading.Event()

        def watch() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)  # asleep in the kernel until the holder lets go
            except OSError:
                pass
            finally:
                os.close(fd)  # and the shared lock with it, at once
                released.set()

        try:
            threading.Thread(target=watch, name=f"botocore-sso wait {self.path}", daemon=True).start()
        except RuntimeError:  # no new thread now (interpreter shutting down, thread limit)
            os.close(fd)
            return None
        return released

    def _try_file_lock(self) -> bool:
        if fcntl is None:  # pragma: no cover - Windows
            return self._try_filelock()
        fd = os.open(self.path, _OPEN_FLAGS, _FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        write_pid(fd)
        return True

    def _try_filelock(self) -> bool:  # pragma: no cover - Windows
        import filelock

        if self._fallback is None:
            self._fallback = filelock.FileLock(self.path, mode=_FILE_MODE)
        try:
            self._fallback.acquire(timeout=0)
        except filelock.Timeout:
            return False
        return True


def is_held(path: str) -> bool:
    """Whether a process or thread holds the lock at ``path``: a hint, true the moment it is asked.

    Never creates the lock file and never waits. False where it cannot tell
    (no such file, not a regular file, no ``fcntl``).
    """
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        fd = os.open(path, _WATCH_FLAGS)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # also drops the shared lock, if it was taken
    return False


def acquire_unless_ready(
    lock: FileLock,
    timeout: float,
    ready: Callable[[], Optional[T]],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Optional[T]:
    """Take ``lock``, or return what ``ready()`` gives while waiting for it.

    Returns None with the lock held (the caller releases it), or the first
    non-None value of ``ready()`` (checked only after the lock was found
    taken) without it. Raises ``CacheLockedError`` after ``timeout`` seconds.
    """
    if lock.try_acquire():
        return None
    deadline = clock() + timeout
    interval = FIRST_POLL_INTERVAL
    released: Optional[threading.Event] = None
    watch = sleep is time.sleep and clock is time.monotonic  # a test's own clock paces a poll instead
    waiting = False
    while True:
        value = ready()
        if value is not None:
            return value
        if not waiting:
            waiting = True
            logger.debug("Waiting up to %g s for %s, held by another process", timeout, lock.path)
        remaining = deadline - clock()
        if remaining <= 0:
            raise timed_out(lock.path, timeout)
        if watch and (released is None or released.is_set()):  # the first wait, or another took it first
            released = lock.watch_release()
        if released is not None:
            released.wait(min(RECHECK_INTERVAL, remaining))
        else:
            sleep(min(interval, remaining))
            interval = min(interval * 2, MAX_POLL_INTERVAL)
        if lock.try_acquire():
            return None


def _native_threads() -> bool:
    """False under gevent or eventlet monkey-patching: a blocked green thread stalls the process."""
    return getattr(_thread.start_new_thread, "__module__", None) in (None, "_thread")
