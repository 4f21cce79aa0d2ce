"""What installing the package costs a Python process that does not use it.

Builds the wheel, makes two fresh virtual environments that differ only in
that one has the wheel installed (both see the same boto3/botocore through a
path line to this interpreter's copies), and times, in new processes:

- ``python -c pass``            every process of the environment pays this
- ``python -c "import botocore"``  the hook's watcher sees botocore's imports
- ``python -c "import boto3; boto3.Session()"``  the first session imports the activation module

Runs alternate between the two environments (a warm-up first) and the median
of ``--runs`` (default 20) wall times is reported as a markdown table (with
the median CPU time of the process, steadier on a busy machine), then the lines of
``python -X importtime -c pass`` that the install adds, and what the
initializer adds to each new botocore session. Not a test: numbers depend on
the machine.

    python benchmarks/startup.py [--runs 20] [--wheel dist/botocore_sso_provider-*.whl]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]
DEPENDENCIES = ("boto3", "botocore", "filelock", "python-dateutil")
COMMANDS = {
    "python -c pass": "pass",
    'python -c "import botocore"': "import botocore",
    'python -c "import boto3; boto3.Session()"': "import boto3; boto3.Session()",
}
PER_SESSION = """
import os, time, botocore.session
from botocore_sso_provider.provider.activation import initialize_session
os.environ["BOTOCORE_SSO_PROVIDER_DISABLED"] = "1"  # made untouched, then activated by hand below
sessions = [botocore.session.Session() for _ in range(500)]
del os.environ["BOTOCORE_SSO_PROVIDER_DISABLED"]
start = time.perf_counter()
for session in sessions:
    initialize_session(session)
initializer = (time.perf_counter() - start) / len(sessions) * 1e6
start = time.perf_counter()
for _ in range(200):
    botocore.session.Session()
print(initializer, (time.perf_counter() - start) / 200 * 1e6)
"""


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command and environment")
    parser.add_argument("--wheel", type=Path, help="a built wheel (default: build one from this tree)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        work = Path(scratch)
        wheel = args.wheel or build_wheel(work)
        deps = work / "deps"
        link_distributions(deps, DEPENDENCIES)
        bare = make_venv(work / "not-installed", deps)
        installed = make_venv(work / "installed", deps)
        pip_install(installed, wheel)
        env = clean_environment(work)
        print(f"Python {sys.version.split()[0]}, {args.runs} runs each, median; wheel {wheel.name}\n")
        print("| command | not installed (ms) | installed (ms) | ratio | added (ms) | added CPU time (ms) |")
        print("|---|---:|---:|---:|---:|---:|")
        for label, code in COMMANDS.items():
            medians = compare(bare, installed, code, env, args.runs)
            (without, cpu_without), (with_, cpu_with) = medians[bare], medians[installed]
            print(
                f"| `{label}` | {without:.2f} | {with_:.2f} | {with_ / without:.3f} | {with_ - without:+.2f}"
                f" | {cpu_with - cpu_without:+.2f} |"
            )
        initializer, session = (float(x) for x in run(installed, ["-c", PER_SESSION], env).stdout.split())
        print(
            f"\nPer new botocore session: the initializer takes {initializer:.1f} µs"
            f" (mean of 500); botocore's own Session() takes {session:.0f} µs."
        )
        print(
            "\n`python -X importtime -c pass`, the lines the install adds (µs: self | cumulative | name):\n"
        )
        print("```")
        for line in added_import_lines(bare, installed, env):
            print(line)
        print("```")
    return 0


def rows(runs: int = 20) -> list[dict[str, object]]:
    """The start-up rows of ``benchmarks/run.py``'s table: one per command."""
    result: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as scratch:
        work = Path(scratch)
        deps = work / "deps"
        link_distributions(deps, DEPENDENCIES)
        bare = make_venv(work / "not-installed", deps)
        installed = make_venv(work / "installed", deps)
        pip_install(installed, build_wheel(work))
        env = clean_environment(work)
        for label, code in COMMANDS.items():
            without, with_, added = paired(bare, installed, code, env, runs)
            result.append(
                {
                    "setting": f"`{label}`, {runs} interleaved pairs, installed vs not",
                    "with": f"{with_:.2f} ms",
                    "without": f"{without:.2f} ms (not installed)",
                    "added": f"{added:+.2f} ms",
                    "met": added < 1.0 if "boto3" not in label else None,
                }
            )
    return result


