"""What every benchmark case shares: a private HOME, the fake Identity Center, child processes.

Each case runs this package and botocore's native provider against the same
fake IAM Identity Center in the same run. "Native" children set the off switch
(``BOTOCORE_SSO_PROVIDER_DISABLED=1``) so transparent activation cannot sneak
in; "ours" children call ``botocore_sso_provider.register`` explicitly (a
no-op where activation already did it).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from botocore_sso_provider.testing import FakeIdentityCenter

MODES = ("ours", "native")
SESSION_NAME = "corp"
START_URL = "https://fake-idc.awsapps.com/start"

PROFILE = """[profile {name}]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

"""
SESSION_SECTION = f"""[sso-session {SESSION_NAME}]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""

# A child that resolves credentials for one profile and reports how long the
# resolution itself took (wall and CPU time) and whether it worked. Imports and the session's
# construction come first and are not timed: they are the same for both, and
# the package's own import is measured on its own ("import" row). In a herd
# ("wait"), a child starts when its standard input ends and, once it has
# reported, stays until the descriptor named last on its command line ends:
# the herd exits together after the last report, so no child's exit (tens of
# milliseconds of CPU tearing botocore down) is timed as another's resolution;
# the floor's inputs leave exits out too.
RESOLVE = r"""
import json, os, sys, time
import boto3
mode, profile, wait = sys.argv[1], sys.argv[2], sys.argv[3] == "wait"
session = boto3.Session(profile_name=profile)
if mode == "ours":
    import botocore_sso_provider
    import botocore_sso_provider.provider.credentials  # its import cost is the "import" row's
    botocore_sso_provider.register(session)
if wait:
    print("ready", flush=True)
    sys.stdin.readline()
started, cpu_started = time.monotonic(), time.process_time()
result = {"ok": True}
try:
    session.get_credentials().get_frozen_credentials()
except Exception as err:
    result = {"ok": False, "error": type(err).__name__}
done = time.monotonic()
result.update(seconds=done - started, cpu=time.process_time() - cpu_started, done=done)
print(json.dumps(result), flush=True)
if wait:
    os.read(int(sys.argv[4]), 1)
"""


