"""``botocore-sso serve``: a local credential server for containers and remote hosts, until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING, Optional

from . import CommandArguments

if TYPE_CHECKING:
    from ..credential_server import CredentialServer

NAME = "serve"
HELP = "serve profiles' credentials to containers and other hosts (container credentials, instance metadata)"
EXAMPLES = """examples:
  botocore-sso serve --profile dev
  botocore-sso serve --profile dev --profile prod --port 9911 --token-file ~/.aws/serve-token
  botocore-sso serve --profile dev --imds     # also for tools that read only instance metadata

One server, one login, a route per profile: /profiles/NAME answers that
profile and / the first one. /healthz answers 200 to anyone while the server
runs (no token, nothing secret), for health checks.

The server listens on 127.0.0.1 and requires the authorization token on every
credential request. --host with another address makes the credentials
reachable from that network (anyone who also has the token can read them); it
warns. --token-file keeps the token in a file (created 0600 with a new one if
absent) that SDKs read through AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.

--imds also answers the EC2 instance-metadata protocol (IMDSv2 only) with the
first profile's credentials, on loopback only and only to processes of your
own user (and root): set AWS_EC2_METADATA_SERVICE_ENDPOINT to the printed URL.
"""

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")
_MIN_TOKEN_LENGTH = 16
_MAX_TOKEN_LENGTH = 512


class Arguments(CommandArguments):
    profile: Optional[list[str]]
    port: int
    host: str
    imds: bool
    token_file: Optional[str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        action="append",
        metavar="PROFILE",
        help="a profile to serve; repeat for several, the first also answers / "
        "(default: AWS_PROFILE or 'default')",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help="read the authorization token from FILE, or write a new one there (0600) if it does not exist",
    )
    parser.add_argument(
        "--imds",
        action="store_true",
        help="also answer the EC2 instance-metadata protocol (IMDSv2) with the first profile's credentials",
    )


def run(args: Arguments) -> int:
    from ..credential_server import is_loopback
    from ..peer_user import can_identify_peers

    if not 0 <= args.port <= 65535:
        return _usage(f"--port must be between 0 and 65535, not {args.port}")
    if args.imds and not is_loopback(args.host):
        return _usage(
            "--imds listens on loopback only: SDKs send no token to instance metadata, so anyone who "
            "could reach this address would get the credentials. Drop --host, or drop --imds and use "
            "the container endpoint with its token"
        )
    if args.imds and not can_identify_peers():
        return _usage(
            "--imds needs Linux, whose kernel tells who owns a connection, to answer only your own "
            "processes; here use the container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead"
        )
    named: list[Optional[str]] = [*args.profile] if args.profile else [None]
    profiles = list(dict.fromkeys(named))  # in order, each once
    return _serve(args, profiles)


def _serve(args: Arguments, profiles: list[Optional[str]]) -> int:
    import logging

    from ...rules.terminal import printable
    from ..credential_server import CredentialServer, is_loopback
    from ..credential_source import CredentialSource, load_full_config
    from ..fast import cached_credentials
    from ..instance_metadata import ENDPOINT_VARIABLE, InstanceMetadata, role_name_for

    sources = [CredentialSource(profile, cached=cached_credentials) for profile in profiles]
    for source in sources:
        source.get()  # fails now, not at the first request, when a profile has no credentials
    token = _token_from_file(args.token_file) if args.token_file else None
    instance_metadata = None
    if args.imds:
        first = sources[0]
        values = load_full_config().get("profiles", {}).get(first.profile) or {}
        instance_metadata = InstanceMetadata(role_name_for(first.profile, values), first.get)
    ours = logging.getLogger("botocore_sso_provider")  # ours only: they never log a secret
    if not ours.isEnabledFor(logging.DEBUG):  # with --debug, its handler already shows these
        log_handler = logging.StreamHandler(sys.stderr)
        log_handler.setFormatter(logging.Formatter("botocore-sso serve: %(message)s"))
        ours.addHandler(log_handler)
        ours.setLevel(logging.INFO)
    if not is_loopback(args.host):
        sys.stderr.write(
            f"botocore-sso serve: WARNING: listening on {printable(args.host)}, not on loopback: anyone who "
            "can reach this address and has the token can read these credentials.\n"
        )
    try:
        server = CredentialServer(
            {source.profile: source.get for source in sources},
            host=args.host,
            port=args.port,
            token=token,
            instance_metadata=instance_metadata,
        )
    except OSError as err:
        sys.stderr.write(
            f"botocore-sso serve: cannot listen on {printable(args.host)}:{args.port}: {err.strerror}\n"
        )
        return 1
    stopped = threading.Event()
    # Both set the event (no KeyboardInterrupt halfway through start-up or shutdown).
    previous = {signum: signal.signal(signum, lambda *_: stopped.set()) for signum in _STOP_SIGNALS}
    try:
        server.start()
        sys.stdout.write(_banner(server, args.token_file, ENDPOINT_VARIABLE))
        sys.stdout.flush()
        while not stopped.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
    sys.stderr.write("botocore-sso serve: stopped.\n")
    return 0


def _banner(server: CredentialServer, token_file: Optional[str], endpoint_variable: str) -> str:
    """What serve prints: the routes, the variables, and how containers and other hosts reach them."""
    import shlex

    from ...rules.terminal import printable
    from ..credential_server import TOKEN_FILE_VARIABLE, TOKEN_VARIABLE, URI_VARIABLE

    names = list(server.profiles)
    routes = "".join(f"  {printable(name)}: {server.url_for(name)}\n" for name in names)
    exports = "".join(f"export {name}={value}\n" for name, value in server.environment().items())
    if len(names) == 1:
        serving = f"profile {printable(names[0])} on {server.url}"
    else:
        listed = ", ".join(printable(name) for name in names)
        serving = f"profiles {listed} on {server.url} (/ answers {printable(names[0])})"
    text = (
        f"Serving the credentials of {serving}\n"
        f"Each profile's own route:\n{routes}"
        f"Health check (no token): {server.health_url}\n"
        f"Point a program at it with:\n{exports}"
    )
    if token_file:
        path = printable(shlex.quote(token_file))
        text += f"or, instead of the token itself: export {TOKEN_FILE_VARIABLE}={path}\n"
    if server.instance_metadata is not None:
        text += (
            f"Instance metadata (IMDSv2, role {server.instance_metadata.role_name}, your user only): "
            f"export {endpoint_variable}={server.url}\n"
        )
    return text + (
        f"\nIn a container:  docker run --network host -e {URI_VARIABLE} -e {TOKEN_VARIABLE} IMAGE ...\n"
        f"On another host: ssh -R {server.port}:127.0.0.1:{server.port} HOST, then the exports there.\n"
        "Press Ctrl-C to stop.\n"
    )


def _token_from_file(path: str) -> str:
    """The token kept in ``path``, or a new one written there (0600); SSOConfigError with the fix if unfit."""
    import os
    import secrets
    import shlex

    from ...errors import SSOConfigError
    from ...rules.terminal import printable
    from ...store.credentials_file import read_credentials_file, write_secret_file

    text = read_credentials_file(path)  # refuses a FIFO, a directory, a file a stranger could write
    if text is None:
        token = secrets.token_urlsafe(32)
        write_secret_file(path, token)  # no newline: SDKs send the file's bytes as they are
        return token
    shown, word = printable(path), printable(shlex.quote(path))
    if os.stat(path).st_mode & 0o077:
        raise SSOConfigError(
            error_msg=f"The token file {shown} can be read by other users; make it private: chmod 600 {word}"
        )
    if not (_MIN_TOKEN_LENGTH <= len(text) <= _MAX_TOKEN_LENGTH and set(text) <= _TOKEN_CHARACTERS):
        raise SSOConfigError(
            error_msg=f"The token file {shown} does not hold a token SDKs can send ({_MIN_TOKEN_LENGTH} to "
            f"{_MAX_TOKEN_LENGTH} letters, digits or -._~+/=, no line break: SDKs send the file as it is); "
            f"remove it and serve writes a new one: rm {word}"
        )
    return text


def _usage(message: str) -> int:
    sys.stderr.write(f"botocore-sso serve: {message}.\n")
    return 2
