"""The JSON file cache: private atomic writes, tolerant reads, a working lock, odd directories."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
import threading
import time
from pathlib import Path
from typing import Optional

import filelock
import pytest

from botocore_sso_provider import settings
from botocore_sso_provider.errors import CacheLockedError, CorruptCacheError, UnsafeCacheError
from botocore_sso_provider.settings import DEFAULT_LOCK_TIMEOUT, role_cache_dir, token_cache_dir
from botocore_sso_provider.store import cache as cache_module
from botocore_sso_provider.store import files as files_module
from botocore_sso_provider.store.cache import JSONFileCache

pytestmark = pytest.mark.unit


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
    with pytest.raises(CorruptCacheError) as caught:
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


def test_cache_directories_follow_home_and_the_environment_at_each_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert token_cache_dir() == str(tmp_path / "h" / ".aws" / "sso" / "cache")
    assert role_cache_dir() == str(tmp_path / "h" / ".aws" / "cli" / "cache")
    monkeypatch.setenv("BOTOCORE_SSO_TOKEN_CACHE_DIR", str(tmp_path / "tokens"))
    monkeypatch.setenv("BOTOCORE_SSO_ROLE_CACHE_DIR", "~/roles")
    assert token_cache_dir() == str(tmp_path / "tokens")
    assert role_cache_dir() == str(tmp_path / "h" / "roles")
    assert JSONFileCache(token_cache_dir).path("k") == str(tmp_path / "tokens" / "k.json")


@pytest.mark.parametrize(
    ("value", "expected", "warns"),
    [
        (None, DEFAULT_LOCK_TIMEOUT, False),
        ("2.5", 2.5, False),
        ("0", 0.0, False),
        ("-1", DEFAULT_LOCK_TIMEOUT, True),
        ("soon", DEFAULT_LOCK_TIMEOUT, True),
        ("inf", DEFAULT_LOCK_TIMEOUT, True),
        ("1e10", settings.MAX_LOCK_TIMEOUT, True),
    ],
    ids=["unset", "seconds", "zero", "negative", "not-a-number", "infinite", "overflowing"],
)
def test_the_lock_timeout_comes_from_the_environment_and_a_bad_value_falls_back_with_a_warning(
    value: Optional[str],
    expected: float,
    warns: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(settings, "_warned", set())
    if value is not None:
        monkeypatch.setenv("BOTOCORE_SSO_LOCK_TIMEOUT", value)
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        assert JSONFileCache(str(tmp_path)).lock_timeout == expected
        assert JSONFileCache(str(tmp_path), lock_timeout=7).lock_timeout == 7
    assert bool(caplog.records) is warns
    if warns:
        assert "BOTOCORE_SSO_LOCK_TIMEOUT" in caplog.records[0].getMessage()


def test_a_lock_held_elsewhere_times_out_with_the_lock_path_and_no_longer_wait(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path), lock_timeout=0.2)
    # filelock on its own descriptor: excludes us exactly as another process would.
    with filelock.FileLock(str(tmp_path / "k.lock")):
        started = time.monotonic()
        with pytest.raises(CacheLockedError) as caught, cache.lock("k"):
            pytest.fail("the lock was taken twice")
        waited = time.monotonic() - started
    assert caught.value.path == str(tmp_path / "k.lock")
    assert f"held the SSO cache lock {tmp_path / 'k.lock'} for 0.2 s; " in str(caught.value)
    assert 0.2 <= waited < 2
    with cache.lock("k"):
        pass  # free again once released


def test_lock_files_are_private_and_kept_and_a_loose_one_is_tightened(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        cache = JSONFileCache(str(tmp_path / "new" / "dir"))
        with cache.lock("k"):
            pass
        loose = tmp_path / "new" / "dir" / "loose.lock"
        loose.touch(mode=0o666)
        with cache.lock("loose"):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "dir" / "k.lock").st_mode) == 0o600
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    for directory in (tmp_path / "new", tmp_path / "new" / "dir"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory


def test_existing_directories_keep_their_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)  # noqa: S103 - a directory someone else made, not ours
    JSONFileCache(str(shared / "cache")).write("k", {"x": 1})
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "cache").stat().st_mode) == 0o700


def test_temporary_files_a_killed_writer_left_are_removed_once_stale(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path))
    stale = tmp_path / ".k.abandoned.tmp"
    fresh = tmp_path / ".k.inflight.tmp"
    other = tmp_path / ".other.abandoned.tmp"
    for path in (stale, fresh, other):
        path.write_text("{}")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    cache.write("k", {"x": 1})
    assert not stale.exists()
    assert fresh.exists(), "a writer may still be busy with it"
    assert other.exists(), "another key's files are left to that key's writes"


def test_a_torn_read_is_logged_once_at_debug_level(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = JSONFileCache(str(tmp_path), sleep=lambda _: None)
    Path(cache.path("k")).write_text('{"accessToken": ')
    with (
        caplog.at_level(logging.DEBUG, logger="botocore_sso_provider.store.cache"),
        pytest.raises(CorruptCacheError),
    ):
        cache.read("k")
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith(f"Re-reading {cache.path('k')}: not valid JSON")


@pytest.fixture
def unwritable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory on a read-only file system (as root, chmod would not stop us)."""
    directory = tmp_path / "ro"
    directory.mkdir()
    monkeypatch.setattr(cache_module, "_warned", set())

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files_module, "write_atomically", refuse)
    monkeypatch.setattr(files_module, "probe_write", refuse)
    monkeypatch.setattr(filelock.FileLock, "acquire", refuse)
    monkeypatch.setattr(os, "unlink", refuse)
    return directory


