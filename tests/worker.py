"""One process of a herd (tests/herds.py); it reports what happened as one JSON line on stdout.

Modes:
  resolve      resolve each --profile once and report the access keys or errors
  torn-reader  resolve --profile in a loop for --seconds; count results and torn reads
  writer       lock, read, bump a counter, write one cache file; --iterations times,
               or (0) until killed or --seconds pass
  cli-writer   rewrite files in place as the AWS CLI v2 does (truncate, then write in
               two chunks), in turn, for --seconds; --file PATH=JSON_SOURCE, repeated
  hold         take the lock of --key in --dir through the package, print ``held``, keep it
               for --seconds (or until killed); --name sets the command name others see
  aio-resolve  resolve --profile in --tasks asyncio tasks, each with its own aiobotocore
               session, while a heartbeat task on the loop records the longest gap between
               its ticks (the loop blocked); reports results and that gap

With ``--barrier-fd FD`` the worker does all its imports and set-up, prints
``ready`` and blocks reading FD until the parent closes the write end of
that pipe, so a whole herd starts at the same moment. With ``--native`` it
uses botocore's own SSO provider: the parent switches the package off
(``BOTOCORE_SSO_PROVIDER_DISABLED=1``) and ``register`` is not called; each
result lists the session's provider chain, so a test can check which ran.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "mode", choices=["resolve", "torn-reader", "writer", "cli-writer", "hold", "aio-resolve"]
    )
    parser.add_argument("--tasks", type=int, default=1)
    parser.add_argument("--profile", action="append", default=[])
    parser.add_argument("--native", action="store_true")
    parser.add_argument("--barrier-fd", type=int)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--dir")
    parser.add_argument("--key", default="k")
    parser.add_argument("--file", action="append", default=[])
    parser.add_argument("--iterations", type=int, default=0)
    parser.add_argument("--pad-kb", type=int, default=200)
    parser.add_argument("--name", help="hold: this process's command name (/proc/self/comm)")
    parser.add_argument("--debug-log", action="store_true", help="package debug log on stderr")
    args = parser.parse_args()
    if args.debug_log:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        package = logging.getLogger("botocore_sso_provider")
        package.addHandler(handler)
        package.setLevel(logging.DEBUG)
    if args.mode == "writer":
        return write_loop(
            args.dir, args.key, args.seconds, args.iterations, args.pad_kb, barrier(args.barrier_fd)
        )
    if args.mode == "hold":
        return hold(args.dir, args.key, args.seconds, args.name)
    if args.mode == "cli-writer":
        return cli_writer(args.file, args.seconds, barrier(args.barrier_fd))
    if args.mode == "aio-resolve":
        return aio_resolve(args.profile[0], args.tasks, barrier(args.barrier_fd))
    if args.mode == "torn-reader":
        return torn_reader(args.profile[0], args.seconds, barrier(args.barrier_fd))
    return resolve(args.profile, args.native, barrier(args.barrier_fd))


def barrier(fd: Optional[int]) -> Callable[[], None]:
    def wait() -> None:
        print("ready", flush=True)
        if fd is not None:
            os.read(fd, 1)  # returns b"" when the parent closes its end: everyone at once

    return wait


def session_for(profile: str, native: bool) -> Any:
    import boto3

    import botocore_sso_provider

    session = boto3.Session(profile_name=profile)
    if not native:
        botocore_sso_provider.register(session)
    return session


def resolve_once(session: Any) -> Dict[str, Any]:
    try:
        credentials = session.get_credentials()
        if credentials is None:
            return {"ok": False, "error": "no credentials found"}
        frozen = credentials.get_frozen_credentials()
    except Exception as err:  # what the caller would see, recorded instead of raised
        return {"ok": False, "error": f"{type(err).__name__}: {err}", "providers": providers(session)}
    return {
        "ok": True,
        "access_key": frozen.access_key,
        "method": credentials.method,
        "providers": providers(session),
    }


def providers(session: Any) -> List[str]:
    resolver = session._session.get_component("credential_provider")
    return [provider.METHOD for provider in resolver.providers]


def resolve(profiles: List[str], native: bool, wait: Callable[[], None]) -> int:
    sessions = [(profile, session_for(profile, native)) for profile in profiles]
    wait()
    started = time.time()
    results = [dict(resolve_once(session), profile=profile) for profile, session in sessions]
    print(json.dumps({"results": results, "started": started, "finished": time.time()}), flush=True)
    return 0


HEARTBEAT = 0.005
"""Seconds between the heartbeat task's ticks."""


