"""Files that hold secrets: trusted reads and atomic private writes.

Two readers, one rule of trust (:func:`.trust.distrust`):

- :func:`read_trusted`, the full path's: the bytes of a regular file of
  ours, or an error naming the file and the fix (``errors.CorruptCacheError``,
  ``errors.UnsafeCacheError``);
- :func:`read_private_json`, the fast paths': the JSON of a small regular
  file of ours, or None when not sure (the caller then takes the full path,
  which reads and judges the file itself). It asks the rule with
  ``strict=True``, so whatever it accepts the full reader accepts too.

Both open without blocking (a FIFO answers at once), check the open
descriptor (no race with a rename) and read a bounded number of bytes, so a
FIFO or ``/dev/zero`` cannot hang or exhaust the process.

Writes go to a temp file in the same directory, made 0600, flushed and
fsynced, then ``os.replace``d over the target: a reader sees the old file or
the new one, never half of one. Directories are created 0700 whatever the
umask; temp files a killed writer left (they may hold secrets) are removed
once stale.

The fast paths load this module: it imports the standard library only, and
``errors.py`` (which imports botocore) only when it raises.

The config file is read here too, for the fast paths, as botocore reads it
without botocore: ``configparser``, which botocore's own loader uses,
exactly as ``botocore.configloader.load_config`` does (:func:`load_config`).
Each reader answers None when it is not sure (a file that does not parse, a
nested block botocore refuses): the caller then goes the full way, through
botocore, which reports such problems properly. Editing the file is
:mod:`.config_file`'s.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time

from .trust import distrust, explain

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    from typing import Any, Mapping, Optional

    from ..errors import CorruptCacheError, UnsafeCacheError

MAX_CACHE_FILE_SIZE = 64 * 1024
"""A cache file is a few hundred bytes; anything bigger is left to the full path."""

MAX_FILE_SIZE = 1 << 20
"""Bytes the full reader reads of a cache file (real ones hold a few hundred); a larger file is refused."""

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700

STALE_TEMP_AGE = 60.0
"""Seconds after which a temporary file left by a killed writer is removed."""

UNWRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT})
"""A write or lock failing with one of these means "this directory cannot be written"."""

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

_trusted_directories: set[str] = set()


def read_private_json(path: str) -> Optional[dict[str, Any]]:
    """The JSON object in ``path`` if it is a small regular file of ours in a directory of ours; else None.

    None also where only a look-up could tell (:func:`.trust.distrust`,
    ``strict``), for a symlink, and for a file over ``MAX_CACHE_FILE_SIZE``:
    what this refuses, the full path reads and judges itself.
    """
    try:
        directory = os.stat(os.path.dirname(path))
    except OSError:
        return None
    if not stat.S_ISDIR(directory.st_mode) or distrust(directory, strict=True) is not None:
        return None
    try:
        fd = os.open(path, _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or distrust(info, strict=True) is not None:
            return None
        if info.st_size > MAX_CACHE_FILE_SIZE:
            return None
        data = os.read(fd, MAX_CACHE_FILE_SIZE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    import json

    try:
        parsed = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # torn, not ours, or nested too deep: the full path re-reads it
        return None
    return parsed if isinstance(parsed, dict) else None  # not a cache file: the full path says so


def read_trusted(path: str) -> Optional[bytes]:
    """The bytes of a regular cache file of ours; None when there is none.

    Raises ``CorruptCacheError`` for a file that cannot be read (not a
    regular file, larger than ``MAX_FILE_SIZE``) and ``UnsafeCacheError``
    for a file or directory a stranger could have written.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise not_a_directory(os.path.dirname(path)) from None
    except OSError as err:
        raise corrupt(path, err.strerror or type(err).__name__) from err
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise corrupt(path, f"a directory, not a file; remove it: rm -r {_quote(path)}")
        if not stat.S_ISREG(info.st_mode):
            raise corrupt(path, f"not a regular file; remove it: rm {_quote(path)}")
        check_trusted(info, path)
        check_directory(os.path.dirname(path))
        if info.st_size > MAX_FILE_SIZE:
            raise corrupt(path, f"larger than {MAX_FILE_SIZE} bytes")
        chunks: list[bytes] = []
        left = MAX_FILE_SIZE + 1
        while left > 0:
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise corrupt(path, err.strerror or type(err).__name__) from err
    finally:
        os.close(fd)
    if left <= 0:
        raise corrupt(path, f"larger than {MAX_FILE_SIZE} bytes")
    return b"".join(chunks)


