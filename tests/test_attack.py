"""An attack on every public callable of utils (tests/attack.py), in a process of its own.

Every function and class on the surface of every utils module (its ``__all__``), every
argument, about 90 hostile values (numpy scalars, NaN and infinities, huge and negative
numbers, control characters and lone surrogates, 100,000-character texts, infinite
iterators, ranges of 10^12, empty and 2-D arrays, DataFrames, objects that fail even to
describe themselves, ...), sampled with a fixed seed; each call with a CPU-time and a
memory limit. The test fails on any exception other than CourseError (a student's mistake)
or DataError (a broken data file), any call over its limits, and any crash of the process,
naming the call.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Not traced for coverage (see conftest.py): the gate counts what the deliberate tests reach,
#: and tracing thousands of calls made this file about 60% slower.
NOT_TRACED = True

#: The per-call limits are Linux's: a CPU-time timer (setitimer) and RLIMIT_DATA read
#: against /proc/self/status. Elsewhere the hostile-input tests still run.
#: Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = [pytest.mark.skipif(sys.platform != "linux",
                                 reason="the attack's per-call CPU and memory limits are "
                                        "Linux's (setitimer, RLIMIT_DATA, /proc)"),
              pytest.mark.record]

ROOT = Path(__file__).resolve().parent.parent
PER_PARAMETER, COMBINED = 8, 2


def run_attack() -> tuple[int, list[str], list[str]]:
    """(return code, the worker's output lines, its last lines of stderr)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    try:
        worker = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "attack.py"), "--per-parameter",
             str(PER_PARAMETER), "--combined", str(COMBINED)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as hung:
        out = hung.stdout.decode() if isinstance(hung.stdout, bytes) else hung.stdout or ""
        return -1, out.splitlines(), ["the attack hung (900 s)"]
    return worker.returncode, worker.stdout.splitlines(), worker.stderr.splitlines()[-5:]


def test_no_hostile_input_gets_anything_but_a_course_message(
        capsys: pytest.CaptureFixture[str]) -> None:
    began = time.perf_counter()
    code, lines, errors = run_attack()
    started = {}
    findings, done, cpu = [], set(), 0.0
    for line in lines:
        word, _, rest = line.partition(" ")
        if word == "start":
            number, _, what = rest.partition(" ")
            started[number] = what
        elif word == "done":
            number, outcome, seconds, detail = rest.split(" ", 3)
            done.add(number)
            cpu += float(seconds)
            if outcome == "finding":
                findings.append(f"{started[number]}: {detail}")
    unfinished = [what for number, what in started.items() if number not in done]
    assert code == 0 and not unfinished, (
        f"the attack process died (code {code}) during {unfinished}: {errors}")
    callables = len({what.split(" ")[0] for what in started.values()})
    with capsys.disabled():
        print(f"\nattack: {len(done)} calls of {callables} callables, {cpu:.1f} s CPU in the "
              f"calls, {time.perf_counter() - began:.0f} s in all")
    assert len(done) > 1_000 and callables > 100
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings[:40])


def test_every_skip_and_valid_call_names_something_attacked() -> None:
    from tests import attack

    assert attack.stale_entries() == []