def aio_resolve(profile: str, tasks: int, wait: Callable[[], None]) -> int:
    """``tasks`` aiobotocore sessions of ``profile`` resolved at once on one loop, with a heartbeat."""
    import asyncio

    import aiobotocore.session

    sessions = [aiobotocore.session.AioSession(profile=profile) for _ in range(tasks)]
    for session in sessions:
        # aiobotocore builds a session's resolver on the loop at its first lookup (about 45 ms: the SSL
        # contexts of its metadata fetchers), with or without this package: built here, before the
        # heartbeat, which then measures what the SSO providers themselves do on the loop.
        session._components.get_component("credential_provider")

    async def resolve_async(session: Any) -> Dict[str, Any]:
        try:
            credentials = await session.get_credentials()
            if credentials is None:
                return {"ok": False, "error": "no credentials found"}
            frozen = await credentials.get_frozen_credentials()
        except Exception as err:
            return {"ok": False, "error": f"{type(err).__name__}: {err}"}
        resolver = session._components.get_component("credential_provider")
        return {
            "ok": True,
            "access_key": frozen.access_key,
            "method": credentials.method,
            "class": type(credentials).__name__,
            "providers": [provider.METHOD for provider in resolver.providers],
        }

    async def run() -> Dict[str, Any]:
        gaps: List[float] = []
        stop = asyncio.Event()

        async def heartbeat() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(HEARTBEAT)
                now = time.perf_counter()
                gaps.append(now - last - HEARTBEAT)
                last = now

        beating = asyncio.ensure_future(heartbeat())
        await asyncio.sleep(0.05)  # the heartbeat is running before the first resolution starts
        started = time.time()
        results = await asyncio.gather(*(resolve_async(session) for session in sessions))
        finished = time.time()
        stop.set()
        await beating
        return {
            "results": [dict(result, profile=profile) for result in results],
            "started": started,
            "finished": finished,
            "longest_loop_gap": max(gaps, default=0.0),
        }

    wait()
    print(json.dumps(asyncio.run(run())), flush=True)
    return 0


class _TornReads(logging.Handler):
    """Counts the cache's "Re-reading" debug lines: proof that the race was really run."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.by_directory: Dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("Re-reading"):
            directory = os.path.basename(os.path.dirname(os.path.dirname(str(record.args[0]))))  # type: ignore[index]
            self.by_directory[directory] = self.by_directory.get(directory, 0) + 1


def torn_reader(profile: str, seconds: float, wait: Callable[[], None]) -> int:
    counter = _TornReads()
    cache_logger = logging.getLogger("botocore_sso_provider.store.cache")
    cache_logger.addHandler(counter)
    cache_logger.setLevel(logging.DEBUG)
    session_for(profile, native=False)  # imports done before the barrier
    wait()
    ok, errors = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = resolve_once(session_for(profile, native=False))
        if result["ok"]:
            ok += 1
        else:
            errors.append(result["error"])
    print(json.dumps({"ok": ok, "errors": errors, "torn_reads": counter.by_directory}), flush=True)
    return 0


def write_loop(
    directory: str, key: str, seconds: float, iterations: int, pad_kb: int, wait: Callable[[], None]
) -> int:
    """Read-modify-write under the lock, as a refresh does; a torn or corrupt read ends it."""
    from botocore_sso_provider.store.cache import JSONFileCache

    cache = JSONFileCache(directory)
    wait()
    deadline = time.monotonic() + seconds  # bounded even if nobody kills it
    done = 0
    while time.monotonic() < deadline and (iterations == 0 or done < iterations):
        with cache.lock(key):
            data = cache.read(key) or {"n": 0}
            data["n"] = int(data["n"]) + 1
            data["pad"] = "x" * (1000 * (data["n"] % (pad_kb + 1)))  # a wide window to be killed in
            cache.write(key, data)
        done += 1
        if done == 1:
            print("started", flush=True)
    print(json.dumps({"done": done}), flush=True)
    return 0


def hold(directory: str, key: str, seconds: float, name: Optional[str]) -> int:
    """Hold a cache lock as a refreshing process does, until killed (or stopped, by the test)."""
    from botocore_sso_provider.store.cache import JSONFileCache

    if name is not None:
        with open("/proc/self/comm", "w", encoding="utf-8") as comm:
            comm.write(name)
    with JSONFileCache(directory).lock(key):
        print("held", flush=True)
        time.sleep(seconds)  # the test kills it long before
    return 0


def cli_writer(files: List[str], seconds: float, wait: Callable[[], None]) -> int:
    """The AWS CLI v2's JSONFileCache write, made slower: no lock, no temp file, two chunks."""
    import random

    contents = []
    for spec in files:
        path, source = spec.split("=", 1)
        with open(source, encoding="utf-8") as handle:
            contents.append((path, handle.read()))
    wait()
    rewrites = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        path, text = contents[rewrites % len(contents)]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.truncate()
            half = len(text) // 2
            handle.write(text[:half])
            handle.flush()  # readers may now see the first half only
            time.sleep(random.uniform(0, 0.02))  # noqa: S311 - timing, not secrets
            handle.write(text[half:])
        rewrites += 1
        time.sleep(random.uniform(0.005, 0.03))  # noqa: S311 - timing, not secrets
    print(json.dumps({"rewrites": rewrites}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
