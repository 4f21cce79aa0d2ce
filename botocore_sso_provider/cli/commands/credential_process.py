"""``botocore-sso credential-process``: the credential_process JSON document, for every other SDK.

stdout holds the document and nothing else; messages go to stderr. Exit
status: 0 printed, 1 no credentials (the message names the fix), 2 the
command line is wrong, 130 interrupted. ``cli.main`` sends the plain forms
(``credential-process [--profile P]``) straight to :func:`run_fast`, so a warm
run loads neither argparse's parser tree nor the other commands.
"""

from __future__ import annotations

import sys

from . import CommandArguments

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at every start)
if TYPE_CHECKING:
    import argparse
    from typing import Optional, Sequence

NAME = "credential-process"
HELP = "print a profile's credentials as credential_process JSON (for other SDKs and tools)"
EXAMPLES = """examples:
  botocore-sso credential-process --profile dev

  # in ~/.aws/config, for tools that cannot read SSO profiles themselves:
  [profile dev-process]
  credential_process = botocore-sso credential-process --profile dev

exit status: 0 printed, 1 no credentials (the message says what to run), 2 usage error
"""


class Arguments(CommandArguments):
    profile: Optional[str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", help="the profile to print credentials for (default: AWS_PROFILE or 'default')"
    )


def run(args: Arguments) -> int:
    from ..exporting import render
    from ..fast import profile_credentials

    text = render(profile_credentials(args.profile), "process")
    sys.stdout.write(text)
    sys.stdout.flush()
    return 0


def plain_arguments(argv: Sequence[str]) -> Optional[Arguments]:
    """``[--profile P]`` read without argparse (a few ms); None for anything else (argparse takes over)."""
    if not argv:
        return Arguments(profile=None)
    if len(argv) == 2 and argv[0] == "--profile" and argv[1] and not argv[1].startswith("-"):
        return Arguments(profile=argv[1])
    if len(argv) == 1 and argv[0].startswith("--profile=") and len(argv[0]) > len("--profile="):
        return Arguments(profile=argv[0].partition("=")[2])
    return None
