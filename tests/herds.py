"""Real subprocesses against one fake Identity Center: a start barrier, timeouts, clean-up.

Every process the tests start goes through :class:`Workers` (the ``workers``
fixture in tests/conftest.py), which starts ``tests/worker.py`` with the
test's environment (temporary HOME, endpoints of the fake server), bounds
every wait with a deadline and kills what is left at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

WORKER = str(Path(__file__).with_name("worker.py"))

DISABLED_VARIABLE = "BOTOCORE_SSO_PROVIDER_DISABLED"
"""The package's off switch (activation.py): a --native worker runs botocore's own provider."""

OUR_METHOD = "botocore-sso-provider"

START_TIMEOUT = 60.0
"""Seconds for a herd to import boto3 and report ready (16 processes on 2 cores)."""

RUN_TIMEOUT = 60.0


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` (a counter of the fake server, a file): the event happens in another process."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.005)


class Worker:
    """One running worker process."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    def read_line(self, *, stderr: bool = False, timeout: float = START_TIMEOUT) -> str:
        """The next line it writes, read unbuffered so ``finish()`` sees everything after it."""
        stream = self.process.stderr if stderr else self.process.stdout
        assert stream is not None
        fd = stream.fileno()
        deadline = time.monotonic() + timeout
        line = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError(f"worker {self.pid} wrote no line in {timeout:g} s")
                byte = os.read(fd, 1)
                if not byte:
                    break  # it exited
                line += byte
        return line.decode()

    def wait_for(self, fragment: str, *, stderr: bool = False, timeout: float = START_TIMEOUT) -> List[str]:
        """Read lines until one holds ``fragment``; the lines read, in order."""
        seen: List[str] = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.read_line(stderr=stderr, timeout=max(0.0, deadline - time.monotonic()))
            if not line:
                rest = self.finish(timeout=5)
                raise AssertionError(f"worker {self.pid} ended before {fragment!r}: {seen} {rest}")
            seen.append(line)
            if fragment in line:
                return seen

    def finish(self, timeout: float = RUN_TIMEOUT) -> Dict[str, Any]:
        """Wait for it to exit; its JSON report (if any), exit status and stderr."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate(timeout=10)
            raise AssertionError(f"worker {self.pid} still running after {timeout:g} s: {err}") from None
        report: Dict[str, Any] = {}
        for line in reversed(out.splitlines()):
            if line.startswith("{"):
                report = json.loads(line)
                break
        report["returncode"] = self.process.returncode
        report["stderr"] = err
        return report


class Workers:
    """Starts workers, releases herds through a pipe barrier, kills leftovers."""

    def __init__(self) -> None:
        self._all: List[Worker] = []

    def start(self, *args: str, pass_fds: Sequence[int] = (), env: Optional[Dict[str, str]] = None) -> Worker:
        """Start a worker; with ``--native`` among ``args``, with this package switched off."""
        environment = dict(os.environ if env is None else env)
        if "--native" in args:
            environment[DISABLED_VARIABLE] = "1"
        process = subprocess.Popen(
            [sys.executable, WORKER, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=tuple(pass_fds),
            env=environment,
        )
        worker = Worker(process)
        self._all.append(worker)
        return worker

    def herd(
        self, argvs: Sequence[Sequence[str]], env: Optional[Dict[str, str]] = None
    ) -> List[Dict[str, Any]]:
        """Start one worker per argv, release them together once all are ready; their reports."""
        read_end, write_end = os.pipe()
        try:
            herd = [
                self.start(*argv, "--barrier-fd", str(read_end), pass_fds=[read_end], env=env)
                for argv in argvs
            ]
            os.close(read_end)
            read_end = -1
            deadline = time.monotonic() + START_TIMEOUT
            for worker in herd:
                worker.wait_for("ready", timeout=max(0.0, deadline - time.monotonic()))
        finally:
            if read_end >= 0:
                os.close(read_end)
            os.close(write_end)  # the start signal: every blocked read returns at once
        deadline = time.monotonic() + RUN_TIMEOUT
        return [worker.finish(timeout=max(1.0, deadline - time.monotonic())) for worker in herd]

    def kill_all(self) -> None:
        for worker in self._all:
            if worker.process.poll() is None:
                worker.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
                worker.process.communicate(timeout=10)
