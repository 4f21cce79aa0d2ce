"""Benchmarks: this package and botocore's native SSO provider side by side, in one run.

    python benchmarks/run.py            # the full run, a few minutes
    python benchmarks/run.py --quick    # fewer repeats, smaller herds (a smoke run)
    python benchmarks/run.py --aio-python AIO/bin/python   # with the async herd (a venv with aiobotocore)

Prints one markdown table and writes it, with the date and the machine, to
benchmarks/RESULTS.md; beside it, benchmarks/results.json holds the same run's
raw numbers for the warm and herd rows, and benchmarks/charts/ the charts drawn
from them (benchmarks/charts.py, if matplotlib is installed). The machine is
shared and noisy: compare ratios and call counts, not absolute times. A missed
target is shown as missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import botocore
from harness import MODES, Bench, Sample, compile_package

LATENCIES_MS = (0, 50)


@dataclass
class Row:
    case: str
    setting: str
    ours: str
    native: str
    ratio: str
    target: str
    met: Optional[bool]

    def cells(self) -> list[str]:
        met = {True: "yes", False: "**no**", None: "—"}[self.met]
        return [self.case, self.setting, self.ours, self.native, self.ratio, self.target, met]


def warm_new_process(rows: list[Row], runs: int, numbers: dict[str, Any]) -> None:
    """A new process resolves a profile an earlier process already resolved."""
    numbers["warm"] = []
    with Bench() as bench:
        bench.fresh_login()
        for latency in LATENCIES_MS:
            bench.idc.set_faults(latency=latency / 1000)
            times = {mode: Sample() for mode in MODES}
            calls = {mode: Sample() for mode in MODES}
            for mode in MODES:
                bench.resolve(mode)  # the earlier process
                for _ in range(runs):
                    before = bench.requests()
                    report = bench.resolve(mode)
                    if not report["ok"]:
                        raise RuntimeError(f"warm {mode}: {report['error']}")
                    times[mode].add(report["seconds"])
                    calls[mode].add(bench.requests() - before)
            speedup = times["native"].median / times["ours"].median
            numbers["warm"].append(
                {
                    "latency_ms": latency,
                    "requests": {mode: calls[mode].median for mode in MODES},
                    "resolution_ms": {mode: summary(times[mode], 1000) for mode in MODES},
                }
            )
            rows.append(
                Row(
                    "warm new process",
                    f"{latency} ms latency: requests",
                    f"{calls['ours'].median:g}",
                    f"{calls['native'].median:g}",
                    "",
                    "0 requests",
                    calls["ours"].median == 0,
                )
            )
            rows.append(
                Row(
                    "warm new process",
                    f"{latency} ms latency: resolution time",
                    times["ours"].spread(1000, " ms"),
                    times["native"].spread(1000, " ms"),
                    f"{speedup:.1f}x faster",
                    "≥ 10x faster",
                    speedup >= 10,
                )
            )
            bench.idc.clear_faults()


def herd(rows: list[Row], sizes: tuple[int, ...], repeats: int, runs: int, numbers: dict[str, Any]) -> None:
    """N processes released together, token inside the refresh window, rotation on.

    Each herd row sits beside its physical floor, measured in the same run:
    ``floor(N) = alone + (N - 1) * warm_cpu / cores``, one process's refresh
    alone plus, for every other process, the CPU of a warm resolution shared
    by the cores.
    """
    cores = os.cpu_count() or 1
    numbers["herd"] = []
    with Bench() as bench:
        for latency in LATENCIES_MS:
            bench.idc.set_faults(latency=latency / 1000)
            alone, warm_cpu = {}, {}
            for mode in MODES:
                single = Sample()
                for _ in range(repeats):
                    bench.fresh_login(minutes_left=5)
                    bench.forget_role_credentials()
                    reports, last = bench.herd(mode, 1)
                    single.add(last)
                alone[mode] = single.median
                warm_cpu[mode] = _warm_cpu(bench, mode, runs)
            at_latency: dict[str, Any] = {
                "latency_ms": latency,
                "cores": cores,
                "repeats": repeats,
                "alone_ms": {mode: round(alone[mode] * 1000, 3) for mode in MODES},
                "warm_cpu_ms": {mode: round(warm_cpu[mode] * 1000, 3) for mode in MODES},
                "sizes": [],
            }
            numbers["herd"].append(at_latency)
            rows.append(
                Row(
                    "herd",
                    f"{latency} ms: floor inputs, one process alone / warm resolution CPU ({cores} cores)",
                    f"{alone['ours'] * 1000:.1f} ms / {warm_cpu['ours'] * 1000:.2f} ms",
                    f"{alone['native'] * 1000:.1f} ms / {warm_cpu['native'] * 1000:.2f} ms",
                    "",
                    "(measured; for the floor)",
                    None,
                )
            )
            for size in sizes:
                outcome: dict[str, dict[str, Sample]] = {}
                valid: dict[str, int] = {}
                for mode in MODES:
                    samples = {k: Sample() for k in ("refresh", "roles", "failed", "last")}
                    valid[mode] = 0
                    for _ in range(repeats):
                        bench.fresh_login(minutes_left=5)
                        bench.forget_role_credentials()
                        bench.idc.reset_counts()
                        reports, last = bench.herd(mode, size)
                        samples["refresh"].add(bench.idc.grant_counts().get("refresh_token", 0))
                        samples["roles"].add(bench.idc.request_counts().get("GetRoleCredentials", 0))
                        samples["failed"].add(sum(not r["ok"] for r in reports))
                        samples["last"].add(last)
                        valid[mode] += bench.session_still_valid()
                    outcome[mode] = samples
                ours, native = outcome["ours"], outcome["native"]
                setting = f"N={size}, {latency} ms"
                ours_counts = (
                    f"{ours['refresh'].median:g} / {ours['roles'].median:g} / {ours['failed'].median:g} / "
                    f"{valid['ours']}/{repeats}"
                )
                native_counts = (
                    f"{native['refresh'].spread()} / {native['roles'].spread()} / "
                    f"{native['failed'].spread()} / {valid['native']}/{repeats}"
                )
                rows.append(
                    Row(
                        "herd",
                        f"{setting}: CreateToken / GetRoleCredentials / failed / session valid",
                        ours_counts,
                        native_counts,
                        "",
                        "1 / 1 / 0 / all",
                        max(ours["refresh"].values) == 1
                        and max(ours["roles"].values) == 1
                        and max(ours["failed"].values) == 0
                        and valid["ours"] == repeats,
                    )
                )
                floor = {mode: alone[mode] + (size - 1) * warm_cpu[mode] / cores for mode in MODES}
                ratio = {mode: outcome[mode]["last"].median / floor[mode] for mode in MODES}
                at_latency["sizes"].append(
                    {
                        "n": size,
                        "last_ms": {mode: summary(outcome[mode]["last"], 1000) for mode in MODES},
                        "floor_ms": {mode: round(floor[mode] * 1000, 3) for mode in MODES},
                        "create_token": {mode: summary(outcome[mode]["refresh"]) for mode in MODES},
                        "get_role_credentials": {mode: summary(outcome[mode]["roles"]) for mode in MODES},
                        "failed": {mode: summary(outcome[mode]["failed"]) for mode in MODES},
                        "session_valid": dict(valid),
                    }
                )
                rows.append(
                    Row(
                        "herd",
                        f"{setting}: time to the last process (floor(N); x floor)",
                        f"{ours['last'].spread(1000, ' ms')} ({floor['ours'] * 1000:.0f} ms; "
                        f"{ratio['ours']:.2f}x)",
                        f"{native['last'].spread(1000, ' ms')} ({floor['native'] * 1000:.0f} ms; "
                        f"{ratio['native']:.2f}x)",
                        f"{native['last'].median / ours['last'].median:.1f}x faster",
                        "≤ 1.5 × floor(N)",
                        ratio["ours"] <= 1.5,
                    )
                )
            bench.idc.clear_faults()


def _warm_cpu(bench: Bench, mode: str, runs: int) -> float:
    """Median CPU seconds a new process spends on a warm resolution (imports excluded)."""
    bench.fresh_login()
    bench.resolve(mode)  # the earlier process that warmed the caches
    sample = Sample()
    for _ in range(runs):
        report = bench.resolve(mode)
        if not report["ok"]:
            raise RuntimeError(f"warm {mode}: {report['error']}")
        sample.add(report["cpu"])
    return sample.median


HOT_PATH = r"""
import sys, timeit, boto3
mode = sys.argv[1]
session = boto3.Session(profile_name="dev")
if mode == "ours":
    import botocore_sso_provider
    botocore_sso_provider.register(session)
