"""The ``botocore-sso`` command: wiring only; each command's work lives in ``commands/``.

Errors this package raises on purpose are printed as their one-sentence
message on stderr (exit status 1; 2 for a usage mistake), never as a
traceback; anything unexpected is one line too, with the traceback under
``--debug``. Exit status 0 means the command did what was asked.
Everything written to stderr while a command runs goes through
``terminal.EscapingWriter``: messages may quote a server's or a file's words,
and their control characters must not reach the terminal.
"""

from __future__ import annotations

import os
import sys

from .._version import __version__
from ..rules.terminal import EscapingWriter, printable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import argparse
    from typing import Callable, Optional, Sequence, TypeVar

    from .commands import CommandArguments

    _Arguments = TypeVar("_Arguments", bound=CommandArguments)

COMMANDS = (
    "login",
    "logout",
    "list",
    "status",
    "populate",
    "console",
    "credential_process",
    "export",
    "exec",
    "serve",
    "fake_server",
    "demo",
    "completion",
)
"""Modules of ``botocore_sso_provider.cli.commands``, in the order ``--help`` lists them."""

_EPILOG = """Add --debug to any command for our and botocore's DEBUG logs on stderr (secrets redacted).
Run 'botocore-sso COMMAND --help' for a command's options and examples.

examples:
"""


def build_parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The parser; with ``only`` (a module of COMMANDS), just that command's, which is cheaper."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="botocore-sso",
        description="AWS IAM Identity Center (SSO) logins and credentials for botocore and boto3.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="DEBUG logs on stderr, secrets redacted")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    examples: list[str] = []
    for module_name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f".commands.{module_name}", __package__)
        sub = commands.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run, arguments_type=module.Arguments)
        examples.extend(line for line in module.EXAMPLES.splitlines()[1:2] if line.strip())
    parser.epilog = _EPILOG + "\n".join(examples)
    return parser


def _chosen_command(arguments: Sequence[str]) -> Optional[str]:
    """The module of the command ``arguments`` name, when that is plain to see without a parser.

    Building every command's parser costs milliseconds that a prompt line
    (``status --short``) should not pay; --help, completion and mistakes get
    the full parser.
    """
    if "_ARGCOMPLETE" in os.environ:
        return None
    for word in arguments:
        if word == "--debug":
            continue
        module = word.replace("-", "_")
        return module if module in COMMANDS and not word.startswith("-") else None
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    original_stderr = sys.stderr
    sys.stderr = EscapingWriter(original_stderr)
    try:
        return _main(argv)
    finally:
        if isinstance(sys.stderr, EscapingWriter):
            sys.stderr = original_stderr


def _main(argv: Optional[Sequence[str]]) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["credential-process"] and "_ARGCOMPLETE" not in os.environ:
        # Early dispatch: SDKs run credential-process once per process, and even one command's
        # parser would cost more than printing a cached answer.
        from .commands import credential_process

        process_arguments = credential_process.plain_arguments(arguments[1:])
        if process_arguments is not None:
            return _run(credential_process.run, process_arguments)
    if arguments[:1] == ["status"] and "_ARGCOMPLETE" not in os.environ:
        # Early dispatch: a shell prompt runs `status --short` before every command line.
        from .commands import status

        plain = status.short_arguments(arguments[1:])
        if plain is not None:
            return _run(status.run, plain)
    parser = build_parser(_chosen_command(arguments))
    from .commands.completion import autocomplete

    autocomplete(parser)  # answers the shell's completion request and exits, if there is one
    parsed = parser.parse_args(arguments)
    if parsed.debug:
        from .debugging import enable_debug_logging

        enable_debug_logging()
    return _run(parsed.handler, parsed.arguments_type.from_namespace(parsed))


def _run(handler: Callable[[_Arguments], int], args: _Arguments) -> int:
    """A command's exit status; every failure as one sentence on stderr, never a traceback."""
    try:
        status: int = handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        # errors.py imports botocore: loaded here, once something failed, never on the way to success
        from botocore.exceptions import BotoCoreError

        from ..errors import CommandError

        if isinstance(err, CommandError):
            sys.stderr.write(f"botocore-sso: {err}\n")
            return 2
        # ours subclass botocore's (the store's cache errors included); botocore's own read as well
        if isinstance(err, BotoCoreError):
            sys.stderr.write(f"botocore-sso: {err}\n")
        elif isinstance(err, OSError):
            where = f" {printable(err.filename)}" if err.filename else ""
            sys.stderr.write(
                f"botocore-sso: cannot use{where}: {printable(err.strerror or err)}. Check its permissions.\n"
            )
        elif args.debug:
            raise
        else:
            sys.stderr.write(
                f"botocore-sso: unexpected {type(err).__name__}. Run again with --debug for the details "
                "and report it.\n"
            )
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
