"""``botocore-sso populate``: a profile for every account and role of an sso-session."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import CommandArguments

NAME = "populate"
HELP = "write a profile for every account and role into the AWS config file"
EXAMPLES = """examples:
  botocore-sso populate --sso-session corp --dry-run
  botocore-sso populate --sso-session corp --region eu-west-1 --prune
  botocore-sso populate --sso-session corp --profile-name-template '{account_name}-{role_name}'
"""


class Arguments(CommandArguments):
    sso_session: str
    region: Optional[str]
    profile_name_template: str
    prune: bool
    dry_run: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sso-session", required=True, help="the [sso-session NAME] whose accounts to add")
    parser.add_argument("--region", help="the region to write into each generated profile")
    parser.add_argument(
        "--profile-name-template",
        default="{account_name}.{role_name}",
        help="profile names, from {account_name} {account_id} {role_name} {sso_session} {email} "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--prune", action="store_true", help="remove generated profiles whose account or role is gone"
    )
    parser.add_argument("--dry-run", action="store_true", help="show the changes as a diff, write nothing")


def run(args: Arguments) -> int:
    import botocore.session

    from ...account.populate import populate, read_config, render_name, write_config
    from ...account.portal import AccountAccess, PortalLister, usable_accounts
    from ...errors import CommandError  # in run: --help and completion load every command's module
    from ...provider.config import resolve_session
    from ...rules.profiles import is_region_name
    from ...rules.terminal import printable
    from ...settings import config_file as config_file_path

    try:  # a bad template is refused before any request
        sample = AccountAccess("123456789012", "name", "email@example.com", ("Role",))
        render_name(args.profile_name_template, sample, "Role", args.sso_session)
    except ValueError as err:
        raise CommandError(str(err)) from None
    if args.region is not None and not is_region_name(args.region):
        raise CommandError(f'--region "{printable(args.region)}" is not a region name, such as eu-west-1.')
    session = botocore.session.Session()
    login = resolve_session(session.full_config, args.sso_session)
    listed = PortalLister(login, session).accounts()
    accounts = usable_accounts(listed, _warn)
    path = config_file_path()
    result = populate(
        read_config(path),
        accounts,
        session_name=args.sso_session,
        path=path,
        template=args.profile_name_template,
        region=args.region,
        prune=args.prune,
    )
    summary = f"{len(result.added)} added, {len(result.updated)} updated, {len(result.removed)} removed"
    if args.dry_run:
        sys.stdout.write(result.diff() if result.changed else "")
        sys.stderr.write(f"Dry run: {summary}; {printable(path)} was not changed.\n")
        return 0
    if not result.changed:
        sys.stdout.write(f"{printable(path)} is up to date ({len(accounts)} accounts).\n")
        return 0
    backup = write_config(path, result.new_text)
    old_file = f"; the old file is {printable(backup)}" if backup else ""
    sys.stdout.write(f"Updated {printable(path)}: {summary}{old_file}.\n")
    return 0


def _warn(warning: str) -> None:
    sys.stderr.write(f"botocore-sso: {warning}\n")