credentials = session.get_credentials()
credentials.get_frozen_credentials()
loops = 100000
best = min(timeit.repeat(credentials.get_frozen_credentials, number=loops, repeat=7))
print(best / loops)
"""


def hot_path(rows: list[Row]) -> None:
    with Bench() as bench:
        bench.fresh_login()
        per_call = {}
        for mode in MODES:
            done = _run([sys.executable, "-c", HOT_PATH, mode], bench.env(mode))
            per_call[mode] = float(done.strip().splitlines()[-1])
    ratio = per_call["ours"] / per_call["native"]
    rows.append(
        Row(
            "hot path",
            "get_frozen_credentials() on warm credentials, per call (best of 7)",
            f"{per_call['ours'] * 1e9:.0f} ns",
            f"{per_call['native'] * 1e9:.0f} ns",
            f"{ratio:.2f}x native",
            "≤ 1.1x native",
            ratio <= 1.1,
        )
    )


SHARE = r"""
import json, statistics, sys, time
import boto3
mode = sys.argv[1]
session = boto3.Session(profile_name="dev")._session
if mode == "ours":
    import botocore_sso_provider
    from botocore_sso_provider.provider.credentials import SSOCredentialProvider
    botocore_sso_provider.register(session)
resolver = session.get_component("credential_provider")  # botocore's resolver, built outside the timing
session.full_config  # and the config parsed
if mode == "ours":
    provider = next(p for p in resolver.providers if isinstance(p, SSOCredentialProvider))
