"""The ``botocore-sso`` command: wiring only; each command's work lives in ``commands/``.

Errors this package raises on purpose are printed as their one-sentence
message on stderr (exit status 1), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from ._version import __version__

COMMANDS = (
    "login",
    "logout",
    "fake_server",
    "demo",
)
"""Modules of ``botocore_sso_provider.commands``, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
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
    args = build_parser().parse_args(argv)
    from botocore.exceptions import BotoCoreError

    from .cache import CacheFileCorrupt

    try:
        status: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    # ours subclass botocore's; botocore's own read as well; a cache path that
    # cannot be used (a stranger's lock, ...) names itself and its fix
    except (BotoCoreError, CacheFileCorrupt) as err:
        sys.stderr.write(f"botocore-sso: {err}\n")
        return 1
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
