"""``botocore-sso export``: a profile's credentials in another program's format, or in a file it reads."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from ...rules.terminal import printable  # loaded by cli.main already
from . import CommandArguments

NAME = "export"
HELP = "print a profile's credentials for a shell, as JSON or an env file, or write the credentials file"
EXAMPLES = """examples:
  eval "$(botocore-sso export --profile dev)"                 # bash, zsh, sh
  botocore-sso export --profile dev --format fish | source    # fish
  botocore-sso export --profile dev --format powershell | Invoke-Expression
  botocore-sso export --profile dev --format process          # credential_process JSON
  botocore-sso export --profile dev --format dotenv --output dev.env   # docker run --env-file dev.env
  botocore-sso export --profile dev --format credentials-file --credentials-profile dev-keys
                          # [dev-keys] of ~/.aws/credentials, for tools that read only that file

Files written hold the credentials until they expire (an hour or so): run the command again
before then, e.g. from cron or a Makefile. A second run changes only what changed.

exit status: 0 printed or written, 1 no credentials or a value or file refused (the message says
what to run), 2 usage error
"""

FORMATS = ("process", "env", "env-no-export", "powershell", "windows-cmd", "fish", "json", "dotenv")
"""The same list as ``exporting.FORMATS``, here so ``--help`` does not import the library."""

CREDENTIALS_FILE = "credentials-file"
"""The format that writes a section of the credentials file instead of printing."""

DOTENV = "dotenv"


class Arguments(CommandArguments):
    profile: Optional[str]
    format: str  # one of FORMATS or CREDENTIALS_FILE
    credentials_profile: Optional[str]
    output: Optional[str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="the profile to export (default: AWS_PROFILE or 'default')")
    parser.add_argument(
        "--format",
        choices=(*FORMATS, CREDENTIALS_FILE),
        default="env",
        help="env (default): export lines for sh/bash/zsh; env-no-export: NAME=value lines; "
        "powershell, windows-cmd, fish; process: credential_process JSON; json: the values as JSON; "
        "dotenv: NAME=value lines as docker's --env-file and compose's env_file read them (with the "
        "region), no quotes; credentials-file: write the section --credentials-profile of the shared "
        "credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), nothing printed",
    )
    parser.add_argument(
        "--credentials-profile",
        metavar="NAME",
        help="with --format credentials-file (and only with it; required there): the section [NAME] to "
        "write, keeping every other line of the file. Never an SSO profile's name: SDKs that read the "
        "credentials file first would take the fixed keys instead",
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="with --format dotenv: write FILE (atomically, mode 0600) instead of printing. The other "
        "formats are read from stdout by a shell or a program, so they print only",
    )


def run(args: Arguments) -> int:
    from ...errors import CommandError

    if args.format == CREDENTIALS_FILE and args.credentials_profile is None:
        raise CommandError(
            "--format credentials-file needs --credentials-profile NAME, the section to write "
            "(a name of its own, never the SSO profile's)"
        )
    if args.credentials_profile is not None and args.format != CREDENTIALS_FILE:
        raise CommandError("--credentials-profile goes only with --format credentials-file")
    if args.output is not None and args.format != DOTENV:
        raise CommandError("--output goes only with --format dotenv; the other formats print to stdout")
    if args.credentials_profile is not None:
        return _write_credentials_file(args.profile, args.credentials_profile)
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
    if args.output is not None:
        from ...store.credentials_file import write_secret_file

        written = write_secret_file(args.output, text)
        done = "Wrote" if written else "Left unchanged"
        sys.stderr.write(f"{done} {printable(args.output)}; {_expiry(credentials.expiration_text)}\n")
        return 0
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def _write_credentials_file(profile_name: Optional[str], name: str) -> int:
    from ... import settings
    from ...errors import SSOConfigError
    from ...rules.profiles import chosen_profile
    from ...store.files import load_config
    from ..exporting import credentials_profile_problem, write_credentials_section
    from ..fast import profile_credentials

    profile = chosen_profile(profile_name)
    config = load_config(settings.config_file())
    problem = credentials_profile_problem(name, profile, config[0] if config is not None else {})
    if problem is not None:
        raise SSOConfigError(
            error_msg=f'--credentials-profile "{printable(name)}" cannot be used: {problem}.'
        )
    credentials = profile_credentials(profile)
    path = settings.credentials_file()
    try:
        written = write_credentials_section(credentials, profile, name, path)
    except ValueError as err:  # the values themselves (SSOConfigError is no ValueError)
        raise SSOConfigError(
            error_msg=f'The credentials of the profile "{printable(profile)}" are not written to '
            f"{printable(path)}: {err}."
        ) from None
    done = "Wrote" if written else "Left unchanged"
    sys.stderr.write(f"{done} [{name}] of {printable(path)}; {_expiry(credentials.expiration_text)}\n")
    return 0


def _expiry(expiration: Optional[str]) -> str:
    return f"the credentials expire at {expiration}." if expiration else "the credentials do not expire."
