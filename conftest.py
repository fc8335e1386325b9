"""Test-wide set-up (at the root, so it applies to notebooks/ too): no network for the
test process and every process it starts, a private home for them (nothing written into
$HOME), Hypothesis with a fixed seed, so that the test command gives the same answer on every
run (new cases come from raising max_examples), and the grouping that lets pytest-xdist share
the work between the CPU's cores (pyproject.toml asks for --dist=loadscope: each notebook's
nbval cells run in order on one worker, as they share one kernel, and so do the tests of one
module or class, which share its fixtures: a JupyterLab, a built site)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Charts drawn in the test run (this process and every kernel it starts) are compared with
# the committed outputs, never stored, and no comparison reads PNG bytes: do not draw PNGs
# (about 1 s per notebook run). See utils/charts.py.
os.environ.setdefault("COURSE_PNG", "0")

GUARD = Path(__file__).resolve().parent / "tests" / "offline" / "sitecustomize.py"
HOME = GUARD.parent / "course_test_home.py"


# No per-example deadline by default: a busy machine made a 0.27 s example "flaky" against
# Hypothesis's 0.2 s. Tests that bound a call's time say so themselves (hostile input: 5 s).
settings.register_profile("course", derandomize=True, database=None, print_blob=True,
                          deadline=None)
settings.load_profile("course")


@pytest.fixture(scope="module")
def course_charts() -> Iterator[None]:
    """Altair as a notebook has it after ``utils.setup()``: the course's renderer and theme
    (for tests of what a chart or widget displays); as it was again after the module."""
    import altair as alt

    from utils import charts

    renderer, theme = alt.renderers.active, alt.theme.active
    charts.enable()
    yield
    alt.renderers.enable(renderer)
    alt.theme.enable(theme)


def _load(name: str, path: Path) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_configure(config: pytest.Config) -> None:
    paths = [str(GUARD.parent), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    _load("course_offline_guard", GUARD)  # guard this process too (an audit hook)
    if "COURSE_TEST_HOME" not in os.environ:  # a nested pytest keeps its parent's home
        _load("course_test_home", HOME).make()  # nothing written into $HOME
    # Costly checks whose inputs have not changed since they passed are replayed from the
    # record of passes (tests/record.py).
    from tests import record

    config.pluginmanager.register(record.Plugin(config), "course-record")


#: The test files that take longest (see `python3 course.py bench`), longest first. They are
#: collected first, so pytest-xdist starts them first and no worker is left running a long
#: file alone at the end. Each file's own tests keep their order (nbval's cells too).
LONGEST_FIRST = ("test_hub.py", "test_accessibility_axe.py", "test_accessibility_lab.py",
                 "test_portable_outputs.py", "test_browser_lite.py", "test_browser_lab.py",
                 "test_kernel_limits.py", "test_student_path.py", "test_keyboard.py",
                 "test_poll_server.py", "test_poll_browser.py", "test_editions.py",
                 "test_council_projector.py", "test_council_browser.py", "test_attack.py",
                 "test_record.py", "test_errors.py", "test_course_script.py",
                 "test_package.py", "test_hostile_input.py", "test_council_server.py",
                 "test_setup.py", "test_charts.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the longest files first (:data:`LONGEST_FIRST`); mark each notebook's nbval
    cells as one check of that notebook, for the record of passes (tests/record.py)."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)
    for item in items:
        if item.path.suffix == ".ipynb":
            notebook = item.path.relative_to(Path(__file__).resolve().parent).as_posix()
            item.add_marker(pytest.mark.record(notebooks=[notebook], whole=True))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Run the tests of modules that set ``NOT_TRACED = True`` with no tracer at all: the
    coverage gate counts what the deliberate tests reach. (pytest-cov's ``no_cover`` marker
    pauses only one of the collectors an xdist worker runs, and fails under --no-cov.)"""
    if not getattr(getattr(item, "module", None), "NOT_TRACED", False):
        yield
        return
    here, threads = sys.gettrace(), threading.gettrace()
    sys.settrace(None)
    threading.settrace(None)
    try:
        yield
    finally:
        sys.settrace(here)
        threading.settrace(threads)


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Report how many hostile-input cases ran (tests/test_hostile_input.py)."""
    hostile = sys.modules.get("tests.test_hostile_input")
    if hostile is not None and hostile.CASES["count"]:
        terminalreporter.write_line(f"hostile-input cases run: {hostile.CASES['count']}")


#: Where `python3 course.py bench` asks for each test's duration (see scripts/benchmarks.py).
DURATIONS = os.environ.get("COURSE_TEST_DURATIONS")
_durations: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up the seconds each test file took (set-up, call and tear-down), when asked."""
    if DURATIONS:
        part = report.nodeid.split("::")[0]
        _durations[part] = _durations.get(part, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if DURATIONS and not hasattr(session.config, "workerinput"):  # the xdist controller
        Path(DURATIONS).write_text(json.dumps(_durations, indent=1, sort_keys=True))
