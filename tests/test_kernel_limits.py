"""What an attack on the kernel found, run as a student runs it: in a real kernel, after the
course's imports. Each cell must end quickly, show little, and show no traceback: a check of
an exercise whatever the student's function does, wide or deep tables, long text, and the
commonest slips of plain Python and pandas.
"""

from __future__ import annotations

import time

import nbformat
import pytest
from nbclient import NotebookClient

#: A cell that takes longer than this fails the test (the attack saw hangs of minutes).
CELL_SECONDS = 40

SETUP = ("import utils\nfrom utils import data, feedback, membership, widgets, texts, reveal, "
         "consensus\nimport pandas as pd\nimport numpy as np\n"
         "members = membership.nato_members(2024)")
RIGHT = "    return 0.3 * (p - 1) ** 2 + 0.7 * p ** 2\n"
CELLS = {
    "setup": SETUP,
    # A judged function that catches the time limit (an `except Exception` of its own).
    "catches": "import time\ndef expected_brier(p):\n    while True:\n        try:\n"
               "            time.sleep(0.1)\n        except Exception:\n            pass\n"
               'feedback.check("05-2")',
    # A loop inside C code, which no timer and no stop button can interrupt.
    "c_loop": 'def expected_brier(p):\n    return sum(range(10**11))\nfeedback.check("05-2")',
    # Right, but slow: the check calls it 21 times.
    "slow": "def expected_brier(p):\n    time.sleep(1.5)\n" + RIGHT + 'feedback.check("05-2")',
    "loud": "def expected_brier(p):\n    print('x' * 10**6)\n    return 1 / 0\n"
            'feedback.check("05-2")',
}


def run(cells: dict[str, str]) -> dict[str, tuple[float, list[dict]]]:
    """Each cell's time and outputs, by name, after running them all in a fresh kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells.values()]
    times = []
    client = NotebookClient(notebook, timeout=CELL_SECONDS, kernel_name="python3",
                            allow_errors=True)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            start = time.monotonic()
            client.execute_cell(cell, index)
            times.append(time.monotonic() - start)
    return {name: (seconds, cell.outputs)
            for name, seconds, cell in zip(cells, times, notebook.cells, strict=True)}


def shown(outputs: list[dict]) -> str:
    """Everything a cell shows, as text."""
    parts = []
    for output in outputs:
        parts += [output.get("text", ""), *output.get("traceback", [])]
        data = output.get("data", {})
        parts.append(data.get("text/markdown") or data.get("text/plain", ""))
    return "".join(parts)


def errors(outputs: list[dict]) -> list[dict]:
    return [o for o in outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def kernel() -> dict[str, tuple[float, list[dict]]]:
    return run(CELLS)


@pytest.mark.parametrize(("cell", "seconds", "message"), [
    ("catches", 4, "`expected_brier(0.0)` did not finish within 2 s"),
    ("c_loop", 13, "the check stopped after 10 s"),
    ("slow", 13, "the check stopped after 10 s"),
    ("loud", 4, "stops with ZeroDivisionError"),
])
def test_a_check_ends_in_time_with_a_message(kernel: dict, cell: str, seconds: float,
                                             message: str) -> None:
    took, outputs = kernel[cell]
    assert took < seconds, f"{cell} took {took:.1f} s"
    assert message in shown(outputs)
    assert len(shown(outputs)) < 5_000, "the check showed too much"
    assert not errors(outputs), "a student saw a traceback"
