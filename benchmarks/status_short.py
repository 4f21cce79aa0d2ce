"""How long ``botocore-sso status --short --profile P`` takes: the shell-prompt line.

A prompt runs it before every command, so it must stay well under 50 ms
warm, whole process. It reads the config file with ``configparser`` (as
botocore's own loader does, but without importing botocore) and the two
cache files, and imports neither botocore nor boto3 (``quick_status``). In
a temporary HOME with a logged-in sso-session, this times new processes,
interleaved after a warm-up:

- ``python -c pass``                               the interpreter alone
- ``configparser`` reading the config              the floor of this way of reading it
- ``botocore.configloader.load_config``            the old way (until 2026-12-02), for scale
- ``botocore-sso status --short --profile dev``    the prompt line

and reports the median wall time and CPU time (user + system) of each and
the median of the paired differences (what the command adds to a bare
interpreter). Everything runs in the wheel install of
``benchmarks/credential_process.py`` (kept in ``~/.cache/botocore-sso-benchmarks/``,
or ``--venv``), rebuilt from the working tree: an editable install's
``__editable__`` finder adds 10 to 15 ms to every Python start, ``python -c
pass`` included. ``--this-python`` times this interpreter's environment
instead (an editable install, say). Not a test: numbers depend on the machine.

    python benchmarks/status_short.py [--runs 40] [--venv DIR | --this-python]
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
from typing import Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

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


def measure(runs: int, bin_dir: Optional[Path] = None) -> dict[str, float]:
    """Medians in milliseconds of each process, and of status --short minus pass, paired.

    ``bin_dir``: the environment's bin directory (default: the benchmark's wheel install).
    """
    if bin_dir is None:
        from credential_process import default_venv, prepare_venv

        bin_dir = prepare_venv(default_venv())
    python = str(bin_dir / "python")
    script = bin_dir / "botocore-sso"
    status = [str(script), "status", "--short", "--profile", "dev"]
    if not script.exists():
        status = [python, "-m", "botocore_sso_provider", *status[1:]]
    commands = {
        "pass": [python, "-c", "pass"],
        "configparser": [
            python,
            "-c",
            "import os, configparser; configparser.RawConfigParser().read([os.environ['AWS_CONFIG_FILE']])",
        ],
        "botocore": [
            python,
            "-c",
            "import os, botocore.configloader as c; c.load_config(os.environ['AWS_CONFIG_FILE'])",
        ],
        "status": status,
    }
    with tempfile.TemporaryDirectory() as root:
        env = _home(Path(root))
        for _ in range(3):  # warm the page cache and .pyc files
            for command in commands.values():
                _time(command, env)
        _check_the_quick_path(python, status, env)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                wall, cpu = _time(command, env)
                walls[name].append(wall)
                cpus[name].append(cpu)
    result = {
        "added_wall": statistics.median(s - p for s, p in zip(walls["status"], walls["pass"])) * 1000,
        "added_cpu": statistics.median(s - p for s, p in zip(cpus["status"], cpus["pass"])) * 1000,
        "over_floor": statistics.median(s - f for s, f in zip(walls["status"], walls["configparser"])) * 1000,
    }
    for name in commands:
        result[f"{name}_wall"] = statistics.median(walls[name]) * 1000
        result[f"{name}_cpu"] = statistics.median(cpus[name]) * 1000
    return result


def _check_the_quick_path(python: str, status: list[str], env: dict[str, str]) -> None:
    """The timed command must answer without botocore (else the row would time the full path)."""
    watched = subprocess.run(
        [python, "-X", "importtime", *(status[1:] if status[0] == python else status)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in watched.stderr.splitlines() if "|" in line}
    heavy = sorted(name for name in imported if name.split(".")[0] in ("botocore", "boto3"))
    if heavy or not watched.stdout.startswith("corp "):
        raise RuntimeError(f"status --short did not take the quick path: {watched.stdout!r}, {heavy[:5]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--venv", type=Path, default=None, help="the wheel install's environment")
    where.add_argument("--this-python", action="store_true", help="time this interpreter's environment")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent if args.this_python else None
    if args.venv is not None:
        from credential_process import prepare_venv

        bin_dir = prepare_venv(args.venv)
    result = measure(args.runs, bin_dir)
    print("| process | wall (median) | CPU (median) |")
    print("|---|---|---|")
    for name, label in (
        ("pass", "python -c pass"),
        ("configparser", "python: configparser reads the config (the floor)"),
        ("botocore", "python: botocore.configloader.load_config (for scale)"),
        ("status", "botocore-sso status --short --profile dev"),
    ):
        print(f"| {label} | {result[name + '_wall']:.1f} ms | {result[name + '_cpu']:.1f} ms |")
    print(
        f"\nAdded to a bare interpreter (median of paired differences): {result['added_wall']:.1f} ms wall, "
        f"{result['added_cpu']:.1f} ms CPU"
    )
    print(f"Added to reading the config with configparser alone: {result['over_floor']:.1f} ms")
    met = result["status_wall"] < TARGET_MS
    print(f"Target: under {TARGET_MS:g} ms warm: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
