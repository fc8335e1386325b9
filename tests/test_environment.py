"""One pinned environment: the two locks, environment.yml and what is installed all agree.

requirements.lock is what students install (and Binder, through environment.yml, and a
JupyterHub image); requirements-test.lock adds the test tools, with the same pins."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement

import course

ROOT = Path(__file__).resolve().parent.parent


def lock_requirements(lock: Path = course.LOCK) -> list[Requirement]:
    return [Requirement(pin) for pin in course.lock_pins(lock.read_text())]


def pins(lock: Path) -> dict[str, str]:
    return {r.name.lower(): f"{r.specifier} ; {r.marker}" for r in lock_requirements(lock)}


#: Test and benchmark tools that students must not have to download.
TEST_ONLY = {"playwright", "pytest", "pytest-cov", "pytest-xdist", "ruff", "hypothesis",
             "nbval", "power-bdd"}


def applies(requirement: Requirement) -> bool:
    return requirement.marker is None or Marker(str(requirement.marker)).evaluate()


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned exactly"
    return spec.version


def test_every_lock_line_is_an_exact_pin() -> None:
    for lock in (course.LOCK, course.TEST_LOCK):
        requirements = lock_requirements(lock)
        assert len(requirements) > 50
        for requirement in requirements:
            pinned_version(requirement)


def test_every_lock_entry_is_hashed() -> None:
    # setup installs with --require-hashes: pip then refuses any file whose sha256 is not
    # listed, so a lock entry without one would stop every setup.
    for lock in (course.LOCK, course.TEST_LOCK):
        entries = course.lock_entries(lock.read_text())
        assert len(entries) > 50
        unhashed = [e for e in entries if not re.search(r"--hash=sha256:[0-9a-f]{64}\b", e)]
        assert not unhashed, f"{lock.name}: no sha256 for {unhashed[:3]}"


def test_shared_packages_have_the_same_hashes_in_both_locks() -> None:
    runtime = course.lock_requirements(course.LOCK.read_text())
    test = course.lock_requirements(course.TEST_LOCK.read_text())
    assert {name: test.get(name) for name in runtime} == runtime


def test_students_get_the_runtime_set_only() -> None:
    runtime = pins(course.LOCK)
    assert not TEST_ONLY & set(runtime)
    assert {"jupyterlab", "altair", "ipywidgets", "nbconvert", "vl-convert-python"} <= set(
        runtime)


def test_the_test_lock_has_the_runtime_pins_and_the_test_tools() -> None:
    runtime, test = pins(course.LOCK), pins(course.TEST_LOCK)
    assert {name: test.get(name) for name in runtime} == runtime
    assert set(test) >= TEST_ONLY


def test_the_hub_lock_has_the_test_locks_pins_and_jupyterhub() -> None:
    """requirements-hub.lock (what a hub's image adds, see the README) pins what it shares
    with the test lock, and so with the runtime lock, the same way, and adds no test tool."""
    hub, test = pins(course.HUB_LOCK), pins(course.TEST_LOCK)
    versions = {name: pin.split(" ;")[0] for name, pin in test.items()}
    assert {name: pin.split(" ;")[0] for name, pin in hub.items() if name in test} == {
        name: versions[name] for name in hub if name in test}
    assert {"jupyterhub", "nbgitpuller"} <= set(hub) - set(test)
    assert not TEST_ONLY & set(hub)


def test_environment_yml_is_generated_from_the_lock() -> None:
    assert course.ENV_YML.read_text() == course.environment_yml(course.LOCK.read_text()), (
        "environment.yml is out of date: run `python3 course.py lock`")


def test_environment_yml_pins_agree_with_the_lock() -> None:
    env = yaml.safe_load(course.ENV_YML.read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pins = {Requirement(p).name: str(Requirement(p).specifier)
                  for p in pip_section if not p.startswith("--")}
    lock_pins = {r.name: str(r.specifier) for r in lock_requirements()}
    assert conda_pins == lock_pins
    assert "python=3.11" in env["dependencies"]


def test_every_direct_dependency_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [d for extra in project["optional-dependencies"].values() for d in extra]
    runtime, test = set(pins(course.LOCK)), set(pins(course.TEST_LOCK))
    assert not [d for d in project["dependencies"] if Requirement(d).name.lower() not in runtime]
    assert not [d for d in extras if Requirement(d).name.lower() not in test]


def test_the_installed_environment_is_the_test_lock() -> None:
    wrong = []
    for requirement in filter(applies, lock_requirements(course.TEST_LOCK)):
        installed = metadata.version(requirement.name)
        if installed != pinned_version(requirement):
            wrong.append(f"{requirement.name}: installed {installed}, locked "
                         f"{pinned_version(requirement)}")
    assert not wrong


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "python3 course.py lab" in readme
    assert "python3 course.py test" in readme
    assert not re.search(r"--allow-root", readme.split("## For contributors")[0])
