"""The record of passed checks (tests/record.py) replays a check only while nothing it reads
has changed, never records a failure, and is ignored in CI.

Each test runs pytest on a small project of its own: a check that reads a data file and a
notebook, a file that counts how often the check really ran, and the record's store in the
project's build/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import record

# These checks of the record are themselves replayed from it while nothing they read has
# changed: record.py is one of their inputs, and no notebook is.
pytestmark = pytest.mark.record(notebooks=[])

ROOT = Path(__file__).resolve().parent.parent

CONFTEST = """\
from pathlib import Path

from tests import record

record.ROOT = Path(__file__).resolve().parent
record.STORE = record.ROOT / "build" / "test-record"
record.NOTEBOOKS = record.ROOT / "notebooks"


def pytest_configure(config):
    config.addinivalue_line("markers", "record: a check replayed from the record")
    config.pluginmanager.register(record.Plugin(config), "course-record")
"""

CHECKS = """\
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent.parent


def ran(name):
    with (HERE / "build" / "ran.txt").open("a") as log:
        log.write(name + "\\n")


@pytest.mark.record(notebooks=["notebooks/01.ipynb"])
def test_one_notebook():
    ran("one")
    assert (HERE / "data.txt").read_text() == "good"


@pytest.mark.record
def test_all_notebooks():
    ran("all")


@pytest.mark.record(whole=True)
class TestTogether:
    def test_first(self):
        ran("first")

    def test_second(self):
        ran("second")
        assert (HERE / "data.txt").read_text() == "good"


def test_not_marked():
    ran("plain")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "build").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01.ipynb").write_text("{}")
    (tmp_path / "notebooks" / "02.ipynb").write_text("{}")
    (tmp_path / "data.txt").write_text("good")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_checks.py").write_text(CHECKS)
    return tmp_path


def run(project: Path, *args: str, **variables: str) -> tuple[str, list[str]]:
    """Run the project's tests; returns pytest's output and the checks that really ran."""
    log = project / "build" / "ran.txt"
    log.unlink(missing_ok=True)
    # Only the plugins a run needs (loading every installed one took seconds a run).
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "", "COURSE_RECORD": "1",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **variables}
    measured = ["-p", "pytest_cov"] if any(a.startswith("--cov") for a in args) else []
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *measured, "-q", "-rA",
         "--rootdir", str(project), *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120)
    return result.stdout, (log.read_text().split() if log.exists() else [])


def test_a_passed_check_is_replayed_until_an_input_changes(project: Path) -> None:
    output, ran = run(project)
    assert sorted(ran) == ["all", "first", "one", "plain", "second"], output
    assert "3 checks passed and recorded now" in output, output
    assert len(list((project / "build" / "test-record").glob("*.json"))) == 3

    output, ran = run(project)
    assert ran == ["plain"], output
    assert "4 replayed" in output and "1 passed" in output, output
    assert "4 tests replayed from the record" in output, output
    assert "0 checks passed and recorded now" in output, output

    (project / "data.txt").write_text("good", encoding="utf-8")  # same bytes, new time
    assert run(project)[1] == ["plain"]

    (project / "helper.py").write_text("VALUE = 1\n")  # any new file of the repository
    assert sorted(run(project)[1]) == ["all", "first", "one", "plain", "second"]
    assert run(project)[1] == ["plain"]


def test_a_check_reads_its_own_test_file_and_those_it_imports_only(project: Path) -> None:
    run(project)
    (project / "tests" / "test_unrelated.py").write_text("VALUE = 1\n")
    assert run(project)[1] == ["plain"]
    with (project / "tests" / "test_checks.py").open("a") as checks:
        checks.write("\n\ndef never_called():\n    from tests import test_unrelated\n")
    assert len(run(project)[1]) == 5
    (project / "tests" / "test_unrelated.py").write_text("VALUE = 2\n")
    assert len(run(project)[1]) == 5
    assert record.test_modules(ROOT / "tests" / "test_keyboard.py") >= {
        "tests/test_keyboard.py", "tests/test_accessibility_axe.py", "tests/test_browser_lab.py"}


def test_a_check_that_names_its_notebooks_reads_only_those(project: Path) -> None:
    run(project)
    (project / "notebooks" / "02.ipynb").write_text('{"changed": true}')
    assert sorted(run(project)[1]) == ["all", "first", "plain", "second"]
    (project / "notebooks" / "01.ipynb").write_text('{"changed": true}')
    assert sorted(run(project)[1]) == ["all", "first", "one", "plain", "second"]


def test_a_failure_is_never_recorded(project: Path) -> None:
    (project / "data.txt").write_text("bad")
    output, ran = run(project)
    assert "2 failed" in output, output
    assert "1 checks passed and recorded now" in output, output  # test_all_notebooks
    # The failing check runs again, and all of a check whose part failed.
    output, ran = run(project)
    assert sorted(ran) == ["first", "one", "plain", "second"], output
    assert "2 failed" in output, output


def test_a_check_run_in_part_is_not_recorded(project: Path) -> None:
    output, ran = run(project, "-k", "not test_second")
    assert "first" in ran and "second" not in ran, output
    assert sorted(run(project)[1]) == ["first", "plain", "second"]


def test_a_check_of_several_tests_run_by_name_in_part_is_not_recorded(project: Path) -> None:
    # Like one cell of a notebook: the class's other test never ran, so nothing is recorded.
    output, ran = run(project, "tests/test_checks.py::TestTogether::test_first")
    assert ran == ["first"], output
    assert "0 checks passed and recorded now" in output, output
    assert sorted(run(project)[1]) == ["all", "first", "one", "plain", "second"]


