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

Nothing is trusted that a stranger could have put there (as ssh does): a
cache file or directory must belong to this user (or root) and must not be
writable by others; a lock path must be a regular file of ours. Files are
opened without blocking and only regular files are read, at most
``MAX_FILE_SIZE`` bytes of them, so a FIFO or ``/dev/zero`` cannot hang or
exhaust the process.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shlex
import stat
import tempfile
import threading
import time
from typing import Any, Callable, Generic, Iterator, Mapping, Optional, TypeVar, Union

# Where the caches live is decided in quick_files, which the fast paths share without this module.
from .files import (  # noqa: F401 - re-exported: the cache's directories
    ROLE_CACHE_DIR_VARIABLE,
    TOKEN_CACHE_DIR_VARIABLE,
    role_cache_dir,
    token_cache_dir,
)
from .lock_holder import holder_advice

T = TypeVar("T")

logger = logging.getLogger(__name__)

TORN_READ_PATIENCE = 0.2
"""Seconds a file that does not parse is re-read before it counts as corrupt."""

DEFAULT_LOCK_TIMEOUT = 60.0
"""Seconds to wait for another process's refresh before giving up: longer than
a holder's worst case (a refresh and a GetRoleCredentials call, each bounded
to about 24 s by the clients' timeouts and retries)."""

LOCK_TIMEOUT_VARIABLE = "BOTOCORE_SSO_LOCK_TIMEOUT"

MAX_LOCK_TIMEOUT = 86400.0
"""The longest lock wait accepted (a day); larger values are capped with a warning."""

MAX_FILE_SIZE = 1 << 20
"""Bytes a cache file may hold (real ones hold a few hundred); a larger file is not read."""

SUDO_UID_VARIABLE = "SUDO_UID"

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


class CachePathUnusable(CacheFileCorrupt):
    """A cache path that must not be trusted or cannot be used; says which and how to fix it.

    A kind of :class:`CacheFileCorrupt`, so code that skips an unreadable file
    skips this one too.
    """

    def __init__(self, path: str, reason: str, fix: str) -> None:
        Exception.__init__(self, f"{path} {reason}. To fix it: {fix}")
        self.path = path
        self.reason = reason
        self.fix = fix


