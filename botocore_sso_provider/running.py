"""Running another program with a profile's credentials (``botocore-sso exec``).

The child gets the terminal (stdin, stdout, stderr), its exit status becomes
ours (``128 + N`` when it dies of signal N, as shells report it), and the
signals we receive are passed on. Ctrl-C and Ctrl-\\ are the exception when
we share the terminal's foreground process group with the child: the
terminal has already sent them to it, and a second copy would interrupt
twice.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from typing import Any, Mapping, Optional, Sequence

from .exporting import ProfileCredentials, environment_variables
from .quick_credentials import CHAIN_VARIABLE

REMOVED_VARIABLES = (
    # Keys in the environment: first in every SDK's default chain.
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",  # botocore's older name for the session token
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",  # read with the keys (botocore, go-v2, java-v2, js-v3, rust)
    "AWS_CREDENTIAL_SCOPE",  # read with the keys (js-v3)
    "AWS_ACCESS_KEY",  # go-v2 reads these two when the AWS_..._ID/ACCESS_KEY names are unset,
    "AWS_SECRET_KEY",  # as they are with --server
    # A profile: ahead of the container provider everywhere; js-v3 even skips the keys for it.
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",  # botocore, go-v2
    # Web identity (EKS, CI, devcontainers): ahead of the container provider in every SDK.
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_SESSION_NAME",
    # botocore's legacy files, both read before its container provider.
    "AWS_CREDENTIAL_FILE",
    "BOTO_CONFIG",
    # Another container endpoint: RELATIVE_URI wins over FULL_URI, a token file over the token.
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    CHAIN_VARIABLE,  # ours: the child's own credential_process runs start a chain of their own
)
"""Whatever would make the child's SDK take other credentials before the ones we hand it.

Read from the default chains of botocore, aws-sdk-go-v2, aws-sdk-java-v2,
aws-sdk-js-v3 and aws-sdk-rust; the same list for both modes, although with
keys in the environment only the keys and the profile names matter.
"""

FORWARDED_SIGNALS = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2")
    if hasattr(signal, name)
)
_TERMINAL_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGQUIT") if hasattr(signal, name)
)


def child_environment(
    credentials: ProfileCredentials,
    *,
    server_environment: Optional[Mapping[str, str]] = None,
    base: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """``base`` without other credentials, plus ours (or the credential server's two variables)."""
    environment = {name: value for name, value in base.items() if name not in REMOVED_VARIABLES}
    if server_environment is not None:
        environment.update(server_environment)
    else:
        environment.update(environment_variables(credentials))
    if credentials.region:
        environment["AWS_REGION"] = credentials.region
        environment["AWS_DEFAULT_REGION"] = credentials.region
    return environment


def run_child(command: Sequence[str], environment: Mapping[str, str]) -> int:
    """Run ``command`` until it ends, passing signals on; its exit status (126/127 if it cannot start)."""
    children: list[subprocess.Popen[bytes]] = []
    pending: list[int] = []  # signals that came before the child existed

    def forward(signum: int, frame: Any) -> None:
        if signum in _TERMINAL_SIGNALS and _child_hears_the_terminal():
            return
        if not children:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            children[0].send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        try:
            children.append(subprocess.Popen(list(command), env=dict(environment)))
        except FileNotFoundError:
            sys.stderr.write(f"botocore-sso: {command[0]}: command not found\n")
            return 127
        except PermissionError:
            sys.stderr.write(f"botocore-sso: {command[0]}: permission denied\n")
            return 126
        for signum in pending:
            with contextlib.suppress(ProcessLookupError):
                children[0].send_signal(signum)
        status = children[0].wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status if status >= 0 else 128 - status


def _child_hears_the_terminal() -> bool:
    """Whether our process group (the child's too) is in the foreground of a controlling terminal."""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)
