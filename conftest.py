"""Test-wide set-up (at the root, so it applies to notebooks/ too): no network for the
test process and every process it starts, a private home for them (nothing written into
$HOME), and Hypothesis with a fixed seed, so that the test command gives the same answer on
every run (new cases come from raising max_examples)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from hypothesis import settings

GUARD = Path(__file__).resolve().parent / "tests" / "offline" / "sitecustomize.py"
HOME = GUARD.parent / "course_test_home.py"


settings.register_profile("course", derandomize=True, database=None, print_blob=True)
settings.load_profile("course")


def _load(name: str, path: Path) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure() -> None:
    paths = [str(GUARD.parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    _load("course_offline_guard", GUARD)  # guard this process too (an audit hook)
    if "COURSE_TEST_HOME" not in os.environ:  # a nested pytest keeps its parent's home
        _load("course_test_home", HOME).make()  # nothing written into $HOME


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Report how many hostile-input cases ran (tests/test_hostile_input.py)."""
    hostile = sys.modules.get("tests.test_hostile_input")
    if hostile is not None and hostile.CASES["count"]:
        terminalreporter.write_line(f"hostile-input cases run: {hostile.CASES['count']}")
