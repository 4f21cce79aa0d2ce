"""A lock whose holder never lets go (stopped by SIGSTOP or a debugger): the timeout names it.

The holder is a real process that takes the lock through the package's own
locking code; the waiter is another real process resolving credentials with
boto3 and a short BOTOCORE_SSO_LOCK_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
from pathlib import Path
from typing import Dict, Iterator

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import role_cache_file, seed_token, token_path
from tests.herds import Worker, Workers

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="the holder is looked up in /proc")

TOKEN_KEY = hashlib.sha1(b"corp").hexdigest()


def short_timeout() -> Dict[str, str]:
    return {**os.environ, "BOTOCORE_SSO_LOCK_TIMEOUT": "0.5"}


def hold(workers: Workers, lock_file: Path, *extra: str) -> Worker:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    holder = workers.start(
        "hold", "--dir", str(lock_file.parent), "--key", lock_file.stem, "--seconds", "300", *extra
    )
    holder.wait_for("held")
    return holder


@contextlib.contextmanager
def stopped(worker: Worker) -> Iterator[None]:
    os.kill(worker.pid, signal.SIGSTOP)
    _, status = os.waitpid(worker.pid, os.WUNTRACED)  # returns once it is stopped
    assert os.WIFSTOPPED(status)
    try:
        yield
    finally:
        os.kill(worker.pid, signal.SIGCONT)
        worker.process.kill()


def resolve_error(workers: Workers) -> str:
    report = workers.start("resolve", "--profile", "dev", env=short_timeout()).finish()
    [result] = report["results"]
    assert not result["ok"], result
    assert "Traceback" not in report["stderr"]
    return str(result["error"])


@pytest.mark.parametrize("lock", ["token", "role"])
def test_a_stopped_holder_is_named_with_kill_cont(
    lock: str, idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    if lock == "token":
        seed_token(idc, aws_home, minutes=-1)  # expired: the refresh must wait for the token lock
        lock_file = token_path(aws_home, "corp").with_suffix(".lock")
    else:
        seed_token(idc, aws_home, minutes=60)  # fetching the role credentials waits for the role lock
        lock_file = role_cache_file(aws_home, "dev").with_suffix(".lock")
    holder = hold(workers, lock_file)

    with stopped(holder):
        error = resolve_error(workers)

    assert error.startswith("CacheLockedError: "), error
    message = error.split(": ", 1)[1]
    assert f"Process {holder.pid} (" in message and "stopped" in message
    assert f"kill -CONT {holder.pid}" in message
    assert str(lock_file) in message and "\n" not in message
    assert "try again;" not in message.split(f"kill -CONT {holder.pid}")[0], "no bare 'try again' first"
    assert idc.request_counts().get("CreateToken", 0) == 0


def test_a_running_holder_is_named_by_its_escaped_command_and_the_advice_is_to_wait_or_end_it(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    seed_token(idc, aws_home, minutes=-1)
    lock_file = token_path(aws_home, "corp").with_suffix(".lock")
    holder = hold(workers, lock_file, "--name", "refresher\x1b]52")

    message = resolve_error(workers)

    assert f"Process {holder.pid} (refresher\\x1b]52)" in message
    assert "\x1b" not in message
    assert "wait for it to finish or end it" in message and f"kill {holder.pid}" in message
    assert "kill -CONT" not in message and "stopped" not in message
    assert "BOTOCORE_SSO_LOCK_TIMEOUT" in message


def test_the_lock_file_names_its_holder_while_held_and_is_emptied_after(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    lock_file = token_path(aws_home, "corp").with_suffix(".lock")
    holder = hold(workers, lock_file)
    assert lock_file.read_bytes() == f"pid {holder.pid}\n".encode()
    assert not lock_file.is_symlink() and lock_file.stat().st_mode & 0o777 == 0o600
    holder.process.send_signal(signal.SIGINT)  # KeyboardInterrupt: it lets go as a holder does
    holder.finish()
    assert lock_file.read_bytes() == b"", "no pid outlives its hold"
    assert lock_file.exists(), "the lock file is kept"


def test_another_tools_lock_without_a_pid_keeps_the_old_advice(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    seed_token(idc, aws_home, minutes=-1)
    lock_file = token_path(aws_home, "corp").with_suffix(".lock")
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held by this test process, as another tool would: no pid written
        message = resolve_error(workers)
    finally:
        os.close(fd)
    assert "Another process held the SSO cache lock" in message
    assert "if nothing else is using AWS, try again" in message


def test_a_stale_pid_in_the_file_is_not_believed_over_the_kernel(
    idc: FakeIdentityCenter, herd_config: Path, aws_home: Path, workers: Workers
) -> None:
    """A pid left by a killed holder, while another tool now holds the lock: never name the wrong one."""
    seed_token(idc, aws_home, minutes=-1)
    lock_file = token_path(aws_home, "corp").with_suffix(".lock")
    bystander = workers.start("hold", "--dir", str(aws_home / "elsewhere"), "--key", "k", "--seconds", "300")
    bystander.wait_for("held")  # a live process that does not hold our lock
    lock_file.write_text(f"pid {bystander.pid}\n")
    lock_file.chmod(0o600)
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the real holder: this test process
        message = resolve_error(workers)
    finally:
        os.close(fd)
    assert f"Process {bystander.pid}" not in message
    assert f"Process {os.getpid()} (" in message
