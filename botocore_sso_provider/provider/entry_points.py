"""The ``botocore.credential_providers`` entry-point group: other packages' providers, read once.

Activation puts every provider of this group into each session's chain, just
before botocore's ``sso`` provider (:mod:`.activation`). A provider there is
called as ``provider(session)`` and returns a botocore ``CredentialProvider``;
one that fails to load or to build is skipped with one warning. The group is
read from each distribution's ``entry_points.txt`` directly, once per process.
"""

from __future__ import annotations

import configparser
import importlib
import os
import sys
import threading
import warnings
from typing import Any, Callable, Optional

ENTRY_POINT_GROUP = "botocore.credential_providers"
"""The entry-point group whose providers activation puts into every session's chain."""

ProviderFactory = Callable[[Any], Any]
"""An entry point's object: called with the botocore session, returns a CredentialProvider."""


_factories: Optional[tuple[tuple[str, ProviderFactory], ...]] = None
_factories_lock = threading.Lock()
_warned: set[str] = set()


def provider_factories() -> tuple[tuple[str, ProviderFactory], ...]:
    """``(name, factory)`` for each loadable entry point of the group, by name; read once per process."""
    global _factories
    if _factories is None:
        with _factories_lock:
            if _factories is None:
                _factories = tuple(_load_entry_points())
    return _factories


def _load_entry_points() -> list[tuple[str, ProviderFactory]]:
    loaded: list[tuple[str, ProviderFactory]] = []
    seen: set[str] = set()
    for name, value in sorted(declared_entry_points(ENTRY_POINT_GROUP)):
        label = f"{name} = {value}"
        if value in seen:  # declared twice (one distribution seen twice on sys.path)
            continue
        seen.add(value)
        try:
            factory = _load_object(value)
        except Exception as err:
            warn_once(label, f"could not be loaded: {type(err).__name__}: {err}")
            continue
        if not callable(factory):
            warn_once(label, f"is a {type(factory).__name__}, not a provider class or factory")
            continue
        loaded.append((label, factory))
    return loaded


def declared_entry_points(group: str) -> list[tuple[str, str]]:
    """``(name, "module:attr")`` of every entry point in ``group`` of the installed distributions.

    Reads each distribution's ``entry_points.txt`` (the format the packaging
    specification defines) directly: ``importlib.metadata.entry_points()``
    gives the same answer but costs about 6 ms in every new process, which the
    first credential lookup would pay. As ``importlib.metadata`` does, the
    first distribution of a name on ``sys.path`` wins.
    """
    header = f"[{group}]"
    found: list[tuple[str, str]] = []
    distributions: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            distribution = name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace("_", "-").replace(".", "-")
            if distribution in distributions:
                continue
            distributions.add(distribution)
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt"), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                continue
            if header in text:
                found.extend(_entry_points_in(text, group))
    return found


def _entry_points_in(text: str, group: str) -> list[tuple[str, str]]:
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # names keep their case
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    if not parser.has_section(group):
        return []
    return [(name.strip(), value.strip()) for name, value in parser.items(group)]


def _load_object(value: str) -> Any:
    """Import ``module:attr.path`` (extras in brackets ignored), as an entry point's load() does."""
    module_name, _, attribute = value.split("[", 1)[0].strip().partition(":")
    target: Any = importlib.import_module(module_name.strip())
    for part in filter(None, attribute.strip().split(".")):
        target = getattr(target, part)
    return target


def warn_once(label: str, problem: str) -> None:
    if label in _warned:
        return
    _warned.add(label)
    warnings.warn(
        f'The credential provider entry point "{label}" (group {ENTRY_POINT_GROUP}) {problem}; '
        "it is skipped. Reinstall or remove the package that declares it.",
        RuntimeWarning,
        stacklevel=2,
    )


def _forget_entry_points() -> None:
    """Read the entry points again on next use (for tests)."""
    global _factories
    with _factories_lock:
        _factories = None
        _warned.clear()
