"""Print the course's speed and size figures (python3 course.py bench).

Each figure is printed beside its target, so the output reads as a checklist:
- the consensus widget: one update with 32 allies (median of 50 runs), target < 50 ms;
- the consensus Monte Carlo: 10,000 trials for every size from 12 to 32, target < 1 s;
- each notebook file's size, target < 1.5 MB.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import utils  # noqa: F401  (sets up the course's chart rendering)
from utils import charts, consensus, membership, widgets

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
    ]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        results.append(report(f"size of {path.name}", path.stat().st_size / 1000, "kB", 1500))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
