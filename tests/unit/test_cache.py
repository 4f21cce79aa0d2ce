"""The JSON file cache: private atomic writes, tolerant reads, a working lock."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from botocore_sso_provider.cache import CacheFileCorrupt, JSONFileCache


def test_write_then_read_round_trips_and_keeps_every_field(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path / "c"))
    cache.write("k", {"accessToken": "a", "somethingNew": {"x": 1}})
    assert cache.read("k") == {"accessToken": "a", "somethingNew": {"x": 1}}


def test_files_are_0600_and_new_directories_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cache = JSONFileCache(str(tmp_path / "a" / "b"))
        cache.write("k", {"x": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(cache.path("k")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "a" / "b").st_mode) == 0o700


def test_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path / "c"))
    for i in range(5):
        cache.write("k", {"i": i})
    assert sorted(os.listdir(tmp_path / "c")) == ["k.json"]


def test_missing_file_reads_as_none(tmp_path: Path) -> None:
    assert JSONFileCache(str(tmp_path)).read("absent") is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [("", "empty file"), ('{"accessToken": "a', "not valid JSON"), ("[1, 2]", "not a JSON object")],
    ids=["empty", "torn", "array"],
)
def test_a_file_that_never_parses_is_reported_with_its_path(
    tmp_path: Path, content: str, reason: str
) -> None:
    cache = JSONFileCache(str(tmp_path))
    Path(cache.path("k")).write_text(content)
    with pytest.raises(CacheFileCorrupt) as caught:
        cache.read("k")
    assert caught.value.path == cache.path("k")
    assert caught.value.reason == reason


def test_a_torn_file_completed_by_its_writer_is_read(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path))
    path = Path(cache.path("k"))
    path.write_text('{"accessToken": ')
    reads = 0

    def finish_after_two_retries(_: float) -> None:
        nonlocal reads
        reads += 1
        if reads == 2:
            path.write_text('{"accessToken": "done"}')

    patient = JSONFileCache(str(tmp_path), sleep=finish_after_two_retries)
    assert patient.read("k") == {"accessToken": "done"}


def test_lock_excludes_other_threads(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path))
    inside = 0
    overlaps = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, overlaps
        for _ in range(50):
            with cache.lock("k"):
                with guard:
                    inside += 1
                    overlaps += inside > 1
                with guard:
                    inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert overlaps == 0
    assert os.path.exists(tmp_path / "k.lock"), "the lock file is kept, never deleted"