else:
    provider = resolver.get_provider("sso")
    provider.load().get_frozen_credentials()  # native's warm cache is in memory: warm it
def once():
    started = time.perf_counter()
    provider.load().get_frozen_credentials()
    return time.perf_counter() - started
first = once()
print(json.dumps({"first": first, "median": statistics.median(once() for _ in range(300))}))
"""


def our_share(rows: list[Row], runs: int) -> None:
    """From load() to frozen credentials, warm caches: what the provider itself costs.

    botocore's resolver and its config parsing are done before the clock starts.
    Native's warm cache is its in-process dict (it has no shared one).
    """
    with Bench() as bench:
        bench.fresh_login()
        bench.resolve("ours")  # warm the shared role cache
        samples = {mode: {"first": Sample(), "median": Sample()} for mode in MODES}
        for _ in range(runs):
            for mode in MODES:
                result = json.loads(_run([sys.executable, "-c", SHARE, mode], bench.env(mode)))
                for name in ("first", "median"):
                    samples[mode][name].add(result[name])
    ours = {name: sample.median for name, sample in samples["ours"].items()}
    native = {name: sample.median for name, sample in samples["native"].items()}
    rows.append(
        Row(
            "our share",
            f"load() to frozen credentials, warm caches: first call in a new process / 300 calls "
            f"(medians of {runs} processes)",
            f"{ours['first'] * 1000:.3f} ms / {ours['median'] * 1000:.3f} ms",
            f"{native['first'] * 1000:.3f} ms / {native['median'] * 1000:.3f} ms",
            f"{native['first'] / ours['first']:.1f}x faster (first call)",
            "≤ 0.5 ms",
            ours["first"] <= 0.0005,
        )
    )


DISCOVER_IMPORTS = r"""
import json, sys, boto3
session = boto3.Session(profile_name="dev")  # the off switch is set: nothing of ours loaded yet
before = set(sys.modules)
import botocore_sso_provider
botocore_sso_provider.register(session)
session.get_credentials().get_frozen_credentials()
print(json.dumps([name for name in sys.modules if name not in before]))
"""

IMPORT = r"""
import importlib, json, sys, time, boto3
modules = json.loads(sys.argv[1])
boto3.Session(profile_name="dev")
started = time.perf_counter()
for name in modules:
    importlib.import_module(name)
