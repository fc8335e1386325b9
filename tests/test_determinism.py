"""Every notebook, run three times in fresh kernels: same outputs, within budget.

Each run is normalised as `python3 course.py execute` normalises (live widget views and
timing metadata dropped), then compared with the other runs (every output, byte for byte)
and with the committed notebook (every output but PNG images, which nbval skips too: a
PNG's bytes may differ with the image library's build while the picture does not). Each run
also reports its time and its kernel's peak memory, held to the course's budgets.
"""

from __future__ import annotations

import importlib.util
import resource
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "execute_notebooks.py"
spec = importlib.util.spec_from_file_location("execute_notebooks", SCRIPT)
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)

NOTEBOOKS = execute_notebooks.notebook_paths([])
RUNS = 3
MAX_SECONDS = 30
MAX_KERNEL_MB = 400


def run(path: Path) -> tuple[list, float, float]:
    """Execute a notebook in a fresh kernel: its outputs, seconds, kernel peak memory (MB)."""
    notebook, seconds, peak_mb = execute_notebooks.measured_run(path)
    return [cell.get("outputs", []) for cell in notebook.cells], seconds, peak_mb


@pytest.fixture(scope="module")
def runs() -> dict[Path, list[tuple[list, float, float]]]:
    jobs = [path for path in NOTEBOOKS for _ in range(RUNS)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, jobs))
    collected: dict[Path, list] = {path: [] for path in NOTEBOOKS}
    for path, result in zip(jobs, results, strict=True):
        collected[path].append(result)
    return collected


def merged_streams(cell_outputs: list) -> list:
    """Outputs with consecutive pieces of one stream joined: a kernel may flush printed
    text in one piece or in several, and the notebook shows the same text either way."""
    merged: list = []
    for output in cell_outputs:
        if (output.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream"
                and merged[-1]["name"] == output["name"]):
            merged[-1] = {**merged[-1], "text": merged[-1]["text"] + output["text"]}
        else:
            merged.append(dict(output))
    return merged


def comparable(outputs: list, png: bool = True) -> list:
    """Each cell's outputs, streams joined, PNG images left out unless `png`."""
    return [[{**o, "data": {k: v for k, v in o["data"].items() if png or k != "image/png"}}
             if "data" in o else o for o in merged_streams(cell)] for cell in outputs]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_three_runs_give_identical_outputs(runs: dict, path: Path) -> None:
    first, *others = [comparable(outputs) for outputs, _, _ in runs[path]]
    for other in others:
        assert other == first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_match_the_committed_outputs(runs: dict, path: Path) -> None:
    committed = nbformat.read(path, as_version=4)
    stored = [cell.get("outputs", []) for cell in committed.cells]
    assert comparable(runs[path][0][0], png=False) == comparable(stored, png=False), (
        "outputs changed: run `python3 course.py execute` and review the diff")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_runs_within_budget(runs: dict, path: Path) -> None:
    for _, seconds, peak_mb in runs[path]:
        assert seconds < MAX_SECONDS, f"{seconds:.1f} s"
        assert peak_mb < MAX_KERNEL_MB, f"kernel peak {peak_mb:.0f} MB"


def test_memory_probe_reads_kilobytes() -> None:
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 10_000  # > 10 MB, in kB
