"""``botocore-sso logout``: end SSO sessions and delete their cached tokens and role credentials."""

from __future__ import annotations

import argparse
import sys

from .selection import LoginSelection, botocore_session, selected_config

NAME = "logout"
HELP = "log out: end the SSO session and delete its token and role credentials"
EXAMPLES = """examples:
  botocore-sso logout --sso-session corp
  botocore-sso logout --profile dev
  botocore-sso logout --all        # every SSO login, as `aws sso logout` does
"""


class Arguments(LoginSelection):
    all: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--profile", help="the profile whose SSO login to end (default: AWS_PROFILE or 'default')"
    )
    which.add_argument("--sso-session", help="the [sso-session NAME] to log out of")
    which.add_argument(
        "--all", action="store_true", help="every SSO token and SSO role credential in the caches"
    )


def run(args: Arguments) -> int:
    from ...login import log_out, log_out_everywhere
    from ...rules.terminal import printable

    session = botocore_session(args.profile)
    if args.all:
        report = log_out_everywhere(session)
        what = "every SSO login"
    else:
        config = selected_config(session, args)
        report = log_out(config, session)
        what = printable(config.subject)  # names from the config file
    for warning in report.warnings:
        sys.stderr.write(f"botocore-sso: warning: {warning}\n")
    if report.tokens_removed or report.role_files_removed:
        sys.stdout.write(
            f"Logged out of {what}: removed {_count(report.tokens_removed, 'token')} and "
            f"{_count(report.role_files_removed, 'cached role credential')}.\n"
        )
    else:
        sys.stdout.write(f"Nothing to log out of for {what}: no cached login.\n")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
