"""The course library installs on its own: the wheel `pip wheel .` builds carries the tables
and their descriptor, and a Python that has only that wheel (and the runtime packages)
loads a table and runs a model, far from the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import course
import editions.lite

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

ROOT = course.ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course's wheel, built offline from a copy of the sources (a build in the
    repository would leave build/ and an .egg-info folder in it)."""
    source = tmp_path_factory.mktemp("source")
    for name in editions.lite.COURSE_SOURCES:  # what the browser edition's wheel is built from
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "-w", out, source],
                   check=True, env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    (found,) = out.glob("alliance_decisions-*.whl")
    return found


def test_the_wheel_carries_every_table_and_the_descriptor(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    tables = {f"utils/_data/{p.name}" for p in (ROOT / "data").glob("*.csv")}
    # Every table the descriptor names (the files are the tables: none is left out).
    described = json.loads((ROOT / "data" / "datapackage.json").read_text("utf-8"))
    assert tables == {f"utils/_data/{r['path']}" for r in described["resources"]
                      if r["path"].endswith(".csv")}
    assert tables <= names
    assert {"utils/_data/datapackage.json", "utils/_data/maps/countries-110m.json",
            "utils/_data/maps/LICENSE-world-atlas.txt",
            "utils/fonts/LiberationSans-Regular.ttf",
            "editions/templates/course-site/index.html.j2",
            "editions/templates/course-slides/conf.json", "editions/static/slides.js"} <= names
    # nothing at the top level but the three packages and the metadata
    dist_info = "-".join(wheel.name.split("-")[:2]) + ".dist-info"
    assert {n.split("/")[0] for n in names} == {"utils", "council", "editions", dist_info}


def test_the_wheel_alone_loads_a_table_and_runs_a_model(wheel: Path, tmp_path: Path) -> None:
    # A fresh environment with only the wheel installed (no repository on any path); the
    # runtime packages come from .venv's site-packages, appended after its own.
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                                "'purelib'))"], capture_output=True, text=True,
                               check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
                    "--no-deps", "--no-index", wheel], check=True,
                   env={**os.environ, "PIP_CONFIG_FILE": os.devnull})
    (site / "course-runtime.pth").write_text(sysconfig.get_path("purelib") + "\n")
    away = tmp_path / "elsewhere"
    away.mkdir()
    script = ("import utils.data, utils.voting\n"
              "members = utils.data.load('nato_members')\n"
              "print(utils.data.DATA_DIR)\n"
              "print(len(members), members.loc[members.iso3 == 'SWE', 'name'].item())\n"
              "print(utils.voting.passage_probability(utils.voting.consensus(3)))\n"
              "import utils.views.operations\n"
              "print(utils.views.operations._MAP_FILE.is_file())\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-c", script], cwd=away, capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    folder, table, probability, map_file = done.stdout.splitlines()
    assert Path(folder) == site / "utils" / "_data"
    assert table == "32 Sweden"
    assert float(probability) == 1 / 8  # all three must agree: 1 of 2**3 coalitions
    assert map_file == "True"
    # The editions are built from a clone: from the wheel they say so, and write nothing
    # beside the installed package.
    built = subprocess.run([python, "-m", "editions", "site"], cwd=away, capture_output=True,
                           text=True, env=env, timeout=300)
    assert built.returncode == 1
    assert "not a copy of the course's repository" in built.stderr
    assert "Traceback" not in built.stderr
    assert not (site / "build").exists() and not (site / "docs").exists()
    # The live servers keep their logs where they are started, not in site-packages; the
    # poll, whose questions are the notebooks', asks for a clone.
    logs = subprocess.run([python, "-c", "import council.live; print(council.live.logs())"],
                          cwd=away, capture_output=True, text=True, env=env, timeout=300)
    assert Path(logs.stdout.strip()) == away / "build", logs.stderr
    poll = subprocess.run([python, "-m", "council.poll_server", "01"], cwd=away,
                          capture_output=True, text=True, env=env, timeout=300)
    assert poll.returncode != 0 and "Traceback" not in poll.stderr + poll.stdout
    assert "start it from a clone of the course" in poll.stderr + poll.stdout


def test_an_editable_install_reads_the_repository_data() -> None:
    from utils import data
    assert data.DATA_DIR == ROOT / "data"
    assert data.PACKAGE == ROOT / "data" / "datapackage.json"
