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

import sys
import time
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


def execute(notebook: nbformat.NotebookNode, workdir: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel of this environment, in `workdir`."""
    client = NotebookClient(notebook, timeout=TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}},
                            record_timing=False, store_widget_state=False)
    client.execute()
    return notebook


def slide_type(index: int, cell: nbformat.NotebookNode) -> str:
    """How a cell shows in the slides (RISE and reveal.js): the title and every ``##``
    section open a slide, each other text cell a sub-slide below it, code stays with the
    text before it, and solutions are skipped."""
    if "solution" in cell.metadata.get("tags", []):
        return "skip"
    if index == 0 or (cell.cell_type == "markdown" and cell.source.startswith("## ")):
        return "slide"
    return "subslide" if cell.cell_type == "markdown" else "-"


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


PEAK_MEMORY = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


def measured_run(path: Path) -> tuple[nbformat.NotebookNode, float, float]:
    """Run a notebook in a fresh kernel, normalised: the notebook, the seconds it took and
    its kernel's peak memory in MB (read by one extra cell, removed again)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY))
    start = time.perf_counter()
    execute(notebook, path.parent)
    seconds = time.perf_counter() - start
    probe = notebook.cells.pop()
    peak_mb = int(probe.outputs[0]["text"].strip()) / 1024
    return normalize(notebook), seconds, peak_mb


def main(args: list[str]) -> int:
    for path in notebook_paths(args):
        notebook = nbformat.read(path, as_version=4)
        normalize(execute(notebook, path.parent))
        nbformat.validate(notebook)
        nbformat.write(notebook, path)
        print(f"executed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
