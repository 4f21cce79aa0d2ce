"""``botocore-sso serve``: a local credential server for containers and remote hosts, until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Optional

from . import CommandArguments

NAME = "serve"
HELP = "serve a profile's credentials to containers and other hosts (AWS container-credentials protocol)"
EXAMPLES = """examples:
  botocore-sso serve --profile dev
  botocore-sso serve --profile dev --port 9911

The server listens on 127.0.0.1 and requires the printed authorization token on
every request. --host with another address makes the credentials reachable from
the network (anyone who also has the token can read them); it warns.
"""


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Arguments(CommandArguments):
    profile: Optional[str]
    port: int
    host: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="the profile to serve (default: AWS_PROFILE or 'default')")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")


def run(args: Arguments) -> int:
    import logging

    from ..credential_server import TOKEN_VARIABLE, URI_VARIABLE, CredentialServer, is_loopback
    from ..credential_source import CredentialSource
    from ..fast import cached_credentials

    if not 0 <= args.port <= 65535:
        sys.stderr.write(f"botocore-sso serve: --port must be between 0 and 65535, not {args.port}\n")
        return 2
    source = CredentialSource(args.profile, cached=cached_credentials)
    source.get()  # fails now, not at the first request, when there are no credentials
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter("botocore-sso serve: %(message)s"))
    ours = logging.getLogger("botocore_sso_provider")  # ours only: they never log a secret
    ours.addHandler(log_handler)
    ours.setLevel(logging.INFO)
    if not is_loopback(args.host):
        sys.stderr.write(
            f"botocore-sso serve: WARNING: listening on {args.host}, not on loopback: anyone who can "
            "reach this address and has the token can read these credentials.\n"
        )
    try:
        server = CredentialServer(source.get, host=args.host, port=args.port)
    except OSError as err:
        sys.stderr.write(f"botocore-sso serve: cannot listen on {args.host}:{args.port}: {err.strerror}\n")
        return 1
    stopped = threading.Event()
    # Both set the event (no KeyboardInterrupt halfway through start-up or shutdown).
    previous = {signum: signal.signal(signum, lambda *_: stopped.set()) for signum in _STOP_SIGNALS}
    try:
        server.start()
        lines = "".join(f"export {name}={value}\n" for name, value in server.environment().items())
        sys.stdout.write(
            f"Serving the credentials of profile {source.profile} on {server.url}\n"
            f"Point a program at it with:\n{lines}\n"
            f"In a container:  docker run --network host -e {URI_VARIABLE} -e {TOKEN_VARIABLE} IMAGE ...\n"
            f"On another host: ssh -R {server.port}:127.0.0.1:{server.port} HOST, then the exports there.\n"
            "Press Ctrl-C to stop.\n"
        )
        sys.stdout.flush()
        while not stopped.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
    sys.stderr.write("botocore-sso serve: stopped.\n")
    return 0
