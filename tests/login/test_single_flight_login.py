"""One login for many processes: 4 concurrent logins, one device authorization or one authorize page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, needs_pkce_model, token_path
from tests.herds import START_TIMEOUT, Worker

LOGINS = 4
WAITING = "Another process is logging in"
USER_CODE = re.compile(r"^\s+([A-Z]{4}-[A-Z]{4})\s*$")

RECORD_URL = """
import sys
with open(sys.argv[2], "a") as opened:
    opened.write(sys.argv[1] + "\\n")
"""


def start_logins(*flags: str, env: Optional[Dict[str, str]] = None) -> List[Worker]:
    argv = [sys.executable, "-m", "botocore_sso_provider", "login", "--sso-session", "corp", *flags]
    environment = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    return [
        Worker(
            subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
            )
        )
        for _ in range(LOGINS)
    ]


def leader_and_waiters(
    workers: List[Worker], leader_line: Callable[[str], Optional[str]]
) -> Tuple[Worker, str]:
    """Read each process until it shows the login (the leader) or says it waits; the leader and its detail."""
    leaders: List[Tuple[Worker, str]] = []
    deadline = time.monotonic() + START_TIMEOUT
    for worker in workers:
        while True:
            line = worker.read_line(timeout=max(0.0, deadline - time.monotonic()))
            assert line, f"process {worker.pid} ended early: {worker.finish(timeout=5)}"
            if WAITING in line:
                break
            detail = leader_line(line)
            if detail is not None:
                leaders.append((worker, detail))
                break
    assert len(leaders) == 1, f"exactly one process logs in, the others wait: {leaders}"
    return leaders[0][1]


def user_code(line: str) -> Optional[str]:
    match = USER_CODE.match(line)
    return match.group(1) if match else None


def finish_all(workers: List[Worker]) -> List[str]:
    outputs = []
    for worker in workers:
        out, err = worker.process.communicate(timeout=60)
        assert worker.process.returncode == 0, err
        outputs.append(out)
    return outputs


def test_four_device_code_logins_make_one_device_authorization(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(auto_approve=False)
    write_config(SSO_CONFIG)
    workers = start_logins("--use-device-code", "--no-browser")
    try:
        code = leader_and_waiters(workers, user_code)
        idc.approve(code)  # the person approves once
        outputs = finish_all(workers)
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.request_counts()["RegisterClient"] == 1
    assert idc.grant_counts()["urn:ietf:params:oauth:grant-type:device_code"] >= 1
    assert sum("The other process logged in" in out for out in outputs) == LOGINS - 1
    token = json.loads(token_path(aws_home, "corp").read_text())
    assert idc.access_token_is_valid(token["accessToken"])
    assert all(token["expiresAt"] in out for out in outputs), "every process reports the same token"


@needs_pkce_model
def test_four_pkce_logins_open_one_authorize_page(
    make_idc: Callable[..., FakeIdentityCenter],
    write_config: Callable[[str], Path],
    aws_home: Path,
    tmp_path: Path,
) -> None:
    idc = make_idc()
    write_config(SSO_CONFIG)
    script = tmp_path / "browser.py"
    script.write_text(RECORD_URL)
    opened = tmp_path / "opened.txt"
    workers = start_logins("--use-pkce", env={"BROWSER": f"{sys.executable} {script} %s {opened}"})
    authorize = f"{idc.url}/authorize?"
    try:
        url = leader_and_waiters(
            workers, lambda line: line.strip() if line.strip().startswith(authorize) else None
        )
        urllib.request.urlopen(url, timeout=30).read()  # the person signs in once, in the one tab
        outputs = finish_all(workers)
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
    assert opened.read_text().splitlines() == [url], "one browser tab for four processes"
    assert idc.request_counts()["Authorize"] == 1
    assert idc.grant_counts()["authorization_code"] == 1
    assert idc.request_counts()["RegisterClient"] == 1
    assert sum("The other process logged in" in out for out in outputs) == LOGINS - 1
    assert idc.access_token_is_valid(json.loads(token_path(aws_home, "corp").read_text())["accessToken"])


def test_a_denied_login_fails_its_waiters_too_instead_of_asking_again(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(auto_approve=False)
    write_config(SSO_CONFIG)
    workers = start_logins("--use-device-code", "--no-browser")
    try:
        code = leader_and_waiters(workers, user_code)
        idc.deny(code)
        results = [worker.process.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
    assert [worker.process.returncode for worker in workers] == [1] * LOGINS
    errors = [err for _, err in results]
    assert sum("the sign-in was denied" in err for err in errors) == 1
    assert (
        sum("the login another process started at the same time did not complete" in e for e in errors) == 3
    )
    assert idc.request_counts()["StartDeviceAuthorization"] == 1, "one refusal, not four prompts"
    assert not token_path(aws_home, "corp").exists()