def test_options_that_change_what_a_check_does_are_part_of_its_key(project: Path) -> None:
    # A pass under a weaker option (nbval's --nbval-lax, say) proves nothing without it.
    run(project, "-W", "ignore::DeprecationWarning")
    assert sorted(run(project)[1]) == ["all", "first", "one", "plain", "second"]
    # Choosing tests or how they are reported changes no check: the record still serves.
    assert run(project, "-q", "-k", "not test_not_marked", "-x", "tests")[1] == []


def test_a_file_an_option_names_is_keyed_by_its_content(project: Path) -> None:
    # --nbval-sanitize-with FILE, -c FILE: a file outside the repository can weaken a check.
    outside = project.parent / "other.ini"
    outside.write_text("[pytest]\n")
    run(project, "-c", str(outside), "--rootdir", str(project))
    assert run(project, "-c", str(outside), "--rootdir", str(project))[1] == ["plain"]
    outside.write_text("[pytest]\nxfail_strict = true\n")
    assert len(run(project, "-c", str(outside), "--rootdir", str(project))[1]) == 5


def test_what_is_installed_is_part_of_the_key(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # A package a student added, or a .pth file, changes what every check imports.
    site = tmp_path / "site-packages"
    (site / "pkg" / "__pycache__").mkdir(parents=True)
    (site / "pkg" / "__init__.py").write_text("")
    monkeypatch.setattr(record.sysconfig, "get_paths", lambda: {"purelib": str(site)})
    before = record.installed()
    (site / "pkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"x")
    assert record.installed() == before  # a module compiled on import changes nothing
    (site / "zz.pth").write_text("import os\n")
    assert record.installed() != before


def test_ci_and_course_record_0_run_everything_and_record_nothing(project: Path) -> None:
    run(project)
    store = sorted((project / "build" / "test-record").iterdir())
    everything = ["all", "first", "one", "plain", "second"]
    for switch in ({"CI": "true"}, {"COURSE_RECORD": "0"}):
        output, ran = run(project, **switch)
        assert sorted(ran) == everything, (switch, output)
        assert "record: off" in output, output
    (project / "data.txt").write_text("changed")
    run(project, CI="true")
    assert sorted((project / "build" / "test-record").iterdir()) == store


def test_course_record_fresh_runs_everything_and_records_the_passes(project: Path) -> None:
    run(project)
    output, ran = run(project, COURSE_RECORD="fresh")
    assert sorted(ran) == ["all", "first", "one", "plain", "second"], output
    (project / "data.txt").write_text("bad")
    output, ran = run(project, COURSE_RECORD="fresh")
    assert "1 checks passed and recorded now" in output, output
    (project / "data.txt").write_text("good")
    assert run(project)[1] == ["plain"]


MEASURED = """\
def ran_only_by_the_check():
    return 1


def ran_only_by_the_other_test():
    return 2
"""

MEASURED_TESTS = """\
import pytest

import measured


@pytest.mark.record
def test_check():
    assert measured.ran_only_by_the_check() == 1


def test_other():
    assert measured.ran_only_by_the_other_test() == 2
"""


def test_a_replayed_check_still_counts_for_coverage(project: Path) -> None:
    (project / "measured.py").write_text(MEASURED)
    (project / "test_measured.py").write_text(MEASURED_TESTS)
    args = ("--cov=measured", "--cov-report=term-missing", "test_measured.py")
    first = run(project, *args)[0]
    assert "1 checks passed and recorded now" in first, first
    replayed = run(project, *args)[0]
    assert "1 replayed" in replayed, replayed
    rows = [[line.split() for line in output.splitlines() if line.startswith("measured.py")]
            for output in (first, replayed)]
    assert rows[0] == rows[1] == [["measured.py", "4", "0", "100%"]], rows
    # A pass recorded without coverage has no lines to count: a run with coverage runs it.
    (project / "build" / "test-record").rename(project / "build" / "old-record")
    run(project, "test_measured.py")
    output = run(project, *args)[0]
    assert "1 checks passed and recorded now" in output, output


def test_the_environment_a_check_sees_is_part_of_its_key(project: Path) -> None:
    run(project)
    assert sorted(run(project, TZ="Asia/Kathmandu")[1]) == ["all", "first", "one", "plain",
                                                            "second"]
    assert run(project, COURSE_TEST_HOME="/elsewhere")[1] == ["plain"]
    # Jupyter's JPY_SESSION_NAME tells a check which saved notebook holds a student's words.
    assert len(run(project, JPY_SESSION_NAME="/elsewhere/03.ipynb")[1]) == 5


def test_a_linked_folder_is_read_through_its_link(project: Path, tmp_path_factory: Any) -> None:
    elsewhere = tmp_path_factory.mktemp("disk") / "tables"
    elsewhere.mkdir()
    (elsewhere / "table.csv").write_text("a,b\n")
    (project / "tables").symlink_to(elsewhere, target_is_directory=True)
    run(project)
    assert run(project)[1] == ["plain"]
    (elsewhere / "table.csv").write_text("a,b\n1,2\n")
    assert len(run(project)[1]) == 5


def test_the_key_covers_the_machine_and_the_installed_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    here = record.key("a check")
    assert record.key("a check") == here
    assert record.key("another check") != here
    machine = dict(record.machine())
    for name in ("python", "cpu", "environment", "chromium"):
        monkeypatch.setattr(record, "machine", lambda name=name: {**machine, name: "other"})
        assert record.key("a check") != here, name
