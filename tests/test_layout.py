"""The package's layout, as rules a test can hold: layers, a standard-library-only core, no circles.

Every module of ``botocore_sso_provider`` is parsed (``ast``) and every
import statement in it counts: at the top, inside a function, under
``if TYPE_CHECKING:``. A type-only import still ties two modules together for
a reader, and an import inside a function is still a dependency, only a late
one. (Imports by name through ``importlib`` are not statements and are not
seen: ``cli/main.py`` loads the command modules that way, and the package's
``__init__`` loads its public API.)

The layers, lowest first; a module may import its own layer and lower ones,
never a higher one::

    errors.py, settings.py, _version.py
    rules/         the single source of truth: the standard library only
    store/         files on disk, the cache, the lock
    provider/      the in-process credential path (botocore glue)
    login/, account/   (side by side: neither imports the other)
    wiring.py      connects the provider to login/ (a login on demand is a callback)
    cli/           the botocore-sso command

``testing/`` (the fake IAM Identity Center) stands apart: it imports nothing
of the package outside ``testing/``, so users' tests can run it beside any
version of the rest.
"""

from __future__ import annotations

import ast
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

import botocore_sso_provider

pytestmark = pytest.mark.unit

PACKAGE = "botocore_sso_provider"
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
"""The standard library's top-level names (Python 3.10+; the test that asks is skipped before)."""
ROOT = Path(botocore_sso_provider.__file__).parent

LAYERS: Tuple[Tuple[str, ...], ...] = (
    ("errors", "settings", "_version"),
    ("rules",),
    ("store",),
    ("provider",),
    ("login", "account"),
    ("wiring",),
    ("cli",),
)
"""Each layer's top-level names (a module, or a folder of modules), lowest first."""

OUTSIDE_THE_LAYERS = {
    "__init__": "re-exports the public API (register, SSOCredentialProvider, the errors), loaded lazily "
    "on first use: it names modules of several layers without being one of them",
    "__main__": "`python -m botocore_sso_provider` runs the command: it sits above cli/",
}
"""Top-level modules the layer rule does not apply to, and why. ``testing`` has its own rule."""

APART = "testing"

SIDE_BY_SIDE = ("login", "account")
"""One layer whose folders may not import each other: logging in and what a login reaches."""

LONG_MODULES: Dict[str, str] = {}
"""Modules allowed over MAX_LINES (path under the package: the reason). Keep it short, or empty."""

MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    """One import statement, resolved: the module that has it, the line, what it names."""

    source: str
    line: int
    target: str  # a dotted module name (of the package, or the first name of another one)

    def __str__(self) -> str:
        return f"{_path(self.source)}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _path(module: str) -> str:
    """A module's file under the package, as the messages show it."""
    relative = Path(*module.split(".")[1:])
    return str(relative / "__init__.py") if (ROOT / relative).is_dir() else f"{relative}.py"


