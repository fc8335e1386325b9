#!/usr/bin/env python3
"""Set up and run the Alliance Decisions course. Needs only Python 3.11+ and git.

    python3 course.py lab      set up, then open the student's course in JupyterLab
                               (`lab --instructor`: the instructor notebooks)
    python3 course.py collect  read a class's hand-ins (a folder) into one CSV
    python3 course.py test     set up, then run every test (extra arguments go to pytest)
    python3 course.py bench    set up, then print the speed and size benchmarks, the test
                               command's time by part among them (--no-suite: without it)
    python3 course.py council  set up, then run a live North Atlantic Council for the class
    python3 course.py poll NN  set up, then poll the class (phones) on notebook NN's
                               "predict, then see" questions
    python3 course.py student  write the student edition (no solutions) to build/student
                               (`--branch`: also commit it to the git branch `student`,
                               which a JupyterHub's students pull: see the README)
    python3 course.py site     build the static HTML site of the course in build/site
    python3 course.py slides   build reveal.js slide decks in build/slides
    python3 course.py lite     build the in-browser (JupyterLite) course in build/lite;
                               `lite serve` serves it on http://127.0.0.1:8765
    python3 course.py execute  (maintainers) rerun notebooks and store their outputs
    python3 course.py guide    (maintainers) regenerate docs/instructor-guide.md
    python3 course.py lock     (maintainers) recompile requirements.lock and environment.yml
    python3 course.py lab-settings  (a JupyterHub's image) no Jupyter news question in the
                               JupyterLab of the Python running it (see the README)

Setup creates a project-local virtual environment in .venv, installs the exact versions
of a lock, then installs this project (the `utils` package) in editable mode. Students get
requirements.lock (what the course needs to run); `test` and `bench` add the test tools of
requirements-test.lock (the same pins, and more); CI adds requirements-hub.lock, what a
JupyterHub's image adds (JupyterHub's single-user server and nbgitpuller), for the test
that runs the course on a real hub. Every lock carries every file's sha256, and pip
installs nothing whose hash is not in the lock. Setup remembers what it installed, so
running a command again installs nothing new; it holds a lock so that two setups never
build at once, and if an earlier setup was interrupted it starts that step again by itself.
Every command also notices a package damaged since (a file deleted, a version changed by
another pip install) and reinstalls that package from the lock.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
#: What the course needs to run (JupyterLab, the notebooks, the editions): for students.
LOCK = ROOT / "requirements.lock"
#: The same pins and the test and benchmark tools: for `test` and `bench`.
TEST_LOCK = ROOT / "requirements-test.lock"
#: What a JupyterHub's image adds to LOCK (the README's recipe), with the test lock's pins for
#: what they share: for CI's test of the course on a real hub (tests/test_hub.py). A lock of
#: its own, not part of the test lock: every `course.py test` would install JupyterHub's
#: database, web and crypto stack (18 packages) for a test that runs in CI only.
HUB_LOCK = ROOT / "requirements-hub.lock"
#: The packages HUB_LOCK is compiled from (with their dependencies).
HUB_PACKAGES = ("jupyterhub", "nbgitpuller")
ENV_YML = ROOT / "environment.yml"
#: Held while setup runs, so that a second setup waits instead of building the same .venv.
SETUP_LOCK = ROOT / ".venv.lock"
#: Written once .venv has a working pip; a .venv without it is an interrupted creation.
CREATED = "alliance-decisions-created.txt"
#: What a finished setup found installed in .venv: the distributions, the folders their
#: files are in, and a digest of those folders' modification times (see `intact`).
MANIFEST = "alliance-decisions-files.txt"
#: The project's own distribution (installed in editable mode, not from a lock).
PROJECT = "alliance-decisions"
START = "notebooks/00-start-here.ipynb"
#: The student's own copy of the course, which `lab` opens (a course update never
#: overwrites what the student changed in it).
WORKSPACE = ROOT / "my-course"


class SetupError(Exception):
    """Setup cannot go on; the message says why."""


def locks() -> dict[str, Path]:
    """The lock of each set of packages."""
    return {"runtime": LOCK, "test": TEST_LOCK, "hub": HUB_LOCK}


def venv_python() -> Path:
    """The interpreter of the project's virtual environment."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def stamp(kind: str) -> Path:
    """The file that records what setup installed of one set ("runtime", "test" or "hub")."""
    return VENV / f"alliance-decisions-{kind}.txt"


