"""The ``botocore-sso`` command: wiring only; each command's work lives in its module.

Errors this package raises on purpose are printed as their one-sentence
message on stderr (exit status 1), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence

from botocore.exceptions import BotoCoreError

from ._version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="botocore-sso",
        description="AWS IAM Identity Center (SSO) logins and credentials for botocore and boto3.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    login = commands.add_parser("login", help="log in and cache an SSO token")
    which = login.add_mutually_exclusive_group()
    which.add_argument(
        "--profile", help="the profile whose SSO login to refresh (default: AWS_PROFILE or 'default')"
    )
    which.add_argument("--sso-session", help="the [sso-session NAME] to log in to")
    login.add_argument(
        "--use-device-code",
        action="store_true",
        help="use the device-code flow (the only flow for now; for hosts without a local browser)",
    )
    login.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")
    login.set_defaults(handler=_login)

    fake = commands.add_parser("fake-server", help="run the fake IAM Identity Center until Ctrl-C")
    fake.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    fake.add_argument("--manual-approval", action="store_true", help="do not approve device codes by itself")
    fake.set_defaults(handler=_fake_server)

    demo = commands.add_parser("demo", help="log in and use credentials against local fakes")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BotoCoreError as err:  # ours subclass botocore's; botocore's own read as well
        sys.stderr.write(f"botocore-sso: {err}\n")
        return 1
    return status


def _login(args: Any) -> int:
    import botocore.session

    from .config import session_for_login
    from .login import DeviceCodeLogin

    session = botocore.session.Session(profile=args.profile) if args.profile else botocore.session.Session()
    profile = args.profile or session.get_config_variable("profile")
    config = session_for_login(session.full_config, profile=profile, session_name=args.sso_session)
    token = DeviceCodeLogin(config, session, out=sys.stdout, open_browser=not args.no_browser).run()
    sys.stdout.write(f"Logged in to {config.subject}; the token is valid until {token.data['expiresAt']}.\n")
    return 0


def _fake_server(args: Any) -> int:
    from .testing import FakeIdentityCenter

    with FakeIdentityCenter(port=args.port, auto_approve=not args.manual_approval) as idc:
        sys.stdout.write(
            f"Fake IAM Identity Center listening on {idc.url}\n"
            "Point botocore at it with:\n"
            + "".join(f"  export {name}={value}\n" for name, value in idc.environ().items())
            + f"Request counts: {idc.url}/_fake/counts\nPress Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        idc.serve_forever()
    return 0


def _demo(args: Any) -> int:
    from .demo import run

    return run(sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
