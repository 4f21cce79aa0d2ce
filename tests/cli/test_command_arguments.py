"""Each command's typed ``Arguments`` says exactly what its parser sets, and mypy holds ``run`` to it."""

from __future__ import annotations

import argparse
import importlib
import shlex
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from botocore_sso_provider.cli.commands import CommandArguments
from botocore_sso_provider.cli.main import COMMANDS, build_parser

pytestmark = pytest.mark.unit

SAMPLE_COMMAND_LINES = {
    "login": "login --sso-session corp --use-pkce --redirect-port 8400 --timeout 30",
    "logout": "logout --all",
    "list": "list --profile dev --format json",
    "status": "status --profile dev --format json",
    "populate": "populate --sso-session corp --region eu-west-1 --prune --dry-run",
    "console": "console --profile dev --destination https://example.com --no-browser",
    "credential_process": "credential-process --profile dev",
    "export": "export --profile dev --format fish",
    "exec": "exec --profile dev --server -- aws s3 ls",
    "serve": "serve --profile dev --port 9911 --host 127.0.0.1",
    "fake_server": "fake-server --port 8999 --manual-approval --fixture fixture.json",
    "demo": "demo",
    "completion": "completion zsh",
}
"""One command line per command, each option given, so every declared attribute gets a value."""


def _command(module_name: str) -> ModuleType:
    return importlib.import_module(f"botocore_sso_provider.cli.commands.{module_name}")


def _parser_dests(module_name: str) -> set[str]:
    """The attributes the command's own parser sets (not --help, not cli.main's handler)."""
    parser = build_parser(module_name)
    (commands,) = (action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    (sub,) = commands.choices.values()
    return {action.dest for action in sub._actions if not isinstance(action, argparse._HelpAction)}


def test_every_command_is_sampled() -> None:
    assert set(SAMPLE_COMMAND_LINES) == set(COMMANDS)


@pytest.mark.parametrize("module_name", COMMANDS)
def test_arguments_declare_exactly_what_the_parser_sets(module_name: str) -> None:
    arguments = _command(module_name).Arguments
    assert issubclass(arguments, CommandArguments)
    assert set(arguments._names) == _parser_dests(module_name)


@pytest.mark.parametrize("module_name", COMMANDS)
def test_arguments_are_built_from_the_parsed_namespace(module_name: str) -> None:
    namespace = build_parser(module_name).parse_args(shlex.split(SAMPLE_COMMAND_LINES[module_name]))
    arguments = namespace.arguments_type.from_namespace(namespace)
    assert type(arguments) is _command(module_name).Arguments
    assert namespace.handler is _command(module_name).run
    assert {name: getattr(arguments, name) for name in arguments._names} == {
        name: getattr(namespace, name) for name in arguments._names
    }


def test_the_early_paths_build_the_same_arguments_as_argparse() -> None:
    from botocore_sso_provider.cli.commands import credential_process, status

    def parsed(command_line: str) -> CommandArguments:
        namespace = build_parser().parse_args(shlex.split(command_line))
        return namespace.arguments_type.from_namespace(namespace)

    plain, short = credential_process.plain_arguments, status.short_arguments
    assert plain(["--profile", "dev"]) == parsed("credential-process --profile dev")
    assert plain([]) == parsed("credential-process")
    assert short(["--short", "--profile=dev"]) == parsed("status --short --profile=dev")
    assert short(["--short"]) == parsed("status --short")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"profile": "dev", "profil": "dev"}, r"unknown \['profil'\]"),
        ({}, r"missing \['profile'\]"),
    ],
    ids=["a misspelt name", "a name left out"],
)
def test_arguments_refuse_names_not_declared_or_missing(values: dict[str, str], message: str) -> None:
    from botocore_sso_provider.cli.commands.credential_process import Arguments

    with pytest.raises(TypeError, match=message):
        Arguments(**values)


@pytest.mark.slow
def test_mypy_finds_a_misspelt_argument(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    probe = tmp_path / "probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            from botocore_sso_provider.cli.commands import credential_process, status

            def read(args: status.Arguments) -> None:
                print(args.profil)

            credential_process.Arguments(profile=1)
            """
        )
    )
    out, _, status = api.run(
        [str(probe), "--follow-imports=silent", "--no-incremental", "--python-version=3.9"]
    )
    assert status == 1
    assert '"Arguments" has no attribute "profil"' in out
    assert 'Argument "profile" to "Arguments" has incompatible type "int"' in out