def test_an_unwritable_directory_degrades_to_memory_with_one_warning(
    unwritable: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (unwritable / "k.json").write_text('{"old": true}')
    cache = JSONFileCache(str(unwritable))
    with caplog.at_level(logging.WARNING, logger="botocore_sso_provider"):
        with cache.lock("k"):
            assert cache.read("k") == {"old": True}
            cache.write("k", {"new": 1})
        cache.write("other", {"new": 2})
        assert JSONFileCache(str(unwritable)).read("k") == {"new": 1}, "shared by the process's caches"
        assert cache.delete("k") is True
        assert cache.read("k") is None
    assert (unwritable / "k.json").read_text() == '{"old": true}', "the file is never touched"
    [warning] = caplog.records
    assert str(unwritable) in warning.getMessage()
    assert "Read-only file system" in warning.getMessage()


def test_other_write_errors_are_not_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files_module, "write_atomically", broken)
    with pytest.raises(OSError, match="Input/output error"):
        JSONFileCache(str(tmp_path)).write("k", {"x": 1})


def test_after_a_delete_a_file_written_by_another_process_is_seen(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path))
    cache.write("k", {"mine": 1})
    assert cache.delete("k") is True
    assert cache.delete("k") is False
    Path(cache.path("k")).write_text('{"theirs": 2}')
    assert cache.read("k") == {"theirs": 2}


def test_a_lock_held_under_an_overflowing_timeout_is_taken_without_an_overflow(tmp_path: Path) -> None:
    with JSONFileCache(str(tmp_path), lock_timeout=1e10).lock("k") as held:
        assert held.shared is True