def build_wheel(work: Path) -> Path:
    """Build from a copy, so the working tree gets no build/ or egg-info."""
    source, out = work / "source", work / "wheelhouse"
    ignore = shutil.ignore_patterns(".git", ".venv*", ".tox", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(ROOT, source, ignore=ignore)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return next(out.glob("botocore_sso_provider-*.whl"))


def link_distributions(target: Path, names: tuple[str, ...]) -> None:
    """Symlink the top-level names of ``names`` and what they require into ``target``."""
    target.mkdir(parents=True)
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = re.split(r"[\s;\[<>=!~(]", pending.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        pending.extend(req for req in dist.requires or () if "extra ==" not in req)
        for top in sorted({Path(str(f)).parts[0] for f in dist.files or ()} - {"..", "__pycache__"}):
            source, link = Path(str(dist.locate_file(top))), target / top
            if source.exists() and not link.exists():
                link.symlink_to(source)


def make_venv(path: Path, deps: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "_bench_dependencies.pth").write_text(f"{deps}\n")
    return python


def pip_install(python: Path, wheel: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


def clean_environment(work: Path) -> dict[str, str]:
    """No AWS or Python variables (bytecode is written, as for a normal user); a scratch HOME."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PYTHON", "BOTOCORE_SSO_", "VIRTUAL"))
    }
    home = work / "home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    return env


def run(python: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, check=True)


def paired(
    bare: Path, installed: Path, code: str, env: dict[str, str], runs: int
) -> tuple[float, float, float]:
    """Medians (ms) without, with, and of the paired differences: steadier than a difference of medians."""
    for _ in range(3):
        run(bare, ["-c", code], env)
        run(installed, ["-c", code], env)
    without: list[float] = []
    with_: list[float] = []
    for index in range(runs):
        order = (bare, installed) if index % 2 == 0 else (installed, bare)
        times = {}
        for python in order:
            start = time.perf_counter()
            run(python, ["-c", code], env)
            times[python] = (time.perf_counter() - start) * 1000
        without.append(times[bare])
        with_.append(times[installed])
    differences = [b - a for a, b in zip(without, with_)]
    return statistics.median(without), statistics.median(with_), statistics.median(differences)


def compare(
    bare: Path, installed: Path, code: str, env: dict[str, str], runs: int
) -> dict[Path, tuple[float, float]]:
    """Median wall time and median CPU time (user + system, ms) of ``python -c code``, runs interleaved."""
    wall: dict[Path, list[float]] = {bare: [], installed: []}
    cpu: dict[Path, list[float]] = {bare: [], installed: []}
    for _ in range(3):  # warm-up: page cache, bytecode
        for python in wall:
            run(python, ["-c", code], env)
    for index in range(runs):
        order = (bare, installed) if index % 2 == 0 else (installed, bare)
        for python in order:
            before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
            run(python, ["-c", code], env)
            elapsed, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
            wall[python].append(elapsed * 1000)
            cpu[python].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return {python: (statistics.median(wall[python]), statistics.median(cpu[python])) for python in wall}


def added_import_lines(bare: Path, installed: Path, env: dict[str, str]) -> list[str]:
    def lines(python: Path) -> list[str]:
        stderr = run(python, ["-X", "importtime", "-c", "pass"], env).stderr
        return [line for line in stderr.splitlines() if line.startswith("import time:") and "|" in line]

    def name(line: str) -> str:
        return line.rsplit("|", 1)[1].strip()

    before = {name(line) for line in lines(bare)}
    after = lines(installed)
    added = [line for line in after if name(line) not in before]
    total = [line for line in after if name(line) == "site"]
    return [*added, "(for scale, all of site:)", *total]


if __name__ == "__main__":
    sys.exit(main())