print(time.perf_counter() - started)
"""


def import_cost(rows: list[Row], runs: int) -> None:
    """``import botocore_sso_provider`` plus every module a warm resolution loads, boto3 already imported.

    The modules are found by a warm resolution in one process (whatever it
    added to ``sys.modules``), then imported, in that order, in new processes.
    """
    with Bench() as bench:
        bench.fresh_login()
        bench.resolve("ours")  # warm the caches
        env = {**bench.env("ours"), "BOTOCORE_SSO_PROVIDER_DISABLED": "1"}
        modules = json.loads(_run([sys.executable, "-c", DISCOVER_IMPORTS], env).strip().splitlines()[-1])
        sample = Sample()
        for _ in range(runs):
            sample.add(
                float(_run([sys.executable, "-c", IMPORT, json.dumps(modules)], env).strip().splitlines()[-1])
            )
    ours = [name for name in modules if name.startswith("botocore_sso_provider")]
    others = [name for name in modules if not name.startswith("botocore_sso_provider")]
    print(
        f"import row: {len(ours)} of our modules ({', '.join(ours)}); others: {', '.join(others) or 'none'}",
        file=sys.stderr,
    )
    rows.append(
        Row(
            "import",
            f"`import botocore_sso_provider` and the {len(modules)} modules a warm resolution loads "
            f"({len(ours)} ours, {len(others)} others), boto3 already imported",
            sample.spread(1000, " ms"),
            "—",
            "",
            "≤ 5 ms",
            sample.median <= 0.005,
        )
    )


def scale(rows: list[Row], runs: int) -> None:
    """Warm resolution with many profiles in the config and many files in the caches."""
    results: dict[int, dict[str, Sample]] = {}
    for profiles in (1, 100, 1000):
        with Bench(profiles=profiles) as bench:
            bench.fresh_login()
            for directory in (bench.token_file.parent, bench.home / ".aws" / "cli" / "cache"):
                directory.mkdir(parents=True, exist_ok=True)
                for i in range(10000):
                    (directory / f"{i:040x}.json").write_text('{"unrelated": true}')
            results[profiles] = {mode: Sample() for mode in MODES}
            for mode in MODES:
                bench.resolve(mode)
                for _ in range(runs):
                    report = bench.resolve(mode)
                    if not report["ok"]:
                        raise RuntimeError(f"scale {mode}: {report['error']}")
                    results[profiles][mode].add(report["seconds"])
    for profiles in (1, 100, 1000):
        ours, native = results[profiles]["ours"], results[profiles]["native"]
        growth = ours.median / results[1]["ours"].median
        rows.append(
            Row(
                "scale",
                f"{profiles} profiles, 10,000 files in each cache dir: resolution time",
                f"{ours.spread(1000, ' ms')} ({growth:.2f}x of 1 profile)",
                native.spread(1000, " ms"),
                f"{native.median / ours.median:.1f}x faster",
                "≤ 2x from 1 to 1,000 profiles",
                growth <= 2 if profiles == 1000 else None,
            )
        )


def startup(rows: list[Row], runs: int) -> None:
    """`python -c pass` and `import botocore`, with and without the package (benchmarks/startup.py).

    The "botocore native" column holds the time without the package installed.
    """
    try:
        import startup as startup_bench

        startup_bench.rows  # noqa: B018 - the interface this table reads
    except (ImportError, AttributeError):
        rows.append(Row("start-up", "benchmarks/startup.py missing", "—", "—", "", "< 1 ms added", False))
        return
    for row in startup_bench.rows(runs=runs):
        met = row["met"]
        rows.append(
            Row(
                "start-up",
                str(row["setting"]),
                str(row["with"]),
                str(row["without"]),
                str(row["added"]),
                "< 1 ms added" if met is not None else "(no target; for scale)",
                None if met is None else bool(met),
            )
        )


def status_short(rows: list[Row], runs: int) -> None:
    """The shell-prompt line in a new process (benchmarks/status_short.py); no native counterpart."""
    import status_short as status_bench

    result = status_bench.measure(runs)
    rows.append(
        Row(
            "status --short",
            "warm new process, wheel install: wall time (added to python -c pass); CPU time",
            f"{result['status_wall']:.1f} ms (+{result['added_wall']:.1f} ms); "
            f"CPU {result['status_cpu']:.1f} ms (+{result['added_cpu']:.1f} ms)",
            "—",
            "",
            f"< {status_bench.TARGET_MS:g} ms",
            result["status_wall"] < status_bench.TARGET_MS,
        )
    )


def credential_process(rows: list[Row], runs: int) -> None:
    """Warm credential-process vs `python -c pass` and aws-sso-util; the herd of 32 (credential_process.py).

    The "botocore native" column holds what each row compares with (named in the cell).
    """
    import credential_process as bench

    for row in bench.rows(runs=runs):
        rows.append(
            Row(
                "credential-process",
                str(row["setting"]),
                str(row["ours"]),
                str(row["other"]),
                str(row["ratio"]),
                str(row["target"]),
                None if row["met"] is None else bool(row["met"]),
            )
        )


def async_herd(rows: list[Row], python: Optional[str], quick: bool, numbers: dict[str, Any]) -> None:
    """Processes x tasks of aiobotocore sessions (benchmarks/async_herd.py), in a venv with aiobotocore."""
    if python is None:
        rows.append(
            Row("async herd", "not run: give --aio-python (a venv with aiobotocore)", "", "", "", "", None)
        )
        return
    found = json.loads(
        _run(
            [python, str(HERE / "async_herd.py"), "--python", python, *(["--quick"] if quick else [])],
            os.environ.copy(),
        )
    )
    numbers["async_herd"] = found
    for shape in found["shapes"]:
        ours, native = shape["ours"], shape["native"]
        setting = f"{shape['processes']} processes x {shape['tasks']} tasks"

        def counts(side: dict[str, Any]) -> str:
            return (
                " / ".join(
                    _spread(side[key]) for key in ("create_token", "get_role_credentials", "failed_tasks")
                )
                + f" / {side['session_valid']}"
            )

        rows.append(
            Row(
                "async herd",
                f"{setting}: CreateToken / GetRoleCredentials / failed tasks / session valid",
                counts(ours),
                counts(native) + " (aiobotocore's own)",
                "",
                "1 / 1 / 0 / all",
                max(ours["create_token"]) == 1
                and max(ours["get_role_credentials"]) == 1
                and max(ours["failed_tasks"]) == 0
                and ours["session_valid"].split("/")[0] == ours["session_valid"].split("/")[1],
            )
        )
        ours_last, native_last = _median(ours["last_ms"]), _median(native["last_ms"])
        rows.append(
            Row(
                "async herd",
                f"{setting}: time to the last process",
                f"{_spread(ours['last_ms'])} ms",
                f"{_spread(native['last_ms'])} ms",
                f"{native_last / ours_last:.1f}x faster",
                "(measured)",
                None,
            )
        )
        rows.append(
            Row(
                "async herd",
                f"{setting}: longest gap of a 5 ms heartbeat on each process's loop",
                f"{_spread(ours['longest_loop_gap_ms'])} ms",
                f"{_spread(native['longest_loop_gap_ms'])} ms",
                "",
                "≤ 100 ms",
                max(ours["longest_loop_gap_ms"]) <= 100,
            )
        )
    held = found["lock_held"]
    rows.append(
        Row(
            "async herd",
            f"another process holds the login's lock for {held['held_s']:g} s: longest heartbeat gap",
            f"{held['gap_ms']:.1f} ms",
            "(no lock)",
            "",
            "≤ 100 ms",
            held["ok"] and held["gap_ms"] <= 100,
        )
    )


def _median(values: list[float]) -> float:
    return float(sorted(values)[len(values) // 2])


def _spread(values: list[float]) -> str:
    """A median, with (min to max) when the runs differ."""
    low, high = min(values), max(values)
    middle = _median(values)
    return f"{middle:g}" if low == high else f"{middle:g} ({low:g}–{high:g})"


def _aiobotocore_here() -> Optional[str]:
    try:
        import aiobotocore  # noqa: F401 - only asking whether it is there
    except ImportError:
        return None
    return sys.executable


def summary(sample: Sample, scale: float = 1.0) -> dict[str, float]:
    """A sample's median, min and max for results.json (times in ms to the microsecond)."""
    values = {"median": sample.median, "min": min(sample.values), "max": max(sample.values)}
    return {name: value if scale == 1 else round(value * scale, 3) for name, value in values.items()}


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def table(rows: list[Row]) -> str:
    header = ["case", "what", "this package", "botocore native", "ratio", "target", "met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"botocore {botocore.__version__}"
    )


