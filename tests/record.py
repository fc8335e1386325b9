"""A record of the costly checks that passed, addressed by the content of what they read.

A test marked ``@pytest.mark.record`` is a check whose answer depends only on its inputs,
which are named exactly: every file of the repository as it is on disk (the course's code,
data, scripts, test helpers, vendored files and locks; only caches and build output are left
out), of the test files (tests/test_*.py) only the check's own and those it imports, of the
notebooks only those the mark names (``record(notebooks=[...])``; all of them when it names
none), any further paths it names (``record(extra=["build/lite"])``), and what the
machine brings: Python's version and build, the platform and CPU, the installed environment
(setup's stamp of the lock, the project and Python), Chromium's binary and the environment
variables that change what a check sees (timezone, locale, numpy's CPU features, the
course's own switches). The sha256 of all of them is the check's key.

A key found in :data:`STORE` (``build/test-record/``, never committed) is a pass recorded on
this machine with exactly these inputs: the check is reported as replayed from the record
(``R`` in the progress line, "replayed" in the summary) instead of being run. Only a pass is
recorded: a failure, an error, a skip or a check run in part (some of its tests deselected)
never is. A check whose tests share one state (a notebook's nbval cells share a kernel) is
recorded and replayed whole, or not at all. ``CI=true`` or ``COURSE_RECORD=0`` runs every
check and records nothing; ``COURSE_RECORD=fresh`` runs every check and records the passes.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
import sysconfig
import time
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "build" / "test-record"
NOTEBOOKS = ROOT / "notebooks"
#: Folders that hold no input of any check: caches, build output, the environment (whose
#: content the setup stamp stands for), the student's own copy.
SKIPPED_FOLDERS = {".git", ".venv", "build", ".cache", "my-course", "__pycache__",
                   ".pytest_cache", ".hypothesis", ".ruff_cache", ".ipynb_checkpoints",
                   "node_modules"}
#: Setup's stamp of the installed environment: a digest of the lock, the project's metadata
#: and Python (see course.py), rewritten whenever setup installs anything.
ENVIRONMENT_STAMP = ROOT / ".venv" / "alliance-decisions-test.txt"
#: Environment variables that change what a check sees, by exact name or by prefix.
VARIABLES = ("CI", "TZ", "LANG", "LANGUAGE", "PATH", "PYTHONPATH", "PYTHONUTF8",
             "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
             "PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "OMP_NUM_THREADS")
PREFIXES = ("COURSE_", "LC_", "NPY_", "OPENBLAS_", "MKL_", "JPY_")
#: Of those, the ones that differ between runs without changing any check: the test run's
#: private home, where `course.py bench` collects durations, and this record's own switch.
VOLATILE = {"COURSE_TEST_HOME", "COURSE_TEST_DURATIONS", "COURSE_RECORD"}


def mode(environ: dict[str, str] | None = None) -> str:
    """What the record does in this run: "off" in CI and where COURSE_RECORD=0 (every
    check runs, nothing is recorded), "fresh" where COURSE_RECORD=fresh (every check runs
    and each pass is recorded: a cold run, as `course.py bench` times it), else "on"
    (recorded passes are replayed, new ones recorded)."""
    environ = os.environ if environ is None else environ
    if environ.get("CI", "").lower() in ("true", "1") or environ.get("COURSE_RECORD") == "0":
        return "off"
    return "fresh" if environ.get("COURSE_RECORD") == "fresh" else "on"


def is_notebook(path: Path) -> bool:
    """Whether `path` is one of the course's notebooks (which a mark may narrow)."""
    return path.parent == NOTEBOOKS and path.suffix == ".ipynb"


def files(top: Path) -> Iterator[Path]:
    """Every file under `top` (or `top` itself), in a fixed order, caches left out."""
    if top.is_file():
        yield top
        return
    seen: set[str] = set()
    # Into linked folders too (a data/ kept on another disk is read through its link), once.
    for folder, subfolders, names in os.walk(top, followlinks=True):
        if os.path.realpath(folder) in seen:
            subfolders[:] = []
            continue
        seen.add(os.path.realpath(folder))
        subfolders[:] = sorted(s for s in subfolders
                               if s not in SKIPPED_FOLDERS and not s.endswith(".egg-info"))
        for name in sorted(names):
            if not (name.startswith(".coverage") or name.endswith(".pyc")
                    or name == ".venv.lock"):
                yield Path(folder, name)


@cache
def digest(path: Path) -> str:
    """The sha256 of one file's bytes (read once per process)."""
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def tree(extra: Iterable[str] = ()) -> dict[str, str]:
    """The sha256 of every input file, by its path from the repository's root: the whole
    repository (caches and build output aside) and the `extra` paths (which may be inside
    build/)."""
    found = {}
    for top in (ROOT, *(ROOT / name for name in extra)):
        for path in files(top):
            found[path.relative_to(ROOT).as_posix()] = digest(path)
    return found


