"""``botocore-sso status``: what is logged in and cached; ``--short`` for a shell prompt.

Reads files only (no request, no boto3, no botocore session), and never
prints a secret. Exit status 0 when what was asked about is usable (the
profile with ``--profile``; otherwise at least one login), 1 otherwise.
``--short`` is answered without botocore (``cli.fast``) whenever the
files are plain enough; the full path answers the rest, and every error.
"""

from __future__ import annotations

import sys

from . import CommandArguments

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import argparse  # the fast path (--short) never imports it
    from typing import Any, Optional

NAME = "status"
HELP = "show what is logged in and cached (no secrets); --short for a shell prompt"
EXAMPLES = """examples:
  botocore-sso status
  botocore-sso status --profile dev --format json
  PS1='$(botocore-sso status --short --profile dev) $ '
"""


class Arguments(CommandArguments):
    profile: Optional[str]
    format: str  # "table" or "json"
    short: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="also say whether this profile can get credentials now")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )
    parser.add_argument(
        "--short",
        action="store_true",
        help="one short line for a shell prompt, e.g. 'corp 3h12m' (the profile: --profile or AWS_PROFILE)",
    )


def short_arguments(arguments: list[str]) -> Optional[Arguments]:
    """``--short [--profile P]`` read without argparse (a prompt runs it constantly); else None."""
    profile: Optional[str] = None
    words = iter(arguments)
    seen_short = False
    for word in words:
        if word == "--short":
            seen_short = True
        elif word == "--profile":
            profile = next(words, None)
            if profile is None or profile.startswith("-"):
                return None
        elif word.startswith("--profile="):
            profile = word.split("=", 1)[1]
        else:
            return None  # anything else (--help, --format, typos) goes through argparse
    if not seen_short or profile == "":
        return None
    return Arguments(short=True, profile=profile, format="table")


def run(args: Arguments) -> int:
    if args.short and not args.debug:  # --debug wants the full path's logs
        from ..fast import short_status

        quick = short_status(args.profile)
        if quick is not None:
            line, usable = quick
            sys.stdout.write(line + "\n")
            return 0 if usable else 1
    from ..status import all_logins, default_profile, load_config_file, profile_status

    full_config = load_config_file()
    if args.short:
        short = profile_status(full_config, args.profile if args.profile is not None else default_profile())
        sys.stdout.write(short.short_line() + "\n")
        return 0 if short.usable else 1
    if args.profile is not None:
        profile = profile_status(full_config, args.profile)
        logins = [profile.login]
        usable = profile.usable
    else:
        profile = None
        logins = all_logins(full_config)
        usable = any(login.usable for login in logins)
    if args.format == "json":
        import json

        document: dict[str, Any] = {"sessions": [login.to_json() for login in logins]}
        if profile is not None:
            document["profile"] = profile.to_json()
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(_table(logins, profile))
    return 0 if usable else 1


def _table(logins: list[Any], profile: Optional[Any]) -> str:
    from ...rules.terminal import printable

    if not logins:
        return "No SSO logins are configured. Add an [sso-session NAME] section, then: botocore-sso login\n"
    out = []
    for login in logins:
        title = (
            f"sso-session {login.login.name}" if login.login.name else f"start URL {login.login.start_url}"
        )
        if login.token_valid:
            state = f"logged in until {_when(login.expires_at)}"
        elif login.refreshable:
            state = f"token expired at {_when(login.expires_at)}, can be refreshed"
        elif login.token_found:
            state = f"expired at {_when(login.expires_at)}"
        else:
            state = "not logged in"
        out.append(f"{title} ({login.login.start_url}, {login.login.region}): {state}")
        if login.token_found:
            out.append(f"  refreshable: {'yes' if login.refreshable else 'no'}")
            if login.registration_expires_at is not None:
                out.append(f"  client registration expires: {_when(login.registration_expires_at)}")
        if login.problem:
            out.append(f"  problem: {login.problem}")
        for role in login.role_credentials:
            cached = f"until {_when(role.expires_at)}" if role.expires_at else "none cached"
            if role.expires_at is not None and not role.fresh(login.now):
                cached = f"expired at {_when(role.expires_at)}"
            out.append(f"  role {role.role_name} in {role.account_id}: {cached}")
        if not login.logged_in:
            from ...errors import login_command

            out.append(f"  to log in: {login_command(login.login.profile, login.login.name)}")
    if profile is not None:
        if profile.usable:
            out.append(f'profile "{profile.profile}": credentials available now')
        else:
            out.append(f'profile "{profile.profile}": no credentials without a new login. Run: {profile.fix}')
    # names, start URLs and paths come from the config and cache files: each line is shown escaped
    return "".join(printable(line) + "\n" for line in out)


def _when(moment: Any) -> str:
    from ..status import format_time

    return format_time(moment) or "unknown"
