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
    # Values too big to show whole: each is shown in summary, quickly.
    "wide_table": "pd.DataFrame(np.zeros((3, 100_000)))",
    "lists_in_cells": 'pd.DataFrame({"a": [list(range(10**5))] * 100})',
    "long_string": '"x" * 10**7',
    "many_passages": "texts.read(*['nat-art4'] * 10**5)",
    "long_answer": 'reveal.after_prediction("Q?", [0.5] * 10**5)',
    "huge_answer_text": 'reveal.after_prediction("Q?", "x" * 10**7)',
    "answer_without_repr": "class Broken:\n    def __repr__(self):\n        raise RuntimeError\n"
                           'reveal.after_prediction("Q?", Broken())',
    "text_that_misbehaves": "class S(str):\n    def __eq__(self, other):\n"
                            "        raise RuntimeError\n    __hash__ = str.__hash__\n"
                            'consensus.negotiate(consensus.make_allies([0.2, 0.8], 0.1, 0.1), '
                            'strategy=S("medain"))',
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


@pytest.mark.parametrize(("cell", "message"), [
    ("wide_table", "the first 40 of 100000 columns"),
    ("lists_in_cells", "<a list of 100,000 items>"),
    ("long_string", "(9,995,000 more characters not shown)"),
    ("many_passages", "There are 23 passages; name each at most once (this asks for 100,000)."),
    ("long_answer", "An answer shows at most 20 things"),
    ("huge_answer_text", "at most 20,000 are allowed"),
    ("answer_without_repr", "The answer cannot be shown"),
    ("text_that_misbehaves", "The drafting strategy must be one of"),
])
def test_a_big_or_strange_value_is_shown_quickly_in_summary(kernel: dict, cell: str,
                                                            message: str) -> None:
    took, outputs = kernel[cell]
    text = shown(outputs)
    assert took < 3, f"{cell} took {took:.1f} s"
    assert message in text
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert len(text) + len(html) < 60_000, f"{cell} showed {len(text) + len(html):,} characters"
    assert not errors(outputs), "a student saw a traceback"
