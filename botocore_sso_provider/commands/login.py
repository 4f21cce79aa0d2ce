"""``botocore-sso login``: an interactive login that writes the AWS CLI v2's token file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "login"
HELP = "log in and cache an SSO token"
EXAMPLES = """examples:
  botocore-sso login --sso-session corp
  botocore-sso login --profile dev --no-browser
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--profile", help="the profile whose SSO login to refresh (default: AWS_PROFILE or 'default')"
    )
    which.add_argument("--sso-session", help="the [sso-session NAME] to log in to")
    parser.add_argument(
        "--use-device-code",
        action="store_true",
        help="use the device-code flow (the only flow for now; for hosts without a local browser)",
    )
    parser.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")


def run(args: Any) -> int:
    import botocore.session

    from ..config import session_for_login
    from ..login import DeviceCodeLogin

    session = botocore.session.Session(profile=args.profile) if args.profile else botocore.session.Session()
    profile = args.profile or session.get_config_variable("profile")
    config = session_for_login(session.full_config, profile=profile, session_name=args.sso_session)
    token = DeviceCodeLogin(config, session, out=sys.stdout, open_browser=not args.no_browser).run()
    sys.stdout.write(f"Logged in to {config.subject}; the token is valid until {token.data['expiresAt']}.\n")
    return 0