def installed() -> str:
    """A digest of what is installed where this Python imports from (every file of its
    site-packages by path, size and time, compiled caches aside): a package a student added,
    a .pth file or an edited module changes it, while setup's stamp says only which lock
    was installed; and the environment's own configuration (``etc/``: the kernel's
    IPython and Jupyter settings)."""
    sha = hashlib.sha256()
    tops = {Path(p) for p in sysconfig.get_paths().values() if p.endswith("-packages")}
    for top in sorted(t for t in tops | {Path(sys.prefix) / "etc"} if t.is_dir()):
        for folder, subfolders, names in os.walk(top):
            subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
            for name in sorted(names):
                if not name.endswith(".pyc"):
                    info = (Path(folder) / name).lstat()
                    sha.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\n"
                               .encode())
    return sha.hexdigest()


@cache
def machine() -> dict[str, object]:
    """What this machine brings to every check: Python, the platform, the CPU's features,
    the installed environment's stamp and Chromium's binary."""
    flags = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        flags = next((line for line in cpuinfo.read_text().splitlines()
                      if line.startswith(("flags", "Features"))), "")
    from tests.browser import CHROMIUM  # the browser the browser tests start

    chromium = CHROMIUM.resolve()
    return {"python": sys.version, "executable": sys.executable,
            "platform": platform.platform(), "machine": platform.machine(),
            "processor": platform.processor(), "cpu": flags,
            "environment": ENVIRONMENT_STAMP.read_text() if ENVIRONMENT_STAMP.exists()
            else None, "installed": installed(),
            "chromium": [str(chromium), chromium.stat().st_size, chromium.stat().st_mtime_ns]
            if chromium.exists() else None}


def variables(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables that change what a check sees (:data:`VARIABLES`)."""
    environ = os.environ if environ is None else environ
    return {name: value for name, value in sorted(environ.items())
            if (name in VARIABLES or name.startswith(PREFIXES)) and name not in VOLATILE}


def is_test_module(path: Path) -> bool:
    """Whether `path` is a file of tests (tests/test_*.py), which only the checks in it and
    in the files that import it read."""
    return path.parent == ROOT / "tests" and path.name.startswith("test_") and \
        path.suffix == ".py"


def test_modules(path: Path) -> set[str]:
    """The test files a check in `path` runs: itself and every test file it imports (as
    ``tests.test_x`` or ``from tests import test_x``), and theirs, by path from the root."""
    found: set[str] = set()
    todo = [path] if is_test_module(path) else []
    while todo:
        module = todo.pop()
        name = module.relative_to(ROOT).as_posix()
        if name in found or not module.exists():
            continue
        found.add(name)
        text = module.read_text(encoding="utf-8")
        imported = re.findall(r"\btests\.(test_\w+)", text) + [
            name for names in re.findall(r"from tests import ([\w, ()\n]+)", text)
            for name in re.findall(r"\btest_\w+", names)]
        todo += [ROOT / "tests" / f"{name}.py" for name in imported]
    return found


#: pytest's options (by their parsed name) that choose which tests run, or how the run
#: reports, is spread over workers, or where it keeps temporary files, and never what a
#: check does: left out of the keys.
NEUTRAL = {"keyword", "markexpr", "deselect", "file_or_dir", "maxfail", "lf", "last_failed",
           "failedfirst", "last_failed_no_failures", "newfirst", "stepwise",
           "stepwise_skip", "verbose", "quiet", "tbstyle", "reportchars", "durations",
           "durations_min", "color", "code_highlight", "no_header", "no_summary",
           "fold_skipped", "force_short_summary", "showlocals", "fulltrace", "showcapture",
           "numprocesses", "maxprocesses", "dist", "distload", "loadscopereorder",
           "maxschedchunk", "maxworkerrestart", "tx", "px", "rsyncdir", "rsyncignore",
           "looponfail", "testrunuid", "basetemp", "cov_report", "xmlpath", "junitprefix",
           "pastebin", "debug", "traceconfig", "setupshow", "usepdb", "usepdb_cls", "trace",
           "hypothesis_show_statistics", "hypothesis_verbosity", "hypothesis_explain"}


def _plain(value: object, where: Path) -> object:
    """An option's value as the key holds it: a file it names, by its content too."""
    if isinstance(value, str):
        path = where / value
        return [value, digest(path)] if value and path.is_file() else value
    if isinstance(value, (list, tuple)):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v, where) for k, v in sorted(value.items())}
    return value if value is None or isinstance(value, (bool, int, float)) else \
        type(value).__name__


