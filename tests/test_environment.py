"""One pinned environment: the lock, environment.yml and what is installed all agree."""

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


def lock_requirements() -> list[Requirement]:
    return [Requirement(pin) for pin in course.lock_pins(course.LOCK.read_text())]


def applies(requirement: Requirement) -> bool:
    return requirement.marker is None or Marker(str(requirement.marker)).evaluate()


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned exactly"
    return spec.version


def test_every_lock_line_is_an_exact_pin() -> None:
    requirements = lock_requirements()
    assert len(requirements) > 50
    for requirement in requirements:
        pinned_version(requirement)


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
    direct = project["dependencies"] + [d for extra in project["optional-dependencies"].values()
                                        for d in extra]
    locked = {r.name.lower() for r in lock_requirements()}
    missing = [d for d in direct if Requirement(d).name.lower() not in locked]
    assert not missing


def test_the_installed_environment_is_the_lock() -> None:
    wrong = []
    for requirement in filter(applies, lock_requirements()):
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