class CacheLockTimeout(Exception):
    """Another process held a cache lock for longer than the timeout; who, and what to do, read now."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(f"{path} stayed locked for {timeout:g} s")
        self.path = path
        self.timeout = timeout
        self.holder, self.advice = holder_advice(path)  # while the holder still holds it

    def details(self) -> dict[str, Any]:
        """The fields of ``errors.CacheLockedError`` this timeout gives."""
        return {"path": self.path, "timeout": self.timeout, "holder": self.holder, "advice": self.advice}


def lock_timeout_from_environment() -> float:
    """$BOTOCORE_SSO_LOCK_TIMEOUT in seconds (0 or more), else the default of 60 s."""
    text = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if MAX_LOCK_TIMEOUT < value < float("inf"):
        _warn_once(
            ("timeout", text),
            "Capping %s=%r at %g s (a day).",
            LOCK_TIMEOUT_VARIABLE,
            text,
            MAX_LOCK_TIMEOUT,
        )
        return MAX_LOCK_TIMEOUT
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


# What could not be written to disk, by file path (None marks a deleted entry),
# with the state of the file on disk at that moment: once the file changes
# (a new login, a repaired directory), the disk wins again.
_memory: dict[str, tuple[Optional[dict[str, Any]], Optional[tuple[int, int, int]]]] = {}
_trusted_directories: set[str] = set()
_memory_guard = threading.Lock()
_warned: set[Any] = set()


class Held(Generic[T]):
    """What :meth:`JSONFileCache.lock` gives its caller.

    ``shared``: a file lock other processes respect is held. ``ready``: what
    ``ready()`` answered while another holder had the lock; then no lock is held.
    """

    __slots__ = ("ready", "shared")

    def __init__(self, shared: bool, ready: Optional[T] = None) -> None:
        self.shared = shared
        self.ready = ready


@contextlib.contextmanager
def _thread_lock_only(lock_path: str, timeout: float) -> Iterator[None]:
    from .lock import thread_lock

    guard = thread_lock(lock_path)
    if not guard.acquire(timeout=timeout):
        raise CacheLockTimeout(lock_path, timeout)
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
        state = _disk_state(path)
        if state == seen:
            return None
        seen = state
        return ready()

    return check


def _warn_once(token: Any, message: str, *args: Any) -> None:
    with _memory_guard:
        if token in _warned:
            return
        _warned.add(token)
    logger.warning(message, *args)


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
        return lock_timeout_from_environment()

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
        reported as :class:`CacheFileCorrupt`, as is a file that is not a
        regular file or is too large. A file or directory that a stranger
        could have written raises :class:`CachePathUnusable`.
        """
        path = self.path(key)
        remembered = _remembered(path)
        if remembered is not _ON_DISK:
            return remembered
        deadline = self._clock() + TORN_READ_PATIENCE
        retried = False
        while True:
            raw = _read_trusted(path)
            if raw is None:
                return None
            try:
                text = raw.decode("utf-8")
                data = json.loads(text)
                if isinstance(data, dict):
                    return data
                reason = "not a JSON object"
            except UnicodeDecodeError:
                reason = "not UTF-8 text"
            except RecursionError:
                raise CacheFileCorrupt(path, "JSON nested too deeply") from None
            except ValueError:
                reason = "empty file" if not raw.strip() else "not valid JSON"
            if self._clock() >= deadline:
                raise CacheFileCorrupt(path, reason)
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
            _make_private_dirs(directory)
            _check_directory(directory)
            if os.path.isdir(path):
                return f"{path} is a directory"
            _probe_write(directory, key)
        except CachePathUnusable as err:
            return str(err)
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
            _make_private_dirs(directory)
            _check_directory(directory)
            _write_atomically(directory, key, path, text)
        except OSError as err:
            if err.errno == errno.ENOTDIR:
                raise _not_a_directory(directory) from None
            if err.errno == errno.EISDIR:
                raise CachePathUnusable(path, "is a directory", f"rm -r {shlex.quote(path)}") from None
            if err.errno not in _UNWRITABLE:
                raise
            self._fall_back_to_memory(directory, err)
            with _memory_guard:
                _memory[path] = (json.loads(text), _disk_state(path))
            return
        with _memory_guard:
            _memory.pop(path, None)
        _remove_stale_temp_files(directory, key)

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
            if err.errno not in _UNWRITABLE:
                raise
            self._fall_back_to_memory(os.path.dirname(path), err)
            with _memory_guard:
                _memory[path] = (None, _disk_state(path))  # the file stays; this process treats it as gone
        return True

    def is_locked(self, key: str) -> bool:
        """Whether another process or thread holds the lock of ``key`` now (a hint; see :mod:`.locking`)."""
        from .lock import is_held

        return is_held(self.lock_path(key))

    @contextlib.contextmanager
    def lock(self, key: str, ready: Optional[Callable[[], Optional[T]]] = None) -> Iterator[Held[T]]:
        """Hold the lock for ``key`` across threads and processes, or skip it once ``ready`` answers.

        While another process or thread holds the lock, ``ready()`` is polled
        (see :mod:`.locking`); its first non-None value ends the wait without
        the lock (``Held.ready``): the holder wrote what this caller waited
        for. Raises :class:`CacheLockTimeout` after ``lock_timeout`` seconds;
        never waits longer. Where the directory cannot be written, only the
        threads of this process are excluded and ``Held.shared`` is False: the
        caller must not spend anything other processes rely on. A lock path
        that is not a regular file of ours raises :class:`CachePathUnusable`:
        it is never worked around by going without the lock.
        """
        from .lock import FileLock, LockTimeout, acquire_unless_ready  # the slow path only

        directory = self.directory
        lock_path = self.lock_path(key)
        timeout = min(self.lock_timeout, MAX_LOCK_TIMEOUT)
        file_lock = FileLock(lock_path)
        existed = False
        try:
            _make_private_dirs(directory)
            _check_directory(directory)
            existed = _check_lock_path(lock_path)
            check = _when_changed(self.path(key), ready) if ready is not None else _not_ready
            value = acquire_unless_ready(file_lock, timeout, check, sleep=self._sleep, clock=self._clock)
        except LockTimeout as err:
            raise CacheLockTimeout(lock_path, timeout) from err
        except ImportError:  # where fcntl is missing, filelock is needed (see locking.py)
            raise CachePathUnusable(
                lock_path,
                "cannot be locked: the Python package filelock is not installed",
                "pip install filelock",
            ) from None
        except OSError as err:
            if err.errno == errno.ENOTDIR:
                raise _not_a_directory(directory) from None
            if existed and err.errno in (errno.EACCES, errno.EPERM):
                # Ours (checked above) yet refused: a mode another tool set.
                raise CachePathUnusable(
                    lock_path,
                    f"cannot be opened for locking ({err.strerror})",
                    f"chmod 600 {shlex.quote(lock_path)}",
                ) from None
            if err.errno not in _UNWRITABLE:
                raise
            # No warning yet: the caller may refuse to go on (an expired token is not refreshed
            # into memory); a write kept in memory warns (write()), once per process.
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
    if _disk_state(path) != state:
        with _memory_guard:
            if _memory.get(path) is entry:
                del _memory[path]
        return _ON_DISK
    return json.loads(json.dumps(kept)) if kept is not None else None


