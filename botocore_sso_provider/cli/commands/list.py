"""``botocore-sso list``: every account and role the login can reach."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from typing import Any, Sequence

from ...rules.terminal import printable
from .selection import LoginSelection, add_login_selection, selected_login

NAME = "list"
HELP = "list every account and role the SSO login can reach"
EXAMPLES = """examples:
  botocore-sso list --sso-session corp
  botocore-sso list --profile dev --format json | jq -r '.[].accountName'
"""


class Arguments(LoginSelection):
    format: str  # "table" or "json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_login_selection(parser)
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )


def run(args: Arguments) -> int:
    from ...account.portal import PortalLister

    session, config = selected_login(args)
    accounts = PortalLister(config, session).accounts()
    if args.format == "json":
        # ensure_ascii (the default) writes every control, bidi and non-ASCII character as \uXXXX
        json.dump([account.to_json() for account in accounts], sys.stdout, indent=2, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(accounts, shutil.get_terminal_size().columns))
    return 0


def render_table(accounts: Sequence[Any], width: int) -> str:
    """One row per account, cut to ``width`` columns (names and roles shortened with '...').

    Ids and names are the portal's words: escaped before they are measured and cut.
    """
    rows = [("ACCOUNT ID", "NAME", "ROLES")] + [
        (printable(a.account_id), printable(a.account_name), ", ".join(printable(r) for r in a.roles))
        for a in accounts
    ]
    id_width = max(len(row[0]) for row in rows)
    name_width = max(len(row[1]) for row in rows)
    name_width = min(name_width, max(8, (width - id_width - 4) // 2))
    lines = []
    for account_id, name, roles in rows:
        line = f"{account_id:<{id_width}}  {_cut(name, name_width):<{name_width}}  {roles}"
        lines.append(_cut(line, max(width, id_width + name_width + 8)).rstrip())
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."
