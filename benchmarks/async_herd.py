"""The async herd: processes x tasks of aiobotocore sessions, this package against aiobotocore's own provider.

    python benchmarks/async_herd.py [--quick]     # in a venv with aiobotocore and this package

Each process builds its sessions (aiobotocore builds a session's resolver on
the loop, about 45 ms, with or without this package: done before the start),
then on one event loop resolves them all at once while a heartbeat task
ticks every 5 ms; the longest gap between ticks is how long the loop was
blocked. The token is inside its refresh window, the fake rotates refresh
tokens and detects reuse. A second measure holds the login's lock in this
process for 2 s while one child resolves: the loop must keep ticking.
Prints one JSON object; ``run.py --aio-python PYTHON`` makes the table rows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from harness import MODES, SESSION_NAME, Bench, Sample

CHILD = r"""
import asyncio, json, os, sys, time
import aiobotocore.session
tasks, wait = int(sys.argv[1]), sys.argv[2] == "wait"
sessions = [aiobotocore.session.AioSession(profile="dev") for _ in range(tasks)]
for session in sessions:
    session._components.get_component("credential_provider")  # aiobotocore's own cost, before the start
if wait:
    print("ready", flush=True)
    sys.stdin.readline()

async def one(session):
    try:
        credentials = await session.get_credentials()
        await credentials.get_frozen_credentials()
        return {"ok": True}
    except Exception as err:
        return {"ok": False, "error": type(err).__name__}

async def run():
    gaps, stop = [], asyncio.Event()
    async def beat():
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last - 0.005)
            last = now
    beating = asyncio.ensure_future(beat())
    await asyncio.sleep(0.02)
    results = await asyncio.gather(*(one(session) for session in sessions))
    done = time.monotonic()
    stop.set()
    await beating
    return {"results": results, "done": done, "gap": max(gaps, default=0.0)}

print(json.dumps(asyncio.run(run())), flush=True)
if wait:
    os.read(int(sys.argv[3]), 1)
"""


def gap_while_the_lock_is_held(bench: Bench, python: str, tasks: int, seconds: float = 2.0) -> dict[str, Any]:
    """One child of ``tasks`` sessions resolving while this process holds the login's lock."""
    import hashlib

    from botocore_sso_provider.store.cache import JSONFileCache

    bench.fresh_login(minutes_left=5)
    bench.forget_role_credentials()
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with JSONFileCache(str(bench.token_file.parent)).lock(
            hashlib.sha1(SESSION_NAME.encode()).hexdigest()
        ):
            held.set()
            release.wait(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    timer = threading.Timer(seconds, release.set)
    timer.start()
    done = subprocess.run(
        [python, "-c", CHILD, str(tasks), "now"],
        capture_output=True,
        text=True,
        env=bench.env("ours"),
        timeout=300,
        check=False,
    )
    holder.join()
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "gap_ms": round(report["gap"] * 1000, 3),
        "held_s": seconds,
        "ok": all(r["ok"] for r in report["results"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--python", default=sys.executable, help="the Python with aiobotocore and this package"
    )
    args = parser.parse_args()
    shapes = ((4, 8),) if args.quick else ((4, 8), (8, 16))
    repeats = 1 if args.quick else 3
    numbers: dict[str, Any] = {"shapes": []}
    with Bench() as bench:
        for processes, tasks in shapes:
            shape: dict[str, Any] = {"processes": processes, "tasks": tasks}
            for mode in MODES:
                counts = {key: Sample() for key in ("refresh", "roles", "failed", "last", "gap")}
                valid = 0
                for _ in range(repeats):
                    bench.fresh_login(minutes_left=5)
                    bench.forget_role_credentials()
                    bench.idc.reset_counts()
                    reports, last = bench.herd(mode, processes, [args.python, "-c", CHILD, str(tasks)])
                    counts["refresh"].add(bench.idc.grant_counts().get("refresh_token", 0))
                    counts["roles"].add(bench.idc.request_counts().get("GetRoleCredentials", 0))
                    counts["failed"].add(
                        sum(not r["ok"] for report in reports for r in report.get("results", []))
                    )
                    counts["last"].add(last)
                    counts["gap"].add(max(report.get("gap", 0.0) for report in reports))
                    valid += bench.session_still_valid()
                shape[mode] = {
                    "create_token": counts["refresh"].values,
                    "get_role_credentials": counts["roles"].values,
                    "failed_tasks": counts["failed"].values,
                    "session_valid": f"{valid}/{repeats}",
                    "last_ms": [round(value * 1000, 1) for value in counts["last"].values],
                    "longest_loop_gap_ms": [round(value * 1000, 1) for value in counts["gap"].values],
                }
            numbers["shapes"].append(shape)
        numbers["lock_held"] = gap_while_the_lock_is_held(bench, args.python, tasks=8)
    print(json.dumps(numbers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
