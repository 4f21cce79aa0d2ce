"""``botocore-sso console``: open the AWS console signed in with a profile's role."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import CommandArguments

NAME = "console"
HELP = "open the AWS console signed in as a profile's role"
EXAMPLES = """examples:
  botocore-sso console --profile dev
  botocore-sso console --profile dev --destination https://console.aws.amazon.com/s3/home
  botocore-sso console --profile dev --no-browser | xclip
"""


class Arguments(CommandArguments):
    profile: Optional[str]
    destination: Optional[str]
    no_browser: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="the profile to sign in with (default: AWS_PROFILE or 'default')")
    parser.add_argument("--destination", help="the console page to open (default: the region's console home)")
    parser.add_argument(
        "--no-browser", action="store_true", help="print the sign-in URL (a secret for 15 minutes) instead"
    )


def run(args: Arguments) -> int:
    from ...account.console import signin_url
    from ...account.console_page import open_privately
    from ...rules.terminal import printable
    from .selection import botocore_session

    session = botocore_session(args.profile)
    profile = args.profile or session.get_config_variable("profile") or "default"
    credentials = session.get_credentials()
    if credentials is None:
        from ...errors import SSOConfigError
        from ...settings import config_file as config_file_path

        raise SSOConfigError(
            error_msg=f'The profile "{profile}" gives no credentials. Add an SSO role to it in '
            f"{config_file_path()}, or pick another with --profile."
        )
    scoped = session.get_scoped_config()
    region = session.get_config_variable("region") or scoped.get("sso_region") or "us-east-1"
    url = signin_url(
        credentials.get_frozen_credentials(), region=region, profile=profile, destination=args.destination
    )
    if args.no_browser:
        sys.stdout.write(url + "\n")
        sys.stderr.write(
            "This URL signs anyone who opens it in to the AWS console for the next 15 minutes: "
            "treat it as a secret.\n"
        )
        return 0

    # Never webbrowser.open(url): a browser's command line is readable by every local user.
    def say_opened() -> None:
        sys.stderr.write(f'Opened the AWS console for profile "{printable(profile)}" in your browser.\n')
        sys.stderr.flush()

    if not open_privately(url, on_opened=say_opened):
        sys.stderr.write("botocore-sso: no browser could be opened. Run again with --no-browser.\n")
        return 1
    return 0
