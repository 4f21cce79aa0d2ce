"""``botocore-sso fake-server``: the fake IAM Identity Center, standalone, until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import CommandArguments

NAME = "fake-server"
HELP = "run the fake IAM Identity Center until Ctrl-C"
EXAMPLES = """examples:
  botocore-sso fake-server --port 8999
  botocore-sso fake-server --fixture fixture.json
"""


class Arguments(CommandArguments):
    port: int
    manual_approval: bool
    fixture: Optional[str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--manual-approval", action="store_true", help="do not approve device codes by itself"
    )
    parser.add_argument(
        "--fixture",
        help="accounts, roles and users from a fixture.json file (its format: the documentation's "
        "'Test your code with the fake')",
    )


def run(args: Arguments) -> int:
    from ...errors import CommandError  # in run: --help and completion load every command's module
    from ...testing import FakeIdentityCenter, FakeSettings

    accounts = users = None  # the default directory
    if args.fixture:
        from ...testing import load_directory

        try:
            accounts, users = load_directory(args.fixture)
        except (OSError, ValueError) as err:
            raise CommandError(f"Cannot use the fixture {args.fixture}: {err}") from None
    settings = FakeSettings(
        port=args.port, auto_approve=not args.manual_approval, accounts=accounts, users=users
    )
    with FakeIdentityCenter(settings) as idc:
        sys.stdout.write(
            f"Fake IAM Identity Center listening on {idc.url}\n"
            "Point botocore at it with:\n"
            + "".join(f"  export {name}={value}\n" for name, value in idc.environ().items())
            + f"Request counts: {idc.url}/_fake/counts\nPress Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        idc.serve_forever()
    return 0