@dataclass
class Sample:
    """Repeated measurements of one quantity."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def spread(self, scale: float = 1.0, unit: str = "") -> str:
        low, high = min(self.values) * scale, max(self.values) * scale
        return f"{self.median * scale:.3g}{unit} ({low:.3g}–{high:.3g})"


class Bench:
    """A private HOME with ~/.aws/config, a running fake Identity Center, and child runners."""

    def __init__(self, profiles: int = 1) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="botocore-sso-bench-"))
        self.home = self.root / "home"
        (self.home / ".aws").mkdir(parents=True)
        self.idc = FakeIdentityCenter(stable_role_credentials=False).start()
        self.write_config(profiles)

    def close(self) -> None:
        self.idc.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def config_path(self) -> Path:
        return self.home / ".aws" / "config"

    def write_config(self, profiles: int) -> None:
        names = ["dev"] + [f"extra-{i}" for i in range(profiles - 1)]
        self.config_path.write_text("".join(PROFILE.format(name=n) for n in names) + SESSION_SECTION)

    @property
    def token_file(self) -> Path:
        digest = hashlib.sha1(SESSION_NAME.encode()).hexdigest()
        return self.home / ".aws" / "sso" / "cache" / f"{digest}.json"

    def fresh_login(self, minutes_left: float = 60) -> dict[str, Any]:
        """A new portal session whose token has ``minutes_left`` on the local clock."""
        token = self.idc.issue_token(session_name=SESSION_NAME)
        token.pop("expiresIn")
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes_left)
        token["expiresAt"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.token_file.parent.mkdir(parents=True, exist_ok=True)
        self.token_file.write_text(json.dumps(token))
        return token

    def forget_role_credentials(self) -> None:
        shutil.rmtree(self.home / ".aws" / "cli" / "cache", ignore_errors=True)

    def session_still_valid(self) -> bool:
        """Does the token file hold a refresh token the server still accepts?"""
        try:
            refresh = json.loads(self.token_file.read_text()).get("refreshToken")
        except (OSError, ValueError):
            return False
        return bool(refresh) and self.idc.refresh_token_is_valid(refresh)

    def env(self, mode: str) -> dict[str, str]:
        env = child_environment()
        env.update(self.idc.environ())
        env.update(
            HOME=str(self.home),
            AWS_CONFIG_FILE=str(self.config_path),
            AWS_SHARED_CREDENTIALS_FILE=str(self.home / ".aws" / "credentials"),
            AWS_EC2_METADATA_DISABLED="true",
        )
        if mode == "native":
            env["BOTOCORE_SSO_PROVIDER_DISABLED"] = "1"
        return env

    def resolve(self, mode: str, profile: str = "dev") -> dict[str, Any]:
        """One new process resolving ``profile``; its own report."""
        done = subprocess.run(
            [sys.executable, "-c", RESOLVE, mode, profile, "now"],
            capture_output=True,
            text=True,
            env=self.env(mode),
            timeout=300,
            check=False,
        )
        return _report(done.stdout, done.stderr)

    def herd(
        self, mode: str, count: int, command: Optional[Sequence[str]] = None
    ) -> tuple[list[dict[str, Any]], float]:
        """``count`` processes, imports done, released together; reports and time to the last.

        ``command`` is the child (default: ``RESOLVE`` for profile dev); it
        gets ``wait`` and the exit descriptor as its last arguments, prints
        ``ready``, and reports one JSON line with ``done`` (``time.monotonic``).

        Every child reads its standard input from one pipe; closing its write
        end releases them all with one system call. (A "go" written to each
        child in turn would start the first ones before the last, and they
        would take the CPU the writing process needs to release the rest.)
        """
        read_end, write_end = os.pipe()
        exit_read, exit_write = os.pipe()
        try:
            children = [
                subprocess.Popen(
                    [*(command or [sys.executable, "-c", RESOLVE, mode, "dev"]), "wait", str(exit_read)],
                    stdin=read_end,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=self.env(mode),
                    pass_fds=(exit_read,),
                )
                for _ in range(count)
            ]
        finally:
            os.close(read_end)
            os.close(exit_read)
        try:
            for child in children:
                assert child.stdout is not None
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError(
                        f"a {mode} child did not start: {child.stderr.read() if child.stderr else ''}"
                    )
            released = time.monotonic()
            os.close(write_end)  # every child reads end-of-file at once
            write_end = -1
            lines = [_report_line(child) for child in children]
            os.close(exit_write)  # all have reported: now they exit
            exit_write = -1
            reports = []
            for child, line in zip(children, lines):
                out, err = child.communicate(timeout=300)
                reports.append(_report(line + out, err))
        finally:
            for end in (write_end, exit_write):
                if end >= 0:
                    os.close(end)
            for child in children:
                if child.poll() is None:
                    child.kill()
        last = max(r.get("done", released) for r in reports) - released
        return reports, last

    def requests(self, operations: Optional[Sequence[str]] = None) -> int:
        counts = self.idc.request_counts()
        return sum(v for k, v in counts.items() if operations is None or k in operations)


def child_environment() -> dict[str, str]:
    """This environment without AWS settings, and with bytecode caching on.

    An installed package runs from the bytecode pip compiled; a machine that
    sets PYTHONDONTWRITEBYTECODE would otherwise make every child compile
    every module again, and the import rows would measure the compiler.
    """
    skip = ("AWS_", "BOTOCORE_SSO_", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if not k.startswith(skip)}


def compile_package() -> None:
    """Bytecode for this checkout's package, as pip writes it for an installed one."""
    import botocore_sso_provider

    package = Path(botocore_sso_provider.__file__).parent
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)], check=True, env=child_environment()
    )


def _report_line(child: subprocess.Popen) -> str:
    """A waiting child's JSON report, read as soon as it is written ("" if it exits without one)."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("{"):
            return line
    return ""


def _report(stdout: str, stderr: str) -> dict[str, Any]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            report: dict[str, Any] = json.loads(line)
            return report
    return {"ok": False, "error": (stderr.strip().splitlines() or ["no output"])[-1][:200]}
