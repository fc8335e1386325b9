"""Students' slips in a real kernel: a short message, not a page of traceback.

`utils.setup()`, in a notebook's first cell, installs the handler (utils/errors.py). Here a
notebook runs in a fresh kernel through nbclient, with the mistakes students make in exercise
code; each must show the course's message and no traceback, while a real bug keeps its
traceback, and a maintainer who sets COURSE_TRACEBACKS=1 sees every traceback in full.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from utils import errors
from utils.errors import CourseError, DataError

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

CELLS = {
    "import": "import utils\n\nutils.setup()\nfrom utils import data\n"
              "table = data.load('nato_members')",
    "column": 'table["nmae"]',
    "loc": 'table.loc[0, "iso"]',
    "placeholder_name": "answer = ____",
    "placeholder_syntax": "answer = ____ ____",
    "typo_name": "tabel.head()",
    "table_name": 'data.load("nato_member")',
    "broken_file": "raise utils.errors.DataError('data/x.csv, line 3, column as_of: bad')",
    "real_bug": "def f():\n    return {}['key']\nf()",
    "plain_syntax": "x = (1,",
    # Slips with pandas, as an attack on the handler found them (each was a traceback or
    # a garbled message before).
    "groupby": 'table.groupby("accesion_date")',
    "query": 'table.query("accesion_date > 1")',
    "merge": 'import pandas as pd\npd.merge(table, table, on="nmae")',
    "attribute": "table.nmae",
    "dt_attribute": 'table["accession_date"].dt.yeer',
    "iloc_row": "table.iloc[999]",
    "iloc_column": "table.iloc[:, 99]",
    "series_label": 'table["name"]["Greec"]',
    "text_plus_number": 'table["name"] + 1',
    "dates_above_year": 'table["accession_date"] > 1999',
    "column_list": 'table[["name", "accesion_date"]]',
    "grouped_column": 'table.groupby("name")["nmae"]',
    "drop_column": 'table.drop(columns="nmae")',
    "set_index": 'table.set_index("nmae")',
    "loc_row": 'table.loc["Greece"]',
    "at_row": 'table.at[999, "name"]',
    "labelled_row": 'table.set_index("name").loc["Greec"]',
    "unbound": "def count():\n    total += 1\ncount()",
    "interrupted": "raise KeyboardInterrupt",
    "long_array": "import numpy as np\nnp.arange(10_000_000)",
    "module_attribute": 'data.lod("nato_members")',
    "in_the_view": "from utils import consensus\nconsensus.summary",
    "no_such_view": "from utils import views\nviews.consenus",
}
COLUMNS = ("Its columns are: iso3, name, accession_date, enlargement, notes, source_kind, "
           "source, source_url, as_of.")
#: The whole message each slip shows (the Markdown displayed in place of a traceback).
SLIPS = {
    "no_such_view": "the module `utils.views` has nothing called 'consenus'. Did you mean "
                    "'consensus'?",
    "module_attribute": "the module `utils.data` has nothing called 'lod'. Did you mean "
                        "'load'?",
    "in_the_view": "`utils.consensus` computes; its pictures and words are in its view: "
                   "`views.consensus.summary` (after `from utils import views`).",
    "groupby": "the table has no column 'accesion_date'. Did you mean 'accession_date'? "
               + COLUMNS,
    "query": "the table has no column 'accesion_date'. Did you mean 'accession_date'? "
             + COLUMNS,
    "merge": "the table has no column 'nmae'. Did you mean 'name'? " + COLUMNS,
    "attribute": "the table has no column or method 'nmae'. Did you mean 'name'? " + COLUMNS,
    "dt_attribute": "`.dt` has nothing called 'yeer'. Did you mean 'year'?",
    "iloc_row": "the table has 32 rows (0 to 31); there is no row 999.",
    "iloc_column": "the table has 9 columns (0 to 8); there is no column 99.",
    "series_label": "the column 'name' has no row 'Greec'. Its rows are numbered 0 to 31.",
    "text_plus_number": "you can't add a number to text (column 'name' holds text).",
    "dates_above_year": "you can't compare dates with a number (column 'accession_date' "
                        "holds dates). Compare with a date such as pd.Timestamp('1999-03-12'),"
                        " or compare the year: .dt.year > 1999.",
    "column_list": "the table has no column 'accesion_date'. Did you mean 'accession_date'? "
                   + COLUMNS,
    "grouped_column": "the table has no column 'nmae'. Did you mean 'name'? " + COLUMNS,
    "drop_column": "the table has no column 'nmae'. Did you mean 'name'? " + COLUMNS,
    "set_index": "the table has no column 'nmae'. Did you mean 'name'? " + COLUMNS,
    "loc_row": "the table has no row 'Greece'. Its rows are numbered 0 to 31.",
    "at_row": "the table has no row 999. Its rows are numbered 0 to 31.",
    "labelled_row": "the table has no row 'Greec'. Did you mean 'Greece'?",
    "unbound": "inside the function, `total` is used before it is given a value. A name "
               "given a value anywhere in a function belongs to that function: to use a "
               "value from outside, pass it in as an argument.",
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


@pytest.mark.parametrize("cell", sorted(SLIPS))
def test_a_slip_with_pandas_shows_exactly_its_message(student: dict[str, list[dict]],
                                                      cell: str) -> None:
    assert shown(student[cell]) == f"{errors.PREFIX} {SLIPS[cell]}"
    assert not tracebacks(student[cell]), "a student saw a traceback"


def test_an_interrupted_cell_shows_one_line(student: dict[str, list[dict]]) -> None:
    assert shown(student["interrupted"]) == "**Stopped:** you interrupted the cell."
    assert not tracebacks(student["interrupted"])


def test_the_stop_button_shows_one_line() -> None:
    """A real interrupt (the stop button sends SIGINT to the kernel) of a running cell."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive("import utils\nutils.setup()", timeout=120)
        outputs = []
        message_id = client.execute("import time\nwhile True:\n    time.sleep(0.05)")
        time.sleep(2)  # the cell is running
        manager.interrupt_kernel()
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != message_id:
                continue
            if message["msg_type"] == "status" and \
                    message["content"]["execution_state"] == "idle":
                break
            outputs.append(message)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    shown_text = [m["content"]["data"].get("text/markdown") for m in outputs
                  if m["msg_type"] == "display_data"]
    assert shown_text == ["**Stopped:** you interrupted the cell."]
    assert not [m for m in outputs if m["msg_type"] == "error"], "a traceback was shown"


