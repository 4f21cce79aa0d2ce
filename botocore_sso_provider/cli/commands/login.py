"""``botocore-sso login``: an interactive login that writes the AWS CLI v2's token file."""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional

from .selection import LoginSelection, selected_login

NAME = "login"
HELP = "log in and cache an SSO token (PKCE by default, or the device code)"
EXAMPLES = """examples:
  botocore-sso login --sso-session corp
  botocore-sso login --profile dev --no-browser
  botocore-sso login --sso-session corp --use-device-code
  botocore-sso login --sso-session corp --redirect-port 8400   # with ssh -L 8400:127.0.0.1:8400
  botocore-sso login --if-needed --sso-session corp            # in ~/.bashrc or a Makefile
  botocore-sso login --if-needed --min-remaining 60 --profile dev
  botocore-sso login --force --sso-session corp                # without waiting for another login

The flow: PKCE for sso-session profiles, the device code for legacy profiles and
where no local browser can reach 127.0.0.1 (SSH, containers, Linux without a
display); --use-device-code, --use-pkce and BROWSER override the guess.
Several processes logging in to one session at once make one login.

--if-needed does nothing (no request at all) while the token is valid for more
than --min-remaining minutes; else it refreshes the token without a browser
where it can (many processes at once make one refresh), and logs in only where
it cannot: a legacy login, no refresh token, an ended session or registration,
no token file or an unreadable one (the login replaces it). When the refresh
fails for a passing reason (IAM Identity Center unreachable, a 5xx, a lock held
too long), the token is kept while it is valid, with a warning, and the exit
status is 0: a login would meet the same failure, and the next AWS call tries
the refresh again. It says what it did on stderr and prints nothing on stdout.
--force logs in even while another process's login is under way, without
waiting for it; the last login to finish is the one kept.
"""


class Arguments(LoginSelection):
    use_device_code: bool
    use_pkce: bool
    no_browser: bool
    redirect_port: Optional[int]
    timeout: float
    if_needed: bool
    force: bool
    min_remaining: Optional[int]


MAX_MINUTES = 24 * 60
"""The largest --min-remaining: a day, more than any access token IAM Identity Center issues lasts."""


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
    from ...rules.records import ADVISORY_REFRESH_WINDOW

    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--if-needed",
        action="store_true",
        help="keep a token valid for more than --min-remaining minutes (no request), else refresh it "
        "without a browser, and log in only when it cannot be refreshed; a refresh that fails for a "
        "passing reason keeps the valid token (exit 0, with a warning)",
    )
    when.add_argument(
        "--force",
        action="store_true",
        help="log in even while another process's login to the session is under way, without waiting for it",
    )
    parser.add_argument(
        "--min-remaining",
        type=_minutes,
        metavar="MINUTES",
        help="with --if-needed: how many minutes the token must still be valid for to be kept, 0 to "
        f"{MAX_MINUTES} (default: {ADVISORY_REFRESH_WINDOW.total_seconds() / 60:.0f}, botocore's own "
        "refresh window; 0: only an expired token is renewed)",
    )


def run(args: Arguments) -> int:
    if args.min_remaining is not None and not args.if_needed:
        from ...errors import CommandError

        raise CommandError("--min-remaining works only with --if-needed: login --if-needed --min-remaining N")
    if args.if_needed:
        return _if_needed(args)
    from ...login import log_in
    from ...rules.terminal import printable

    session, config = selected_login(args)
    outcome = log_in(config, session, _request(args), out=sys.stdout)
    until = printable(outcome.token.data["expiresAt"])
    sys.stdout.write(f"Logged in to {printable(config.subject)}; the token is valid until {until}.\n")
    return 0


def _request(args: Arguments) -> Any:
    from ...login import LoginRequest

    return LoginRequest(
        use_device_code=args.use_device_code,
        use_pkce=args.use_pkce,
        no_browser=args.no_browser,
        redirect_port=args.redirect_port,
        timeout=args.timeout,
        force=args.force,
    )


def _if_needed(args: Arguments) -> int:
    """``--if-needed``: keep, refresh or log in; every line on stderr (stdout stays empty for scripts)."""
    import datetime

    from ...rules.records import ADVISORY_REFRESH_WINDOW, FRESH

    minutes = args.min_remaining
    margin = ADVISORY_REFRESH_WINDOW if minutes is None else datetime.timedelta(minutes=minutes)
    if not args.debug:  # --debug wants the full path's logs
        from ..fast import lasting_login

        lasting = lasting_login(args.profile, args.sso_session, margin)
        if lasting is not None:  # kept, without importing botocore: shell start-up files run this
            sys.stderr.write(f"The login to {_valid(*lasting)}: nothing to do.\n")
            return 0
    from ...login.if_needed import KEPT, LOGGED_IN, NOT_REFRESHED, REFRESHED, log_in_if_needed
    from ...rules.timestamps import utcnow

    session, config = selected_login(args)
    outcome = log_in_if_needed(config, session, _request(args), margin=margin, out=sys.stderr)
    token = outcome.token
    if outcome.action == NOT_REFRESHED:
        because = f": {outcome.problem}" if outcome.problem else " (see the warning above)"
        sys.stderr.write(
            f"botocore-sso: warning: could not refresh the login{because}\n"
            f"Keeping it: the login to {_valid(config, token)}; AWS calls try the refresh again when due.\n"
        )
        return 0
    sentence = {
        KEPT: "The login to {}: nothing to do.",
        REFRESHED: "Refreshed without a browser: the login to {}.",
        LOGGED_IN: "Logged in: the login to {}.",
    }[outcome.action]
    sys.stderr.write(sentence.format(_valid(config, token)) + "\n")
    if token.state(utcnow(), margin) != FRESH:
        sys.stderr.write(
            f"That is no more than the {margin.total_seconds() / 60:.0f} minutes "
            "asked: IAM Identity Center issues no longer tokens, so the next --if-needed renews it again.\n"
        )
    return 0


def _valid(config: Any, token: Any) -> str:
    """``the sso-session "corp" is valid until 2025-01-01T00:00:00Z (3h12m left)``."""
    from ...rules.terminal import printable
    from ...rules.timestamps import utcnow
    from ...rules.verdicts import duration

    left = duration(token.expires_at - utcnow())
    return f"{printable(config.subject)} is valid until {printable(token.data['expiresAt'])} ({left} left)"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return value


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of minutes (0 to {MAX_MINUTES})")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (up to 86400)")
    return value
