"""Running another program with a profile's credentials (``botocore-sso exec``).

The child gets the terminal (stdin, stdout, stderr), its exit status becomes
ours (``128 + N`` when it dies of signal N, as shells report it), and each
signal we receive reaches it once:

- On Linux, exec holds the signals it passes on and takes them with
  ``sigwaitinfo``, which says who sent each. A SIGINT or SIGQUIT the kernel
  sent (``SI_KERNEL``: the terminal's Ctrl-C or Ctrl-\\, sent to the whole
  foreground process group) has reached the child already while the child is
  in our process group, so it is not sent again; what another process sent
  (``kill``, ``sigqueue``, ``tgkill``) is passed on.
- Elsewhere (macOS has no ``sigwaitinfo``) the sender is unknown, and while
  our process group is in a terminal's foreground SIGINT and SIGQUIT are
  taken for the terminal's and not passed on: a doubled Ctrl-C makes many
  programs (Terraform among them) quit without cleaning up, which is worse
  than a lost ``kill -INT`` (send SIGTERM, or signal the process group).

The child starts with the signal mask exec was started with and the default
dispositions, except for signals exec was started ignoring (``nohup``): those
stay ignored, as they would for the command run directly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, Mapping, Optional, Sequence

from ..rules.terminal import printable
from .credential_source import CHAIN_VARIABLE
from .exporting import ProfileCredentials, environment_variables

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
_DEFAULT_IN_THE_CHILD = tuple(
    getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ", "SIGCHLD") if hasattr(signal, name)
)
"""Besides the passed-on signals: Python ignores SIGPIPE and SIGXFSZ for itself (subprocess resets
them too), and SIGCHLD is at its default while we wait."""

_SI_KERNEL = 0x80
"""Linux's ``si_code`` for a signal the kernel sent, as a terminal's Ctrl-C is; a process's is ``<= 0``."""


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


class SignalRelay:
    """Runs the child and passes the signals exec receives on to it, each once.

    Enter it before any thread starts (the credential server's): it blocks the
    signals, and every thread started later inherits that, so a signal meant
    for the child is taken by ``sigwaitinfo`` (Linux) or by a handler in the
    main thread, never by a thread that cannot pass it on. Signals that come
    before the child exists are passed on when it starts.
    """

    def __init__(self, *, sender_known: Optional[bool] = None) -> None:
        """``sender_known=False`` takes the path of systems without ``sigwaitinfo`` (tests do, on Linux)."""
        self._sender_known = sender_known
        self._relayed: tuple[int, ...] = ()
        self._mask_at_start: set[int] = set()
        self._previous_handlers: dict[int, Any] = {}
        self._child: Optional[int] = None

    def __enter__(self) -> SignalRelay:
        if self._sender_known is None:
            # A thread started before us does not block the signals, and could take them from sigwaitinfo.
            self._sender_known = sys.platform.startswith("linux") and threading.active_count() == 1
        self._relayed = tuple(
            signum for signum in FORWARDED_SIGNALS if signal.getsignal(signum) != signal.SIG_IGN
        )
        # At its default, never ignored: an ignored SIGCHLD would reap the child before we can.
        self._previous_handlers[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if not self._sender_known:
            for signum in self._relayed:
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
        self._mask_at_start = signal.pthread_sigmask(signal.SIG_BLOCK, self._waited())
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._sender_known:
            # Whatever came after the child ended has nobody to go to: we exit with its status.
            while signal.sigtimedwait(self._waited(), 0) is not None:
                pass
        self._child = None  # the handler drops what comes now: the child's pid may be another's
        signal.pthread_sigmask(signal.SIG_SETMASK, self._mask_at_start)
        for signum, handler in self._previous_handlers.items():
            if handler is not None:  # None: not set from Python, nothing we can put back
                signal.signal(signum, handler)

    def run(self, command: Sequence[str], environment: Mapping[str, str]) -> int:
        """Run ``command`` until it ends; its exit status (126/127 if it cannot start)."""
        early = self._take_pending() if self._sender_known else []
        try:
            child = os.posix_spawnp(
                command[0],
                list(command),
                dict(environment),
                setsigmask=self._mask_at_start,
                setsigdef=(*self._relayed, *_DEFAULT_IN_THE_CHILD),
            )
        except FileNotFoundError:
            sys.stderr.write(f"botocore-sso: {printable(command[0])}: command not found\n")
            return 127
        except OSError as err:
            sys.stderr.write(f"botocore-sso: {printable(command[0])}: {(err.strerror or str(err)).lower()}\n")
            return 126
        if self._sender_known:
            for signum in early:
                _send(child, signum)
            status = self._relay_until_the_child_ends(child)
        else:
            self._child = child
            # Only this thread takes the signals from now on; the handler passes them on meanwhile.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, self._relayed)
            status = os.waitpid(child, 0)[1]
            self._child = None
        code = os.waitstatus_to_exitcode(status)
        return code if code >= 0 else 128 - code

    def _waited(self) -> tuple[int, ...]:
        return (*self._relayed, signal.SIGCHLD) if self._sender_known else self._relayed

    def _take_pending(self) -> list[int]:
        """The signals that came before the child existed: the child heard none of them."""
        taken: list[int] = []
        while True:
            info = signal.sigtimedwait(self._relayed, 0)
            if info is None:
                return taken
            taken.append(info.si_signo)

    def _relay_until_the_child_ends(self, child: int) -> int:
        while True:
            info = signal.sigwaitinfo(self._waited())
            if info.si_signo == signal.SIGCHLD:
                ended, status = os.waitpid(child, os.WNOHANG)
                if ended:
                    return status
            elif not _the_child_heard_it_too(info, child):
                _send(child, info.si_signo)

    def _on_signal(self, signum: int, frame: Any) -> None:
        """Without sigwaitinfo the sender is unknown: in a terminal's foreground, the terminal is assumed."""
        if self._child is None or (signum in _TERMINAL_SIGNALS and _child_hears_the_terminal()):
            return
        _send(self._child, signum)


def _the_child_heard_it_too(info: Any, child: int) -> bool:
    """Whether the terminal sent this SIGINT or SIGQUIT to our process group, the child included."""
    if info.si_signo not in _TERMINAL_SIGNALS or info.si_code != _SI_KERNEL:
        return False
    try:
        return os.getpgid(child) == os.getpgrp()
    except ProcessLookupError:
        return True  # gone: nobody to send it to


def _send(child: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signum)


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
