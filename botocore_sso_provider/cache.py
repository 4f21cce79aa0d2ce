"""The shared JSON file cache: AWS-CLI-compatible files, atomic private writes, a lock.

Readers never take the lock: a file written by this package is replaced
atomically, so it is either the old or the new version. Files written in place
by other tools (the AWS CLI v2 truncates, then writes) may be caught half
written, so a file that does not parse is read again for a short while before
it is reported as corrupt. Writers that must decide from the current content
take :meth:`JSONFileCache.lock` (a file lock beside the cache file, never
deleted, plus a thread lock for this process), re-read, and only then write.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from typing import Any, Callable, Iterator, Mapping, Optional, Union

import filelock

logger = logging.getLogger(__name__)

TORN_READ_PATIENCE = 0.2
"""Seconds a file that does not parse is re-read before it counts as corrupt."""

DEFAULT_LOCK_TIMEOUT = 30.0
"""Seconds to wait for another process's refresh before giving up."""

_FILE_MODE = 0o600
_DIR_MODE = 0o700


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
    """Where the AWS CLI v2 and botocore keep SSO tokens (resolved now, not at import)."""
    return os.path.expanduser(os.path.join("~", ".aws", "sso", "cache"))


def role_cache_dir() -> str:
    """Where the AWS CLI v2 keeps role credentials (``ProviderType: sso`` files)."""
    return os.path.expanduser(os.path.join("~", ".aws", "cli", "cache"))


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(path: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(path, threading.Lock())


class JSONFileCache:
    """JSON objects stored one per file, named ``<key>.json`` in one directory."""

    def __init__(
        self,
        directory: Union[str, Callable[[], str]],
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._directory = directory
        self.lock_timeout = lock_timeout
        self._sleep = sleep

    @property
    def directory(self) -> str:
        return self._directory() if callable(self._directory) else self._directory

    def path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def read(self, key: str) -> Optional[dict[str, Any]]:
        """The object stored under ``key``; None when there is no file."""
        path = self.path(key)
        deadline = time.monotonic() + TORN_READ_PATIENCE
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
            self._sleep(0.01)

    def write(self, key: str, data: Mapping[str, Any]) -> None:
        """Replace the file atomically with a private (0600) one."""
        directory = self.directory
        _make_private_dirs(directory)
        text = json.dumps(data, indent=None, separators=(",", ":"))
        fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), _FILE_MODE)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_path, self.path(key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_path)
            raise

    def delete(self, key: str) -> bool:
        """Remove the file; False when there was none."""
        try:
            os.unlink(self.path(key))
        except FileNotFoundError:
            return False
        return True

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the lock for ``key`` across threads and processes."""
        directory = self.directory
        _make_private_dirs(directory)
        lock_path = os.path.join(directory, f"{key}.lock")
        thread_lock = _thread_lock(lock_path)
        if not thread_lock.acquire(timeout=self.lock_timeout):
            raise CacheLockTimeout(lock_path, self.lock_timeout)
        try:
            file_lock = filelock.FileLock(lock_path, timeout=self.lock_timeout, mode=_FILE_MODE)
            try:
                file_lock.acquire()
            except filelock.Timeout as err:
                raise CacheLockTimeout(lock_path, self.lock_timeout) from err
            try:
                yield
            finally:
                file_lock.release()
        finally:
            thread_lock.release()


def _make_private_dirs(directory: str) -> None:
    if os.path.isdir(directory):
        return
    os.makedirs(directory, mode=_DIR_MODE, exist_ok=True)
    # makedirs applies the umask; the leaf we created must be private whatever it is.
    with contextlib.suppress(OSError):
        os.chmod(directory, _DIR_MODE)
