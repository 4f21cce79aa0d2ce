"""The ``botocore-sso`` command: wiring only; each command's work lives in ``commands/``.

Errors this package raises on purpose are printed as their one-sentence
message on stderr (exit status 1), never as a traceback.
"""

from __future__ import annotations

import sys

from ._version import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable, Optional, Sequence

COMMANDS = (
    "login",
    "logout",
    "credential_process",
    "export",
    "exec",
    "serve",
    "fake_server",
    "demo",
)
"""Modules of ``botocore_sso_provider.commands``, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="botocore-sso",
        description="AWS IAM Identity Center (SSO) logins and credentials for botocore and boto3.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for module_name in COMMANDS:
        module = importlib.import_module(f".commands.{module_name}", __package__)
        sub = commands.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.HELP,
            epilog=module.EXAMPLES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["credential-process"]:
        # Early dispatch: SDKs run credential-process once per process, and building the whole
        # parser (every command module) would cost more than printing a cached answer.
        from .commands import credential_process

        plain = credential_process.plain_arguments(arguments[1:])
        if plain is not None:
            return _run(credential_process.run, plain)
    args = build_parser().parse_args(arguments)
    return _run(args.handler, args)


def _run(handler: Callable[[Any], int], args: Any) -> int:
    """A command's exit status; our errors (and botocore's) as one sentence on stderr, status 1."""
    try:
        status: int = handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        from botocore.exceptions import BotoCoreError  # here: a warm credential-process never needs it

        if not isinstance(err, BotoCoreError):  # ours subclass botocore's; botocore's own read as well
            raise
        sys.stderr.write(f"botocore-sso: {err}\n")
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
