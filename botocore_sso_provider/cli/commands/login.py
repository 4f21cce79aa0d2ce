"""``botocore-sso login``: an interactive login that writes the AWS CLI v2's token file."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from .selection import LoginSelection, selected_login

NAME = "login"
HELP = "log in and cache an SSO token (PKCE by default, or the device code)"
EXAMPLES = """examples:
  botocore-sso login --sso-session corp
  botocore-sso login --profile dev --no-browser
  botocore-sso login --sso-session corp --use-device-code
  botocore-sso login --sso-session corp --redirect-port 8400   # with ssh -L 8400:127.0.0.1:8400

The flow: PKCE for sso-session profiles, the device code for legacy profiles and
where no local browser can reach 127.0.0.1 (SSH, containers, Linux without a
display); --use-device-code, --use-pkce and BROWSER override the guess.
Several processes logging in to one session at once make one login.
"""


class Arguments(LoginSelection):
    use_device_code: bool
    use_pkce: bool
    no_browser: bool
    redirect_port: Optional[int]
    timeout: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--profile", help="the profile whose SSO login to refresh (default: AWS_PROFILE or 'default')"
    )
    which.add_argument("--sso-session", help="the [sso-session NAME] to log in to")
    flow = parser.add_mutually_exclusive_group()
    flow.add_argument(
        "--use-device-code", action="store_true", help="use the device-code flow (sign in on any device)"
    )
    flow.add_argument(
        "--use-pkce",
        action="store_true",
        help="use the authorization-code flow with PKCE even where the device code would be guessed",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="print the URL (and code), do not open a browser"
    )
    parser.add_argument(
        "--redirect-port",
        type=_port,
        metavar="N",
        help="PKCE: listen for the redirect on 127.0.0.1:N (for ssh -L N:127.0.0.1:N); implies --use-pkce",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=600.0,
        metavar="SECONDS",
        help="PKCE: how long to wait for the sign-in in the browser (default: 600)",
    )


def run(args: Arguments) -> int:
    from ...login import LoginRequest, log_in
    from ...rules.terminal import printable

    session, config = selected_login(args)
    request = LoginRequest(
        use_device_code=args.use_device_code,
        use_pkce=args.use_pkce,
        no_browser=args.no_browser,
        redirect_port=args.redirect_port,
        timeout=args.timeout,
    )
    outcome = log_in(config, session, request, out=sys.stdout)
    until = printable(outcome.token.data["expiresAt"])
    sys.stdout.write(f"Logged in to {printable(config.subject)}; the token is valid until {until}.\n")
    return 0


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (up to 86400)")
    return value
