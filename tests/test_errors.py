"""Students' slips in a real kernel: a short message, not a page of traceback.

`import utils` installs the handler (utils/errors.py). Here a notebook runs in a fresh
kernel through nbclient, with the mistakes students make in exercise code; each must show
the course's message and no traceback, while a real bug keeps its traceback, and a
maintainer who sets COURSE_TRACEBACKS=1 sees every traceback in full.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from utils import errors
from utils.errors import CourseError, DataError

CELLS = {
    "import": "import utils\nfrom utils import data\ntable = data.load('nato_members')",
    "column": 'table["nmae"]',
    "loc": 'table.loc[0, "iso"]',
    "placeholder_name": "answer = ____",
    "placeholder_syntax": "answer = ____ ____",
    "typo_name": "tabel.head()",
    "table_name": 'data.load("nato_member")',
    "broken_file": "raise utils.errors.DataError('data/x.csv, line 3, column as_of: bad')",
    "real_bug": "def f():\n    return {}['key']\nf()",
    "plain_syntax": "x = (1,",
}


def run(env: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Each cell's outputs, by name, after running them all in a fresh kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells, strict=True)}


def shown(outputs: list[dict]) -> str:
    """The Markdown a cell displayed."""
    return "".join(o.get("data", {}).get("text/markdown", "") for o in outputs)


def tracebacks(outputs: list[dict]) -> str:
    return "".join("".join(o.get("traceback", [])) for o in outputs if o.output_type == "error")


@pytest.fixture(scope="module")
def student() -> dict[str, list[dict]]:
    return run()


@pytest.mark.parametrize(("cell", "message"), [
    ("column", "**Cannot do that:** the table has no column 'nmae'. Did you mean 'name'?"),
    ("loc", "the table has no column 'iso'. Did you mean 'iso3'?"),
    ("placeholder_name", "this cell still has a `____` placeholder"),
    ("placeholder_syntax", "this cell still has a `____` placeholder"),
    ("typo_name", "there is nothing called `tabel` yet. Did you mean 'table'?"),
    ("table_name", "There is no table called 'nato_member'"),
    ("broken_file", "**A data file of the course is broken** (not a mistake of yours"),
])
def test_a_slip_shows_a_short_message(student: dict[str, list[dict]], cell: str,
                                      message: str) -> None:
    assert message in shown(student[cell])
    assert not tracebacks(student[cell]), "a student saw a traceback"


def test_the_column_message_lists_the_columns(student: dict[str, list[dict]]) -> None:
    assert "Its columns are: iso3, name, accession_date" in shown(student["column"])


@pytest.mark.parametrize("cell", ["real_bug", "plain_syntax"])
def test_real_bugs_keep_their_traceback(student: dict[str, list[dict]], cell: str) -> None:
    assert not shown(student[cell])
    assert "Error" in tracebacks(student[cell])


def test_maintainers_can_see_every_traceback() -> None:
    full = run({errors.SHOW_TRACEBACKS: "1"})
    for cell in ("column", "placeholder_name", "typo_name", "table_name"):
        assert not shown(full[cell]) and tracebacks(full[cell]), cell
    assert "KeyError" in tracebacks(full["column"])


def test_outside_a_notebook_nothing_is_installed() -> None:
    probe = "from utils import errors; print(errors.install_ipython_handler())"
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
    assert child.stdout.strip() == "False"
    assert errors.message_markdown(CourseError("x")) == "**Cannot do that:** x"
    assert not issubclass(DataError, CourseError)
