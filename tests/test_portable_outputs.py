"""Every notebook, run as on two other machines, gives its committed outputs byte for byte.

nbval (in the same test command) runs each notebook on this machine as it is. Here each is
run again in a fresh kernel under each of :func:`tests.elsewhere.machines` (another numpy
SIMD path, a far timezone, another locale), normalised as `python3 course.py execute`
stores it, and compared with the committed notebook: every output, SVG included (PNG
images aside, which nbval skips too: their bytes may differ with the image library's build
while the picture does not). One of the two runs the student edition, so the same run also
proves that the student edition runs top to bottom without the solutions. Each run is held
to the course's budgets, in kernel CPU seconds (which a busy machine does not inflate) and
peak memory.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import editions.student
from tests.elsewhere import cpu_simd_features, effective, effective_here, machines
from tests.scripts import script

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

execute_notebooks = script("execute_notebooks")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = execute_notebooks.notebook_paths([])
MACHINES = machines()
#: Budgets per notebook run: kernel CPU seconds (start-up and every cell; the target for a
#: fresh kernel is 5 s, this bound leaves room for slower CPUs) and peak kernel memory.
MAX_CPU_SECONDS = 20
MAX_KERNEL_MB = 400


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


def comparable(cell: nbformat.NotebookNode) -> list:
    """A cell's outputs as nbval compares them: streams joined, PNG images and execution
    counts left out (the student edition's answer cells may shift the counts)."""
    outputs = []
    for output in merged_streams(cell.get("outputs", [])):
        output.pop("execution_count", None)
        if "data" in output:
            output["data"] = {k: v for k, v in output["data"].items() if k != "image/png"}
        outputs.append(output)
    return outputs


def first_difference(expected: list, got: list) -> str:
    """The first lines where two cells' outputs differ, for the failure message."""
    lines = difflib.unified_diff(json.dumps(expected, indent=1, sort_keys=True).splitlines(),
                                 json.dumps(got, indent=1, sort_keys=True).splitlines(),
                                 "committed", "here",
                                 n=1, lineterm="")
    return "\n".join(line[:160] for line in list(lines)[:12])


def check_on_another_machine(path: Path, machine: str) -> None:
    """Run the notebook as on `machine` and compare every output with the committed one."""
    settings = MACHINES[machine]
    committed = nbformat.read(path, as_version=4)
    notebook = editions.student.student_edition(committed) if settings.student else committed
    run = execute_notebooks.measured_run(notebook, path.parent, settings.env)

    stored = {cell.id: cell for cell in committed.cells}
    compared = 0
    for index, cell in enumerate(run.notebook.cells):
        original = stored.get(cell.id)
        if cell.cell_type != "code" or original is None or original.source != cell.source:
            continue  # a cell the student edition changed (an answer cell, say)
        if settings.student and "check" in cell.metadata.get("tags", []):
            continue  # a check judges the student's answer, not the instructor's solution
        expected, got = comparable(original), comparable(cell)
        assert got == expected, (
            f"cell {index} ({cell.id}) differs under {settings.env}; if the change is meant,"
            f" run `python3 course.py execute` and review the diff:\n"
            f"{first_difference(expected, got)}")
        compared += 1
    assert compared >= 3

    assert run.cpu_seconds < MAX_CPU_SECONDS, f"kernel CPU {run.cpu_seconds:.1f} s"
    assert run.peak_mb < MAX_KERNEL_MB, f"kernel peak {run.peak_mb:.0f} MB"


# One class per machine: pytest-xdist (--dist=loadscope) gives each class to one worker, so
# the two machines' runs go on in parallel.
FIRST, SECOND = MACHINES
#: Each notebook's run, replayed from the record of passes while nothing it reads has
#: changed (tests/record.py): the notebook itself, not the others.
RUNS = [pytest.param(path, id=path.name, marks=pytest.mark.record(
    notebooks=[path.relative_to(ROOT).as_posix()])) for path in NOTEBOOKS]


class TestOnTheFirstOtherMachine:
    @pytest.mark.parametrize("path", RUNS)
    def test_outputs_are_the_same(self, path: Path) -> None:
        check_on_another_machine(path, FIRST)


class TestOnTheSecondOtherMachine:
    @pytest.mark.parametrize("path", RUNS)
    def test_outputs_are_the_same(self, path: Path) -> None:
        check_on_another_machine(path, SECOND)


def test_the_other_machines_really_differ_from_this_one() -> None:
    """In effect, not only in name: each machine's numpy code path, timezone offsets and
    locale differ from this process's, and the two machines' timezones from each other."""
    here = effective_here()
    there = [effective(settings.env) for settings in MACHINES.values()]
    for other in there:
        assert {k: other[k] != here[k] for k in here} == dict.fromkeys(here, True), (here,
                                                                                    other)
    assert there[0]["offsets"] != there[1]["offsets"]
    assert any(m.student for m in MACHINES.values())


CHOOSER = ("from tests.elsewhere import effective, effective_here, machines\n"
           "here = effective_here()\n"
           "for m in machines().values():\n"
           "    there = effective(m.env)\n"
           "    assert all(there[k] != here[k] for k in here), (here, there)\n")


@pytest.mark.parametrize("settings", [
    {"TZ": "America/New_York"}, {"TZ": ":America/New_York", "LC_ALL": "C"},
    {"TZ": "Asia/Kathmandu", "LC_ALL": "C.UTF-8"},
    {"NPY_DISABLE_CPU_FEATURES": " ".join(cpu_simd_features())},
    {"NPY_DISABLE_CPU_FEATURES": " ".join(cpu_simd_features()[1:])},
], ids=lambda settings: ",".join(f"{k}={v}" for k, v in settings.items()))
def test_the_other_machines_are_chosen_away_from_this_one(settings: dict[str, str]) -> None:
    """Run with TZ=America/New_York or numpy's SIMD switched off (as a user may), the
    other machines still differ from this one in effect."""
    child = subprocess.run([sys.executable, "-c", CHOOSER], capture_output=True, text=True,
                           env={**os.environ, **settings}, cwd=ROOT)
    assert child.returncode == 0, child.stderr[-800:]
