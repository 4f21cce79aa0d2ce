"""The shared JSON file cache: AWS-CLI-compatible files, read without the lock, decided under it.

Readers never take the lock: a file written by this package is replaced
atomically (:func:`.files.write_atomically`), so it is either the old or the
new version. Files written in place by other tools (the AWS CLI v2
truncates, then writes) may be caught half written, so a file that does not
parse is read again for a short while before it is reported as corrupt.
Writers that must decide from the current content take
:meth:`JSONFileCache.lock` (:mod:`.cache_lock`), re-read, and only then write.

Where a cache directory cannot be written (a read-only HOME, a full disk),
the cache keeps what it would have written in this process's memory and says
so once per process: credentials still resolve, they are just not shared with
other processes.

What is trusted, and how files are read and written, is :mod:`.files`'s and
:mod:`.trust`'s: a file or directory a stranger could have written raises
``errors.UnsafeCacheError``, one that cannot be read ``errors.CorruptCacheError``.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shlex
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, TypeVar, Union

from .. import settings
from ..errors import CorruptCacheError, UnsafeCacheError
from . import files

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from .cache_lock import Held

T = TypeVar("T")

logger = logging.getLogger(__name__)

TORN_READ_PATIENCE = 0.2
"""Seconds a file that does not parse is re-read before it counts as corrupt."""

_RETRY_INTERVAL = 0.01


# What could not be written to disk, by file path (None marks a deleted entry),
# with the state of the file on disk at that moment: once the file changes
# (a new login, a repaired directory), the disk wins again.
_memory: dict[str, tuple[Optional[dict[str, Any]], Optional[tuple[int, int, int]]]] = {}
_memory_guard = threading.Lock()
_warned: set[str] = set()


class JSONFileCache:
    """JSON objects stored one per file, named ``<key>.json`` in one directory.

    ``directory`` may be a callable, resolved at each use. ``lock_timeout``
    defaults to $BOTOCORE_SSO_LOCK_TIMEOUT, read at each lock. ``sleep`` and
    ``clock`` (monotonic seconds) pace and bound the waits: the torn-read
    patience and the lock timeout; tests pass a clock their sleep advances.
    """

    def __init__(
        self,
        directory: Union[str, Callable[[], str]],
        *,
        lock_timeout: Optional[float] = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._directory = directory
        self._lock_timeout = lock_timeout
        self._sleep = sleep
        self._clock = clock

    @property
    def directory(self) -> str:
        return self._directory() if callable(self._directory) else self._directory

    @property
    def lock_timeout(self) -> float:
        if self._lock_timeout is not None:
            return self._lock_timeout
        return settings.lock_timeout()

    @lock_timeout.setter
    def lock_timeout(self, value: Optional[float]) -> None:
        self._lock_timeout = value

    def path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.json")

    def lock_path(self, key: str) -> str:
        return os.path.join(self.directory, f"{key}.lock")

    def read(self, key: str) -> Optional[dict[str, Any]]:
        """The object stored under ``key``; None when there is no file.

        A file that does not parse is read again every 10 ms for up to
        ``TORN_READ_PATIENCE`` seconds (a writer may be mid-write), then
        reported as ``CorruptCacheError``, as is a file that is not a
        regular file or is too large. A file or directory that a stranger
        could have written raises ``UnsafeCacheError``.
        """
        path = self.path(key)
        remembered = _remembered(path)
        if remembered is not _ON_DISK:
            return remembered
        deadline = self._clock() + TORN_READ_PATIENCE
        retried = False
        while True:
            raw = files.read_trusted(path)
            if raw is None:
                return None
            try:
                data = json.loads(raw.decode("utf-8"))
                if isinstance(data, dict):
                    return data
                reason = "not a JSON object"
            except UnicodeDecodeError:
                reason = "not UTF-8 text"
            except RecursionError:
                raise CorruptCacheError(path=path, reason="JSON nested too deeply") from None
            except ValueError:
                reason = "empty file" if not raw.strip() else "not valid JSON"
            if self._clock() >= deadline:
                raise CorruptCacheError(path=path, reason=reason)
            if not retried:
                retried = True
                logger.debug("Re-reading %s: %s (another tool may be writing it)", path, reason)
            self._sleep(_RETRY_INTERVAL)

    def unwritable_reason(self, key: str) -> Optional[str]:
        """None when a write of ``key`` would reach the disk now; else why not.

        Asked before a refresh that spends a refresh token: its result must be
        kept where the other processes will read it.
        """
        directory = self.directory
        path = self.path(key)
        try:
            files.make_private_dirs(directory)
            files.check_directory(directory)
            if os.path.isdir(path):
                return f"{path} is a directory"
            files.probe_write(directory, key)
        except UnsafeCacheError as err:
            return f"{err.path} {err.reason}. To fix it: {err.fix}"
        except OSError as err:
            return f"{directory}: {err.strerror or type(err).__name__}"
        return None

    def write(self, key: str, data: Mapping[str, Any]) -> None:
        """Replace the file atomically with a private (0600) one.

        Where the directory cannot be written, keep ``data`` in memory for
        this process instead (with one warning per process).
        """
        directory = self.directory
        path = self.path(key)
        text = cli_json(data)
        try:
            files.make_private_dirs(directory)
            files.check_directory(directory)
            files.write_atomically(directory, key, path, text)
        except OSError as err:
            if err.errno == errno.ENOTDIR:
                raise files.not_a_directory(directory) from None
            if err.errno == errno.EISDIR:
                raise UnsafeCacheError(
                    path=path, reason="is a directory", fix=f"rm -r {shlex.quote(path)}"
                ) from None
            if err.errno not in files.UNWRITABLE:
                raise
            _fall_back_to_memory(directory, err)
            with _memory_guard:
                _memory[path] = (json.loads(text), files.disk_state(path))
            return
        with _memory_guard:
            _memory.pop(path, None)
        files.remove_stale_temp_files(directory, key)

    def delete(self, key: str) -> bool:
        """Remove the file; False when there was none."""
        path = self.path(key)
        with _memory_guard:
            entry = _memory.pop(path, None)
            remembered = entry is not None and entry[0] is not None
        try:
            os.unlink(path)
        except FileNotFoundError:
            return remembered
        except OSError as err:
            if err.errno not in files.UNWRITABLE:
                raise
            _fall_back_to_memory(os.path.dirname(path), err)
            with _memory_guard:
                _memory[path] = (
                    None,
                    files.disk_state(path),
                )  # the file stays; this process treats it as gone
        return True

    def is_locked(self, key: str) -> bool:
        """Whether another process or thread holds the lock of ``key`` now (a hint; see :mod:`.lock`)."""
        from .lock import is_held  # the slow path only: a warm read never loads the lock

        return is_held(self.lock_path(key))

    def lock(
        self, key: str, ready: Optional[Callable[[], Optional[T]]] = None
    ) -> AbstractContextManager[Held[T]]:
        """Hold the lock for ``key`` across threads and processes, or skip it once ``ready`` answers.

        See :func:`.cache_lock.hold`: ``ready`` is asked while another holder
        has the lock, again only once the file of ``key`` changed; raises
        ``CacheLockedError`` after ``lock_timeout`` seconds and
        ``UnsafeCacheError`` for a lock path that must not be used.
        """
        from .cache_lock import hold  # the slow path only: a warm read never loads the lock

        return hold(
            self.lock_path(key),
            self.lock_timeout,
            ready,
            watched=self.path(key),
            sleep=self._sleep,
            clock=self._clock,
        )


def cli_json(data: Mapping[str, Any]) -> str:
    """``data`` serialised byte for byte as the AWS CLI v2 (and botocore) write cache files.

    Their ``JSONFileCache`` writes ``json.dumps(obj)``: default separators
    (``", "`` and ``": "``), ASCII escapes, keys in the order given, no
    trailing newline.
    """
    return json.dumps(data)


def _fall_back_to_memory(directory: str, err: OSError) -> None:
    """Say once per process (whichever cache directory fails first) that caching is in memory only."""
    with _memory_guard:
        if "unwritable" in _warned:
            return
        _warned.add("unwritable")
    logger.warning(
        "Cannot write the SSO cache in %s (%s): caching SSO tokens and role credentials in this "
        "process's memory only, so other processes will not share them. To share them, set %s "
        "and %s to writable directories.",
        directory,
        err.strerror or type(err).__name__,
        settings.TOKEN_CACHE_DIR_VARIABLE,
        settings.ROLE_CACHE_DIR_VARIABLE,
    )


_ON_DISK = object()


def _remembered(path: str) -> Any:
    """What this process keeps in memory for ``path``, or ``_ON_DISK`` to read the file.

    The memory entry stands only while the file on disk is as it was when the
    write failed; a changed file (another process's new login) wins.
    """
    with _memory_guard:
        entry = _memory.get(path)
    if entry is None:
        return _ON_DISK
    kept, state = entry
    if files.disk_state(path) != state:
        with _memory_guard:
            if _memory.get(path) is entry:
                del _memory[path]
        return _ON_DISK
    return json.loads(json.dumps(kept)) if kept is not None else None
