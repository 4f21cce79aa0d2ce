"""The benchmark charts, drawn from benchmarks/results.json alone.

    python benchmarks/charts.py                      # benchmarks/results.json -> benchmarks/charts/
    python benchmarks/charts.py RESULTS_JSON --out DIR

``run.py`` writes results.json beside RESULTS.md in the same run and calls
this module, so the charts and the table always come from one run. Each chart
is an SVG that needs nothing external (glyphs drawn as paths) and is the same
bytes for the same input and matplotlib version. Each names its run: the stamp
is in the subtitle, and in the SVG's ``<title>`` and ``dc:title`` (matplotlib
writes both from the Title metadata), which tests/docs reads back.
A section missing from results.json (a run with ``--only``) skips its charts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent

PROVIDERS = {"ours": "this package", "native": "botocore native"}
COLOURS = {"ours": "#0072B2", "native": "#D55E00"}  # blue and vermillion: apart for colour-blind eyes too
MARKERS = {"ours": "o", "native": "s"}

CHARTS = {
    "herd-time.svg": "Time to the last process of a herd of N",
    "warm-resolution.svg": "Warm resolution time in a new process",
    "herd-requests.svg": "Requests to Identity Center per herd of N",
}
"""Each chart's file name and title (the title is followed by the run's stamp)."""

RC = {
    "svg.hashsalt": "botocore-sso-provider",  # ids from a fixed salt, not random ones
    "svg.fonttype": "path",  # glyphs as paths: no font needed to view the file
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def subtitle(results: dict[str, Any]) -> str:
    quick = "; --quick" if results.get("quick") else ""
    return f"Run {results['stamp']}; {results['machine']}{quick}\nMedians; bars from min to max"


def render(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """Every chart results.json has the numbers for, as SVG files in ``out_dir``; their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawers: dict[str, Callable[[Any, dict[str, Any]], None]] = {}
    if results.get("herd"):
        drawers["herd-time.svg"] = _herd_time
        drawers["herd-requests.svg"] = _herd_requests
    if results.get("warm"):
        drawers["warm-resolution.svg"] = _warm_resolution
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    rc = {key: value for key, value in RC.items() if key in matplotlib.rcParams}
    for name, draw in drawers.items():
        title = f"{CHARTS[name]} ({results['stamp']})"
        with plt.rc_context(rc):
            figure = plt.figure(figsize=(9, 4.6) if name != "warm-resolution.svg" else (7, 4.6))
            draw(figure, results)
            figure.suptitle(CHARTS[name], fontsize=12, fontweight="bold", y=0.985)
            figure.text(0.5, 0.935, subtitle(results), ha="center", va="top", fontsize=8, color="#444444")
            _legend(figure)
            figure.tight_layout(rect=(0, 0.13, 1, 0.89))
            path = out_dir / name
            figure.savefig(
                path,
                format="svg",
                metadata={"Title": title, "Description": subtitle(results), "Date": None},
            )
            plt.close(figure)
        written.append(path)
    return written


def _legend(figure: Any) -> None:
    """One legend under the panels: a column per provider (its line, then its floor), then the rest."""
    handles, labels = figure.axes[0].get_legend_handles_labels()

    def column(label: str) -> int:
        return next((i for i, name in enumerate(PROVIDERS.values()) if name in label), len(PROVIDERS))

    order = sorted(
        range(len(labels)), key=lambda i: (column(labels[i]), labels[i].startswith(("floor", "target")))
    )
    columns = len({column(label) for label in labels})
    figure.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="lower center",
        ncol=columns,
        frameon=False,
        fontsize=8,
    )


def _log2_axis(axes: Any, sizes: list[int]) -> None:
    from matplotlib.ticker import NullFormatter

    axes.set_xscale("log", base=2)
    axes.set_xticks(sizes, [str(n) for n in sizes])
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xlim(sizes[0] / 1.5, sizes[-1] * 1.5)
    axes.set_xlabel("N, processes released together")


def _errorbar(axes: Any, xs: list[float], summaries: list[dict[str, float]], **style: Any) -> None:
    medians = [s["median"] for s in summaries]
    below = [s["median"] - s["min"] for s in summaries]
    above = [s["max"] - s["median"] for s in summaries]
    axes.errorbar(xs, medians, yerr=[below, above], capsize=3, linewidth=1.6, markersize=5, **style)