def check_trusted(info: os.stat_result, path: str) -> None:
    """Raise ``UnsafeCacheError`` naming the fix where the rule does not trust ``path``."""
    verdict = distrust(info)
    if verdict is not None:
        raise unsafe(path, *explain(verdict, info, path))


def check_directory(directory: str) -> None:
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
        raise not_a_directory(directory)
    check_trusted(info, directory)
    _trusted_directories.add(directory)


def make_private_dirs(directory: str) -> None:
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
            os.mkdir(path, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile; theirs is private too
        # mkdir applies the umask, which may only take bits away; make sure anyway.
        with contextlib.suppress(OSError):
            os.chmod(path, PRIVATE_DIR_MODE)


def write_atomically(directory: str, key: str, path: str, text: str) -> None:
    """Temp file in the same directory, 0600, flushed and fsynced, then renamed over ``path``."""
    import tempfile

    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    _fsync_directory(directory)


def probe_write(directory: str, key: str) -> None:
    """Create, write, sync and remove a temp file: raises what a real write would meet."""
    import tempfile

    fd, temp_path = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
    try:
        os.write(fd, b"{}" * 512)
        os.fsync(fd)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp_path)


def remove_stale_temp_files(directory: str, key: str) -> None:
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


def disk_state(path: str) -> Optional[tuple[int, int, int]]:
    """What changes whenever the file is replaced or rewritten (inode, mtime, size); None if absent."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def corrupt(path: str, reason: str) -> CorruptCacheError:
    from ..errors import CorruptCacheError  # here, when raised: the fast paths load this module

    return CorruptCacheError(path=path, reason=reason)


def unsafe(path: str, reason: str, fix: str) -> UnsafeCacheError:
    from ..errors import UnsafeCacheError  # here, when raised: the fast paths load this module

    return UnsafeCacheError(path=path, reason=reason, fix=fix)


def not_a_directory(directory: str) -> UnsafeCacheError:
    return unsafe(
        directory,
        "is a file where a cache directory should be",
        f"mv {_quote(directory)} {_quote(directory + '.bak')}",
    )


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable; best effort (not every filesystem allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _quote(word: str) -> str:
    import shlex  # only for an error's advice

    return shlex.quote(word)


# --- the config file, read as botocore reads it ------------------------------------------------------


def read_ini(path: str) -> Optional[dict[str, dict[str, Any]]]:
    """Sections of an INI file as ``botocore.configloader.raw_config_parse`` reads them; None if unsure.

    Indented blocks (``s3 =`` and lines below it) become dicts, as in botocore.
    """
    import configparser

    if not path or not os.path.isfile(path):
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read([path])
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    sections: dict[str, dict[str, Any]] = {}
    for section in parser.sections():
        values: dict[str, Any] = {}
        for option in parser.options(section):
            value = parser.get(section, option)
            if value.startswith("\n"):
                nested = _parse_nested(value)
                if nested is None:
                    return None  # botocore raises ConfigParseError: the full path says so
                values[option] = nested
            else:
                values[option] = value
        sections[section] = values
    return sections


def _parse_nested(value: str) -> Optional[dict[str, str]]:
    """``botocore.configloader._parse_nested``; None where it raises."""
    parsed = {}
    for line in value.splitlines():
        line = line.strip()
        if line:
            key, equals, rest = line.partition("=")
            if not equals:
                return None
            parsed[key.strip()] = rest.strip()
    return parsed


def load_config(path: str) -> Optional[tuple[dict[str, Any], dict[str, Any]]]:
    """Profiles and sso-sessions by name, as ``botocore.configloader.load_config`` has them; else None."""
    sections = read_ini(path)
    return None if sections is None else profile_map(sections)


def profile_map(sections: Mapping[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Profiles and sso-sessions by name, as ``botocore.configloader.build_profile_map`` names them."""
    profiles: dict[str, Any] = {}
    sessions: dict[str, Any] = {}
    for key, values in sections.items():
        target = (
            profiles if key.startswith("profile") else sessions if key.startswith("sso-session") else None
        )
        if target is not None:
            parts = split_section_name(key)
            if parts is not None and len(parts) == 2:
                target[parts[1]] = values
        elif key == "default":
            profiles[key] = values
    return profiles, sessions


def split_section_name(key: str) -> Optional[list[str]]:
    """``shlex.split(key)``, as botocore splits section names; shlex is imported only when it matters."""
    if not any(c in "'\"\\" or (c.isspace() and c not in " \t") for c in key):
        return key.split()  # no quotes, escapes or unusual whitespace: the same split
    import shlex

    try:
        return shlex.split(key)
    except ValueError:
        return None
