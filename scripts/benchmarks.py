"""Print the course's speed and size figures (python3 course.py bench).

Each figure is printed beside its target, so the output reads as a checklist:
- every notebook's widget: one update (compute and build every output) to a value not seen
  before, with the results of earlier updates forgotten (the course's caches cleared;
  the data tables stay loaded, as in a notebook), median and slowest of many values;
  targets from the issues: 50 ms for the consensus widget with 32 allies, 100 ms for the
  voting-rule (every rule), CSTO and forecasting widgets, 200 ms for the map and
  membership sliders;
- the consensus Monte Carlo: 10,000 trials for every size from 12 to 32, target < 1 s;
- each notebook: file size (< 1.5 MB), wall and kernel CPU time in a fresh kernel
  (target 5 s) and the kernel's peak memory (< 400 MB);
- unless ``--no-suite``: the README's test command itself, run cold (every check, its passes
  recorded) and then warm (nothing changed: the recorded checks replayed, see
  tests/record.py), its wall times (target 60 s warm) and the seconds each part of it took
  (summed over both workers).
"""

from __future__ import annotations

import inspect
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from execute_notebooks import measured_run  # a sibling script: scripts/ is on sys.path

import utils
from utils import (
    charts,
    consensus,
    csto,
    forecasting,
    membership,
    operations,
    rules,
    views,
    voting,
    widgets,
)

ROOT = Path(__file__).resolve().parent.parent


def clear_caches() -> None:
    """Forget every result the course's modules keep for given arguments (a slider value's
    result), but not what does not depend on them (the data tables, chart templates)."""
    voting.clear_cache()
    for module in (consensus, csto, forecasting, membership, operations, rules):
        for value in vars(module).values():
            if hasattr(value, "cache_clear") and getattr(value, "__module__", "") \
                    == module.__name__ and inspect.signature(value).parameters:
                value.cache_clear()


def update_ms(compute: Callable[..., object], values: list[dict]) -> tuple[float, float]:
    """Median and slowest time of one widget update, in ms, over distinct values, each
    after the caches are cleared (one warm-up update first, as the notebook's own)."""
    def update(arguments: dict) -> float:
        clear_caches()
        start = time.perf_counter()
        for item in widgets.outputs(compute, arguments, live=True):
            if isinstance(item, charts.VegaLite):
                item._repr_mimebundle_()
        return 1000 * (time.perf_counter() - start)
    update(values[0])
    times = [update(v) for v in values[1:]]
    return statistics.median(times), max(times)


def report(name: str, value: float, unit: str, target: float) -> bool:
    ok = value < target
    print(f"{'ok  ' if ok else 'SLOW'} {name:60} {value:9.1f} {unit:3} (target < {target:g})",
          flush=True)
    return ok


def widget(name: str, compute: Callable[..., object], values: list[dict],
           target: float) -> list[bool]:
    median, slowest = update_ms(compute, values)
    return [report(f"{name}: median of {len(values) - 1}", median, "ms", target),
            report(f"{name}: slowest", slowest, "ms", target)]


def widget_figures() -> list[bool]:
    defaults = {"n_allies": 32, "spread": 0.08, "tolerance": 0.05, "cost": 0.10,
                "strategy": "median", "rounds": 5, "seed": 3}
    quotas = [round(0.05 * k, 2) for k in range(1, 21)]
    results = widget("01 consensus widget, 32 allies, each spread", views.consensus.explore,
                     [{**defaults, "spread": s / 100} for s in range(0, 31, 2)], 50)
    results.append(report("01 Monte Carlo sweep, 10,000 trials x 21 sizes",
                          update_ms(lambda: [consensus.sweep(0.08, 0.05, 0.10,
                                                             trials=10_000)], [{}] * 4)[0],
                          "ms", 1000))
    results += widget("00 membership widget, each year", views.membership.explore,
                      [{"year": y} for y in range(1949, membership.last_year() + 1, 3)], 200)
    for kind in rules.KINDS:
        results += widget(f"02 voting-rule widget, {kind}, 32 allies, each quota",
                          views.rules.explore,
                          [{"kind": kind, "quota": q, "year": 2024} for q in quotas], 100)
    results += widget("02 voting-rule widget, double majority, each year", views.rules.explore,
                      [{"kind": "double", "quota": 2 / 3, "year": y}
                       for y in range(1949, 2025, 5)], 100)
    results += widget("03 map widget, each year", views.operations.explore,
                      [{"year": y} for y in range(1990, membership.last_year() + 1)], 200)
    csto_defaults = {"us": 0.5, "poland_baltics": 0.3, "turkey": 0.9, "western_europe": 0.95,
                     "others": 0.95, "year": 2024}
    results += widget("04 CSTO widget, each willingness of the US", views.csto.explore,
                      [{**csto_defaults, "us": u / 20} for u in range(21)], 100)
    questions = list(forecasting.outcomes())
    results += widget("05 forecasting widget, each forecast", views.forecasting.explore,
                      [{**dict.fromkeys(questions, 50), questions[0]: p}
                       for p in range(0, 101, 5)], 100)
    return results


def notebook_figures() -> list[bool]:
    results = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        results.append(report(f"size of {path.name}", path.stat().st_size / 1000, "kB", 1500))
        run = measured_run(nbformat.read(path, as_version=4), path.parent)
        results.append(report(f"run of {path.name}, fresh kernel, wall", run.seconds, "s", 5))
        results.append(report(f"run of {path.name}, kernel CPU", run.cpu_seconds, "s", 5))
        results.append(report(f"kernel peak memory, {path.name}", run.peak_mb, "MB", 400))
    return results


def suite_run(record: str) -> tuple[int, float, dict[str, float]]:
    """Run the README's test command once, with COURSE_RECORD=`record` (see tests/record.py):
    its exit code, wall time and the seconds each part took (both workers summed)."""
    with tempfile.TemporaryDirectory() as folder:
        durations = Path(folder) / "durations.json"
        start = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", "pytest", "-q"],
                               cwd=ROOT, env={**os.environ, "COURSE_RECORD": record,
                                              "COURSE_TEST_DURATIONS": str(durations)},
                               stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        parts = json.loads(durations.read_text()) if durations.exists() else {}
    return code, wall, parts


def suite_figures() -> list[bool]:
    """Run the README's test command cold (every check run, and each pass recorded) and
    then warm (nothing changed since: the recorded checks are replayed), and report both,
    whole and by part. The target is the warm run's."""
    cold_code, cold, cold_parts = suite_run("fresh")
    warm_code, warm, warm_parts = suite_run("1")
    print("\nThe test command, seconds by part (both workers summed), cold and warm:")
    for part, seconds in sorted(cold_parts.items(), key=lambda kv: -kv[1]):
        print(f"     {part:60} {seconds:7.1f} s {warm_parts.get(part, 0.0):7.1f} s")
    print(f"     {'(all parts)':60} {sum(cold_parts.values()):7.1f} s "
          f"{sum(warm_parts.values()):7.1f} s")
    print(f"     the README test command, cold (exit code {cold_code}), wall: {cold:.1f} s")
    return [cold_code == 0, warm_code == 0,
            report("the README test command, warm (nothing changed), wall", warm, "s", 60)]


def main(args: list[str]) -> int:
    utils.setup()  # widgets are timed as they update in a notebook, which calls this first
    results = widget_figures() + notebook_figures()
    if "--no-suite" not in args:
        results += suite_figures()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
