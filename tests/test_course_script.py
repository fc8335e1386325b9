"""course.py: setup installs once, and only again when the lock or project changes."""

from __future__ import annotations

from pathlib import Path

import pytest

import course


@pytest.fixture
def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """A pretend .venv in tmp_path; returns the list of commands setup would run."""
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    monkeypatch.setattr(course, "VENV", venv)
    monkeypatch.setattr(course, "STAMP", venv / "stamp.txt")
    monkeypatch.setattr(course, "venv_python", lambda: venv / "bin" / "python")
    commands: list[tuple] = []
    monkeypatch.setattr(course, "run", lambda *args: commands.append(args))
    return commands


def test_first_setup_installs_lock_then_project(fake_venv: list[tuple]) -> None:
    course.setup()
    assert len(fake_venv) == 2
    assert fake_venv[0][-2:] == ("-r", course.LOCK)
    assert fake_venv[1][-2:] == ("--editable", ".")


def test_second_setup_installs_nothing(fake_venv: list[tuple]) -> None:
    course.setup()
    course.setup()
    assert len(fake_venv) == 2


def test_a_changed_lock_reinstalls(fake_venv: list[tuple], monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    course.setup()
    changed = tmp_path / "requirements.lock"
    changed.write_text(course.LOCK.read_text() + "\n# changed\n")
    monkeypatch.setattr(course, "LOCK", changed)
    course.setup()
    assert len(fake_venv) == 4


def test_fingerprint_depends_on_the_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = course.install_fingerprint()
    assert before == course.install_fingerprint()
    changed = tmp_path / "requirements.lock"
    changed.write_text("altair==0\n")
    monkeypatch.setattr(course, "LOCK", changed)
    assert course.install_fingerprint() != before


def test_lock_pins_drop_comments() -> None:
    text = "altair==6.3.0\n    # via x\n\nnumpy==2.4.6 ; python_full_version < '3.12'\n"
    assert course.lock_pins(text) == ["altair==6.3.0",
                                      "numpy==2.4.6 ; python_full_version < '3.12'"]


def test_unknown_task_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert course.main(["nonsense"]) == 2
    assert "python3 course.py lab" in capsys.readouterr().out
