"""Run notebooks top to bottom in a fresh kernel and store their outputs.

    python3 course.py execute [notebooks/NN-name.ipynb ...]   (default: every notebook)

This is how a maintainer refreshes the outputs that nbval compares. After running, it
removes what only makes sense in a live session:

* the widget-view part of a widget's output (its model id is random, and a reopened
  notebook would show "model not found" instead of the text that stands in for it);
* the saved widget state, timing metadata and anything else that changes run to run.

It also gives every cell its slide type (see :func:`slide_type`), so the slides follow the
notebook's sections.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TIMEOUT_SECONDS = 120


def notebook_paths(args: list[str]) -> list[Path]:
    """The notebooks named on the command line, or every course notebook."""
    if args:
        return [Path(a).resolve() for a in args]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def execute(notebook: nbformat.NotebookNode, workdir: Path,
            env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel of this environment, in `workdir`; `env` updates the
    kernel's environment variables (to run it as on another machine)."""
    client = NotebookClient(notebook, timeout=TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            record_timing=False, store_widget_state=False)
    client.execute(env={**os.environ, **(env or {})})
    return notebook


def slide_type(index: int, cell: nbformat.NotebookNode) -> str:
    """How a cell shows in the slides (RISE and reveal.js): every text cell opens a slide on
    the main path (so the arrow key reaches every question), code stays with the text
    before it, and solutions and answer keys are skipped."""
    if {"solution", "answer-key"} & set(cell.metadata.get("tags", [])):
        return "skip"
    if index == 0 or cell.cell_type == "markdown":
        return "slide"
    return "-"


def normalize(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop live-session-only parts, so the file is the same on every run."""
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)",
                                       "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        cell.metadata["slideshow"] = {"slide_type": slide_type(index, cell)}
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return notebook


#: Run as one extra cell, then removed: the kernel's CPU seconds (all its threads) and peak
#: memory in MB. Linux: VmHWM, the peak of this program's own memory (ru_maxrss would count
#: the memory of the process that started the kernel, from before it exec'd); macOS:
#: ru_maxrss, in bytes there; Windows (no `resource`): the peak working set.
PROBE = """\
import sys as _sys, time as _time
try:
    with open("/proc/self/status") as _status:
        _peak_mb = next(int(_l.split()[1]) for _l in _status if _l.startswith("VmHWM")) / 1024
except OSError:
    try:
        import resource as _resource
        _peak_mb = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss / 2**20
    except ImportError:
        import psutil as _psutil
        _peak_mb = _psutil.Process().memory_info().peak_wset / 2**20
print(f"{_time.process_time():.3f} {_peak_mb:.1f}")
"""


@dataclass
class Run:
    """One execution of a notebook: the notebook with its outputs (normalised), the wall
    and kernel CPU seconds it took, and its kernel's peak memory in MB."""

    notebook: nbformat.NotebookNode
    seconds: float
    cpu_seconds: float
    peak_mb: float


def measured_run(notebook: nbformat.NotebookNode, workdir: Path,
                 env: dict[str, str] | None = None) -> Run:
    """Run a notebook (a copy) in a fresh kernel whose environment is ours updated by `env`,
    normalised as `python3 course.py execute` stores it, and measured."""
    notebook = copy.deepcopy(notebook)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    start = time.perf_counter()
    execute(notebook, workdir, env)
    seconds = time.perf_counter() - start
    probe = notebook.cells.pop()
    # The kernel may send the printed line in more than one piece (seen on a loaded machine).
    printed = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
    cpu, peak_mb = (float(x) for x in printed.split())
    return Run(normalize(notebook), seconds, cpu, peak_mb)


def main(args: list[str]) -> int:
    for path in notebook_paths(args):
        notebook = nbformat.read(path, as_version=4)
        normalize(execute(notebook, path.parent, {"COURSE_PNG": "1"}))  # stored: with PNGs
        nbformat.validate(notebook)
        nbformat.write(notebook, path)
        print(f"executed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
