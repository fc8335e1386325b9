"""Notebook hygiene: what a student, a reviewer or nbval would trip on.

nbval (run by the same test command) re-executes every notebook and compares outputs;
these checks cover what nbval does not: stored outputs present and in order, no errors,
warnings, machine paths, random ids, CDN scripts or live-only widget views, the size
budget, and the shape every course notebook shares.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
MAX_BYTES = 1_500_000
MACHINE_PATH = re.compile(r"(/root/|/home/[a-z]|/tmp/|/work/|/Users/[A-Za-z]|C:\\\\Users|"
                          r"site-packages)")
RANDOM_ID = re.compile(r"altair-viz-[0-9a-f]{8,}|vega-embed-[0-9a-f]{8,}|0x[0-9a-f]{8,}")
CDN = re.compile(r"https?://(cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com)")
REQUIRED_SECTIONS = ("## Overview", "## Exercises", "## Discussion", "## Sources")


def test_the_course_has_notebooks() -> None:
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00-start-here.ipynb"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request: pytest.FixtureRequest) -> tuple[Path, nbformat.NotebookNode]:
    path = request.param
    return path, nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def test_valid_and_small(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    path, nb = notebook
    nbformat.validate(nb)
    assert path.stat().st_size < MAX_BYTES


def test_outputs_stored_in_order(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    _, nb = notebook
    counts = [c.execution_count for c in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), "restart, run all, then save"


def test_outputs_are_clean(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    _, nb = notebook
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            where = f"cell {index}"
            assert output.output_type != "error", f"{where}: stored error"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{where}: stderr output (a warning?): {output.text[:200]}")
            text = json.dumps(output)
            assert not MACHINE_PATH.search(text), f"{where}: a machine path"
            assert not RANDOM_ID.search(text), f"{where}: a random id or memory address"
            assert not CDN.search(text), f"{where}: a CDN script"
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"{where}: a live widget view (run `python3 course.py execute`)")
    assert "widgets" not in nb.metadata


def test_shape_of_a_course_notebook(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    _, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    for needed in ("**Question:**", "**By the end you can**", "**Time:**"):
        assert needed in first.source
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for section in REQUIRED_SECTIONS:
        assert re.search(rf"^{re.escape(section)}\b", text, re.M), f"no {section} section"


def test_solutions_are_tagged_and_collapsed(notebook: tuple[Path, nbformat.NotebookNode]
                                            ) -> None:
    _, nb = notebook
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions, "every notebook has exercises with hidden solutions"
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True


def test_no_path_hacks(notebook: tuple[Path, nbformat.NotebookNode]) -> None:
    _, nb = notebook
    for cell in code_cells(nb):
        assert "sys.path" not in cell.source and "os.chdir" not in cell.source