def _disk_state(path: str) -> Optional[tuple[int, int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _read_trusted(path: str) -> Optional[bytes]:
    """The bytes of a regular cache file of ours; None when there is none.

    Opened without blocking (a FIFO answers at once), checked on the open
    descriptor (no race with a rename), read up to ``MAX_FILE_SIZE``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise _not_a_directory(os.path.dirname(path)) from None
    except OSError as err:
        raise CacheFileCorrupt(path, err.strerror or type(err).__name__) from err
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise CacheFileCorrupt(path, f"a directory, not a file; remove it: rm -r {shlex.quote(path)}")
        if not stat.S_ISREG(info.st_mode):
            raise CacheFileCorrupt(path, f"not a regular file; remove it: rm {shlex.quote(path)}")
        _check_owner_and_mode(info, path)
        _check_directory(os.path.dirname(path))
        if info.st_size > MAX_FILE_SIZE:
            raise CacheFileCorrupt(path, f"larger than {MAX_FILE_SIZE} bytes")
        chunks: list[bytes] = []
        left = MAX_FILE_SIZE + 1
        while left > 0:
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise CacheFileCorrupt(path, err.strerror or type(err).__name__) from err
    finally:
        os.close(fd)
    if left <= 0:
        raise CacheFileCorrupt(path, f"larger than {MAX_FILE_SIZE} bytes")
    return b"".join(chunks)


def trusted_owners() -> frozenset[int]:
    """Who may own our cache files: this user and root (and, under sudo, the user who ran it)."""
    uid = os.getuid()
    owners = {uid, 0}
    sudo_uid = os.environ.get(SUDO_UID_VARIABLE, "")
    if uid == 0 and sudo_uid.isdigit():
        owners.add(int(sudo_uid))
    return frozenset(owners)


def _user_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def _check_owner_and_mode(info: os.stat_result, path: str) -> None:
    """Refuse what another user owns or may write (ssh's StrictModes)."""
    if info.st_uid not in trusted_owners():
        raise CachePathUnusable(
            path,
            f"belongs to another user (uid {info.st_uid}), so it is not trusted",
            f"sudo chown {shlex.quote(_user_name())} {shlex.quote(path)}, or remove it",
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o002 or (mode & 0o020 and not _private_group(info.st_gid)):
        raise CachePathUnusable(
            path,
            "can be written by other users, so it is not trusted",
            f"chmod go-w {shlex.quote(path)}",
        )


_private_groups: dict[int, bool] = {}


def _private_group(gid: int) -> bool:
    """Whether ``gid`` is this user's own group, with nobody else in it (a user private group).

    With a umask of 002 (the default where every user has a group of their
    own), botocore and the AWS CLI v2 create cache directories group-writable;
    as Debian's ssh does, that is no stranger's door when the group is ours alone.
    """
    if gid not in _private_groups:
        try:
            import grp
            import pwd

            user = pwd.getpwuid(os.getuid())
            group = grp.getgrgid(gid)
            _private_groups[gid] = user.pw_gid == gid and all(m == user.pw_name for m in group.gr_mem)
        except (ImportError, KeyError):
            _private_groups[gid] = False
    return _private_groups[gid]


def _check_directory(directory: str) -> None:
    """The cache directory must be a directory of ours that nobody else can write.

    A directory that passed is remembered for the process: changing it takes
    its owner (us) or root.
    """
    if directory in _trusted_directories:
        return
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        return  # nothing there to trust or distrust yet; a write creates it, private
    if not stat.S_ISDIR(info.st_mode):
        raise _not_a_directory(directory)
    _check_owner_and_mode(info, directory)
    _trusted_directories.add(directory)


def _not_a_directory(directory: str) -> CachePathUnusable:
    return CachePathUnusable(
        directory,
        "is a file where a cache directory should be",
        f"mv {shlex.quote(directory)} {shlex.quote(directory + '.bak')}",
    )


def _check_lock_path(lock_path: str) -> bool:
    """Whether the lock file exists; refuses a symlink, a non-file or a stranger's file."""
    try:
        info = os.lstat(lock_path)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise CachePathUnusable(lock_path, "is a symbolic link, not a lock file", f"rm {_q(lock_path)}")
    if stat.S_ISDIR(info.st_mode):
        raise CachePathUnusable(lock_path, "is a directory, not a lock file", f"rm -r {_q(lock_path)}")
    if not stat.S_ISREG(info.st_mode):
        raise CachePathUnusable(lock_path, "is not a regular file", f"rm {shlex.quote(lock_path)}")
    if info.st_uid not in trusted_owners():
        raise CachePathUnusable(
            lock_path,
            f"belongs to another user (uid {info.st_uid}; left by a command run with sudo?)",
            f"sudo chown {shlex.quote(_user_name())} {shlex.quote(lock_path)}",
        )
    return True


def _q(path: str) -> str:
    return shlex.quote(path)


def _probe_write(directory: str, key: str) -> None:
    """Create, write, sync and remove a temp file: raises what a real write would meet."""
    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
    try:
        os.write(fd, b"{}" * 512)
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