MODULES: Dict[str, Path] = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of ``from ... import`` (relative ones against ``module``'s package)."""
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> Iterator[Import]:
    """Every import statement in ``module``, each named module once per statement."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), filename=str(MODULES[module]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, node.lineno, _package_module(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            if base != PACKAGE and not base.startswith(PACKAGE + "."):
                yield Import(module, node.lineno, base)
                continue
            # `from pkg import name` names the module pkg.name when there is one, else pkg itself
            for target in dict.fromkeys(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names
            ):
                yield Import(module, node.lineno, target)


def _package_module(name: str) -> str:
    """``import a.b.c``: the deepest of our modules it names, or the name as written for others."""
    while name.startswith(PACKAGE) and name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _top(module: str) -> str:
    """The top-level name a module belongs to: ``rules`` for ``botocore_sso_provider.rules.keys``."""
    return module.split(".")[1] if module != PACKAGE else "__init__"


def _layer(module: str) -> Optional[int]:
    top = _top(module)
    for rank, names in enumerate(LAYERS):
        if top in names:
            return rank
    return None


ALL_IMPORTS: List[Import] = [found for module in MODULES for found in imports_of(module)]
OUR_IMPORTS: List[Import] = [found for found in ALL_IMPORTS if _ours(found.target)]


def test_every_module_has_a_place() -> None:
    """A new top-level module or folder must be given a layer here (or a reason to stand outside)."""
    unplaced = sorted(
        _path(module)
        for module in MODULES
        if _layer(module) is None and _top(module) not in OUTSIDE_THE_LAYERS and _top(module) != APART
    )
    assert not unplaced, "\n".join(unplaced)


def test_no_module_imports_a_higher_layer() -> None:
    """Nor the package's own ``__init__``: that is the users' door; modules import where a name lives."""
    upward = []
    for found in OUR_IMPORTS:
        source, target = _layer(found.source), _layer(found.target)
        if source is None or _top(found.source) in OUTSIDE_THE_LAYERS or _top(found.target) == APART:
            continue  # testing/ has rules of its own; __init__ and __main__ are named above
        if target is None:
            upward.append(f"{found} (the public API's lazy door: import the module the name lives in)")
        elif target > source:
            upward.append(f"{found}: {_layer_name(source)} may not import {_layer_name(target)}")
    assert not upward, "\n".join(upward)


def _layer_name(rank: int) -> str:
    return ", ".join(f"{name}/" if (ROOT / name).is_dir() else f"{name}.py" for name in LAYERS[rank])


def test_login_and_account_do_not_import_each_other() -> None:
    crossing = [
        str(found) for found in OUR_IMPORTS if {_top(found.source), _top(found.target)} == set(SIDE_BY_SIDE)
    ]
    assert not crossing, "\n".join(crossing)


def test_testing_imports_nothing_of_the_package_outside_testing() -> None:
    leaving = [
        str(found) for found in OUR_IMPORTS if _top(found.source) == APART and _top(found.target) != APART
    ]
    assert not leaving, "\n".join(leaving)


def test_only_the_command_line_runs_the_fake() -> None:
    """The demo and ``fake-server`` start the fake; nothing under the command line may need it."""
    using = [
        str(found)
        for found in OUR_IMPORTS
        if _top(found.target) == APART and _top(found.source) not in (APART, "cli")
    ]
    assert not using, "\n".join(using)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is new in Python 3.10")
def test_rules_import_only_the_standard_library() -> None:
    """rules/ is what the fast paths can afford: no botocore, and nothing of ours that pulls it in.

    Of the package, rules/ may use itself and settings.py, which reads the
    environment with the standard library alone (checked here as well);
    errors.py subclasses botocore's exceptions, so rules/ may not import it.
    settings.py takes the rule for a switch's value from the start-up hook
    (``_botocore_sso_provider_startup``, which must parse the off switch
    before the package may be imported): that module is standard library only
    too, and checked here as well.
    """
    stdlib_only = {"rules", "settings", "_version"}
    hook = "_botocore_sso_provider_startup"
    hook_source = (ROOT.parent / f"{hook}.py").read_text()
    hook_imports = {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(hook_source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert hook_imports <= STDLIB | {PACKAGE}, hook_imports
    outside = [
        str(found)
        for found in ALL_IMPORTS
        if _top(found.source) in stdlib_only and _ours(found.source)
        if not (
            found.target.split(".")[0] in STDLIB
            or found.target == hook
            or (_ours(found.target) and _top(found.target) in stdlib_only)
        )
    ]
    assert not outside, "\n".join(outside)


def _graph() -> Dict[str, Set[str]]:
    graph: Dict[str, Set[str]] = {module: set() for module in MODULES}
    for found in OUR_IMPORTS:
        if found.target != found.source:
            graph[found.source].add(found.target)
    return graph


def _strongly_connected(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Tarjan's components with more than one module (a circle), each sorted."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _shortest_circle(graph: Dict[str, Set[str]], start: str, within: Set[str]) -> List[str]:
    """The shortest path start -> ... -> start inside one component (breadth first)."""
    came_from: Dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node] & within):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError(f"{start} is in a component but on no circle")


def import_circles() -> List[str]:
    """Each circle among the package's modules, as a readable path ``a -> b -> a``.

    For every module on a circle, the shortest circle through it; the same
    circle found from two of its modules is shown once.
    """
    graph = _graph()
    shown: Dict[frozenset, str] = {}
    for component in _strongly_connected(graph):
        for start in component:
            circle = _shortest_circle(graph, start, set(component))
            key = frozenset(zip(circle, circle[1:]))
            shown.setdefault(key, " -> ".join(_path(module) for module in circle))
    return sorted(shown.values())


def test_no_import_circles() -> None:
    circles = import_circles()
    assert not circles, "\n".join(circles)


def test_modules_stay_readable_in_one_sitting() -> None:
    too_long = []
    for module, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and _path(module) not in LONG_MODULES:
            too_long.append(f"{_path(module)}: {lines} lines")
    assert not too_long, "\n".join(sorted(too_long))


def test_the_long_modules_named_here_are_still_long() -> None:
    """An exception that is no longer needed goes, so the list stays short."""
    paths = {_path(module): path for module, path in MODULES.items()}
    stale = [
        name
        for name in LONG_MODULES
        if name not in paths or len(paths[name].read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ]
    assert not stale, "\n".join(stale)


def test_the_import_reader_sees_every_kind_of_import() -> None:
    """Self-check of the reader on modules whose imports are known (inside functions, type-only)."""
    targets = {(found.source, found.target) for found in OUR_IMPORTS}
    # cli/commands/status.py imports cli.fast inside run() (the fast prompt line)
    assert (f"{PACKAGE}.cli.commands.status", f"{PACKAGE}.cli.fast") in targets
    # __init__.py imports the error classes under `if TYPE_CHECKING:` only
    assert (PACKAGE, f"{PACKAGE}.errors") in targets
    # `from ...login import LoginRequest, log_in` names the login package (its __init__)
    assert (f"{PACKAGE}.cli.commands.login", f"{PACKAGE}.login") in targets
    # `from .selection import ...` names the module beside it
    assert (f"{PACKAGE}.cli.commands.list", f"{PACKAGE}.cli.commands.selection") in targets
