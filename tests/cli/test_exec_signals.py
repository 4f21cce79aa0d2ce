"""``botocore-sso exec`` on a real pseudo-terminal: the terminal's signals once, a process's passed on.

Each test runs the real command as the session leader of a new pty (its
controlling terminal), with a child that writes every signal it catches to
that terminal. A SIGTERM sent to exec afterwards is the fence: exec passes it
on after anything it was going to pass on before, and the child exits on it,
so the child's record is complete when the terminal closes. The child counts
deliveries (one byte each from the C-level handler), not Python-level handler
runs, which merge two deliveries close together.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from tests.conftest import COMMAND, SSO_CONFIG, write_role_credentials

pytestmark = pytest.mark.skipif(not hasattr(termios, "TIOCSCTTY"), reason="needs pseudo-terminals")

RECORDS_SIGNALS = textwrap.dedent(
    """
    import os, signal
    # One byte per delivery, written by the C-level handler: two deliveries close together are
    # two bytes, where Python-level handlers would run once.
    deliveries, wakeup = os.pipe()
    os.set_blocking(wakeup, False)
    signal.set_wakeup_fd(wakeup, warn_on_full_buffer=False)
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    os.write(1, b"ready\\n")
    while True:
        # Signals pending together are delivered nested, the last first: a batch has no order.
        batch = os.read(deliveries, 64)
        os.write(1, "".join(f"caught {signum}\\n" for signum in batch).encode())
        if signal.SIGTERM in batch:
            os._exit(3)
    """
)

TAKES_THE_TERMINAL = "; ".join(
    [
        "import fcntl, os, sys, termios",
        "fcntl.ioctl(0, termios.TIOCSCTTY, 0)",
        "os.execv(sys.argv[1], sys.argv[1:])",
    ]
)
"""As a new session's leader: make stdin (the pty) the controlling terminal, then become the command."""

EXEC = (*COMMAND, "exec", "--profile", "dev")

WAIT = 60.0
"""Generous: a hang fails the test instead of hanging it."""


