#!/usr/bin/env python3
"""Set up and run the Alliance Decisions course. Needs only Python 3.11+ and git.

    python3 course.py lab      set up, then open the course in JupyterLab
    python3 course.py test     set up, then run every test (extra arguments go to pytest)
    python3 course.py bench    set up, then print the speed and size benchmarks
    python3 course.py student  write the student edition (no solutions) to build/student
    python3 course.py site     build the static HTML site of the course in build/site
    python3 course.py slides   build reveal.js slide decks in build/slides
    python3 course.py lite     build the in-browser (JupyterLite) course in build/lite;
                               `lite serve` serves it on http://127.0.0.1:8765
    python3 course.py execute  (maintainers) rerun notebooks and store their outputs
    python3 course.py guide    (maintainers) regenerate docs/instructor-guide.md
    python3 course.py lock     (maintainers) recompile requirements.lock and environment.yml

Setup creates a project-local virtual environment in .venv, installs the exact versions
in requirements.lock, then installs this project (the `utils` package) in editable mode.
It remembers what it installed, so running a command again installs nothing new.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
ENV_YML = ROOT / "environment.yml"
STAMP = VENV / "alliance-decisions-installed.txt"
START = "notebooks/00-start-here.ipynb"


def venv_python() -> Path:
    """The interpreter of the project's virtual environment."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_fingerprint() -> str:
    """A digest of everything that decides what setup installs."""
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def run(*args: object) -> None:
    """Run a command, stopping the whole task if it fails."""
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup() -> Path:
    """Create .venv and install the lock and the project, unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must run on old Pythons too
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print("Creating the course environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = install_fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return python
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-r", LOCK)
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--editable", ".")
    STAMP.write_text(fingerprint + "\n")
    return python


def lab(extra: list[str]) -> int:
    """Open the start notebook in JupyterLab, on this computer only, with a login token."""
    python = setup()
    return subprocess.call(
        [str(python), "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", START, *extra],
        cwd=ROOT,
    )


def test(extra: list[str]) -> int:
    """Run every test: unit, data, notebooks (nbval), hygiene and the browser test."""
    python = setup()
    return subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)


def bench(extra: list[str]) -> int:
    """Print the course's speed and size figures, then the voting-power library's against
    its fastest peer."""
    python = setup()
    codes = [subprocess.call([str(python), f"scripts/{script}", *extra], cwd=ROOT)
             for script in ("benchmarks.py", "bench_voting.py")]
    return max(codes)


def execute(extra: list[str]) -> int:
    """Rerun notebooks in fresh kernels and store their outputs (for nbval to compare)."""
    python = setup()
    return subprocess.call([str(python), "scripts/execute_notebooks.py", *extra], cwd=ROOT)


def publish(kind: str) -> Callable[[list[str]], int]:
    """A task that builds one of the course's editions (see scripts/publish.py)."""
    def task(extra: list[str]) -> int:
        python = setup()
        return subprocess.call([str(python), "scripts/publish.py", kind, *extra], cwd=ROOT)
    return task


def lite(extra: list[str]) -> int:
    """Build (or, with `serve`, serve) the JupyterLite site (see scripts/build_lite.py)."""
    python = setup()
    return subprocess.call([str(python), "scripts/build_lite.py", *extra], cwd=ROOT)


def lock(extra: list[str]) -> int:
    """Recompile requirements.lock (needs uv) and regenerate environment.yml from it."""
    run("uv", "pip", "compile", "--quiet", "--universal", "--python-version", "3.11",
        "--all-extras", "--no-header", "--output-file", LOCK, "pyproject.toml", *extra)
    ENV_YML.write_text(environment_yml(LOCK.read_text()))
    print(f"wrote {LOCK.name} and {ENV_YML.name}")
    return 0


def lock_pins(lock_text: str) -> list[str]:
    """The requirement lines of a lock file (`name==version[ ; marker]`), comments dropped."""
    return [line.strip() for line in lock_text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


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
         "student": publish("student"), "site": publish("site"), "slides": publish("slides"),
         "guide": publish("guide"), "lite": lite}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(__doc__)
        return 2
    return TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
