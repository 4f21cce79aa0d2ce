"""Soak: many processes and threads resolving credentials for minutes, tokens rotating all along.

    python benchmarks/soak.py [--duration 120] [--processes 8] [--threads 4]

The fake IAM Identity Center issues 5 s access tokens and 10 s role
credentials and rotates refresh tokens (an extra CreateToken would strand
every other process). Each worker thread resolves credentials with a new
botocore session in a loop. At the end it prints the requests made against
the minimum possible, the failures (must be 0) and the worst resolution
latency.

The refresh windows are scaled to these lifetimes in the workers (as the
15-minute window is to a 1-hour token): 2 s for tokens, 4 s for role
credentials; with the real windows every resolution of a 10 s credential
would be "stale". Everything else is the package as installed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

ACCESS_TOKEN_TTL = 5
ROLE_CREDENTIALS_TTL = 10
TOKEN_WINDOW = 2
ROLE_WINDOW = 4

CONFIG = """
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://fake-idc.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


def worker(duration: float, threads: int, start_at: float) -> None:
    """One process: ``threads`` threads resolving until ``start_at + duration``; a JSON line at the end."""
    import botocore.session

    from botocore_sso_provider import register
    from botocore_sso_provider.provider import credentials, token

    token.ADVISORY_REFRESH_WINDOW = datetime.timedelta(seconds=TOKEN_WINDOW)
    credentials.ADVISORY_REFRESH_WINDOW = datetime.timedelta(seconds=ROLE_WINDOW)
    results: list[dict[str, Any]] = []
    guard = threading.Lock()

    def run() -> None:
        count = failures = 0
        worst = 0.0
        errors: list[str] = []
        while time.time() < start_at:
            time.sleep(0.01)
        end = start_at + duration
        while time.time() < end:
            started = time.perf_counter()
            try:
                session = botocore.session.Session(profile="dev")
                register(session)
                frozen = session.get_credentials().get_frozen_credentials()
                if not frozen.access_key:
                    raise RuntimeError("no access key")
            except Exception as err:
                failures += 1
                if len(errors) < 3:
                    errors.append(f"{type(err).__name__}: {err}")
            worst = max(worst, time.perf_counter() - started)
            count += 1
        with guard:
            results.append({"resolutions": count, "failures": failures, "worst": worst, "errors": errors})

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(json.dumps(results), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.duration, args.threads, args.start_at)
        return 0

    from botocore_sso_provider.testing import FakeIdentityCenter

    with (
        tempfile.TemporaryDirectory(prefix="soak-") as home,
        FakeIdentityCenter(
            access_token_ttl=ACCESS_TOKEN_TTL,
            role_credentials_ttl=ROLE_CREDENTIALS_TTL,
            rotate_refresh_tokens=True,
            reuse_detection=True,
        ) as idc,
    ):
        env = _environment(Path(home), idc)
        start_at = time.time() + 10 + args.processes  # time for every process to import botocore
        processes = [
            subprocess.Popen(
                [
                    *(sys.executable, __file__, "--worker", "--duration", str(args.duration)),
                    *("--threads", str(args.threads), "--start-at", str(start_at)),
                ],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.processes)
        ]
        reports = []
        for process in processes:
            out, _ = process.communicate(timeout=args.duration + 300)
            reports.extend(json.loads(out.strip().splitlines()[-1]))
        counts = idc.request_counts()
    _print_summary(args, reports, counts)
    failures = sum(r["failures"] for r in reports)
    return 1 if failures else 0


def _environment(home: Path, idc: Any) -> dict[str, str]:
    aws = home / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(textwrap.dedent(CONFIG))
    token = idc.issue_token(session_name="corp")
    expires_in = token.pop("expiresIn")
    token["expiresAt"] = (
        datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    import hashlib

    name = hashlib.sha1(b"corp").hexdigest()  # the CLI's file name, not security
    (aws / "sso" / "cache" / f"{name}.json").write_text(json.dumps(token))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTOCORE_SSO_"))}
    env.update(idc.environ())
    env.update(
        {
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(aws / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return env


def _print_summary(args: argparse.Namespace, reports: list[dict[str, Any]], counts: dict[str, int]) -> None:
    resolutions = sum(r["resolutions"] for r in reports)
    failures = sum(r["failures"] for r in reports)
    worst = max((r["worst"] for r in reports), default=0.0)
    # Role credentials are good for ROLE_CREDENTIALS_TTL - ROLE_WINDOW seconds before a
    # refetch is due; each refetch needs a token, which by then has expired (5 s < 6 s).
    minimum_role = math.ceil(args.duration / (ROLE_CREDENTIALS_TTL - ROLE_WINDOW))
    print(f"soak: {args.processes} processes x {args.threads} threads for {args.duration:g} s")
    print(f"  resolutions            {resolutions}")
    print(f"  failures               {failures}")
    print(f"  worst latency          {worst * 1000:.0f} ms")
    for operation in ("GetRoleCredentials", "CreateToken"):
        print(f"  {operation:<22} {counts.get(operation, 0)} (minimum possible about {minimum_role})")
    for report in reports:
        for error in report["errors"]:
            print(f"  error: {error}")


if __name__ == "__main__":
    sys.exit(main())
