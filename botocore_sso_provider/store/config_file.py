"""The AWS config file: its sections as botocore reads them, and the one way we write it.

Reading: which lines are section headers is decided by configparser itself
(the parser botocore uses, with botocore's settings), and which profile or
sso-session a header names by botocore's own ``build_profile_map``. So
``[profile "dev"]``, ``[profile<TAB>dev]`` and ``[profile dev] (prod)`` all
name the profile ``dev`` here exactly as they do for every AWS tool, and
lines are split where configparser splits them (a lone ``\\r`` too).

Writing: :func:`replace_config_file` is the only writer of the config file
(populate, the login's ``sso_region`` correction). The file is the user's:
its owner and mode are kept (a run under ``sudo -E`` must not leave a
root-owned file the user's tools cannot read), a symlinked config is written
through to its target, and the new text replaces the old atomically (temp
file beside the target, fsync, ``os.replace``). The backup gets the
original's owner and mode too.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from ..errors import SSOConfigError
from ..rules.terminal import printable

BACKUP_SUFFIX = ".bak"
NEW_FILE_MODE = 0o600

PROFILE = "profile"
SSO_SESSION = "sso-session"


@dataclass(frozen=True)
class SectionName:
    """What botocore makes of one header: a profile, an sso-session, or something else (None)."""

    header: str
    """The section name as configparser reads it (``profile "dev"``)."""
    kind: Optional[str]
    """``"profile"`` (``[default]`` included), ``"sso-session"``, or None for anything else."""
    name: Optional[str]
    """The profile or sso-session name botocore sees (``dev``), or None."""


def split_lines(text: str) -> list[str]:
    """``text`` cut where configparser cuts it (``\\n``, ``\\r\\n``, a lone ``\\r``), endings kept.

    ``str.splitlines`` would also cut at form feeds and other separators
    that configparser keeps inside a line.
    """
    return io.StringIO(text, newline="").readlines()


def header_lines(lines: list[str], path: str) -> dict[int, SectionName]:
    """The index of every line configparser reads as a section header, and what it names.

    Raises SSOConfigError when configparser refuses the file, as botocore
    would (a duplicate section or key, a line outside any section, ...).
    """
    return {index: section_name(header) for index, header in header_names(lines, path).items()}


def header_names(lines: list[str], path: str) -> dict[int, str]:
    """The index of every line configparser reads as a section header, and the section's name.

    The name as written (``profile dev``): what the credentials file calls
    a section, where there is no ``profile`` prefix. Raises SSOConfigError
    as :func:`header_lines` does.
    """
    recorder = _HeaderRecorder()
    parser = configparser.RawConfigParser()  # botocore's parser, with its settings
    parser.SECTCRE = recorder  # type: ignore[assignment] # the documented hook, watched
    try:
        parser.read_file(recorder.follow(lines), source=path)
    except configparser.Error as err:
        raise SSOConfigError(
            error_msg=f"{printable(path)} cannot be read as botocore reads it ({printable(err)}). "
            "Fix that line first: every AWS tool refuses this file."
        ) from None
    return recorder.headers


def section_name(header: str) -> SectionName:
    """What botocore makes of the section name ``header`` (``configloader.build_profile_map``)."""
    from botocore.configloader import build_profile_map

    seen = build_profile_map({header: {}})
    for key, kind in (("profiles", PROFILE), ("sso_sessions", SSO_SESSION)):
        for name in seen.get(key, {}):
            return SectionName(header, kind, name)
    return SectionName(header, None, None)


class _HeaderRecorder:
    """Stands in for ``RawConfigParser.SECTCRE``: records which line each header match came from."""

    def __init__(self) -> None:
        self._pattern = configparser.RawConfigParser.SECTCRE
        self._index = -1
        self.headers: dict[int, str] = {}

    def follow(self, lines: Iterable[str]) -> Iterable[str]:
        for index, line in enumerate(lines):
            self._index = index  # configparser reads lazily: the line it is looking at
            yield line

    def match(self, text: str) -> Any:
        found = self._pattern.match(text)
        if found is not None:
            self.headers[self._index] = found.group("header")
        return found


def is_one_line_value(value: str) -> bool:
    """Whether ``value`` can follow ``key =`` safely: something, no control or bidi character, no edge space.

    What we write can then never start a line, a section or a key, and
    configparser reads back exactly ``value``.
    """
    return bool(value) and value == value.strip() and printable(value) == value


def replace_config_file(
    path: str, text: str, *, backup: bool = False, mode: Optional[int] = None
) -> Optional[str]:
    """Write ``text`` to the config file at ``path``; returns the backup's path if one was made.

    Through a symlink to its target; the target's owner and mode kept (or
    ``mode``, for a file of secrets); a new file is private (0600) and,
    when root writes it, belongs to the owner of its directory.
    With ``backup``, the old bytes go to ``<target>.bak`` first, with the
    old file's owner and mode. An OSError names ``path``'s target, never a
    temp file.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    os.makedirs(directory, exist_ok=True)
    try:
        info: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        info = None
    owner: Optional[tuple[int, int]] = None
    wanted = mode  # None: keep the file's
    if info is not None:
        mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
    else:
        mode = NEW_FILE_MODE
        if os.geteuid() == 0:  # root (sudo -E) writing into a user's directory: theirs, not root's
            where = os.stat(directory)
            owner = (where.st_uid, where.st_gid)
    backup_path = None
    if backup and info is not None:
        backup_path = target + BACKUP_SUFFIX
        with open(target, "rb") as original:
            _write_atomically(backup_path, original.read(), mode, owner)
    _write_atomically(target, text.encode("utf-8"), mode if wanted is None else wanted, owner)
    return backup_path


def _write_atomically(path: str, data: bytes, mode: int, owner: Optional[tuple[int, int]]) -> None:
    """``data`` into a temp file beside ``path`` with ``owner`` and ``mode``, fsynced, renamed over it."""
    directory = os.path.dirname(path)
    try:
        fd, temp_path = tempfile.mkstemp(dir=directory, prefix=".config-", suffix=".tmp")
    except OSError as err:  # a read-only or missing directory: name the file the user knows
        raise OSError(err.errno, err.strerror, path) from None
    try:
        with os.fdopen(fd, "wb") as out:
            if owner is not None:
                _give(out.fileno(), owner, path)
            os.fchmod(out.fileno(), mode)  # after the chown, which may clear set-id bits
            try:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            except OSError as err:  # a full disk or quota: the file the user knows, unchanged
                raise OSError(err.errno, err.strerror, path) from None
        try:
            os.replace(temp_path, path)
        except OSError as err:  # name the file the user knows, not our temp file
            raise OSError(err.errno, err.strerror, path) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_path)
        raise
    with contextlib.suppress(OSError):  # make the rename durable; not every filesystem allows it
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)


def _give(fd: int, owner: tuple[int, int], path: str) -> None:
    """Hand the new file to the old one's owner; refuse to take another user's file over."""
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) == owner:
        return
    try:
        os.fchown(fd, *owner)
    except PermissionError:
        if current.st_uid != owner[0]:
            raise SSOConfigError(
                error_msg=f"{printable(path)} belongs to another user (uid {owner[0]}), and writing it "
                "would make it yours. Run the command as that user."
            ) from None
        # our own file in a group we are not in (a set-gid directory): the owner is what matters
