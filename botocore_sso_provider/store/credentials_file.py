"""The shared credentials file (``~/.aws/credentials``): one section set, every other byte kept.

For tools that read only this file. :func:`update_section` sets some keys
of one section, ``[NAME]`` as botocore's shared-credentials provider reads
it (no ``profile`` prefix here), and leaves everything else as it was:
other sections, comments, blank lines, line endings (CRLF stays CRLF), and
the section's own keys that are not ours (``region``, ``output``). Our
lines are marked with a comment (:data:`MARKER`), so a second run replaces
them where they are, and keys the user wrote by hand are never overwritten.

Which lines are headers, and which lines a key spans (its indented
continuation lines), is decided as configparser decides it, the parser
botocore uses; the new text is parsed again before it is written, and
refused unless every other section and key reads exactly as before.

The file holds secrets: it is read only when it is a regular file of ours
that nobody else can write (:func:`.trust.distrust`), without blocking and
bounded; it is written atomically with mode 0600, its owner kept (under
``sudo`` it stays the user's), through a symlink to its target
(:func:`.config_file.replace_config_file`).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import stat
import time
from typing import Iterator, Mapping, Optional, Sequence

from ..errors import SSOConfigError
from ..rules.terminal import printable
from .config_file import header_names, is_one_line_value, replace_config_file, split_lines
from .trust import distrust, explain

MARKER = "# botocore-sso:"
"""How our comment lines start; a section holding one was written by us."""

PRIVATE_MODE = 0o600
MAX_FILE_SIZE = 1 << 20
"""Bytes read of the file (a credentials file is a few KiB); a larger one is refused."""
MAX_SECTION_NAME_LENGTH = 128
LOCK_TIMEOUT = 10.0
"""Seconds to wait for another of our writers of the same file (each holds it for milliseconds)."""

_COMMENT_PREFIXES = ("#", ";")  # configparser's, for whole lines
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def section_name_problem(name: str) -> Optional[str]:
    """Why ``[name]`` would not be read back as the section ``name``, in a few words; None if it would."""
    if not name:
        return "it is empty"
    if len(name) > MAX_SECTION_NAME_LENGTH:
        return f"it is longer than {MAX_SECTION_NAME_LENGTH} characters"
    if printable(name) != name:
        return "it holds a control character"
    if name != name.strip():
        return "it starts or ends with a space"
    if name == configparser.DEFAULTSECT:
        return "configparser lends the keys of that section to every other one"
    for char in "[]=":
        if char in name:
            return f"it holds {char!r}"
    return None


def update_section(
    path: str,
    name: str,
    values: Mapping[str, str],
    notes: Sequence[str],
    *,
    drop: Sequence[str] = (),
) -> bool:
    """Set ``values`` (key -> value) and ``notes`` (our comment lines) in ``[name]`` of ``path``.

    Keys in ``drop`` are removed from the section (an old name of a key
    that would otherwise win over the new value). Returns False when the
    file already says exactly that (then it is not written at all).
    Raises SSOConfigError, with one sentence, for anything it will not do.
    """
    problem = section_name_problem(name)
    if problem is not None:
        raise SSOConfigError(
            error_msg=f"[{printable(name)}] cannot be a section of {printable(path)}: {problem}."
        )
    for key, value in values.items():
        if not is_one_line_value(value):
            raise SSOConfigError(
                error_msg=f"The value for {key} cannot be written to {printable(path)} safely."
            )
    with _writers_in_turn(path):
        before = read_credentials_file(path)
        after = section_text(before or "", name, values, notes, drop=drop, path=path)
        if after == before:
            return False
        if read_credentials_file(path) != before:  # another tool wrote it meanwhile: its lines count
            raise SSOConfigError(
                error_msg=f"{printable(path)} changed while it was being updated; run the command again."
            )
        replace_config_file(path, after, mode=PRIVATE_MODE)
    return True


@contextlib.contextmanager
def _writers_in_turn(path: str) -> Iterator[None]:
    """Our read-edit-replace of ``path``, one process at a time (two exports of two sections both land).

    The lock is ``flock`` on the file's directory: the file itself is replaced
    (a new inode) by each write, and a lock file would be left in ``~/.aws``
    for good. Bounded: a holder stopped mid-write cannot hang us.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the re-read before the write is all there is
        yield
        return
    directory = os.path.dirname(os.path.realpath(path)) or "."
    os.makedirs(directory, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SSOConfigError(
                        error_msg=f"Another botocore-sso is writing {printable(path)} and has not finished "
                        f"in {LOCK_TIMEOUT:.0f} seconds; run the command again."
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_secret_file(path: str, text: str) -> bool:
    """``text`` into ``path`` as the credentials file is written (0600, atomic, owner and symlink kept).

    The file there now must be one :func:`read_credentials_file` accepts;
    returns False, writing nothing, when it already holds ``text``.
    """
    with _writers_in_turn(path):
        if read_credentials_file(path) == text:
            return False
        replace_config_file(path, text, mode=PRIVATE_MODE)
    return True


def read_credentials_file(path: str) -> Optional[str]:
    """The text of the credentials file (or another file of secrets) at ``path``; None when there is none.

    Refused (SSOConfigError) unless it is a regular file, not too big, in
    UTF-8, of ours in a directory of ours that nobody else can write.
    """
    shown = printable(path)
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        _check_directory(os.path.dirname(os.path.realpath(path)), shown)
        return None
    except OSError as err:
        raise OSError(err.errno, err.strerror, path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SSOConfigError(error_msg=f"{shown} is a directory, not a file.")
        if not stat.S_ISREG(info.st_mode):
            raise SSOConfigError(error_msg=f"{shown} is not a regular file, so it is not written.")
        verdict = distrust(info)
        if verdict is not None:
            reason, fix = explain(verdict, info, path)
            raise SSOConfigError(error_msg=f"{shown} {reason}. To fix it: {fix}")
        _check_directory(os.path.dirname(os.path.realpath(path)), shown)
        if info.st_size > MAX_FILE_SIZE:
            raise SSOConfigError(
                error_msg=f"{shown} is larger than {MAX_FILE_SIZE} bytes, so it is not read."
            )
        data = os.read(fd, MAX_FILE_SIZE + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_SIZE:
        raise SSOConfigError(error_msg=f"{shown} is larger than {MAX_FILE_SIZE} bytes, so it is not read.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SSOConfigError(error_msg=f"{shown} is not UTF-8 text, so it is not changed.") from None


def _check_directory(directory: str, shown: str) -> None:
    """Secrets go only where nobody else can swap them: a directory of ours, or a sticky one (``/tmp``)."""
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        return  # created by the write, ours
    verdict = distrust(info)
    if verdict is not None and not (info.st_mode & stat.S_ISVTX and info.st_uid in (0, os.getuid())):
        reason, fix = explain(verdict, info, directory)
        raise SSOConfigError(error_msg=f"The directory of {shown} {reason}. To fix it: {fix}")


# --- the edit, on text ------------------------------------------------------------------------------


class _Entry:
    """Lines ``start`` to ``end`` of a section: a key with its continuation lines, or a comment line."""

    __slots__ = ("end", "key", "start")

    def __init__(self, start: int, end: int, key: Optional[str]) -> None:
        self.start, self.end, self.key = start, end, key


def section_text(
    text: str,
    name: str,
    values: Mapping[str, str],
    notes: Sequence[str],
    *,
    drop: Sequence[str] = (),
    path: str = "<credentials>",
) -> str:
    """``text`` with ``[name]`` holding ``notes`` and ``values``; every other line as it was."""
    lines = split_lines(text)
    headers = header_names(lines, path)
    newline = next((line[len(line.rstrip("\r\n")) :] for line in lines if line.endswith("\n")), "\n")
    found = [index for index, header in headers.items() if header == name]
    if not found:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline
        if lines and lines[-1].strip():
            lines.append(newline)
        lines.append(f"[{name}]{newline}")
        lines.extend(_block(values, notes, newline))
        return _checked(text, "".join(lines), name, values, drop, path)
    start = found[0] + 1
    end = min((index for index in headers if index > found[0]), default=len(lines))
    newline = lines[found[0]][len(lines[found[0]].rstrip("\r\n")) :] or newline
    entries = _entries(lines, start, end)
    owned = {key.lower() for key in (*values, *drop)}
    ours = [e for e in entries if (e.key is None) or e.key in owned]
    if any(e.key is not None for e in ours) and not any(e.key is None for e in ours):
        raise SSOConfigError(
            error_msg=f"[{printable(name)}] of {printable(path)} holds keys that botocore-sso did not write; "
            "remove those lines first, or choose another name."
        )
    options = [e for e in entries if e.key is not None]
    where = ours[0].start if ours else (options[-1].end if options else start)
    removed = {index for entry in ours for index in range(entry.start, entry.end)}
    kept_before = [line for index, line in enumerate(lines[:where]) if index not in removed]
    kept_after = [line for index, line in enumerate(lines[where:], where) if index not in removed]
    if kept_before and not kept_before[-1].endswith(("\n", "\r")):
        kept_before[-1] += newline
    return _checked(
        text, "".join([*kept_before, *_block(values, notes, newline), *kept_after]), name, values, drop, path
    )


def _block(values: Mapping[str, str], notes: Sequence[str], newline: str) -> list[str]:
    comments = [f"{MARKER} {printable(note)}{newline}" for note in notes]
    return [*comments, *(f"{key} = {value}{newline}" for key, value in values.items())]


def _entries(lines: list[str], start: int, end: int) -> list[_Entry]:
    """Our comment lines and every key of ``lines[start:end]``, with the lines configparser gives it."""
    entries: list[_Entry] = []
    key: Optional[_Entry] = None
    indent = 0
    for index in range(start, end):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith(_COMMENT_PREFIXES):
            if stripped.startswith(MARKER):
                entries.append(_Entry(index, index + 1, None))
            continue  # neither ends a value nor belongs to it unless a continuation line follows
        level = len(lines[index]) - len(lines[index].lstrip())
        if key is not None and level > indent:
            key.end = index + 1  # a continuation line, and the blank or comment lines before it
            continue
        option = min((stripped.find(d) for d in "=:" if d in stripped), default=len(stripped))
        key = _Entry(index, index + 1, stripped[:option].rstrip().lower())  # configparser's optionxform
        indent = level
        entries.append(key)
    entries.sort(key=lambda entry: entry.start)
    return entries


def _checked(
    before: str, after: str, name: str, values: Mapping[str, str], drop: Sequence[str], path: str
) -> str:
    """``after``, once configparser reads in it what it read in ``before`` but for ``[name]``'s new keys."""
    old, new = _parsed(before, path), _parsed(after, path)
    changed = {key.lower() for key in (*values, *drop)}
    expected = {
        **old,
        name: {
            **{k: v for k, v in old.get(name, {}).items() if k not in changed},
            **{k.lower(): v for k, v in values.items()},
        },
    }
    if new != expected or list(new) != [*old, *([] if name in old else [name])]:
        raise SSOConfigError(
            error_msg=f"[{printable(name)}] of {printable(path)} cannot be updated without changing how "
            "the lines around it read (an indented line after it?); edit it by hand."
        )
    return after


def _parsed(text: str, path: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser()  # botocore's parser, as raw_config_parse uses it
    try:
        parser.read_string(text, source=path)
    except configparser.Error as err:
        raise SSOConfigError(
            error_msg=f"{printable(path)} cannot be read as botocore reads it ({printable(err)})."
        ) from None
    return {section: dict(parser.items(section, raw=True)) for section in parser.sections()}