def test_memory_kept_for_an_unwritable_file_gives_way_once_the_file_changes(
    unwritable: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = JSONFileCache(str(unwritable))
    (unwritable / "k.json").write_text('{"old": true}')
    cache.write("k", {"mine": 1})
    assert cache.read("k") == {"mine": 1}
    (unwritable / "k.json").write_text('{"new login": true}')  # another process, the directory fixed
    assert cache.read("k") == {"new login": True}


def test_an_unwritable_directory_is_reported_before_anything_is_spent(unwritable: Path) -> None:
    assert "Read-only file system" in str(JSONFileCache(str(unwritable)).unwritable_reason("k"))


def test_a_writable_directory_has_no_reason_to_refuse(tmp_path: Path) -> None:
    assert JSONFileCache(str(tmp_path / "new")).unwritable_reason("k") is None
    assert os.listdir(tmp_path / "new") == [], "the probe leaves nothing behind"


def test_without_fcntl_a_missing_filelock_is_a_clear_error_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where fcntl is missing (Windows), locking.py falls back to filelock, which must be installed."""
    import sys

    from botocore_sso_provider.store import lock as locking

    monkeypatch.setattr(locking, "fcntl", None)
    monkeypatch.setitem(sys.modules, "filelock", None)  # import filelock raises ImportError
    with pytest.raises(UnsafeCacheError) as caught, JSONFileCache(str(tmp_path)).lock("k"):
        pass
    assert "pip install filelock" in str(caught.value.fix)


def test_a_waiter_reads_the_file_again_only_once_it_has_changed(tmp_path: Path) -> None:
    """Waiting costs one stat a recheck while the holder works, not a read and a parse."""
    writer = JSONFileCache(str(tmp_path))
    writer.write("k", {"n": 1})
    cache = JSONFileCache(str(tmp_path), lock_timeout=30)
    asked = []

    def ready() -> Optional[dict]:
        data = cache.read("k")
        asked.append(data)
        if len(asked) == 1:  # the holder's refresh lands a little later
            threading.Timer(0.3, writer.write, ("k", {"n": 2})).start()
        return data if data is not None and data["n"] == 2 else None

    with filelock.FileLock(str(tmp_path / "k.lock")), cache.lock("k", ready=ready) as held:
        assert held.ready == {"n": 2}
        assert not held.shared
    assert asked == [{"n": 1}, {"n": 2}], "asked once at first, then once after the write"


@pytest.mark.parametrize("threads", ["native", "green"])
def test_a_waiter_sleeps_until_the_holder_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """No polling where a thread can watch the lock; a short back-off where none can."""
    from botocore_sso_provider.store import lock as locking

    if threads == "green":
        monkeypatch.setattr(locking, "_native_threads", lambda: False)
    tries = []
    try_acquire = locking.FileLock.try_acquire
    monkeypatch.setattr(locking.FileLock, "try_acquire", lambda self: tries.append(1) or try_acquire(self))
    cache = JSONFileCache(str(tmp_path), lock_timeout=30)
    holder = os.open(tmp_path / "k.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # its own descriptor: as another process holds it
    letting_go = threading.Event()

    def let_go() -> None:
        letting_go.set()
        os.close(holder)

    threading.Timer(0.3, let_go).start()
    with cache.lock("k", ready=lambda: None) as held:
        assert held.shared and held.ready is None
        assert letting_go.is_set(), "taken only once the holder let go"
    if threads == "native":
        assert len(tries) <= 3, "tried at first and once woken (and once more at a recheck, at most)"
    else:
        assert len(tries) > 10, "polled"


def test_is_locked_tells_a_held_lock_from_a_free_or_missing_one_and_creates_nothing(tmp_path: Path) -> None:
    cache = JSONFileCache(str(tmp_path))
    assert not cache.is_locked("k")
    assert not (tmp_path / "k.lock").exists(), "asking never creates the lock file"
    with filelock.FileLock(str(tmp_path / "k.lock")):
        assert cache.is_locked("k")
    assert not cache.is_locked("k")
    with cache.lock("k"):
        assert cache.is_locked("k"), "our own lock, as another thread sees it"
    with cache.lock("k"):
        pass  # asking took nothing that stays


@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory"])
def test_is_locked_says_no_for_a_lock_path_that_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "k.lock"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink":
        target = tmp_path / "elsewhere"
        target.write_text("")
        path.symlink_to(target)
    else:
        path.mkdir()
    assert not JSONFileCache(str(tmp_path)).is_locked("k")  # and it returns at once: nothing blocks
