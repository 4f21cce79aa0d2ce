"""``serve`` and ``exec --server`` against other local processes: connections without the token.

Anyone on the machine can connect to the server's port. Their connections
time out, are capped (the longest idle closed first), never keep the client
with the token from its answer, and running out of descriptors never makes
the server spin.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

from tests.cli.test_serve import USES_THE_CONTAINER_PROVIDER, Served, get
from tests.conftest import COMMAND, SSO_CONFIG, run_python, write_role_credentials

MACOS_DEFAULT_DESCRIPTORS = 256
"""``ulimit -n`` on a Mac: a flood a little over it is what exhausted the server's descriptors."""

FLOOD = 400

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and uses prlimit")


def _with_descriptors(limit: int) -> Callable[[], None]:
    def lower() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    return lower


@pytest.fixture
def serve_with(write_config: Callable[[str], Path], aws_home: Path) -> Iterator[Callable[..., Served]]:
    """``botocore-sso serve --profile dev``, optionally with fewer descriptors, stopped after the test."""
    write_config(SSO_CONFIG)
    write_role_credentials(aws_home)
    started: List[subprocess.Popen] = []

    def start(descriptors: Optional[int] = None) -> Served:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--profile", "dev"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            preexec_fn=_with_descriptors(descriptors) if descriptors else None,
        )
        started.append(process)
        return Served(process)

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)


def port_of(served: Served) -> int:
    return int(served.url.rsplit(":", 1)[1].strip("/"))


def closed_by_the_server(connection: socket.socket, timeout: float = 60) -> bool:
    """True once the server ends ``connection`` (EOF or reset); False if still open after ``timeout``."""
    connection.settimeout(timeout)
    try:
        while connection.recv(4096):
            pass
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return True


def lookup_with_the_token(served: Served, aws_home: Path) -> subprocess.CompletedProcess[str]:
    """A real botocore container-provider lookup, in another process, as a client of the server would."""
    empty_config = aws_home / "empty-config"
    empty_config.write_text("")
    env = {**os.environ, **served.environment, "AWS_CONFIG_FILE": str(empty_config)}
    return run_python("-c", USES_THE_CONTAINER_PROVIDER, env=env, timeout=120)


def test_a_flood_of_idle_connections_never_keeps_the_client_with_the_token_out(
    serve_with: Callable[..., Served], aws_home: Path
) -> None:
    served = serve_with(descriptors=MACOS_DEFAULT_DESCRIPTORS)
    flood: List[socket.socket] = []
    try:
        for _ in range(FLOOD):
            try:
                flood.append(socket.create_connection(("127.0.0.1", port_of(served)), timeout=5))
            except OSError:
                break  # the server no longer accepts: what the flood was for
        done = lookup_with_the_token(served, aws_home)
        assert done.returncode == 0, done.stderr
        assert '"method": "container-role"' in done.stdout
        assert len(flood) == FLOOD, "every connection of the flood was accepted (and the oldest closed)"
        still_open = [c for c in flood if not closed_by_the_server(c)]
        assert not still_open, f"{len(still_open)} idle connections were never closed"
    finally:
        for connection in flood:
            connection.close()
    status, err = served.stop()
    assert status == 0
    assert "connections open: closing the ones idle longest" in err, "the flood is reported once"
    assert err.count("idle longest") == 1


def _trickle(connection: socket.socket, stop: threading.Event) -> None:
    """A request head that never ends: one header byte at a time, the slow-loris way."""
    try:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while not stop.wait(0.2):  # the attacker's pace; the test waits on the server, not on this
            connection.sendall(b"a")
    except OSError:
        pass  # the server hung up


@pytest.mark.parametrize("client", ["silent", "keep-alive after an answer", "header trickle"])
def test_the_server_closes_connections_that_send_no_whole_request(
    serve_with: Callable[..., Served], client: str
) -> None:
    served = serve_with()
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", port_of(served)), timeout=30) as connection:
        if client == "keep-alive after an answer":
            connection.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: {served.token}\r\n\r\n".encode())
            head = connection.recv(65536)
            assert head.startswith(b"HTTP/1.1 200"), head[:40]
            assert b"Connection: close" not in head, "the client with the token is kept alive"
        elif client == "header trickle":
            threading.Thread(target=_trickle, args=(connection, stop), daemon=True).start()
        try:
            assert closed_by_the_server(connection)
        finally:
            stop.set()
    assert get(served.url, served.token)[0] == 200, "and the server still serves"


