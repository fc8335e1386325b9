"""Print the course's speed and size figures (python3 course.py bench).

Each figure is printed beside its target, so the output reads as a checklist:
- every notebook's widget: one update (compute and build every output), median of runs;
  targets from the issues: 50 ms for the consensus widget with 32 allies, 100 ms for the
  voting-rule, CSTO and forecasting widgets, 200 ms for the map and membership sliders;
- the consensus Monte Carlo: 10,000 trials for every size from 12 to 32, target < 1 s;
- each notebook: file size (< 1.5 MB), time to run in a fresh kernel (< 30 s) and the
  kernel's peak memory (< 400 MB).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from execute_notebooks import measured_run  # a sibling script: scripts/ is on sys.path

import utils  # noqa: F401  (sets up the course's chart rendering)
from utils import charts, consensus, csto, forecasting, membership, operations, rules, widgets

ROOT = Path(__file__).resolve().parent.parent


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall-clock time of `action`, in milliseconds, after one warm-up run."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def widget_update(compute: Callable[..., object], values: dict) -> Callable[[], None]:
    """What one widget redraw costs: compute, then build every output's MIME bundle."""
    def update() -> None:
        for item in widgets.outputs(compute, values, live=True):
            if isinstance(item, charts.VegaLite):
                item._repr_mimebundle_()
    return update


def report(name: str, value: float, unit: str, target: float) -> bool:
    ok = value < target
    print(f"{'ok  ' if ok else 'SLOW'} {name:58} {value:9.1f} {unit:3} (target < {target:g})")
    return ok


def main() -> int:
    defaults = {"n_allies": 32, "spread": 0.08, "tolerance": 0.05, "cost": 0.10,
                "strategy": "median", "rounds": 5, "seed": 3}
    results = [
        report("01 consensus widget update, 32 allies (median of 50)",
               median_ms(widget_update(consensus.explore, defaults), 50), "ms", 50),
        report("01 Monte Carlo sweep, 10,000 trials x 21 sizes (median of 5)",
               median_ms(lambda: consensus.sweep(0.08, 0.05, 0.10, trials=10_000), 5),
               "ms", 1000),
        report("00 membership widget update (median of 20)",
               median_ms(widget_update(membership.explore, {"year": 1999}), 20), "ms", 200),
        report("02 voting-rule widget update, population, 32 allies (median of 20)",
               median_ms(widget_update(rules.explore, {"kind": "population", "quota": 2 / 3,
                                                       "year": 2024}), 20), "ms", 100),
        report("03 map widget update (median of 20)",
               median_ms(widget_update(operations.explore, {"year": 2011}), 20), "ms", 200),
        report("04 CSTO widget update (median of 20)",
               median_ms(widget_update(csto.explore, {
                   "us": 0.5, "poland_baltics": 0.3, "turkey": 0.9, "western_europe": 0.95,
                   "others": 0.95, "year": 2024}), 20), "ms", 100),
        report("05 forecasting widget update (median of 20)",
               median_ms(widget_update(forecasting.explore,
                                       dict.fromkeys(forecasting.outcomes(), 50)), 20),
               "ms", 100),
    ]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        results.append(report(f"size of {path.name}", path.stat().st_size / 1000, "kB", 1500))
        _, seconds, peak_mb = measured_run(path)
        results.append(report(f"run of {path.name}, fresh kernel", seconds, "s", 30))
        results.append(report(f"kernel peak memory, {path.name}", peak_mb, "MB", 400))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
