"""One exception tree, in errors.py: the store's errors are the provider's, with the login added later."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import pickle
import pkgutil
from pathlib import Path
from typing import List

import filelock
import pytest

import botocore_sso_provider
from botocore_sso_provider import errors
from botocore_sso_provider.store import files
from botocore_sso_provider.store.cache import JSONFileCache

pytestmark = pytest.mark.functional

INTERNAL_SIGNALS = {
    "CommandError",
    "UnsafeValueError",
    "VanityURLError",
    "ListenerError",
    "UnusableLoginAnswer",
    "RequestHeadTooLarge",
    "RoleListingAbandoned",
}
"""Raised and caught inside the package; each is drawn in errors.py's docstring."""

NAMES = {
    "subject": 'the sso-session "corp" (profile "dev")',
    "profile": "dev",
    "session_name": "corp",
    "command": errors.login_command("dev", "corp"),
}


def exception_classes(module: object) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == getattr(module, "__name__", None)
    }


def test_every_class_in_errors_is_an_sso_provider_error_or_a_named_internal_signal() -> None:
    classes = exception_classes(errors)
    signals = {name for name, cls in classes.items() if issubclass(cls, errors.InternalSignal)}
    assert signals - {"InternalSignal"} == INTERNAL_SIGNALS
    for name, cls in classes.items():
        assert issubclass(cls, (errors.SSOProviderError, errors.InternalSignal)), name
        assert not (issubclass(cls, errors.SSOProviderError) and issubclass(cls, errors.InternalSignal)), name
        assert name in (errors.__doc__ or ""), f"{name} is missing from the tree in the docstring"


def test_no_other_module_of_the_package_defines_an_exception() -> None:
    """``testing/`` excepted: it imports nothing of the package, errors.py included."""
    prefix = botocore_sso_provider.__name__ + "."
    elsewhere = []
    for info in pkgutil.walk_packages(botocore_sso_provider.__path__, prefix):
        if info.name.startswith(prefix + "testing") or info.name == errors.__name__:
            continue
        if info.name.endswith("__main__"):
            continue
        needs = OPTIONAL_IMPORTS.get(info.name)
        if needs is not None and importlib.util.find_spec(needs) is None:
            elsewhere.extend(f"{info.name}.{name}" for name in exception_classes_in_source(info.name))
            continue
        module = importlib.import_module(info.name)
        elsewhere.extend(f"{info.name}.{name}" for name in exception_classes(module))
    assert elsewhere == []


OPTIONAL_IMPORTS = {"botocore_sso_provider.provider.aio": "aiobotocore"}
"""Modules that import an optional library; where it is missing, their source is read instead."""


def exception_classes_in_source(name: str) -> List[str]:
    """Classes a module's source defines on a base named like an exception (``...Error``, ``Exception``)."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith(("Error", "Exception")) for base in node.bases)
    ]


def test_an_untrusted_path_is_a_kind_of_unreadable_file() -> None:
    """Code that skips an unreadable cache file skips an untrusted one too."""
    assert issubclass(errors.UnsafeCacheError, errors.CorruptCacheError)


def corrupt_file(tmp_path: Path) -> errors.SSOProviderError:
    (tmp_path / "k.json").write_text("[1]")
    ticks = iter(range(1 << 30))
    with pytest.raises(errors.CorruptCacheError) as caught:
        JSONFileCache(str(tmp_path), sleep=lambda _: None, clock=lambda: float(next(ticks))).read("k")
    return caught.value


def world_writable_file(tmp_path: Path) -> errors.SSOProviderError:
    path = tmp_path / "k.json"
    path.write_text("{}")
    path.chmod(0o666)
    with pytest.raises(errors.UnsafeCacheError) as caught:
        JSONFileCache(str(tmp_path)).read("k")
    return caught.value


def held_lock(tmp_path: Path) -> errors.SSOProviderError:
    cache = JSONFileCache(str(tmp_path), lock_timeout=0)
    with (
        filelock.FileLock(str(tmp_path / "k.lock")),
        pytest.raises(errors.CacheLockedError) as caught,
        cache.lock("k"),
    ):
        pytest.fail("the lock was taken twice")
    return caught.value


STORE_ERRORS = [
    pytest.param(corrupt_file, errors.CorruptCacheError, id="corrupt"),
    pytest.param(world_writable_file, errors.UnsafeCacheError, id="untrusted"),
    pytest.param(held_lock, errors.CacheLockedError, id="locked"),
]


@pytest.fixture(autouse=True)
def fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_trusted_directories", set())


@pytest.mark.parametrize(("raise_it", "kind"), STORE_ERRORS)
def test_the_store_raises_errors_that_read_well_before_the_login_is_known(
    raise_it: object, kind: type, tmp_path: Path
) -> None:
    error = raise_it(tmp_path)  # type: ignore[operator]
    assert type(error) is kind
    assert not error.names_login
    message = str(error)
    assert str(tmp_path) in message
    assert "{" not in message and "None" not in message
    assert message[0].isupper(), message


@pytest.mark.parametrize(("raise_it", "kind"), STORE_ERRORS)
def test_a_store_error_with_the_login_added_keeps_its_class_and_names_the_login(
    raise_it: object, kind: type, tmp_path: Path
) -> None:
    error = raise_it(tmp_path)  # type: ignore[operator]
    named = error.with_login(**NAMES)
    assert type(named) is kind
    assert named.names_login
    assert NAMES["subject"] in str(named)
    assert named.path == error.path  # type: ignore[attr-defined]
    if kind is errors.CorruptCacheError:
        assert str(named).endswith(f"Run: {NAMES['command']}")
    if kind is errors.UnsafeCacheError:
        assert str(named).endswith(f"To fix it: chmod go-w {tmp_path / 'k.json'}")
    copy = pickle.loads(pickle.dumps(named))  # noqa: S301 - our own bytes
    assert (type(copy), str(copy)) == (kind, str(named))


def test_a_login_already_named_is_kept() -> None:
    inner = errors.CacheLockedError(path="/c/k.lock", timeout=1.0, holder="Process 7", advice="wait", **NAMES)
    assert inner.with_login(subject="another login", command="x") is inner


def test_errors_py_is_never_imported_by_the_fast_paths_modules_of_the_store() -> None:
    """store/files.py and the config reader run in credential-process and status --short: no botocore."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "import botocore_sso_provider.store.files\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'botocore' or m.endswith('.errors')]\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert done.stdout.strip() == "[]"