def _herd_time(figure: Any, results: dict[str, Any]) -> None:
    """(a) One panel per latency: both providers' time to the last process, each beside its floor(N)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    herds = results["herd"]
    panels = figure.subplots(1, len(herds), sharey=True, squeeze=False)[0]
    for axes, herd in zip(panels, herds):
        sizes = [row["n"] for row in herd["sizes"]]
        floor_ours = [row["floor_ms"]["ours"] for row in herd["sizes"]]
        axes.fill_between(
            sizes,
            floor_ours,
            [1.5 * f for f in floor_ours],
            color=COLOURS["ours"],
            alpha=0.12,
            linewidth=0,
            label="target for this package: ≤ 1.5 × floor(N)",
        )
        for mode, label in PROVIDERS.items():
            _errorbar(
                axes,
                sizes,
                [row["last_ms"][mode] for row in herd["sizes"]],
                color=COLOURS[mode],
                marker=MARKERS[mode],
                label=label,
            )
            axes.plot(
                sizes,
                [row["floor_ms"][mode] for row in herd["sizes"]],
                color=COLOURS[mode],
                linestyle="--",
                linewidth=1,
                label=f"floor(N), {label}",
            )
        _log2_axis(axes, sizes)
        axes.set_yscale("log")
        axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_title(f"{herd['latency_ms']} ms server latency")
    panels[0].set_ylabel("time to the last process (ms, log scale)")


def _herd_requests(figure: Any, results: dict[str, Any]) -> None:
    """(c) CreateToken and GetRoleCredentials per herd against N, both providers, both latencies."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    herds = results["herd"]
    sizes = [row["n"] for row in herds[0]["sizes"]]
    panels = figure.subplots(1, 2, sharey=True)
    lines = ["-", ":"]
    dodge = [0.94, 1.06]  # the latencies' points side by side, not on top of each other
    for axes, (key, operation) in zip(
        panels, (("create_token", "CreateToken"), ("get_role_credentials", "GetRoleCredentials"))
    ):
        axes.plot(sizes, sizes, color="#999999", linestyle="-.", linewidth=1, label="one per process (N)")
        for mode, label in PROVIDERS.items():
            for herd, line, shift in zip(herds, lines, dodge):
                _errorbar(
                    axes,
                    [row["n"] * shift for row in herd["sizes"]],
                    [row[key][mode] for row in herd["sizes"]],
                    color=COLOURS[mode],
                    marker=MARKERS[mode],
                    linestyle=line,
                    label=f"{label}, {herd['latency_ms']} ms latency",
                )
        _log2_axis(axes, sizes)
        axes.set_yscale("log", base=2)
        axes.set_ylim(0.7, sizes[-1] * 1.6)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_title(f"{operation} requests")
    panels[0].set_ylabel("requests per herd (log scale)")


def _warm_resolution(figure: Any, results: dict[str, Any]) -> None:
    """(b) Warm resolution time in a new process: both providers side by side, per latency."""
    warm = results["warm"]
    axes = figure.subplots()
    width = 0.38
    tops = []
    for offset, (mode, label) in zip((-width / 2, width / 2), PROVIDERS.items()):
        xs = [i + offset for i in range(len(warm))]
        summaries = [row["resolution_ms"][mode] for row in warm]
        medians = [s["median"] for s in summaries]
        axes.bar(xs, medians, width, color=COLOURS[mode], alpha=0.85, label=label)
        _errorbar(axes, xs, summaries, color="#222222", linestyle="none", marker="none")
        for x, s in zip(xs, summaries):
            axes.annotate(
                f"{s['median']:.3g} ms",
                (x, s["max"]),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
            tops.append(s["max"])
    for i, row in enumerate(warm):
        times = row["resolution_ms"]
        speedup = times["native"]["median"] / times["ours"]["median"]
        axes.annotate(
            f"{speedup:.1f}x faster",
            (i - width / 2, times["ours"]["max"]),
            xytext=(0, 16),
            textcoords="offset points",
            ha="center",
            fontsize=8.5,
            fontweight="bold",
            color=COLOURS["ours"],
        )
    axes.set_xticks(range(len(warm)), [f"{row['latency_ms']} ms server latency" for row in warm])
    axes.set_ylim(0, max(tops) * 1.2)
    axes.set_ylabel("resolution time (ms)")
    axes.grid(axis="x", visible=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", default=str(HERE / "results.json"), help="a run's results.json")
    parser.add_argument("--out", help="where the SVG files go (default: charts/ beside results.json)")
    args = parser.parse_args()
    results_path = Path(args.results)
    results = json.loads(results_path.read_text(encoding="utf-8"))
    for path in render(results, Path(args.out) if args.out else results_path.parent / "charts"):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
