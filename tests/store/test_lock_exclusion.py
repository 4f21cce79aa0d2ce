"""The cross-process lock excludes: an exact count of read-modify-writes from racing processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.herds import Workers

PROCESSES = 4
ITERATIONS = 100


def test_processes_incrementing_a_counter_under_the_lock_lose_no_update(
    tmp_path: Path, workers: Workers
) -> None:
    directory = tmp_path / "cache"
    # The iterations end each writer; --seconds only bounds a hung one (its default of 5 s
    # could end a writer early on a loaded machine, and the count would then fall short).
    argv = ["writer", "--dir", str(directory), "--iterations", str(ITERATIONS), "--pad-kb", "1"]
    argv += ["--seconds", "120"]
    reports = workers.herd([argv] * PROCESSES)
    for report in reports:
        assert report["returncode"] == 0, report["stderr"]
        assert report["done"] == ITERATIONS
    # Any two read-modify-writes that overlapped would have lost an increment.
    assert json.loads((directory / "k.json").read_text())["n"] == PROCESSES * ITERATIONS
