"""``botocore-sso exec``: run a program with a profile's credentials, or with a credential server."""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from . import CommandArguments

NAME = "exec"
HELP = "run a command with a profile's credentials in its environment"
EXAMPLES = """examples:
  botocore-sso exec --profile dev -- aws s3 ls
  botocore-sso exec --profile dev --server -- terraform apply    # refreshes past the first expiry

The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION and the profile's AWS_REGION/AWS_DEFAULT_REGION;
AWS_PROFILE, web identity (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) and any
other credentials in the environment are removed. With --server it gets
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN
instead, pointing at a credential server on 127.0.0.1 that lives as long as
the command. Signals sent to exec reach the command once; Ctrl-C from the
terminal reaches it directly.

exit status: the command's (128+N if it died of signal N), 1 no credentials,
2 usage error, 126/127 the command cannot be run or was not found
"""


class Arguments(CommandArguments):
    profile: Optional[str]
    server: bool
    command: list[str]  # everything after the options, a leading "--" included


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", help="the profile whose credentials to use (default: AWS_PROFILE or 'default')"
    )
    parser.add_argument(
        "--server",
        action="store_true",
        help="hand the command a local credential server instead of fixed credentials",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")


def run(args: Arguments) -> int:
    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        sys.stderr.write("botocore-sso exec: name the command to run after --, e.g. -- aws s3 ls\n")
        return 2
    from ..credential_source import CredentialSource
    from ..fast import cached_credentials
    from ..running import SignalRelay, child_environment

    source = CredentialSource(args.profile, cached=cached_credentials)
    credentials = source.get()  # fails here, before the command starts, when there are none
    with SignalRelay() as relay:  # before the server's threads start, so that they inherit its signal mask
        if not args.server:
            return relay.run(command, child_environment(credentials))
        from ..credential_server import CredentialServer

        with CredentialServer({source.profile: source.get}) as server:
            return relay.run(command, child_environment(credentials, server_environment=server.environment()))
