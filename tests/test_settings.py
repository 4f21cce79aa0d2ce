"""Every environment variable is named and parsed in settings.py alone."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import botocore_sso_provider
from botocore_sso_provider import settings

pytestmark = pytest.mark.unit

ROOT = Path(botocore_sso_provider.__file__).parent
OURS = re.compile(r"^(AWS|BOTOCORE_SSO)_[A-Z0-9_]+$")
WRITTEN_NOT_READ = {
    # set for the programs exec and serve start, never read by the package
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
}


def _environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """``os.environ.get("NAME")``, ``os.getenv("NAME")``, ``environ["NAME"]``, ``"NAME" in os.environ``."""
    found = []
    for node in ast.walk(tree):
        literal = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            if ast.unparse(node.func).endswith(("environ.get", "getenv", "env.get")):
                literal = node.args[0].value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            literal = node.slice.value if ast.unparse(node.value).endswith("environ") else None
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant):
            reads = any(ast.unparse(c).endswith("environ") for c in node.comparators)
            literal = node.left.value if reads else None
        if isinstance(literal, str) and OURS.match(literal) and literal not in WRITTEN_NOT_READ:
            found.append((node.lineno, literal))
    return found


def test_no_module_but_settings_reads_an_aws_or_botocore_sso_variable_by_its_name() -> None:
    readers = [
        f"{path.relative_to(ROOT)}:{line} reads {name}"
        for path in sorted(ROOT.rglob("*.py"))
        if path.name != "settings.py" and "testing" not in path.parts
        for line, name in _environment_reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not readers, "name it in settings.py and read it there:\n" + "\n".join(readers)


def test_every_variable_settings_names_is_documented() -> None:
    named = (
        {
            value
            for name, value in vars(settings).items()
            if name.endswith("_VARIABLE") and isinstance(value, str)
        }
        | set(settings.PROFILE_VARIABLES)
        | set(settings.RETRY_VARIABLES)
    )
    documented = {name for name, _kind, _line in settings.VARIABLES}
    assert named <= documented


@pytest.mark.parametrize(
    ("value", "on"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("", False), ("no", False)],
)
def test_every_switch_reads_a_value_alike(value: str, on: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore_sso_provider.provider.activation import is_disabled

    for variable in (
        settings.DISABLED_VARIABLE,
        settings.AUTO_LOGIN_VARIABLE,
        settings.REFRESH_UNWRITABLE_CACHE_VARIABLE,
    ):
        monkeypatch.setenv(variable, value)
        assert settings.switch(variable) is on
    assert is_disabled() is on


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"AWS_PROFILE": "a"}, "a"),
        ({"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"}, "b"),
        ({"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": ""}, ""),
        ({"AWS_PROFILE": ""}, ""),
    ],
)
def test_the_profile_variables_are_read_as_botocore_reads_them(environ: dict, expected: object) -> None:
    assert settings.profile_from_environment(environ) == expected
