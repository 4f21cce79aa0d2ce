"""How long ``botocore-sso status --short --profile P`` takes: the shell-prompt line.

A prompt runs it before every command, so it must stay well under 50 ms
warm. It reads the config file with botocore's own parser and the cache
files, and imports neither boto3 nor a botocore session. In a temporary HOME
with a logged-in sso-session and cached role credentials, this times new
processes, interleaved after a warm-up:

- ``python -c pass``                         the interpreter alone
- ``botocore.configloader.load_config``      the host API it reads the config with: its floor
- ``botocore-sso status --short --profile dev``  the prompt line

and reports the median wall time and CPU time of each and the median of the
paired differences (what the command adds to a bare interpreter). Not a
test: numbers depend on the machine.

    python benchmarks/status_short.py [--runs 40]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 50.0
CONFIG = """[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
"""


def _home(root: Path) -> dict[str, str]:
    aws = root / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "cli" / "cache").mkdir(parents=True)
    (aws / "config").write_text(CONFIG)
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    token = {
        "startUrl": "https://example.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": "not-a-real-token",
        "expiresAt": later,
        "clientId": "client",
        "clientSecret": "secret",
        "registrationExpiresAt": later,
        "refreshToken": "not-a-real-refresh-token",
    }
    (aws / "sso" / "cache" / f"{hashlib.sha1(b'corp').hexdigest()}.json").write_text(json.dumps(token))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTOCORE_SSO_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # warm means compiled: let the warm-up write .pyc files
    env.update(HOME=str(root), AWS_CONFIG_FILE=str(aws / "config"))
    return env


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{command} failed: {result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(runs: int) -> dict[str, float]:
    """Medians in milliseconds: pass, status --short, and their paired difference."""
    script = Path(sys.executable).with_name("botocore-sso")
    status = [str(script), "status", "--short", "--profile", "dev"]
    if not script.exists():
        status = [sys.executable, "-m", "botocore_sso_provider.cli", *status[1:]]
    bare = [sys.executable, "-c", "pass"]
    floor = [
        sys.executable,
        "-c",
        "import os, botocore.configloader; botocore.configloader.load_config(os.environ['AWS_CONFIG_FILE'])",
    ]
    with tempfile.TemporaryDirectory() as root:
        env = _home(Path(root))
        for _ in range(3):  # warm the page cache and .pyc files
            _time(status, env)
            _time(bare, env)
        walls: dict[str, list[float]] = {"pass": [], "floor": [], "status": []}
        cpus: dict[str, list[float]] = {"pass": [], "floor": [], "status": []}
        for _ in range(runs):
            for name, command in (("pass", bare), ("floor", floor), ("status", status)):
                wall, cpu = _time(command, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    added = [s - p for s, p in zip(walls["status"], walls["pass"])]
    over_floor = [s - f for s, f in zip(walls["status"], walls["floor"])]
    result = {
        "added_wall": statistics.median(added) * 1000,
        "over_floor": statistics.median(over_floor) * 1000,
    }
    for name in walls:
        result[f"{name}_wall"] = statistics.median(walls[name]) * 1000
        result[f"{name}_cpu"] = statistics.median(cpus[name]) * 1000
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    result = measure(args.runs)
    print("| process | wall (median) | CPU (median) |")
    print("|---|---|---|")
    print(f"| python -c pass | {result['pass_wall']:.1f} ms | {result['pass_cpu']:.1f} ms |")
    print(
        f"| python: botocore.configloader.load_config | {result['floor_wall']:.1f} ms | "
        f"{result['floor_cpu']:.1f} ms |"
    )
    print(
        f"| botocore-sso status --short --profile dev | {result['status_wall']:.1f} ms | "
        f"{result['status_cpu']:.1f} ms |"
    )
    print(f"\nAdded to a bare interpreter (median of paired differences): {result['added_wall']:.1f} ms")
    print(f"Added to reading the config with botocore alone: {result['over_floor']:.1f} ms")
    met = result["status_wall"] < TARGET_MS
    print(f"Target: under {TARGET_MS:g} ms warm: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
