"""``rules.profiles.CONFIG_KEYS`` lists every config key the code looks up, and only keys it names.

The reference page of config keys is made from that list, so a key the code
starts reading without listing it would be undocumented. The keys the code
looks up are found in its source: string literals used as keys of a profile
or sso-session section (``values.get("sso_region")``, ``"role_arn" in values``,
``scoped["retry_mode"]``), asked of botocore (``get_config_variable``), or
written (``set_config_value``, populate's pairs), and the ``*_KEY`` constants.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Set

import pytest

import botocore_sso_provider
from botocore_sso_provider.rules.profiles import CONFIG_KEYS, IN_BOTH, IN_PROFILE, IN_SERVICES, IN_SESSION

pytestmark = pytest.mark.unit

PACKAGE = Path(botocore_sso_provider.__file__).resolve().parent
DECLARATION = PACKAGE / "rules" / "profiles.py"

SECTION_NAMES = {"values", "scoped", "section", "sections", "profiles", "full_config", "config", "values_of"}
"""Names of the mappings that hold a config file's sections (profiles, sso-sessions) and their keys."""
NOT_KEYS = {"profiles", "sso_sessions", "profile", "config_file"}
"""The keys of botocore's parsed config (``full_config``) and its session variables ``profile``
and ``config_file`` (``get_config_variable("profile")``: the profile chosen; the config file's
path), which no section holds."""
KEY_METHODS = {"get", "value"}
"""``values.get(KEY)``, populate's ``section.value(KEY)``."""
KEY_ARGUMENT = {"get_config_variable": 0, "set_config_value": 2}
"""Functions that read or write a config key, and where the key is among their arguments."""


def _receiver_is_config(node: ast.expr) -> bool:
    """Whether an expression is (drawn from) one of the config's section mappings."""
    return any(isinstance(name, ast.Name) and name.id in SECTION_NAMES for name in ast.walk(node)) or (
        isinstance(node, ast.Name) and node.id == "s"  # populate's sections, one letter in a comprehension
    )


def _text(node: ast.expr) -> List[str]:
    return [node.value] if isinstance(node, ast.Constant) and isinstance(node.value, str) else []


def keys_looked_up(source: str) -> Set[str]:
    """The config keys a module's source looks up or writes, by the patterns above."""
    found: Set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _receiver_is_config(node.value):
            found.update(_text(node.slice))
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if _receiver_is_config(node.comparators[0]):
                found.update(_text(node.left))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name in KEY_METHODS and node.args and _receiver_is_config(node.func.value):
                found.update(_text(node.args[0]))
            elif name in KEY_ARGUMENT and len(node.args) > KEY_ARGUMENT[name]:
                found.update(_text(node.args[KEY_ARGUMENT[name]]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEY_ARGUMENT:
            if len(node.args) > KEY_ARGUMENT[node.func.id]:
                found.update(_text(node.args[KEY_ARGUMENT[node.func.id]]))
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id.endswith("_KEY") for target in node.targets
        ):
            found.update(_text(node.value))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and _text(node.elts[0]):
            # populate's ("key", value) pairs, written into a profile
            key = node.elts[0]
            assert isinstance(key, ast.Constant)
            if isinstance(key.value, str) and re.fullmatch(r"sso_[a-z_]+|region", key.value):
                found.add(key.value)
    return found - NOT_KEYS


def _sources() -> Dict[Path, str]:
    """The package's modules, less the fake (whose config keys are the tests')."""
    return {
        path: path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if "testing" not in path.relative_to(PACKAGE).parts
    }


def _without_declaration(source: str) -> str:
    """profiles.py without CONFIG_KEYS itself (and its docstring): a key listed there only does not count."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body
    for index, node in enumerate(body):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in ("CONFIG_KEYS", "_LOGIN_KEYS") for t in targets):
                end = body[index + 1].end_lineno if index + 1 < len(body) else node.end_lineno
                for number in range(node.lineno - 1, end or node.lineno):
                    lines[number] = ""
    return "\n".join(lines)


def test_every_key_the_code_looks_up_is_listed() -> None:
    listed = {key for key, _, _ in CONFIG_KEYS}
    unlisted = {
        f"{path.relative_to(PACKAGE)}: {key}"
        for path, source in _sources().items()
        for key in keys_looked_up(source) - listed
    }
    assert not unlisted, "add these to CONFIG_KEYS in rules/profiles.py:\n" + "\n".join(sorted(unlisted))


def test_every_listed_key_occurs_in_the_code() -> None:
    text = "\n".join(
        _without_declaration(source) if path == DECLARATION else source for path, source in _sources().items()
    )
    absent = [key for key, _, _ in CONFIG_KEYS if not re.search(rf"(?<![\w-]){key}(?![\w-])", text)]
    assert not absent, f"listed in CONFIG_KEYS but named nowhere in the package: {absent}"


def test_each_key_is_listed_once_with_a_place_and_one_line() -> None:
    keys = [key for key, _, _ in CONFIG_KEYS]
    assert len(keys) == len(set(keys))
    for key, where, line in CONFIG_KEYS:
        assert where in (IN_PROFILE, IN_SESSION, IN_BOTH, IN_SERVICES), key
        assert line and "\n" not in line and line.endswith("."), key


@pytest.mark.parametrize(
    "source",
    [
        'values.get("sso_new_key")',
        'x = "sso_new_key" in values',
        'scoped["sso_new_key"]',
        'session.get_config_variable("sso_new_key")',
        'set_config_value(path, section, "sso_new_key", value)',
        'NEW_KEY = "sso_new_key"',
        'full_config.get("profiles", {}).get(profile, {}).get("sso_new_key")',
    ],
)
def test_the_scan_sees_each_kind_of_lookup(source: str) -> None:
    assert keys_looked_up(source) == {"sso_new_key"}


def test_the_scan_finds_what_the_package_reads_today() -> None:
    """Self-check: the scan is not blind (a sample of keys read in different modules and ways)."""
    found = set().union(*(keys_looked_up(source) for source in _sources().values()))
    assert {"sso_auto_login", "botocore_sso_generated", "retry_mode", "ca_bundle", "source_profile"} <= found
