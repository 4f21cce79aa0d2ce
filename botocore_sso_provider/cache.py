"""The shared JSON file cache: AWS-CLI-compatible files, atomic private writes, a lock.

Readers never take the lock: a file written by this package is replaced
atomically, so it is either the old or the new version. Files written in place
by other tools (the AWS CLI v2 truncates, then writes) may be caught half
written, so a file that does not parse is read again for a short while before
it is reported as corrupt. Writers that must decide from the current content
take :meth:`JSONFileCache.lock` (a file lock beside the cache file, never
deleted, plus a thread lock for this process), re-read, and only then write.

Where a cache directory cannot be written (a read-only HOME, a full disk),
the cache keeps what it would have written in this process's memory and says
so once per process: credentials still resolve, they are just not shared with
other processes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat
import tempfile
import threading
import time
from typing import Any, Callable, Iterator, Mapping, Optional, TypeVar, Union

from .locking import FileLock, LockTimeout, acquire_unless_ready, thread_lock

T = TypeVar("T")

logger = logging.getLogger(__name__)

TORN_READ_PATIENCE = 0.2
"""Seconds a file that does not parse is re-read before it counts as corrupt."""

DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds to wait for another process's refresh before giving up: longer than
a holder's worst case (a refresh and a GetRoleCredentials call, each bounded
to about 24 s by the clients' timeouts and retries)."""

LOCK_TIMEOUT_VARIABLE = "BOTOCORE_SSO_LOCK_TIMEOUT"
TOKEN_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_TOKEN_CACHE_DIR"  # noqa: S105 - a variable name
ROLE_CACHE_DIR_VARIABLE = "BOTOCORE_SSO_ROLE_CACHE_DIR"

STALE_TEMP_AGE = 60.0
"""Seconds after which a temporary file left by a killed writer is removed."""

_FILE_MODE = 0o600
_DIR_MODE = 0o700
_RETRY_INTERVAL = 0.01
# A write or lock failing with one of these means "this directory cannot be
# written": fall back to memory instead of failing the credential lookup.
_UNWRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT})


class CacheFileCorrupt(Exception):
    """A cache file exists but does not hold a JSON object."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class CacheLockTimeout(Exception):
    """Another process held a cache lock for longer than the timeout."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(f"{path} stayed locked for {timeout:g} s")
        self.path = path
        self.timeout = timeout


def token_cache_dir() -> str:
    """Where SSO tokens live: $BOTOCORE_SSO_TOKEN_CACHE_DIR, else the AWS CLI v2's ~/.aws/sso/cache.

    Resolved at each use, not at import, so HOME and the variable may change.
    """
    return _directory_from(TOKEN_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "sso", "cache"))


def role_cache_dir() -> str:
    """Where role credentials live: $BOTOCORE_SSO_ROLE_CACHE_DIR, else the CLI v2's ~/.aws/cli/cache."""
    return _directory_from(ROLE_CACHE_DIR_VARIABLE, os.path.join("~", ".aws", "cli", "cache"))


def _directory_from(variable: str, default: str) -> str:
    return os.path.abspath(os.path.expanduser(os.environ.get(variable) or default))


def lock_timeout_from_environment() -> float:
    """$BOTOCORE_SSO_LOCK_TIMEOUT in seconds (0 or more), else the default of 60 s."""
    text = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        _warn_once(
            ("timeout", text),
            "Ignoring %s=%r: it must be a number of seconds, 0 or more; using %g s.",
            LOCK_TIMEOUT_VARIABLE,
            text,
            DEFAULT_LOCK_TIMEOUT,
        )
        return DEFAULT_LOCK_TIMEOUT
    return value


# What could not be written to disk, by file path; None marks a deleted entry.
_memory: dict[str, Optional[dict[str, Any]]] = {}
_memory_guard = threading.Lock()
_warned: set[Any] = set()


def _warn_once(token: Any, message: str, *args: Any) -> None:
    with _memory_guard:
        if token in _warned:
            return
        _warned.add(token)
    logger.warning(message, *args)


