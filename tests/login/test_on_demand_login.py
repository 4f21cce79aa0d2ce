"""Login on demand: in a real pseudo-terminal the provider logs in by itself; without one, never."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Tuple

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, needs_pkce_model, run_python, token_path

RESOLVE = """
import sys
import boto3
try:
    credentials = boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials()
except Exception as error:
    print(f"{type(error).__name__}: {error}")
    sys.exit(3)
print(credentials.access_key)
"""

FOLLOW_REDIRECTS = """
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=30).read()
"""

AUTO_LOGIN_CONFIG = (
    SSO_CONFIG
    + """
    sso_auto_login = true
"""
)


def run_in_terminal(env: Dict[str, str], timeout: float = 90) -> Tuple[int, str, str]:
    """Run RESOLVE with stdin and stderr on a new pseudo-terminal; exit status, stdout, terminal output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", RESOLVE], stdin=terminal, stderr=terminal, stdout=subprocess.PIPE, env=env
    )
    os.close(terminal)
    seen = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out, _ = process.communicate(timeout=30)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    return process.returncode, out.decode(), seen.decode(errors="replace")


def environment(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(extra)
    return env


def test_in_a_terminal_sso_auto_login_logs_in_with_the_device_code(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(AUTO_LOGIN_CONFIG)
    status, out, terminal = run_in_terminal(environment(SSH_CONNECTION="10.0.0.1 5 10.0.0.2 22"))
    assert status == 0, terminal
    assert out.startswith("ASIA")
    assert "There is no SSO login for" in terminal and "Logging in now (sso_auto_login is on)" in terminal
    assert "Using the device-code flow: this is an SSH session" in terminal
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert token_path(aws_home, "corp").exists()
    assert "ASIA" not in terminal, "stdout stays the host program's"


@needs_pkce_model
def test_in_a_terminal_the_environment_switch_logs_in_with_pkce(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path, tmp_path: Path
) -> None:
    write_config(SSO_CONFIG)
    script = tmp_path / "browser.py"
    script.write_text(FOLLOW_REDIRECTS)
    env = environment(BOTOCORE_SSO_AUTO_LOGIN="1", BROWSER=f"{sys.executable} {script} %s")
    status, out, terminal = run_in_terminal(env)
    assert status == 0, terminal
    assert out.startswith("ASIA")
    assert idc.grant_counts()["authorization_code"] == 1
    assert idc.request_counts()["GetRoleCredentials"] == 1


def test_without_a_terminal_there_is_no_login_and_the_error_names_the_command(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(AUTO_LOGIN_CONFIG)
    result = run_python("-c", RESOLVE, env=environment(BOTOCORE_SSO_AUTO_LOGIN="1"))
    assert result.returncode == 3, result.stderr
    assert "Run: botocore-sso login --sso-session corp" in result.stdout
    assert sum(idc.request_counts().values()) == 0
    assert not token_path(aws_home, "corp").exists()


def test_in_a_terminal_without_the_opt_in_there_is_no_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    status, out, _ = run_in_terminal(environment(SSH_CONNECTION="x"))
    assert status == 3
    assert "Run: botocore-sso login --sso-session corp" in out
    assert idc.request_counts()["StartDeviceAuthorization"] == 0


class TerminalProcess:
    """RESOLVE running on a pseudo-terminal of its own, read as it goes."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-c", RESOLVE], stdin=terminal, stderr=terminal, stdout=subprocess.PIPE, env=env
        )
        os.close(terminal)
        self.seen = ""

    def read_until(self, *fragments: str, timeout: float = 60) -> str:
        """Read the terminal until one of ``fragments`` shows; the one that did."""
        deadline = time.monotonic() + timeout
        while True:
            for fragment in fragments:
                if fragment in self.seen:
                    return fragment
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.controller], [], [], max(0.0, remaining))
            if not ready:
                raise AssertionError(f"none of {fragments} in {timeout:g} s: {self.seen!r}")
            try:
                chunk = os.read(self.controller, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before any of {fragments}: {self.seen!r}")
            self.seen += chunk.decode(errors="replace")

    def finish(self) -> Tuple[int, str]:
        out, _ = self.process.communicate(timeout=60)
        os.close(self.controller)
        return self.process.returncode, out.decode()


def test_three_interactive_processes_needing_a_login_make_one(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path]
) -> None:
    idc = make_idc(auto_approve=False)
    write_config(AUTO_LOGIN_CONFIG)
    env = environment(SSH_CONNECTION="10.0.0.1 5 10.0.0.2 22")
    processes = [TerminalProcess(env) for _ in range(3)]
    try:
        shown = [p.read_until("Another process is logging in", "and enter the code:") for p in processes]
        assert sorted(shown) == ["Another process is logging in"] * 2 + ["and enter the code:"]
        leader = processes[shown.index("and enter the code:")]
        leader.read_until("or open this URL")
        code = leader.seen.split("and enter the code:")[1].split()[0]
        idc.approve(code)
        results = [p.finish() for p in processes]
    finally:
        for p in processes:
            if p.process.poll() is None:
                p.process.kill()
    assert [status for status, _ in results] == [0, 0, 0]
    assert all(out.startswith("ASIA") for _, out in results)
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.request_counts()["GetRoleCredentials"] == 1, "the other two use the shared role cache"