def write_results(output: Path, stamp: str, quick: bool, numbers: dict[str, Any]) -> None:
    """results.json beside ``output`` (RESULTS.md), then the charts in charts/ beside it."""
    results = {"stamp": stamp, "machine": machine(), "quick": quick, **numbers}
    results_path = output.with_name("results.json")
    text = json.dumps(results, indent=1, ensure_ascii=False)
    # each innermost object ({"median": ..., "min": ..., "max": ...}) on one line
    text = re.sub(r"\{[^{}\[\]]*\}", lambda found: " ".join(found.group().split()), text)
    results_path.write_text(text + "\n")
    try:
        import matplotlib  # noqa: F401 - only asking whether it is there
    except ImportError:
        where = "" if results_path == HERE / "results.json" else f" {results_path}"
        print(
            f"charts not drawn: pip install -e '.[benchmarks]', then python benchmarks/charts.py{where}",
            file=sys.stderr,
        )
        return
    import charts

    for path in charts.render(results, output.parent / "charts"):
        print(f"wrote {path}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller herds")
    parser.add_argument(
        "--output",
        metavar="RESULTS.md",
        help="where the table goes, with results.json and charts/ beside it "
        "(default: benchmarks/RESULTS.md; with --only, nothing is written unless this is given)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="CASE",
        help="run only this case (repeatable); writes no RESULTS.md unless --output is given",
    )
    parser.add_argument(
        "--aio-python",
        metavar="PYTHON",
        help="a Python with aiobotocore and this package, for the async herd "
        "(default: this one, if it has aiobotocore)",
    )
    args = parser.parse_args()
    output = Path(args.output) if args.output else None if args.only else HERE / "RESULTS.md"
    runs, repeats, sizes = (3, 1, (4, 16)) if args.quick else (10, 3, (4, 16, 64))
    rows: list[Row] = []
    numbers: dict[str, Any] = {}
    cases: list[tuple[str, Callable[[], None]]] = [
        ("warm new process", lambda: warm_new_process(rows, runs, numbers)),
        ("herd", lambda: herd(rows, sizes, repeats, runs, numbers)),
        ("hot path", lambda: hot_path(rows)),
        ("our share", lambda: our_share(rows, runs)),
        ("start-up", lambda: startup(rows, 60 if not args.quick else 10)),
        ("import", lambda: import_cost(rows, 20 if not args.quick else 5)),
        ("scale", lambda: scale(rows, runs)),
        ("status --short", lambda: status_short(rows, 40 if not args.quick else 10)),
        ("credential-process", lambda: credential_process(rows, 20 if not args.quick else 5)),
        ("async herd", lambda: async_herd(rows, args.aio_python or _aiobotocore_here(), args.quick, numbers)),
    ]
    compile_package()
    for name, case in cases:
        if args.only and name not in args.only:
            continue
        print(f"running: {name}", file=sys.stderr, flush=True)
        case()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"# Benchmark results\n\n{stamp}; {machine()}"
        f"{'; --quick' if args.quick else ''}.\n"
        "Medians with (min–max) over repeated runs; counts are per run. "
        "Herd counts read CreateToken / GetRoleCredentials / failed processes / "
        "runs whose session stayed valid.\n\n" + table(rows) + "\n"
    )
    print(text)
    if output is not None:
        output.write_text(text)
        write_results(output, stamp, args.quick, numbers)
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
