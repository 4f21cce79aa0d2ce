"""Processes killed with SIGKILL: the lock dies with them, and files always parse."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import time
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import seed_token, stored_token
from tests.herds import Worker, Workers, wait_until

KILLS = 25  # 5 rounds; each kill lands at a random point of a read-modify-write
WRITERS_PER_ROUND = 5


def test_a_process_killed_while_refreshing_under_the_lock_blocks_the_next_one_only_until_the_kill(
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
    workers: Workers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", "30")
    idc = make_idc(rotate_refresh_tokens=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    idc.set_faults(latency=30)  # the holder's CreateToken hangs: it keeps both locks
    holder = workers.start("resolve", "--profile", "dev")
    wait_until(lambda: idc.grant_counts()["refresh_token"] == 1)

    waiter = workers.start("resolve", "--profile", "dev", "--debug-log")
    waiter.wait_for("held by another process", stderr=True)  # it is blocked on the lock now
    idc.set_faults(latency=0)  # only requests from now on are fast; the holder's still hangs
    os.kill(holder.pid, signal.SIGKILL)
    killed_at = time.time()
    holder.process.wait(timeout=10)

    report = waiter.finish(timeout=20)
    assert report["returncode"] == 0, report["stderr"]
    assert "Traceback" not in report["stderr"]
    [result] = report["results"]
    assert result["ok"], result
    waited_after_kill = report["finished"] - killed_at
    assert waited_after_kill < 5, f"the waiter needed {waited_after_kill:.1f} s after the kill"
    print(f"\nthe waiter resolved {waited_after_kill:.2f} s after the lock holder was killed")
    assert idc.grant_counts()["refresh_token"] == 2, "the holder's attempt, then the waiter's"
    stored = stored_token(aws_home)
    assert stored["refreshToken"] != seeded["refreshToken"]
    assert idc.refresh_token_is_valid(stored["refreshToken"])


def test_writers_killed_at_random_points_never_leave_a_file_that_does_not_parse(
    tmp_path: Path, workers: Workers
) -> None:
    """25 SIGKILLs: rounds of writers racing for the lock, killed one by one in random order."""
    seed = random.randrange(1 << 30)  # noqa: S311 - reported on failure, to replay a run
    chance = random.Random(seed)  # noqa: S311 - test timing, not secrets
    directory = tmp_path / "cache"
    path = directory / "k.json"
    last_count = 0
    kills = 0
    while kills < KILLS:
        argv = ["writer", "--dir", str(directory), "--key", "k", "--seconds", "30"]
        writers = [workers.start(*argv) for _ in range(WRITERS_PER_ROUND)]
        for writer in writers:
            writer.wait_for("started")
        chance.shuffle(writers)
        for writer in writers:
            time.sleep(chance.uniform(0, 0.02))  # a random point in its read-modify-write loop
            kill_and_check(writer, path, seed)
            kills += 1
            count = json.loads(path.read_text())["n"]
            assert count >= last_count, f"seed {seed}: the counter went back from {last_count} to {count}"
            last_count = count
    assert last_count >= KILLS, "every writer wrote at least once before it was killed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (directory / "k.lock").exists(), "the lock file is kept"
    leftovers = [p.name for p in directory.iterdir() if p.name not in ("k.json", "k.lock")]
    assert all(name.startswith(".k.") and name.endswith(".tmp") for name in leftovers), leftovers


def kill_and_check(writer: Worker, path: Path, seed: int) -> None:
    os.kill(writer.pid, signal.SIGKILL)
    report = writer.finish(timeout=10)
    assert report["returncode"] == -signal.SIGKILL, f"seed {seed}: the writer failed on its own: {report}"
    assert "Traceback" not in report["stderr"]
    data = json.loads(path.read_text())  # raises on a torn or empty file
    assert isinstance(data, dict), f"seed {seed}"