class Terminal:
    """The master side of a pty whose slave is a session's controlling terminal."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.output = b""

    def type(self, character: bytes) -> None:
        os.write(self.master, character)

    def read_until(self, text: bytes) -> None:
        """Read until ``text`` has been written to the terminal."""
        deadline = time.monotonic() + WAIT
        while text not in self.output:
            if not self._read_some(deadline):
                raise AssertionError(f"the terminal closed before {text!r}: {self.output!r}")

    def read_to_the_end(self) -> None:
        """Read until every process holding the terminal has closed it."""
        deadline = time.monotonic() + WAIT
        while self._read_some(deadline):
            pass

    def _read_some(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"nothing more on the terminal within {WAIT:g} s: {self.output!r}")
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the slave side is closed everywhere
            return False
        self.output += chunk
        return bool(chunk)

    def caught(self) -> List[int]:
        """The signals the child caught, sorted (the order of signals pending together is not kept)."""
        return sorted(int(number) for number in re.findall(rb"caught (\d+)", self.output))


@pytest.fixture
def on_a_terminal(write_config: Callable[[str], Path], aws_home: Path) -> Iterator[Callable[..., Any]]:
    """Starts ``RUNNER -- CHILD`` on a new pty (``botocore-sso exec --profile dev``): (process, terminal)."""
    write_config(SSO_CONFIG)
    write_role_credentials(aws_home)
    started: List[subprocess.Popen] = []
    terminals: List[Terminal] = []

    def start(*runner: str) -> tuple[subprocess.Popen, Terminal]:
        master, slave = os.openpty()
        command = [*(runner or EXEC), "--", sys.executable, "-c", RECORDS_SIGNALS]
        process = subprocess.Popen(
            [sys.executable, "-c", TAKES_THE_TERMINAL, *command],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        started.append(process)
        terminal = Terminal(master)
        terminals.append(terminal)
        terminal.read_until(b"ready")
        return process, terminal

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=WAIT)
    for terminal in terminals:
        os.close(terminal.master)


TERMINAL_SIGNALS = [(signal.SIGINT, termios.VINTR), (signal.SIGQUIT, termios.VQUIT)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sender is known on Linux only")
@pytest.mark.parametrize("options", [(), ("--server",)], ids=["keys", "server"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGQUIT], ids=["SIGINT", "SIGQUIT"])
def test_a_signal_another_process_sends_to_exec_reaches_the_child_once(
    on_a_terminal: Callable[..., Any], signum: int, options: tuple
) -> None:
    """An IDE's stop button, a test runner's timeout, a supervisor: `kill -INT <exec pid>` is passed on.

    With --server too, whose threads start after exec holds the signals.
    """
    process, terminal = on_a_terminal(*EXEC, *options)
    os.kill(process.pid, signum)
    os.kill(process.pid, signal.SIGTERM)  # the fence
    terminal.read_to_the_end()
    assert process.wait(timeout=WAIT) == 3
    assert terminal.caught() == [signum, signal.SIGTERM]


@pytest.mark.parametrize(("signum", "control"), TERMINAL_SIGNALS, ids=["SIGINT", "SIGQUIT"])
def test_a_signal_the_terminal_sends_reaches_the_child_once_not_twice(
    on_a_terminal: Callable[..., Any], signum: int, control: int
) -> None:
    """Ctrl-C goes to the whole foreground process group: the child has it already, exec adds no copy.

    exec is stopped while the terminal sends it, so that it takes the signal
    after the child has: a copy sent sooner would merge with the child's
    still-pending one in the kernel, and show nothing.
    """
    process, terminal = on_a_terminal()
    _type_while_exec_is_stopped(process, terminal, signum, control)
    os.kill(process.pid, signal.SIGTERM)  # the fence
    terminal.read_to_the_end()
    assert process.wait(timeout=WAIT) == 3
    assert terminal.caught() == [signum, signal.SIGTERM]


def _type_while_exec_is_stopped(
    process: subprocess.Popen, terminal: Terminal, signum: int, control: int
) -> None:
    """Type the control character; exec takes its signal only once the child has."""
    os.kill(process.pid, signal.SIGSTOP)
    os.waitpid(process.pid, os.WUNTRACED)  # stopped (not reaped)
    character = termios.tcgetattr(terminal.master)[6][control]
    terminal.type(character if isinstance(character, bytes) else bytes([character]))
    terminal.read_until(f"caught {signum}".encode())
    os.kill(process.pid, signal.SIGCONT)


RELAYS_WITHOUT_THE_SENDER = textwrap.dedent(
    """
    import os, sys, threading
    from botocore_sso_provider.cli.running import SignalRelay
    with SignalRelay(sender_known=False) as relay:
        threading.Thread(target=threading.Event().wait, daemon=True).start()  # as the credential server's
        sys.exit(relay.run(sys.argv[sys.argv.index("--") + 1 :], dict(os.environ)))
    """
)


def test_without_sigwaitinfo_a_terminal_in_the_foreground_is_taken_for_the_sender(
    on_a_terminal: Callable[..., Any],
) -> None:
    """macOS: Ctrl-C reaches the child once; a `kill -INT` from elsewhere is lost (docs: security)."""
    process, terminal = on_a_terminal(sys.executable, "-c", RELAYS_WITHOUT_THE_SENDER)
    os.kill(process.pid, signal.SIGINT)  # taken for the terminal's, which the child would have had
    _type_while_exec_is_stopped(process, terminal, signal.SIGINT, termios.VINTR)
    os.kill(process.pid, signal.SIGTERM)  # the fence: passed on, whoever sends it
    terminal.read_to_the_end()
    assert process.wait(timeout=WAIT) == 3
    assert terminal.caught() == [signal.SIGINT, signal.SIGTERM]


SHOWS_ITS_SIGNALS = "import sys; sys.stdout.write(open('/proc/self/status').read())"


def _signal_set(status: str, field: str) -> set:
    mask = int(re.search(rf"^{field}:\s*([0-9a-f]+)$", status, re.M).group(1), 16)  # type: ignore[union-attr]
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


RESET_FOR_THE_CHILD = {
    signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
    signal.SIGPIPE, signal.SIGXFSZ, signal.SIGCHLD,
}  # fmt: skip


def _run_exec_showing_signals(cached: Dict[str, Any], *, ignoring: tuple = ()) -> str:
    """The child's /proc/self/status, exec started with ``ignoring`` set to SIG_IGN (as nohup does)."""
    ignores = "".join(f"signal.signal({int(signum)}, signal.SIG_IGN); " for signum in ignoring)
    starter = f"import os, signal, sys; {ignores}os.execv(sys.argv[1], sys.argv[1:])"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            starter,
            *COMMAND,
            "exec",
            "--profile",
            "dev",
            "--",
            "cat",
            "/proc/self/status",
        ],
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/self/status")


@pytest.fixture
def cached(write_config: Callable[[str], Path], aws_home: Path) -> Dict[str, Any]:
    write_config(SSO_CONFIG)
    return write_role_credentials(aws_home)


@needs_proc
def test_the_child_starts_with_no_signal_blocked_and_default_dispositions(cached: Dict[str, Any]) -> None:
    """exec blocks the signals it passes on; the child inherits neither that nor Python's SIGPIPE ignore."""
    status = _run_exec_showing_signals(cached)
    ours_blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert _signal_set(status, "SigBlk") == {int(signum) for signum in ours_blocked}
    inherited_ignored = {int(s) for s in RESET_FOR_THE_CHILD if signal.getsignal(s) == signal.SIG_IGN}
    assert _signal_set(status, "SigIgn") & RESET_FOR_THE_CHILD == inherited_ignored - {
        signal.SIGPIPE,
        signal.SIGXFSZ,
        signal.SIGCHLD,
    }


@needs_proc
def test_a_signal_exec_was_started_ignoring_stays_ignored_in_the_child(cached: Dict[str, Any]) -> None:
    """`nohup botocore-sso exec -- job`: the job ignores SIGHUP, as it would under nohup directly."""
    status = _run_exec_showing_signals(cached, ignoring=(signal.SIGHUP,))
    assert signal.SIGHUP in _signal_set(status, "SigIgn")
    assert _signal_set(status, "SigIgn") & {signal.SIGINT, signal.SIGTERM, signal.SIGPIPE} == set()