def test_a_long_array_is_shown_in_summary(student: dict[str, list[dict]]) -> None:
    (output,) = student["long_array"]
    assert output["data"]["text/plain"] == "[0, 1, 2, ..., 9999997, 9999998, 9999999]"


def test_the_column_message_lists_the_columns(student: dict[str, list[dict]]) -> None:
    assert "Its columns are: iso3, name, accession_date" in shown(student["column"])


@pytest.mark.parametrize("cell", ["real_bug", "plain_syntax"])
def test_real_bugs_keep_their_traceback(student: dict[str, list[dict]], cell: str) -> None:
    assert not shown(student[cell])
    assert "Error" in tracebacks(student[cell])


def test_maintainers_can_see_every_traceback() -> None:
    full = run({errors.SHOW_TRACEBACKS: "1"})
    for cell in ("column", "placeholder_name", "typo_name", "table_name", "groupby", "query",
                 "attribute", "iloc_row", "text_plus_number", "unbound", "interrupted"):
        assert not shown(full[cell]) and tracebacks(full[cell]), cell
    assert "KeyError" in tracebacks(full["column"])


def test_outside_a_notebook_nothing_is_installed() -> None:
    probe = "from utils import errors; print(errors.install_ipython_handler())"
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
    assert child.stdout.strip() == "False"
    assert errors.message_markdown(CourseError("x")) == "**Cannot do that:** x"
    assert not issubclass(DataError, CourseError)
