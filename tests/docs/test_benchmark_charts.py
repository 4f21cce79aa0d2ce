"""The benchmark charts and the table come from one run.

``benchmarks/run.py`` writes RESULTS.md, results.json and the charts together;
these tests hold that they still agree: one stamp in all of them, and every
number results.json gives for the warm and herd rows the one the table shows
(to the digits it shows). Then, where matplotlib is installed (CI's docs step
installs the benchmarks extra), charts.py draws a small results.json.
"""

from __future__ import annotations

import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Tuple

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
RESULTS_MD = BENCHMARKS / "RESULTS.md"

pytestmark = pytest.mark.docs  # reads the tree's benchmarks/: not in CI's copy of the tests for the wheel

SVG = "{http://www.w3.org/2000/svg}"
DC = "{http://purl.org/dc/elements/1.1/}"
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e[+-]\d+)?")


def load_charts() -> ModuleType:
    """benchmarks/charts.py, which imports matplotlib only to draw."""
    spec = importlib.util.spec_from_file_location("benchmark_charts", BENCHMARKS / "charts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stamp_of_results_md() -> str:
    found = re.search(r"^(\d{4}-\d\d-\d\d \d\d:\d\d UTC);", RESULTS_MD.read_text(encoding="utf-8"), re.M)
    assert found, "RESULTS.md names no run (its line 3: 'YYYY-MM-DD HH:MM UTC; machine')"
    return found.group(1)


def table() -> Dict[Tuple[str, str], Tuple[str, str]]:
    """RESULTS.md's rows: (case, what) -> (this package's cell, botocore native's cell)."""
    rows = {}
    for line in RESULTS_MD.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 7 and cells[0] != "case":
            rows[(cells[0], cells[1])] = (cells[2], cells[3])
    return rows


@pytest.fixture(scope="module")
def results() -> Dict[str, Any]:
    path = BENCHMARKS / "results.json"
    assert path.exists(), "benchmarks/run.py writes results.json beside RESULTS.md: run it in full"
    loaded: Dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def shows(cell: str, expected: List[float], where: str) -> None:
    """The cell's first numbers are ``expected``, each to the digits the cell prints."""
    printed = NUMBER.findall(cell)
    assert len(printed) >= len(expected), f"{where}: {cell!r} shows fewer numbers than {expected}"
    for text, value in zip(printed, expected):
        mantissa, _, exponent = text.partition("e")
        decimals = len(mantissa.partition(".")[2])
        unit = 10.0 ** (int(exponent or 0) - decimals)
        # results.json keeps milliseconds to the microsecond; the table rounds to what it prints
        assert abs(float(text) - value) <= unit / 2 + 0.001, f"{where}: {cell!r} shows {text}, json {value}"


def spread(summary: Dict[str, float]) -> List[float]:
    return [summary["median"], summary["min"], summary["max"]]


def titles(svg: Path) -> List[str]:
    root = ET.parse(svg).getroot()  # noqa: S314 - our own file
    return [element.text or "" for element in [*root.iter(f"{SVG}title"), *root.iter(f"{DC}title")]]


def test_results_json_and_every_chart_name_the_run_results_md_shows(results: Dict[str, Any]) -> None:
    stamp = stamp_of_results_md()
    assert results["stamp"] == stamp
    assert f"{stamp}; {results['machine']}" in RESULTS_MD.read_text(encoding="utf-8")
    charts = load_charts()
    drawn = sorted(path.name for path in (BENCHMARKS / "charts").glob("*.svg"))
    assert drawn == sorted(charts.CHARTS), "benchmarks/charts/ holds exactly the charts charts.py draws"
    for name in drawn:
        found = titles(BENCHMARKS / "charts" / name)
        assert found, f"{name} has no <title>"
        assert all(stamp in title for title in found[:2]), f"{name}: {found[:2]} is not the run of {stamp}"


def test_the_warm_numbers_are_the_tables(results: Dict[str, Any]) -> None:
    rows = table()
    assert len(results["warm"]) == sum(case == "warm new process" for case, _ in rows) // 2
    for warm in results["warm"]:
        latency = warm["latency_ms"]
        ours, native = rows[("warm new process", f"{latency} ms latency: requests")]
        shows(ours, [warm["requests"]["ours"]], f"warm {latency} ms requests, ours")
        shows(native, [warm["requests"]["native"]], f"warm {latency} ms requests, native")
        cells = rows[("warm new process", f"{latency} ms latency: resolution time")]
        for mode, cell in zip(("ours", "native"), cells):
            shows(cell, spread(warm["resolution_ms"][mode]), f"warm {latency} ms time, {mode}")


def test_the_herd_numbers_are_the_tables(results: Dict[str, Any]) -> None:
    rows = table()
    herd_rows = [what for case, what in rows if case == "herd"]
    assert len(herd_rows) == sum(1 + 2 * len(herd["sizes"]) for herd in results["herd"])
    for herd in results["herd"]:
        latency, repeats = herd["latency_ms"], herd["repeats"]
        inputs = (
            f"{latency} ms: floor inputs, one process alone / warm resolution CPU ({herd['cores']} cores)"
        )
        for mode, cell in zip(("ours", "native"), rows[("herd", inputs)]):
            shows(cell, [herd["alone_ms"][mode], herd["warm_cpu_ms"][mode]], f"{inputs}, {mode}")
        for size in herd["sizes"]:
            setting = f"N={size['n']}, {latency} ms"
            counts = ("create_token", "get_role_credentials", "failed")
            ours, native = rows[
                ("herd", f"{setting}: CreateToken / GetRoleCredentials / failed / session valid")
            ]
            valid = size["session_valid"]
            shows(ours, [*(size[key]["ours"]["median"] for key in counts), valid["ours"], repeats], setting)
            shows(
                native,
                [*(n for key in counts for n in spread(size[key]["native"])), valid["native"], repeats],
                setting,
            )
            cells = rows[("herd", f"{setting}: time to the last process (floor(N); x floor)")]
            for mode, cell in zip(("ours", "native"), cells):
                shows(cell, [*spread(size["last_ms"][mode]), size["floor_ms"][mode]], f"{setting}, {mode}")


def test_charts_py_draws_a_small_run_the_same_twice(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    charts = load_charts()

    def both(ours: float, native: float) -> Dict[str, Dict[str, float]]:
        return {
            mode: {"median": v, "min": v * 0.9, "max": v * 1.2}
            for mode, v in (("ours", ours), ("native", native))
        }

    herd = {
        "latency_ms": 0,
        "cores": 2,
        "repeats": 1,
        "alone_ms": {"ours": 90.0, "native": 75.0},
        "warm_cpu_ms": {"ours": 6.0, "native": 60.0},
        "sizes": [
            {
                "n": n,
                "last_ms": both(100.0 + n, 100.0 + 40 * n),
                "floor_ms": {"ours": 90.0 + 3 * n, "native": 75.0 + 30 * n},
                "create_token": both(1, n),
                "get_role_credentials": both(1, n),
                "failed": both(0, 0),
                "session_valid": {"ours": 1, "native": 1},
            }
            for n in (2, 8)
        ],
    }
    small = {
        "stamp": "2001-02-03 04:05 UTC",
        "machine": "1 cores, test",
        "quick": True,
        "warm": [{"latency_ms": 0, "requests": {"ours": 0, "native": 1}, "resolution_ms": both(6.0, 80.0)}],
        "herd": [herd],
    }
    first = charts.render(small, tmp_path / "first")
    second = charts.render(small, tmp_path / "second")
    assert sorted(path.name for path in first) == sorted(charts.CHARTS)
    for one, two in zip(first, second):
        text = one.read_text(encoding="utf-8")
        assert text == two.read_text(encoding="utf-8"), f"{one.name} differs between two renderings"
        assert "2001-02-03 04:05 UTC" in titles(one)[0]
        assert "<image" not in text and "<text" not in text, f"{one.name} needs an image or a font"
