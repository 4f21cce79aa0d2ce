"""``botocore-sso completion``: the tab-completion script for bash, zsh or fish.

Completion needs the optional ``argcomplete`` package
(``pip install 'botocore-sso-provider[completion]'``). Commands and flags come
from the parser; ``--profile`` and ``--sso-session`` values from the config
file, read with botocore's own parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from . import CommandArguments

NAME = "completion"
HELP = "print the tab-completion script for bash, zsh or fish"
EXAMPLES = """examples:
  eval "$(botocore-sso completion bash)"           # in ~/.bashrc
  eval "$(botocore-sso completion zsh)"            # in ~/.zshrc
  botocore-sso completion fish > ~/.config/fish/completions/botocore-sso.fish
"""

SHELLS = ("bash", "zsh", "fish")


class Arguments(CommandArguments):
    shell: str  # one of SHELLS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")


def run(args: Arguments) -> int:
    try:
        import argcomplete
    except ImportError:
        from ...errors import CommandError  # here: every command line imports this module

        raise CommandError(
            "Tab completion needs argcomplete. Run: pip install 'botocore-sso-provider[completion]'"
        ) from None
    sys.stdout.write(argcomplete.shellcode(["botocore-sso"], shell=args.shell))
    return 0


def _config_sections(kind: str) -> list[str]:
    try:
        from ..status import load_config_file

        config = load_config_file()
    except Exception:  # a broken config must not break the shell
        return []
    return sorted(config.get(kind, {}))


def profile_names(**_: Any) -> list[str]:
    return _config_sections("profiles")


def sso_session_names(**_: Any) -> list[str]:
    return _config_sections("sso_sessions")


COMPLETERS = {"profile": profile_names, "sso_session": sso_session_names}
"""Value completers by option ``dest``, given to every command's options of that name."""


def autocomplete(parser: argparse.ArgumentParser) -> None:
    """Answer a completion request (the shell sets _ARGCOMPLETE) and exit; else do nothing."""
    if "_ARGCOMPLETE" not in os.environ:
        return  # the common case: argcomplete is not even imported
    try:
        import argcomplete
    except ImportError:
        return
    for action in _all_actions(parser):
        completer = COMPLETERS.get(action.dest)
        if completer is not None:
            action.completer = completer  # type: ignore[attr-defined]
    argcomplete.autocomplete(parser)


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    actions = list(parser._actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                actions.extend(_all_actions(sub))
    return actions
