"""``botocore-sso export``: a profile's credentials in another program's format (shell lines, JSON)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import CommandArguments

NAME = "export"
HELP = "print a profile's credentials as shell variables, PowerShell, cmd, fish or JSON"
EXAMPLES = """examples:
  eval "$(botocore-sso export --profile dev)"                 # bash, zsh, sh
  botocore-sso export --profile dev --format fish | source    # fish
  botocore-sso export --profile dev --format powershell | Invoke-Expression
  botocore-sso export --profile dev --format process          # credential_process JSON

exit status: 0 printed, 1 no credentials (the message says what to run), 2 usage error
"""

FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish", "json")
"""The same list as ``exporting.FORMATS``, here so ``--help`` does not import the library."""


class Arguments(CommandArguments):
    profile: Optional[str]
    format: str  # one of FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="the profile to export (default: AWS_PROFILE or 'default')")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="env",
        help="env (default): export lines for sh/bash/zsh; env-no-export: NAME=value lines; "
        "powershell, windows-cmd, fish; process: credential_process JSON; json: the values as JSON",
    )


def run(args: Arguments) -> int:
    from ..exporting import render
    from ..fast import profile_credentials

    credentials = profile_credentials(args.profile)
    try:
        text = render(credentials, args.format)
    except ValueError as err:  # errors.UnsafeValueError: errors.py (botocore) loaded only on failure
        from ...errors import UnsafeValueError

        if not isinstance(err, UnsafeValueError):
            raise
        sys.stderr.write(f"botocore-sso: {err}\n")
        return 1
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0
