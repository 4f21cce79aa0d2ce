"""Reading a lock's holder: only what the lock file and /proc really say (a fake /proc here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from botocore_sso_provider.store import lock_holder
from botocore_sso_provider.store.lock import timed_out

pytestmark = pytest.mark.unit

PID = 4242


def fake_proc(root: Path, *, state: Optional[str], comm: str = "aws\n", locks: Optional[str] = "") -> Path:
    """A /proc with one process (``state`` None: no such process) and a ``locks`` file (None: none)."""
    root.mkdir()
    if locks is not None:
        (root / "locks").write_text(locks)
    if state is not None:
        (root / str(PID)).mkdir()
        (root / str(PID) / "stat").write_text(f"{PID} (odd) R name) {state} 1 1 1 0 -1\n")
        (root / str(PID) / "comm").write_text(comm)
    return root


def lock_file(tmp_path: Path, content: bytes = f"pid {PID}\n".encode()) -> Path:
    path = tmp_path / "k.lock"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("state", "start", "end"),
    [
        (
            "T",
            f"Process {PID} (aws), which is stopped (SIGSTOP or Ctrl-Z),",
            f"resume it with kill -CONT {PID}",
        ),
        ("t", f"Process {PID} (aws), which is stopped by a debugger,", "continue it from the debugger"),
        ("S", f"Process {PID} (aws)", f"wait for it to finish or end it (kill {PID})"),
    ],
)
def test_the_state_is_read_after_the_last_parenthesis_of_the_command_name(
    state: str, start: str, end: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/proc/PID/stat`` puts the raw command name in parentheses; it may hold ") R" itself."""
    monkeypatch.setattr(lock_holder, "_PROC", str(fake_proc(tmp_path / "proc", state=state)))
    who, what = lock_holder.holder_advice(str(lock_file(tmp_path)))
    assert who == start
    assert what.startswith(end)


def test_without_proc_the_pid_of_the_file_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_holder, "_PROC", str(tmp_path / "no-proc"))  # macOS
    who, what = lock_holder.holder_advice(str(lock_file(tmp_path)))
    assert who == f"Process {PID} (named in the lock file)"
    assert f"kill {PID}" in what and "if it is still running" in what


def test_a_process_that_is_gone_is_not_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock_holder, "_PROC", str(fake_proc(tmp_path / "proc", state=None)))
    assert lock_holder.holder_advice(str(lock_file(tmp_path)))[0] == "Another process"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"4242\n",
        b'{"pid": 4242}',
        b"pid 4242",
        b"pid -1\n",
        b"pid 0\n",
        b"pid 42x\n",
        b"pid 99999999999\n",
    ],
)
def test_anything_but_our_pid_line_names_nobody(
    content: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lock_holder, "_PROC", str(fake_proc(tmp_path / "proc", state="T")))
    assert lock_holder.lock_holder(str(lock_file(tmp_path, content))) is None


def test_a_symlinked_lock_file_is_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lock_holder, "_PROC", str(fake_proc(tmp_path / "proc", state="T")))
    target = lock_file(tmp_path)
    link = tmp_path / "link.lock"
    link.symlink_to(target)
    assert lock_holder.lock_holder(str(link)) is None


def test_the_kernels_holder_wins_over_a_stale_pid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = lock_file(tmp_path)
    info = os.stat(path)
    where = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    locks = f"1: FLOCK  ADVISORY  WRITE 77 {where} 0 EOF\n1: -> FLOCK  ADVISORY  READ 4242 {where} 0 EOF\n"
    proc = fake_proc(tmp_path / "proc", state="T", locks=locks)
    (proc / "77").mkdir()
    (proc / "77" / "stat").write_text("77 (real) S 1 1 1\n")
    (proc / "77" / "comm").write_text("real\n")
    monkeypatch.setattr(lock_holder, "_PROC", str(proc))
    assert lock_holder.lock_holder(str(path)) == lock_holder.LockHolder(77, "real", "S")


def test_the_error_reads_the_holder_once_and_keeps_it_through_pickling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    monkeypatch.setattr(lock_holder, "_PROC", str(fake_proc(tmp_path / "proc", state="T")))
    error = timed_out(str(lock_file(tmp_path)), 1.0).with_login(subject="x", profile="p", session_name=None)
    assert f"kill -CONT {PID}" in str(error)
    monkeypatch.setattr(lock_holder, "_PROC", str(tmp_path / "gone"))
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert str(copy) == str(error)
