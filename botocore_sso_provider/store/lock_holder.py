"""Who holds a cache lock, and what the user can do about it when a wait timed out.

"Try again" cannot help when the holder is stopped (SIGSTOP, Ctrl-Z, a
debugger): it never lets go. So the process that takes a lock writes its pid
into the lock file (``pid 1234`` and a newline: not JSON, so ``aws sso logout``,
which loads every file in the cache directory, skips it), and empties it
again before letting go. A waiter that timed out reads the pid, believes it
only where the kernel agrees (``/proc/locks`` lists the exclusive ``flock``
of that pid on that file, or cannot be read), and looks the process up in
``/proc`` (stopped or running, its command name). Where nothing can be read
(another tool's lock, an old file, macOS without ``/proc``) the advice says
as much as is known. Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass
from typing import Optional

from ..rules.terminal import printable

_PID_LINE = re.compile(rb"pid ([1-9][0-9]{0,9})\n")
_MAX_READ = 64
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
_PROC = "/proc"


def write_pid(fd: int) -> None:
    """Say in the lock file just taken (``fd``) which process holds it; best effort, never raises."""
    line = f"pid {os.getpid()}\n".encode()
    with contextlib.suppress(OSError):
        os.pwrite(fd, line, 0)  # overwrite first, then cut: the file never reads empty meanwhile
        os.ftruncate(fd, len(line))


def clear_pid(fd: int) -> None:
    """Empty the lock file before letting go, so no pid outlives its hold; best effort."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)


@dataclass(frozen=True)
class LockHolder:
    """A process holding a lock, as far as it can be seen from here."""

    pid: int
    command: Optional[str] = None
    """Its command name (``/proc/PID/comm``), escaped for printing; None where unknown."""
    state: Optional[str] = None
    """Its state in ``/proc/PID/stat`` (``T`` stopped, ``t`` stopped by a debugger); None where unknown."""

    @property
    def name(self) -> str:
        """``Process 1234 (python3)``: the start of a sentence."""
        return f"Process {self.pid} ({self.command})" if self.command else f"Process {self.pid}"


def lock_holder(path: str) -> Optional[LockHolder]:
    """The process holding the lock at ``path``, or None where it cannot be told."""
    named = _pid_in(path)
    if named is None:
        return None
    pid, device, inode = named
    holders = _flock_holders(device, inode)
    if holders and pid not in holders:
        if len(holders) != 1:
            return None
        pid = next(iter(holders))  # the file is stale (another tool holds it); the kernel knows
    if not os.path.isdir(_PROC):
        return LockHolder(pid)  # no /proc (macOS): the file's word alone
    state = _state_of(pid)
    if state is None:
        return None  # gone: the lock is free by now
    return LockHolder(pid, _command_of(pid), state)


def holder_advice(path: str) -> tuple[str, str]:
    """Who held the lock at ``path`` (the start of a sentence) and what to do (its end)."""
    holder = lock_holder(path)
    if holder is None:
        return (
            "Another process",
            "if nothing else is using AWS, try again; to wait longer, set BOTOCORE_SSO_LOCK_TIMEOUT",
        )
    if holder.state == "T":
        return (
            f"{holder.name}, which is stopped (SIGSTOP or Ctrl-Z),",
            f"resume it with kill -CONT {holder.pid}, or end it (kill {holder.pid}), then try again",
        )
    if holder.state == "t":
        return (
            f"{holder.name}, which is stopped by a debugger,",
            f"continue it from the debugger (or kill -CONT {holder.pid}), or end it, then try again",
        )
    if holder.state is None:
        return (
            f"{holder.name} (named in the lock file)",
            f"if it is still running, wait for it to finish or end it (kill {holder.pid}), then try again",
        )
    return (
        holder.name,
        f"wait for it to finish or end it (kill {holder.pid}), then try again; "
        "to wait longer, set BOTOCORE_SSO_LOCK_TIMEOUT",
    )


def _pid_in(path: str) -> Optional[tuple[int, int, int]]:
    """The pid a lock file of ours names, with the file's device and inode; None if it names none."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        head = os.read(fd, _MAX_READ)
    except OSError:
        return None
    finally:
        os.close(fd)
    found = _PID_LINE.match(head)
    return (int(found.group(1)), info.st_dev, info.st_ino) if found else None


def _flock_holders(device: int, inode: int) -> Optional[set[int]]:
    """Pids holding an exclusive ``flock`` on that file, per ``/proc/locks``; None where unreadable.

    A line reads ``1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF``; a
    waiter's reads ``1: -> FLOCK ...`` and is left out, as are pids of other
    pid namespaces (shown as 0).
    """
    if not hasattr(os, "major"):  # pragma: no cover - Windows
        return None
    where = f"{os.major(device):02x}:{os.minor(device):02x}:{inode}"
    try:
        with open(os.path.join(_PROC, "locks"), encoding="ascii", errors="replace") as handle:
            lines = handle.read(1 << 20).splitlines()
    except OSError:
        return None
    holders = set()
    for line in lines:
        fields = line.split()
        granted = fields[1:4] == ["FLOCK", "ADVISORY", "WRITE"] and len(fields) > 5 and fields[5] == where
        if granted and fields[4].isdigit() and int(fields[4]) > 0:
            holders.add(int(fields[4]))
    return holders


def _state_of(pid: int) -> Optional[str]:
    """The state letter of ``pid`` (after the command name, which may hold spaces and parentheses)."""
    try:
        with open(os.path.join(_PROC, str(pid), "stat"), "rb") as handle:
            text = handle.read(4096)
    except OSError:
        return None
    rest = text[text.rfind(b")") + 1 :].split()
    return rest[0].decode("ascii", "replace") if rest else None


def _command_of(pid: int) -> Optional[str]:
    try:
        with open(os.path.join(_PROC, str(pid), "comm"), "rb") as handle:
            name = handle.read(64).rstrip(b"\n").decode("utf-8", "replace")
    except OSError:
        return None
    return printable(name) if name else None