class JSONFileCache:
    """JSON objects stored one per file, named ``<key>.json`` in one directory.

    ``directory`` may be a callable, resolved at each use. ``lock_timeout``
    defaults to $BOTOCORE_SSO_LOCK_TIMEOUT, read at each lock.
    """

    def __init__(
        self,
        directory: Union[str, Callable[[], str]],
        *,
        lock_timeout: Optional[float] = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._directory = directory
        self._lock_timeout = lock_timeout
        self._sleep = sleep

    @property
    def directory(self) -> str:
        return self._directory() if callable(self._directory) else self._directory

    @property
    def lock_timeout(self) -> float:
        if self._lock_timeout is not None:
            return self._lock_timeout
        return lock_timeout_from_environment()

    @lock_timeout.setter
    def lock_timeout(self, value: Optional[float]) -> None:
        self._lock_timeout = value

    def path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def read(self, key: str) -> Optional[dict[str, Any]]:
        """The object stored under ``key``; None when there is no file.

        A file that does not parse is read again every 10 ms for up to
        ``TORN_READ_PATIENCE`` seconds (a writer may be mid-write), then
        reported as :class:`CacheFileCorrupt`.
        """
        path = self.path(key)
        with _memory_guard:
            if path in _memory:
                kept = _memory[path]
                return json.loads(json.dumps(kept)) if kept is not None else None
        deadline = time.monotonic() + TORN_READ_PATIENCE
        retried = False
        while True:
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except FileNotFoundError:
                return None
            except OSError as err:
                raise CacheFileCorrupt(path, err.strerror or type(err).__name__) from err
            try:
                data = json.loads(text)
                if isinstance(data, dict):
                    return data
                reason = "not a JSON object"
            except ValueError:
                reason = "empty file" if not text.strip() else "not valid JSON"
            if time.monotonic() >= deadline:
                raise CacheFileCorrupt(path, reason)
            if not retried:
                retried = True
                logger.debug("Re-reading %s: %s (another tool may be writing it)", path, reason)
            self._sleep(_RETRY_INTERVAL)

    def write(self, key: str, data: Mapping[str, Any]) -> None:
        """Replace the file atomically with a private (0600) one.

        Where the directory cannot be written, keep ``data`` in memory for
        this process instead (with one warning per process).
        """
        directory = self.directory
        path = self.path(key)
        text = cli_json(data)
        try:
            _make_private_dirs(directory)
            _write_atomically(directory, key, path, text)
        except OSError as err:
            if err.errno not in _UNWRITABLE:
                raise
            self._fall_back_to_memory(directory, err)
            with _memory_guard:
                _memory[path] = json.loads(text)
            return
        with _memory_guard:
            _memory.pop(path, None)
        _remove_stale_temp_files(directory, key)

    def delete(self, key: str) -> bool:
        """Remove the file; False when there was none."""
        path = self.path(key)
        with _memory_guard:
            remembered = _memory.pop(path, None) is not None
        try:
            os.unlink(path)
        except FileNotFoundError:
            return remembered
        except OSError as err:
            if err.errno not in _UNWRITABLE:
                raise
            self._fall_back_to_memory(os.path.dirname(path), err)
            with _memory_guard:
                _memory[path] = None  # the file stays; this process treats it as gone
        return True

    @contextlib.contextmanager
    def lock(self, key: str, ready: Optional[Callable[[], Optional[T]]] = None) -> Iterator[Optional[T]]:
        """Hold the lock for ``key`` across threads and processes, or skip it once ``ready`` answers.

        Yields None with the lock held. While another process or thread holds
        it, ``ready()`` is polled (see :mod:`.locking`); its first non-None
        value is yielded instead, without the lock: the holder has written
        what this caller was waiting for. Raises :class:`CacheLockTimeout`
        after ``lock_timeout`` seconds; never waits longer. Where the lock
        file cannot be created, only the threads of this process are excluded
        (see the module docstring).
        """
        directory = self.directory
        lock_path = os.path.join(directory, f"{key}.lock")
        timeout = self.lock_timeout
        file_lock = FileLock(lock_path)
        try:
            _make_private_dirs(directory)
            value = acquire_unless_ready(file_lock, timeout, ready or _not_ready, sleep=self._sleep)
        except LockTimeout as err:
            raise CacheLockTimeout(lock_path, timeout) from err
        except OSError as err:
            if err.errno not in _UNWRITABLE:
                raise
            self._fall_back_to_memory(directory, err)
            with self._thread_lock_only(lock_path, timeout):
                yield None
            return
        if value is not None:
            yield value
            return
        try:
            _keep_private(lock_path)
            yield None
        finally:
            file_lock.release()

    @contextlib.contextmanager
    def _thread_lock_only(self, lock_path: str, timeout: float) -> Iterator[None]:
        guard = thread_lock(lock_path)
        if not guard.acquire(timeout=timeout):
            raise CacheLockTimeout(lock_path, timeout)
        try:
            yield
        finally:
            guard.release()

    def _fall_back_to_memory(self, directory: str, err: OSError) -> None:
        _warn_once(
            "unwritable",  # once per process, whichever cache directory fails first
            "Cannot write the SSO cache in %s (%s): caching SSO tokens and role credentials in this "
            "process's memory only, so other processes will not share them. To share them, set %s "
            "and %s to writable directories.",
            directory,
            err.strerror or type(err).__name__,
            TOKEN_CACHE_DIR_VARIABLE,
            ROLE_CACHE_DIR_VARIABLE,
        )


def cli_json(data: Mapping[str, Any]) -> str:
    """``data`` serialised byte for byte as the AWS CLI v2 (and botocore) write cache files.

    Their ``JSONFileCache`` writes ``json.dumps(obj)``: default separators
    (``", "`` and ``": "``), ASCII escapes, keys in the order given, no
    trailing newline.
    """
    return json.dumps(data)


def _write_atomically(directory: str, key: str, path: str, text: str) -> None:
    """Temp file in the same directory, flushed and fsynced, then renamed over ``path``."""
    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), _FILE_MODE)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; best effort (not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temp_files(directory: str, key: str) -> None:
    """Delete temp files of ``key`` that a killed writer left behind (they may hold secrets)."""
    prefix = f".{key}."
    cutoff = time.time() - STALE_TEMP_AGE
    with contextlib.suppress(OSError):
        for name in os.listdir(directory):
            if name.startswith(prefix) and name.endswith(".tmp"):
                temp_path = os.path.join(directory, name)
                with contextlib.suppress(OSError):
                    if os.stat(temp_path).st_mtime < cutoff:
                        os.unlink(temp_path)


def _not_ready() -> None:
    return None


def _keep_private(lock_path: str) -> None:
    """A lock file another tool created group- or world-writable is made 0600 (if it is ours)."""
    with contextlib.suppress(OSError):
        info = os.stat(lock_path)
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            os.chmod(lock_path, _FILE_MODE)


def _make_private_dirs(directory: str) -> None:
    """Create ``directory`` and any missing parents, each 0700 whatever the umask.

    Directories that already exist are left as they are.
    """
    if os.path.isdir(directory):
        return
    missing = []
    current = os.path.abspath(directory)
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, _DIR_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile; theirs is private too
        # mkdir applies the umask, which may only take bits away; make sure anyway.
        with contextlib.suppress(OSError):
            os.chmod(path, _DIR_MODE)