def options(config: pytest.Config) -> dict[str, object]:
    """pytest's options as parsed for this run (from the command line, its @files,
    PYTEST_ADDOPTS and the configuration's addopts) but the neutral ones, with the content
    of any file they name, and the configuration file's content: what may change what a
    check does (``--nbval-lax``, ``--nbval-sanitize-with``, ``-p``, ``-W``, ``-c``)."""
    where = config.invocation_params.dir
    found = {name: _plain(value, where) for name, value in sorted(vars(config.option).items())
             if name not in NEUTRAL and not name.startswith("_")}
    found["inifile"] = digest(config.inipath) if config.inipath else None
    return found


def narrowed(config: pytest.Config) -> set[Path]:
    """The files of which the run selects single tests (``file::test``, on the command line
    or in an @file): a check made of all the tests of such a file (a notebook's cells)
    runs there only in part."""
    where = config.invocation_params.dir
    return {(where / str(a).split("::")[0]).resolve() for a in config.args if "::" in str(a)}


def key(check: str, notebooks: Iterable[str] | None = None, extra: Iterable[str] = (),
        modules: Iterable[str] | None = None, measured: bool = False,
        given: dict[str, object] | None = None) -> str:
    """The key of a check: the sha256 of its name and of everything it reads. `notebooks`
    (paths from the root) narrows the course's notebooks to those named, `modules` the test
    files (tests/test_*.py) to those named; None keeps all. `measured`: whether coverage is
    measured (a pass recorded without it has no lines to count again); `given`: the run's
    options (a pass under ``--nbval-lax`` proves nothing about a run without it)."""
    inputs = tree(tuple(extra))
    if notebooks is not None:
        kept = {str(name) for name in notebooks}
        inputs = {path: sha for path, sha in inputs.items()
                  if path in kept or not is_notebook(ROOT / path)}
    if modules is not None:
        kept = set(modules)
        inputs = {path: sha for path, sha in inputs.items()
                  if path in kept or not is_test_module(ROOT / path)}
    text = json.dumps({"check": check, "inputs": inputs, "machine": machine(),
                       "variables": variables(), "coverage": measured,
                       "options": given or {}}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def recorded(check_key: str) -> bool:
    """Whether a pass with this key is recorded."""
    return (STORE / f"{check_key}.json").exists()


def add(check_key: str, check: str, coverage: dict[str, Any] | None = None) -> None:
    """Record a pass, with the lines of measured code the check ran (written whole, then
    renamed: two workers never see half a record)."""
    STORE.mkdir(parents=True, exist_ok=True)
    part = STORE / f"{check_key}.{os.getpid()}.part"
    part.write_text(json.dumps({"check": check, "passed": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                "coverage": coverage}) + "\n")
    part.replace(STORE / f"{check_key}.json")


def read(check_key: str) -> dict[str, Any]:
    """A recorded pass."""
    return json.loads((STORE / f"{check_key}.json").read_text())


class Coverage:
    """The coverage measurement of this test process (pytest-cov's, when it runs): each
    marked check is measured in a context of its own, so that its record can keep the
    lines it ran and a replay can count them again. The coverage gate then reads the same
    on a run that replays a check as on one that runs it."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.previous: str | None = None

    @property
    def cov(self) -> Any:
        plugin = self.config.pluginmanager.getplugin("_cov")
        cov = getattr(getattr(plugin, "cov_controller", None), "cov", None)
        return cov if cov is not None and cov._started else None

    def begin(self, check: str) -> None:
        if self.cov is not None:
            self.previous = self.cov.switch_context(check)

    def end(self) -> None:
        if self.cov is not None:
            self.cov.switch_context(self.previous or "")

    def ran(self, check: str) -> dict[str, Any] | None:
        """The lines (or arcs, when branches are measured) the check ran, by file."""
        if self.cov is None:
            return None
        data = self.cov.get_data()
        kind = "arcs" if data.has_arcs() else "lines"
        data.set_query_contexts([f"(^|\\|){re.escape(check)}$"])  # after a static context
        try:
            files = {path: sorted(getattr(data, kind)(path) or [])
                     for path in data.measured_files()}
        finally:
            data.set_query_contexts(None)
        return {"kind": kind, "files": {path: found for path, found in files.items() if found}}

    def replay(self, measured: dict[str, Any] | None) -> None:
        """Count again the lines a recorded check ran."""
        if self.cov is None or not measured:
            return
        data = self.cov.get_data()
        if measured["kind"] == "arcs":
            data.add_arcs({path: [tuple(arc) for arc in arcs]
                           for path, arcs in measured["files"].items()})
        else:
            data.add_lines(measured["files"])


REPLAYED = ("record", "replayed")
RECORDED = ("record", "recorded")


class Plugin:
    """Replays the marked checks whose pass is recorded and records those that pass."""

    def __init__(self, config: pytest.Config) -> None:
        self.mode = mode()
        self.coverage = Coverage(config)
        self.replayed: set[str] = set()  # the node ids of the tests replayed
        self.keys: dict[str, str | None] = {}  # check -> its key (None: not a marked test)
        self.members: dict[str, set[str]] = {}  # check -> the node ids of its tests
        self.passed: dict[str, set[str]] = {}  # check -> those of its tests that passed
        self.partial: set[str] = set()  # checks some of whose tests were deselected
        self.failed: set[str] = set()
        self.counts = {"replayed": 0, "recorded": 0}
        self.options = options(config)
        self.narrowed = narrowed(config)

    @staticmethod
    def check_of(item: pytest.Item) -> str | None:
        """The check a test belongs to: the test itself, or, for a mark with ``whole=True``
        (nbval's cells), all of its parent's tests together; None when it is not marked."""
        mark = item.get_closest_marker("record")
        if mark is None:
            return None
        return item.parent.nodeid if mark.kwargs.get("whole") else item.nodeid

    def key_of(self, item: pytest.Item) -> str | None:
        check = self.check_of(item)
        if check is None:
            return None
        if check not in self.keys:
            mark = item.get_closest_marker("record")
            self.keys[check] = key(check, mark.kwargs.get("notebooks"),
                                   mark.kwargs.get("extra", ()), test_modules(item.path),
                                   self.coverage.cov is not None, self.options)
        return self.keys[check]

    # Collection: which tests make up each check, and which checks run only in part.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            check = self.check_of(item)
            if check is not None:
                self.members.setdefault(check, set()).add(item.nodeid)
                if check != item.nodeid and item.path.resolve() in self.narrowed:
                    self.partial.add(check)  # some of a file's tests chosen by name

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.partial.update(filter(None, map(self.check_of, items)))

    # Running: replay a recorded check's tests instead of running them.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None
                                ) -> bool | None:
        if self.mode != "on" or self.key_of(item) is None or not recorded(self.key_of(item)):
            return None
        self.replayed.add(item.nodeid)
        measured = read(self.key_of(item))["coverage"]
        if item.nodeid == min(self.members.get(self.check_of(item), {item.nodeid})):
            self.coverage.replay(measured)  # once for a check of several tests
        hook = item.ihook
        hook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        for when in ("setup", "call"):
            hook.pytest_runtest_logreport(report=pytest.TestReport(
                item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "passed", None,
                when, user_properties=[REPLAYED] if when == "call" else []))
        # What the tests before it set up and it would have shared (a module's fixtures)
        # ends here if the next test does not need it, as after a test that ran.
        teardown = pytest.CallInfo.from_call(
            lambda: item.session._setupstate.teardown_exact(nextitem), "teardown")
        hook.pytest_runtest_logreport(report=hook.pytest_runtest_makereport(item=item,
                                                                            call=teardown))
        hook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        check = self.check_of(item) if self.mode != "off" else None
        if check is not None:
            self.coverage.begin(check)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        try:
            return (yield)
        finally:
            if self.mode != "off" and self.check_of(item) is not None:
                self.coverage.end()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo
                                  ) -> Iterator[None]:
        report = yield
        check = self.check_of(item) if self.mode != "off" else None
        if check is None or item.nodeid in self.replayed:
            return report
        if not report.passed or (report.when == "call" and hasattr(report, "wasxfail")):
            self.failed.add(check)
        elif report.when == "teardown" and check not in self.failed | self.partial:
            self.passed.setdefault(check, set()).add(item.nodeid)
            if self.passed[check] >= self.members.get(check, {item.nodeid}):
                add(self.key_of(item), check, self.coverage.ran(check))
                report.user_properties.append(RECORDED)
        return report

    # Reporting: the progress letter, and how many checks were replayed and recorded.
    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report: pytest.TestReport
                                 ) -> tuple[str, str, str] | None:
        if report.when == "call" and REPLAYED in (report.user_properties or []):
            return "replayed", "R", "REPLAYED"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = report.user_properties or []
        if report.when == "call" and REPLAYED in properties:
            self.counts["replayed"] += 1
        if report.when == "teardown" and RECORDED in properties:
            self.counts["recorded"] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.mode == "off":
            terminalreporter.write_line("record: off (CI or COURSE_RECORD=0): every check ran")
            return
        terminalreporter.write_line(
            f"record: {self.counts['replayed']} tests replayed from the record of passed "
            f"checks ({STORE.relative_to(ROOT)}), {self.counts['recorded']} checks passed "
            "and recorded now; COURSE_RECORD=0 runs everything")