def install_fingerprint(kind: str = "runtime") -> str:
    """A digest of everything that decides what setup installs for one set: its lock, the
    project's own metadata in pyproject.toml and which packages it holds (setuptools'
    settings: the editable install finds only the packages listed there; not the other
    tools' settings) and Python."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    project["tool"] = {"setuptools": project.get("tool", {}).get("setuptools")}
    digest = hashlib.sha256(locks()[kind].read_bytes())
    digest.update(repr(sorted((k, repr(v)) for k, v in project.items())).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def installed(kind: str) -> bool:
    """Whether .venv holds the current version of a set (the test set holds the runtime
    set too: its lock has the same pins, and more)."""
    kinds = ("runtime", "test") if kind == "runtime" else (kind,)
    return venv_python().exists() and any(
        stamp(k).exists() and stamp(k).read_text().strip() == install_fingerprint(k)
        for k in kinds)


#: The setup lock's file descriptor while setup holds it: the commands setup runs inherit it,
#: so that a pip left running after its parent was killed still holds the lock.
_LOCK_FDS: tuple[int, ...] = ()


def run(*args: object) -> None:
    """Run a command; SetupError if it cannot start or fails."""
    print("+", " ".join(str(a) for a in args), flush=True)
    try:
        subprocess.run([str(a) for a in args], cwd=ROOT, check=True, pass_fds=_LOCK_FDS)
    except (OSError, subprocess.CalledProcessError) as error:
        raise SetupError(f"{Path(str(args[0])).name} failed ({error})") from None


@contextmanager
def setup_lock() -> Iterator[None]:
    """Hold SETUP_LOCK, an operating-system file lock: a second setup waits for the first,
    and the lock is released even when its holder is killed."""
    with SETUP_LOCK.open("a+b") as handle:
        if os.name == "nt":
            import msvcrt
            for attempt in range(3600):
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    if attempt == 0:
                        print("Another setup of the course is running; waiting for it ...",
                              flush=True)
                    time.sleep(1)
            else:
                raise SetupError("another setup held the lock for an hour")
        else:
            import fcntl
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("Another setup of the course is running; waiting for it ...",
                      flush=True)
                fcntl.flock(handle, fcntl.LOCK_EX)
        global _LOCK_FDS
        _LOCK_FDS = () if os.name == "nt" else (handle.fileno(),)
        try:
            yield
        finally:
            _LOCK_FDS = ()


def create_venv() -> None:
    """Create .venv with pip, starting again if an earlier creation was interrupted."""
    if VENV.exists() and not (VENV / CREATED).exists():
        print("An earlier setup was interrupted; creating the environment again ...",
              flush=True)
        shutil.rmtree(VENV)
    if not VENV.exists():
        print("Creating the course environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
        (VENV / CREATED).write_text("created, with pip\n")


def install_project() -> None:
    """Install the project itself in editable mode. A separate pip call from the lock's:
    hash checking cannot apply to a project built from its folder."""
    run(venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--editable", ".")


def install(kind: str) -> None:
    """Install one set's lock, then the project, into .venv (created first if needed)."""
    create_venv()
    run(venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--require-hashes", "-r", locks()[kind])
    install_project()
    # The manifest first: a setup killed between the two leaves no stamp, so the next one
    # installs again rather than judge this .venv by an older manifest.
    record_files()
    stamp(kind).write_text(install_fingerprint(kind) + "\n")


def site_packages() -> Path:
    """Where .venv's packages are (computed, not asked of .venv's Python: it is this
    Python's version, as the fingerprint ensures, and .venv may be too damaged to ask)."""
    if os.name == "nt":
        return VENV / "Lib" / "site-packages"
    return VENV / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def distribution_name(dist_info: str) -> str:
    """The normalized name of a distribution from its .dist-info folder's name (PEP 503)."""
    return re.sub(r"[-_.]+", "-", dist_info.split("-")[0]).lower()


def installed_files(dist_info: Path) -> list[str]:
    """The files a distribution installed, relative to site-packages, from its RECORD."""
    with (dist_info / "RECORD").open(encoding="utf-8", newline="") as record:
        return [os.path.normpath(row[0]) for row in csv.reader(record) if row]


def _folders_snapshot(folders: list[str]) -> str:
    """A digest of the modification times of some folders of site-packages. A file deleted,
    added or renamed changes its folder's time, so this notices a damaged package at the cost
    of one stat per folder (not one per file, ten times as many)."""
    base = site_packages()
    digest = hashlib.sha256()
    for folder in folders:
        try:
            digest.update(f"{folder}\0{os.stat(base / folder).st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{folder}\0missing\n".encode())
    return digest.hexdigest()


def record_files() -> None:
    """Write MANIFEST: the distributions now in .venv and the folders of their files
    (compiled-bytecode folders aside: Python rewrites those, and they are not damage)."""
    base = site_packages()
    dists = sorted(p.name for p in base.glob("*.dist-info")) if base.is_dir() else []
    folders = {"."}
    for dist in dists:
        folders.add(dist)
        try:
            files = installed_files(base / dist)
        except OSError:
            continue
        folders.update(os.path.dirname(f) or "." for f in files
                       if "__pycache__" not in Path(f).parts)
    ordered = sorted(folders)
    lines = [_folders_snapshot(ordered), *(f"dist {d}" for d in dists),
             *(f"dir {f}" for f in ordered)]
    (VENV / MANIFEST).write_text("\n".join(lines) + "\n", "utf-8")


def _manifest() -> list[str]:
    try:
        return (VENV / MANIFEST).read_text("utf-8").splitlines()
    except OSError:
        return []


def intact() -> bool:
    """Whether no folder holding .venv's packages changed since setup finished (the quick
    test every command makes: a few thousand stats, milliseconds). Without a manifest (a
    .venv set up by an older course.py) it is not sure: setup then writes one."""
    lines = _manifest()
    folders = [line[4:] for line in lines if line.startswith("dir ")]
    return bool(lines) and _folders_snapshot(folders) == lines[0]


def damaged(kind: str) -> list[str]:
    """The distributions of the course (those of `kind`'s lock, the project, and pip) that
    setup installed and that are now gone, of another version, or missing a file of their
    RECORD (the thorough test, made when `intact` is not sure). Compiled bytecode does not
    count: Python writes it again. Packages a student added are theirs to keep or remove."""
    ours = {*lock_requirements(locks()[kind].read_text("utf-8")), PROJECT, "pip"}
    base = site_packages()
    found = []
    for dist in (line[5:] for line in _manifest() if line.startswith("dist ")):
        if distribution_name(dist) not in ours:
            continue
        try:
            whole = all(os.path.lexists(base / f) for f in installed_files(base / dist)
                        if "__pycache__" not in Path(f).parts)
        except OSError:
            whole = False
        if not whole:
            found.append(distribution_name(dist))
    return found


def repair(kind: str, names: list[str]) -> None:
    """Reinstall damaged distributions: each exactly as its lock has it (hash-checked); the
    project in editable mode; pip, which does the reinstalling, by making .venv again."""
    print(f"Repairing the course environment: {', '.join(sorted(set(names)))} "
          f"{'was' if len(set(names)) == 1 else 'were'} damaged ...", flush=True)
    if "pip" in names:
        shutil.rmtree(VENV)
        install(kind)
        return
    blocks = lock_requirements(locks()[kind].read_text("utf-8"))
    wanted = sorted({name for name in names if name != PROJECT})
    if wanted:
        repairs = VENV / "alliance-decisions-repair.txt"
        repairs.write_text("".join(line + "\n" for name in wanted for line in blocks[name]),
                           "utf-8")
        run(venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--require-hashes", "--no-deps", "--force-reinstall", "-r", repairs)
        repairs.unlink()
    if PROJECT in names:
        install_project()
    record_files()


def current_kind(kind: str) -> str:
    """The set .venv holds that serves `kind`: the test set if installed (it holds the
    runtime set too), else `kind`."""
    return "test" if installed("test") else kind


def setup(kind: str = "runtime") -> Path:
    """Make .venv hold one set of packages ("runtime", "test" or, on top of "test", "hub")
    and the project, whole; does nothing when it already does. Exits with a one-line message
    when it cannot."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must run on old Pythons too
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if kind == "hub":  # the hub's lock adds to the test set, whose pins it shares
        setup("test")
    if installed(kind) and intact():
        return venv_python()
    try:
        with setup_lock():
            # Another setup may have done it while we waited.
            if not installed(kind):
                install(kind)
            elif not intact():
                broken = damaged(current_kind(kind))
                if broken:
                    repair(current_kind(kind), broken)
                else:  # folders changed (another package added, say), nothing is missing
                    record_files()
    except SetupError as error:
        sys.exit(f"Setup stopped: {error}. Check the network connection and run the same "
                 "command again: it goes on from where it stopped.")
    except OSError as error:
        sys.exit(f"Setup stopped: {error}. Run the same command again; if it stops here "
                 "again, delete the .venv folder and retry.")
    return venv_python()


#: How call() starts a course command's Python: Ctrl+C stays ignored until this code is
#: running, and a Ctrl+C that the command does not handle itself (pressed during its first
#: seconds, while pandas, tornado or JupyterLab are imported) ends it quietly; the launcher
#: then says "Stopped." in one line instead of a traceback from the middle of an import.
QUIET_INTERRUPT = """\
import signal, sys
try:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import runpy
    mode, target, *rest = sys.argv[1:]
    sys.argv = [target, *rest]
    if mode == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    elif mode == "-c":
        sys.argv[0] = "-c"
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
    else:
        import os
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        runpy.run_path(target, run_name="__main__")
except KeyboardInterrupt:
    sys.exit(130)
"""


def _ignore_interrupt() -> None:
    """In a command's process, before its Python starts: ignore Ctrl+C until
    QUIET_INTERRUPT handles it (Python leaves an ignored SIGINT ignored as it starts)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def call(python: object, *args: object) -> int:
    """Run a course command in the environment (`python` with a script, or -m and a
    module, and their arguments) and return its exit code. Python runs in UTF-8 mode there
    (PYTHONUTF8=1): on Windows, files opened without an encoding (the course's own texts,
    a student's code in a notebook) are then read as the UTF-8 they are, not in the
    machine's legacy code page."""
    command = [str(a) for a in args]
    if command[0] not in ("-m", "-c"):
        command.insert(0, "--")
    return subprocess.call([str(python), "-c", QUIET_INTERRUPT, *command], cwd=ROOT,
                           env={**os.environ, "PYTHONUTF8": "1"},
                           preexec_fn=_ignore_interrupt if os.name == "posix" else None)


#: JupyterLab's settings for everyone using .venv: no Jupyter news and no update check,
#: so a student is not asked about notifications before the first cell (the course
#: promises no network; the command line's news_url only stops the fetching, not the
#: question).
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false", "checkForUpdates": False}}


def write_lab_settings(prefix: Path) -> Path:
    """Write LAB_OVERRIDES where JupyterLab reads its site-wide settings in the Python
    environment at `prefix`; returns the file."""
    import json

    target = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    text = json.dumps(LAB_OVERRIDES, indent=1) + "\n"
    if not target.exists() or target.read_text("utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    return target


def quiet_lab() -> None:
    """Write LAB_OVERRIDES into .venv's JupyterLab settings."""
    # A read-only environment: the question is asked, nothing breaks.
    with contextlib.suppress(OSError):
        write_lab_settings(VENV)


def lab_settings(extra: list[str]) -> int:
    """(A hub's image build) Write LAB_OVERRIDES into the environment of the Python that
    runs this command, whose JupyterLab then asks no student about Jupyter news."""
    try:
        target = write_lab_settings(Path(sys.prefix))
    except OSError as error:
        print(f"lab-settings: could not write JupyterLab's settings ({error})",
              file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


def lab(extra: list[str]) -> int:
    """Open the course in JupyterLab, on this computer only, with a login token.

    Students get their own copy (the student edition and the readings, in my-course/),
    made the first time and updated after a course update without overwriting their work;
    `--instructor` opens the instructor notebooks, with their solutions, instead."""
    python = setup()
    quiet_lab()
    if "--instructor" in extra:
        extra = [a for a in extra if a != "--instructor"]
        root, start = ROOT, START
    else:
        if call(python, "-m", "editions", "workspace") != 0:
            return 1
        root, start = WORKSPACE, f"{WORKSPACE.name}/{START}"
    # No news feed, no update check and an extension manager that does not search PyPI:
    # the course promises no network, and a student should not be asked about
    # notifications before the first cell.
    return call(python, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly", start, *extra)


def collect(extra: list[str]) -> int:
    """Read a class's hand-ins into one CSV (see utils/handin.py)."""
    python = setup()
    return call(python, "-m", "utils.handin", *extra)


def test(extra: list[str]) -> int:
    """Run every test: unit, data, notebooks (nbval), hygiene and the browser test."""
    python = setup("test")
    return call(python, "-m", "pytest", *extra)


def bench(extra: list[str]) -> int:
    """Print the course's speed and size figures (the test command's time by part among
    them), the voting-power library's against its fastest peer, the live council's
    broadcast latency, the class poll's (60 phones, a SIGKILL and restart) and, where it
    has been built, the browser edition's figures."""
    python = setup("test")
    scripts = [["benchmarks.py", *extra], ["bench_voting.py"], ["bench_council.py"],
               ["bench_poll.py"]]
    if (ROOT / "scripts" / "bench_lite.py").exists():
        scripts.append(["bench_lite.py"])
    codes = [call(python, f"scripts/{name}", *args) for name, *args in scripts]
    return max(codes)


def council(extra: list[str]) -> int:
    """Serve one live council session (see docs/council.md); --help lists the options."""
    python = setup()
    return call(python, "-m", "council", *extra)


def poll(extra: list[str]) -> int:
    """Serve a class poll on one notebook's questions (see docs/poll.md); --help lists the
    options."""
    python = setup()
    return call(python, "-m", "council.poll_server", *extra)


def execute(extra: list[str]) -> int:
    """Rerun notebooks in fresh kernels and store their outputs (for nbval to compare)."""
    python = setup()
    return call(python, "scripts/execute_notebooks.py", *extra)


def publish(kind: str) -> Callable[[list[str]], int]:
    """A task that builds one of the course's editions (see editions/__main__.py)."""
    def task(extra: list[str]) -> int:
        python = setup()
        return call(python, "-m", "editions", kind, *extra)
    return task


def lite(extra: list[str]) -> int:
    """Build (or, with `serve`, serve) the JupyterLite site (see editions/lite.py)."""
    python = setup()
    return call(python, "-m", "editions.lite", *extra)


def lock(extra: list[str]) -> int:
    """Recompile the locks (needs uv) and regenerate environment.yml from the runtime one.

    The test lock is compiled first, with every extra; the runtime lock and the hub lock
    are then compiled with the test lock as constraints, so the packages they share have
    the same pins."""
    compile_ = ("uv", "pip", "compile", "--quiet", "--universal", "--python-version", "3.11",
                "--no-header", "--generate-hashes")
    try:
        run(*compile_, "--all-extras", "--output-file", TEST_LOCK, "pyproject.toml", *extra)
        # pip in --require-hashes mode takes a dependency's request for an extra (pytest-cov
        # asks for coverage[toml]) as a requirement of its own, unpinned unless the lock
        # names the extra too; uv writes the bare name.
        TEST_LOCK.write_text(re.sub(r"^coverage==", "coverage[toml]==", TEST_LOCK.read_text(),
                                    flags=re.MULTILINE))
        run(*compile_, "--constraint", TEST_LOCK, "--output-file", LOCK, "pyproject.toml",
            *extra)
        hub_input = ROOT / ".cache" / "hub-packages.in"
        hub_input.parent.mkdir(exist_ok=True)
        hub_input.write_text("\n".join(HUB_PACKAGES) + "\n")
        run(*compile_, "--constraint", TEST_LOCK, "--output-file", HUB_LOCK, hub_input, *extra)
    except SetupError as error:
        sys.exit(f"lock: {error}")
    ENV_YML.write_text(environment_yml(LOCK.read_text()))
    print(f"wrote {LOCK.name}, {TEST_LOCK.name}, {HUB_LOCK.name} and {ENV_YML.name}")
    return 0


def lock_entries(lock_text: str) -> list[str]:
    """The requirements of a lock file, each on one line as pip reads it
    (`name==version[ ; marker] --hash=sha256:... ...`), comments dropped."""
    joined = re.sub(r"\\\r?\n", " ", lock_text)
    return [" ".join(line.split()) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def lock_pins(lock_text: str) -> list[str]:
    """The requirements of a lock file without their hashes (`name==version[ ; marker]`)."""
    return [re.sub(r"\s*--hash=\S+", "", entry) for entry in lock_entries(lock_text)]


def lock_requirements(lock_text: str) -> dict[str, list[str]]:
    """A lock's requirements (with their hashes) by normalized distribution name; a name
    may have several, for different Python versions or systems."""
    found: dict[str, list[str]] = {}
    for entry in lock_entries(lock_text):
        name = re.sub(r"[-_.]+", "-", re.split(r"[=<>!~; \[]", entry, maxsplit=1)[0]).lower()
        found.setdefault(name, []).append(entry)
    return found


def environment_yml(lock_text: str) -> str:
    """environment.yml for conda and Binder: conda gives Python and pip, pip the exact lock."""
    lines = [
        "# Generated by `python3 course.py lock` from requirements.lock: do not edit by hand.",
        "# conda provides Python and pip; pip installs exactly the versions of the lock.",
        "name: alliance-decisions",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f'      - "{pin}"' for pin in lock_pins(lock_text)]
    lines.append('      - "--editable ."')
    return "\n".join(lines) + "\n"


TASKS = {"lab": lab, "test": test, "bench": bench, "execute": execute, "lock": lock,
         "council": council, "poll": poll, "collect": collect,
         "student": publish("student"), "site": publish("site"), "slides": publish("slides"),
         "guide": publish("guide"), "lite": lite, "lab-settings": lab_settings}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__)
        return 2
    try:
        return TASKS[argv[0]](argv[1:])
    except KeyboardInterrupt:
        # Ctrl+C reaches the command's own process too, which says goodbye in its own
        # words; a traceback of this launcher after that would only alarm.
        print("Stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