def test_a_refused_request_ends_its_connection(serve_with: Callable[..., Served]) -> None:
    served = serve_with()
    with socket.create_connection(("127.0.0.1", port_of(served)), timeout=30) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = connection.recv(65536)
        assert head.startswith(b"HTTP/1.1 401")
        assert b"Connection: close" in head
        assert closed_by_the_server(connection, timeout=30)


def test_a_request_head_too_large_is_cut_off_unanswered(serve_with: Callable[..., Served]) -> None:
    served = serve_with()
    with socket.create_connection(("127.0.0.1", port_of(served)), timeout=30) as connection:
        head = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"a" * 60_000 + b"\r\n" * 2
        with contextlib.suppress(OSError):  # the server may hang up mid-way
            connection.sendall(head)  # far more than a credential request, under http.server's own limits
        try:
            answer = connection.recv(65536)
        except ConnectionResetError:
            answer = b""
    assert answer == b"", answer[:40]
    assert get(served.url, served.token)[0] == 200


def _lowest_free_descriptor(pid: int) -> int:
    used = {int(name) for name in os.listdir(f"/proc/{pid}/fd")}
    return min(set(range(len(used) + 1)) - used)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@linux_only
def test_out_of_descriptors_the_server_waits_instead_of_spinning(serve_with: Callable[..., Served]) -> None:
    served = serve_with()
    pid = served.process.pid
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (_lowest_free_descriptor(pid), hard))
    waiting = [socket.create_connection(("127.0.0.1", port_of(served)), timeout=30) for _ in range(3)]
    try:
        cpu_before, wall_before = _cpu_seconds(pid), time.monotonic()
        time.sleep(2)  # the stretch measured: connections pending, accept failing with EMFILE
        cpu, wall = _cpu_seconds(pid) - cpu_before, time.monotonic() - wall_before
        assert cpu < wall / 10, f"{cpu:.2f} s of CPU in {wall:.2f} s: the accept loop spins"
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
        assert get(served.url, served.token)[0] == 200, "descriptors back: served again"
    finally:
        for connection in waiting:
            connection.close()


HOLDS_AN_IDLE_CONNECTION = textwrap.dedent(
    """
    import os, socket, urllib.parse
    address = urllib.parse.urlsplit(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    idle = socket.create_connection((address.hostname, address.port), timeout=60)
    try:
        closed = idle.recv(1) == b""
    except ConnectionResetError:
        closed = True
    print("closed by the server" if closed else "still open")
    """
)


def test_exec_with_server_closes_an_idle_connection_too(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    write_role_credentials(aws_home)
    done = subprocess.run(
        [
            *COMMAND,
            "exec",
            "--profile",
            "dev",
            "--server",
            "--",
            sys.executable,
            "-c",
            HOLDS_AN_IDLE_CONNECTION,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed by the server"


def test_when_every_connection_is_mid_answer_a_new_one_is_closed_at_once() -> None:
    from botocore_sso_provider.cli.credential_server import CredentialServer
    from botocore_sso_provider.cli.exporting import ProfileCredentials
    from botocore_sso_provider.login.bounded_http import MAX_CONNECTIONS

    asked = threading.Semaphore(0)
    release = threading.Event()

    def slow_credentials() -> ProfileCredentials:
        asked.release()
        release.wait(60)
        return ProfileCredentials(access_key="AKIA", secret_key="s", token="t")

    with CredentialServer(slow_credentials) as server:
        statuses: List[int] = []
        askers = [
            threading.Thread(target=lambda: statuses.append(get(server.url, server.token)[0]))
            for _ in range(MAX_CONNECTIONS)
        ]
        for asker in askers:
            asker.start()
        for _ in range(MAX_CONNECTIONS):
            assert asked.acquire(timeout=60), "every request reached the credential source"
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as extra:
            assert closed_by_the_server(extra, timeout=30), "no room: closed at once, not queued"
        release.set()
        for asker in askers:
            asker.join(60)
    assert statuses == [200] * MAX_CONNECTIONS, "the requests in progress were all answered"
