"""One rule of trust, two readers: the fast paths' strict reader never accepts what the full one refuses."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from botocore_sso_provider.errors import CorruptCacheError, UnsafeCacheError
from botocore_sso_provider.store import files, trust
from botocore_sso_provider.store.cache import JSONFileCache

pytestmark = pytest.mark.unit

ME = os.getuid()
STRANGER = 65534
AS_ROOT = pytest.mark.skipif(ME != 0, reason="giving a file to another user takes root")


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trusted directories are remembered per process: each case starts afresh."""
    monkeypatch.setattr(files, "_trusted_directories", set())
    monkeypatch.delenv(trust.SUDO_UID_VARIABLE, raising=False)


def stat_of(mode: int, uid: int = ME, gid: int = 4242) -> os.stat_result:
    return os.stat_result((stat.S_IFREG | mode, 1, 1, 1, uid, gid, 10, 0, 0, 0))


@pytest.mark.parametrize(
    ("mode", "uid", "private_group", "full", "strict"),
    [
        (0o600, ME, False, None, None),
        (0o644, ME, False, None, None),
        (0o600, 0, False, None, None),
        (0o600, STRANGER, False, trust.ANOTHER_OWNER, trust.ANOTHER_OWNER),
        (0o602, ME, False, trust.OTHERS_MAY_WRITE, trust.OTHERS_MAY_WRITE),
        (0o620, ME, False, trust.OTHERS_MAY_WRITE, trust.CANNOT_TELL),
        (0o620, ME, True, None, trust.CANNOT_TELL),
        (0o660, STRANGER, True, trust.ANOTHER_OWNER, trust.ANOTHER_OWNER),
    ],
    ids=[
        "private",
        "readable-by-others",
        "root's",
        "a-stranger's",
        "world-writable",
        "group-writable-shared-group",
        "group-writable-private-group",
        "a-stranger's-group-writable",
    ],
)
def test_the_rule_gives_each_stat_its_verdict_and_strict_only_adds_cannot_tell(
    mode: int,
    uid: int,
    private_group: bool,
    full: Optional[str],
    strict: Optional[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(trust, "is_private_group", lambda gid: private_group)
    info = stat_of(mode, uid)
    assert trust.distrust(info) == full
    assert trust.distrust(info, strict=True) == strict


@pytest.mark.parametrize("uid", [ME, 0, STRANGER, 1000], ids=["me", "root", "stranger", "uid-1000"])
@pytest.mark.parametrize("private_group", [True, False], ids=["private-group", "shared-group"])
def test_whatever_strict_trusts_the_full_rule_trusts(
    uid: int, private_group: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust, "is_private_group", lambda gid: private_group)
    monkeypatch.setenv(trust.SUDO_UID_VARIABLE, "1000")  # only counts where we are root
    for mode in range(0o1000):
        info = stat_of(mode, uid)
        if trust.distrust(info, strict=True) is None:
            assert trust.distrust(info) is None, f"{mode:03o}"


def private_file(directory: Path, text: str = '{"k": "v"}') -> Path:
    path = directory / "key.json"
    path.write_text(text)
    path.chmod(0o600)
    return path


def world_writable_file(directory: Path) -> Path:
    path = private_file(directory)
    path.chmod(0o602)
    return path


def world_writable_directory(directory: Path) -> Path:
    directory.chmod(0o777)
    return private_file(directory)


def group_writable_file(directory: Path) -> Path:
    path = private_file(directory)
    path.chmod(0o620)
    return path


def symlink_to_a_private_file(directory: Path) -> Path:
    target = private_file(directory)
    link = directory / "link.json"
    link.symlink_to(target)
    return link


def fifo(directory: Path) -> Path:
    path = directory / "key.json"
    os.mkfifo(path, 0o600)
    return path


def too_large_for_the_fast_path(directory: Path) -> Path:
    return private_file(directory, json.dumps({"k": "x" * (files.MAX_CACHE_FILE_SIZE + 1)}))


def a_json_array(directory: Path) -> Path:
    return private_file(directory, "[1, 2]")


def torn(directory: Path) -> Path:
    return private_file(directory, '{"accessToken": ')


def a_strangers_file(directory: Path) -> Path:
    path = private_file(directory)
    os.chown(path, STRANGER, STRANGER)
    return path


def the_sudo_users_file(directory: Path) -> Path:
    os.environ[trust.SUDO_UID_VARIABLE] = str(STRANGER)  # removed by the fixture
    path = private_file(directory)
    os.chown(path, STRANGER, STRANGER)
    return path


CASES: list[Any] = [
    pytest.param(private_file, id="private"),
    pytest.param(world_writable_file, id="world-writable-file"),
    pytest.param(world_writable_directory, id="world-writable-directory"),
    pytest.param(group_writable_file, id="group-writable-file"),
    pytest.param(symlink_to_a_private_file, id="symlink"),
    pytest.param(fifo, id="fifo"),
    pytest.param(too_large_for_the_fast_path, id="large"),
    pytest.param(a_json_array, id="array"),
    pytest.param(torn, id="torn"),
    pytest.param(a_strangers_file, id="stranger", marks=AS_ROOT),
    pytest.param(the_sudo_users_file, id="sudo-user", marks=AS_ROOT),
]


def full_verdict(path: Path) -> Any:
    """What the provider's reader makes of ``path``: its object, or the class of its error."""
    ticks = iter(range(1 << 30))  # a clock that moves on each look: the torn-read patience ends at once
    cache = JSONFileCache(str(path.parent), sleep=lambda _: None, clock=lambda: float(next(ticks)))
    try:
        return cache.read(path.name[: -len(".json")])
    except CorruptCacheError as err:  # UnsafeCacheError included
        return type(err)


@pytest.mark.parametrize("make", CASES)
def test_the_strict_reader_accepts_only_what_the_full_reader_reads_the_same(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    path = make(directory)
    strict = files.read_private_json(str(path))
    full = full_verdict(path)
    if strict is not None:
        assert full == strict, "same file, same object"
    if full is UnsafeCacheError:
        assert strict is None, "what the full path refuses as untrusted, the fast path never reads"


def test_a_private_file_is_read_the_same_by_both(tmp_path: Path) -> None:
    path = private_file(tmp_path)
    assert files.read_private_json(str(path)) == full_verdict(path) == {"k": "v"}


def test_an_untrusted_file_names_the_fix_in_the_full_reader_and_is_unsure_in_the_strict_one(
    tmp_path: Path,
) -> None:
    path = world_writable_file(tmp_path)
    assert files.read_private_json(str(path)) is None
    with pytest.raises(UnsafeCacheError) as caught:
        files.read_trusted(str(path))
    assert caught.value.fix == f"chmod go-w {path}"
    assert caught.value.path == str(path)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.symlink_to(p.parent / "elsewhere"), "is a symbolic link"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: os.mkfifo(p), "is not a regular file"),
    ],
    ids=["symlink", "directory", "fifo"],
)
def test_a_lock_path_that_is_not_a_regular_file_is_refused_by_the_rule(
    make: Callable[[Path], None], problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "k.lock"
    make(path)
    verdict = trust.lock_path_problem(os.lstat(path), str(path))
    assert verdict is not None
    assert verdict[0].startswith(problem)
