"""course.py: setup installs once, recovers from an interrupted run, never runs twice at
once, and gives students only what they need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import course

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

#: For the child processes that import course.py from the project's root.
ENV = {**os.environ, "PYTHONPATH": str(course.ROOT)}


@pytest.fixture
def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """A pretend .venv in tmp_path (created by a fake venv builder); returns the list of
    commands setup would run."""
    venv = tmp_path / ".venv"
    monkeypatch.setattr(course, "VENV", venv)
    monkeypatch.setattr(course, "SETUP_LOCK", tmp_path / ".venv.lock")
    monkeypatch.setattr(course, "venv_python", lambda: venv / "bin" / "python")

    class Builder:
        def __init__(self, with_pip: bool) -> None:
            assert with_pip

        def create(self, path: Path) -> None:
            (path / "bin").mkdir(parents=True)
            (path / "bin" / "python").touch()

    monkeypatch.setattr(course.venv, "EnvBuilder", Builder)
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


def test_the_test_set_includes_the_runtime_set(fake_venv: list[tuple]) -> None:
    course.setup("test")
    assert fake_venv[0][-2:] == ("-r", course.TEST_LOCK)
    course.setup("runtime")
    assert len(fake_venv) == 2
    course.setup("test")
    assert len(fake_venv) == 2


def test_a_runtime_setup_does_not_count_as_the_test_set(fake_venv: list[tuple]) -> None:
    course.setup("runtime")
    course.setup("test")
    assert [c[-1] for c in fake_venv] == [course.LOCK, ".", course.TEST_LOCK, "."]


def test_the_hub_set_comes_on_top_of_the_test_set(fake_venv: list[tuple]) -> None:
    """CI's hub test needs the test tools and the hub's lock; the hub's set is not the
    test set (a test setup installed before does not count as it), nor the reverse."""
    course.setup("test")
    course.setup("hub")
    assert [c[-1] for c in fake_venv] == [course.TEST_LOCK, ".", course.HUB_LOCK, "."]
    course.setup("hub")
    course.setup("test")
    assert len(fake_venv) == 4


def test_a_hub_setup_on_a_fresh_venv_installs_the_test_set_first(
        fake_venv: list[tuple]) -> None:
    course.setup("hub")
    assert [c[-1] for c in fake_venv] == [course.TEST_LOCK, ".", course.HUB_LOCK, "."]


def test_a_changed_lock_reinstalls(fake_venv: list[tuple], monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    course.setup()
    changed = tmp_path / "requirements.lock"
    changed.write_text(course.LOCK.read_text() + "\n# changed\n")
    monkeypatch.setattr(course, "LOCK", changed)
    course.setup()
    assert len(fake_venv) == 4


def test_a_venv_whose_creation_was_interrupted_is_made_again(fake_venv: list[tuple]) -> None:
    # Killed while the venv was being created: a python, no pip, no "created" marker.
    (course.VENV / "bin").mkdir(parents=True)
    (course.VENV / "bin" / "python").touch()
    (course.VENV / "half-written").touch()
    course.setup()
    assert not (course.VENV / "half-written").exists()
    assert (course.VENV / course.CREATED).exists() and len(fake_venv) == 2


def test_an_interrupted_install_is_resumed(fake_venv: list[tuple],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def killed(*args: object) -> None:
        raise course.SetupError("pip failed (killed)")
    real_run = course.run
    monkeypatch.setattr(course, "run", killed)
    with pytest.raises(SystemExit, match=r"^Setup stopped: pip failed"):
        course.setup()
    monkeypatch.setattr(course, "run", real_run)
    course.setup()  # the venv is kept; the install runs again
    assert len(fake_venv) == 2 and (course.VENV / course.CREATED).exists()


def test_a_failing_install_ends_in_one_line(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(course, "ROOT", tmp_path)
    with pytest.raises(course.SetupError, match=r"^no-such-program failed \("):
        course.run("no-such-program", "--version")


def test_a_second_setup_waits_for_the_first(tmp_path: Path) -> None:
    # Two processes: the first holds the lock for a second; the second must wait for it.
    script = textwrap.dedent(f"""
        import sys, time
        import course
        from pathlib import Path
        course.SETUP_LOCK = Path({str(tmp_path / "lock")!r})
        with course.setup_lock():
            print("in", time.monotonic(), flush=True)
            time.sleep(float(sys.argv[1]))
        print("out", time.monotonic(), flush=True)
    """)
    first = subprocess.Popen([sys.executable, "-c", script, "1.0"], stdout=subprocess.PIPE,
                             text=True, env=ENV)
    assert first.stdout.readline().startswith("in ")
    second = subprocess.run([sys.executable, "-c", script, "0"], capture_output=True,
                            text=True, timeout=30, env=ENV)
    first_left = float(first.communicate(timeout=30)[0].split()[1])
    lines = second.stdout.splitlines()
    assert lines[0] == "Another setup of the course is running; waiting for it ..."
    assert float(lines[1].split()[1]) >= first_left - 0.05  # in only after the first left


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        import course
        from pathlib import Path
        course.SETUP_LOCK = Path({str(tmp_path / "lock")!r})
        with course.setup_lock():
            print("holding", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, env=ENV)
    assert holder.stdout.readline().strip() == "holding"
    holder.kill()
    holder.wait()
    acquired = threading.Event()

    def take() -> None:
        with course.setup_lock():
            acquired.set()
    original = course.SETUP_LOCK
    course.SETUP_LOCK = tmp_path / "lock"
    try:
        thread = threading.Thread(target=take, daemon=True)
        thread.start()
        assert acquired.wait(10)
    finally:
        course.SETUP_LOCK = original


def test_fingerprint_depends_on_the_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    before = course.install_fingerprint()
    assert before == course.install_fingerprint()
    changed = tmp_path / "requirements.lock"
    changed.write_text("altair==0\n")
    monkeypatch.setattr(course, "LOCK", changed)
    assert course.install_fingerprint() != before


def test_fingerprint_ignores_tool_settings(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        (course.ROOT / "pyproject.toml").read_text() + "\n[tool.somelinter]\nx = 1\n")
    before = course.install_fingerprint()
    monkeypatch.setattr(course, "ROOT", tmp_path)
    assert course.install_fingerprint() == before


def test_fingerprint_depends_on_the_packages_installed(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """A package added to the project is found only once the editable install is redone."""
    text = (course.ROOT / "pyproject.toml").read_text()
    assert '"council", "editions"]' in text
    (tmp_path / "pyproject.toml").write_text(text.replace(', "editions"]', "]"))
    before = course.install_fingerprint()
    monkeypatch.setattr(course, "ROOT", tmp_path)
    assert course.install_fingerprint() != before


def test_lock_pins_drop_comments_and_hashes() -> None:
    text = ("altair==6.3.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via x\n\n"
            "numpy==2.4.6 ; python_full_version < '3.12' \\\n    --hash=sha256:cc\n"
            "Jupyter_Server==2.21.1 \\\r\n    --hash=sha256:dd\n")
    assert course.lock_pins(text) == ["altair==6.3.0",
                                      "numpy==2.4.6 ; python_full_version < '3.12'",
                                      "Jupyter_Server==2.21.1"]
    assert course.lock_requirements(text) == {
        "altair": ["altair==6.3.0 --hash=sha256:aa --hash=sha256:bb"],
        "numpy": ["numpy==2.4.6 ; python_full_version < '3.12' --hash=sha256:cc"],
        "jupyter-server": ["Jupyter_Server==2.21.1 --hash=sha256:dd"]}


def test_unknown_task_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert course.main(["nonsense"]) == 2
    assert "python3 course.py lab" in capsys.readouterr().out


@pytest.mark.skipif(os.name == "nt", reason="file locks are inherited this way on Unix only")
def test_a_command_setup_started_keeps_the_lock_when_setup_is_killed(tmp_path: Path) -> None:
    # Killed in the middle of `pip install`, setup leaves pip running: the lock must stay
    # held until pip ends, or a second setup would install into the same .venv at once.
    import fcntl
    lock = tmp_path / "lock"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        import course
        from pathlib import Path
        course.SETUP_LOCK = Path({str(lock)!r})
        with course.setup_lock():
            print("holding", flush=True)
            course.run(sys.executable, "-c", "import time; time.sleep(4)")
    """)], stdout=subprocess.PIPE, text=True, env=ENV)
    assert holder.stdout.readline().strip() == "holding"
    time.sleep(0.5)  # the child command has started
    holder.kill()
    holder.wait()
    with lock.open("a+b") as handle:
        with pytest.raises(BlockingIOError):  # the orphaned command still holds it
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        time.sleep(4.5)  # the command ends: the lock is free
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_course_commands_run_python_in_utf8_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    # On Windows a file opened without an encoding is otherwise read in the legacy code page
    # (cp1252), and the course's texts (en dashes, "Türkiye") would not read back.
    monkeypatch.delenv("PYTHONUTF8", raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")  # not the C locale, which implies UTF-8 mode
    probe = "import sys; sys.exit(0 if sys.flags.utf8_mode else 3)"
    assert subprocess.call([sys.executable, "-c", probe]) == 3
    assert course.call(sys.executable, "-c", probe) == 0


def test_ctrl_c_ends_a_command_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl+C while a command runs (JupyterLab, the council): the command's process says
    goodbye itself; the launcher adds one line, not a traceback, and exits 130."""
    def interrupted(extra: list[str]) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(course.TASKS, "lab", interrupted)
    assert course.main(["lab"]) == 130
    assert capsys.readouterr().err == "Stopped.\n"


def test_lab_gives_students_their_copy_and_instructors_theirs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What `lab` serves: the student's own copy by default, the instructor notebooks with
    --instructor; never a news feed or an update check."""
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(course, "setup", lambda kind="runtime": Path("python"))
    monkeypatch.setattr(course, "quiet_lab", lambda: None)
    monkeypatch.setattr(course, "call", lambda *args: calls.append(args) or 0)
    course.lab(["--no-browser"])
    course.lab(["--instructor"])
    (build, student), (instructor,) = calls[:2], calls[2:]
    assert build[1:] == ("-m", "editions", "workspace")
    assert f"--ServerApp.root_dir={course.WORKSPACE}" in student
    assert "my-course/notebooks/00-start-here.ipynb" in student and "--no-browser" in student
    assert f"--ServerApp.root_dir={course.ROOT}" in instructor
    assert "notebooks/00-start-here.ipynb" in instructor and "--instructor" not in instructor
    assert all("--LabApp.news_url=None" in c and "--LabApp.extension_manager=readonly" in c
               for c in (student, instructor))



def _wheel(folder: Path, name: str, files: dict[str, bytes]) -> str:
    """Write a pure wheel of `files` for distribution `name` 1.0; its file name."""
    import base64
    import hashlib
    import zipfile
    dist = f"{name}-1.0.dist-info"
    files = {**files, f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\n"
                                          "Version: 1.0\n".encode(),
             f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{path},sha256="
                     f"{base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()[:43]},"
                     f"{len(data)}\n" for path, data in files.items()) + f"{dist}/RECORD,,\n"
    wheel = f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(folder / wheel, "w") as archive:
        for path, data in {**files, f"{dist}/RECORD": record.encode()}.items():
            archive.writestr(path, data)
    return wheel


#: A build backend for the throwaway project below, in its own folder: installs it in
#: editable mode with no build tools to download (the test runs offline).
TINY_BACKEND = """
from pathlib import Path
from tests_wheel import _wheel

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(Path(wheel_directory), "alliance_decisions",
                 {"demo.pth": str(Path.cwd()).encode() + b"\\n"})
"""


def test_a_damaged_package_is_repaired_by_the_next_command(tmp_path: Path) -> None:
    # A real .venv, set up offline from a lock of one small wheel (hash-checked), then
    # damaged after setup: a module file deleted, then a package uninstalled behind setup's
    # back. The next setup must notice each and reinstall from the lock; the one after
    # that installs nothing.
    import hashlib
    import inspect
    project = tmp_path / "project"
    (project / "demo").mkdir(parents=True)
    (project / "demo" / "__init__.py").write_text("")
    (project / "tests_wheel.py").write_text("from __future__ import annotations\n"
                                            "from pathlib import Path\n\n"
                                            + inspect.getsource(_wheel))
    (project / "backend.py").write_text(TINY_BACKEND)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "alliance-decisions"\nversion = "1.0"\n')
    (project / "course.py").write_bytes((course.ROOT / "course.py").read_bytes())
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = wheels / _wheel(wheels, "tiny", {"tiny/__init__.py": b"from tiny.model import A\n",
                                              "tiny/model.py": b"A = 42\n"})
    lock = f"tiny==1.0 \\\n    --hash=sha256:{hashlib.sha256(wheel.read_bytes()).hexdigest()}\n"
    for name in ("requirements.lock", "requirements-test.lock"):
        (project / name).write_text(lock)
    # pip offline: only the wheel folder, none of this machine's pip configuration.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(wheels)}
    env.pop("PYTHONPATH", None)

    def setup() -> str:
        done = subprocess.run([sys.executable, "-c", "import course; course.setup()"],
                              cwd=project, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "--require-hashes" in setup()
    (site,) = (project / ".venv" / "lib").glob("python*/site-packages")
    module = site / "tiny" / "model.py"
    assert module.read_text() == "A = 42\n"
    assert setup() == ""  # nothing to do
    module.unlink()
    repaired = setup()
    assert "Repairing the course environment: tiny was damaged" in repaired
    assert "--force-reinstall" in repaired
    assert module.read_text() == "A = 42\n"
    assert setup() == ""
    shutil.rmtree(site / "tiny-1.0.dist-info")
    shutil.rmtree(site / "tiny")
    assert "tiny was damaged" in setup()
    assert module.read_text() == "A = 42\n"
    # Changes that are not damage: a file added, compiled bytecode cleared, a package the
    # student installed (as pip leaves one: its files and a RECORD of them) and removed.
    (site / "another-package.txt").write_text("not ours")
    shutil.rmtree(site / "tiny" / "__pycache__")
    (site / "theirs-1.0.dist-info").mkdir()
    (site / "theirs.py").write_text("")
    (site / "theirs-1.0.dist-info" / "RECORD").write_text("theirs.py,,\n")
    assert setup() == ""
    shutil.rmtree(site / "theirs-1.0.dist-info")
    (site / "theirs.py").unlink()
    assert setup() == ""


def test_ctrl_c_while_a_command_imports_ends_it_without_a_traceback(
        capfd: pytest.CaptureFixture[str]) -> None:
    # As if Ctrl+C came while the command's Python imports pandas or tornado: before the
    # command has any handler of its own.
    during_imports = ("import os, signal, time\n"
                      "os.kill(os.getpid(), signal.SIGINT)\n"
                      "time.sleep(5)\n"
                      "print('not interrupted')")
    assert course.call(sys.executable, "-c", during_imports) == 130
    said = capfd.readouterr()
    assert said.out == "" and said.err == ""
    # a script and a module run as they would without the wrapper
    assert course.call(sys.executable, "-c", "import sys; sys.exit(sys.argv[0] == '-c' and 7)") \
        == 7
    assert course.call(sys.executable, "-m", "json.tool", "--help") == 0


def test_lab_settings_quiets_the_jupyterlab_of_the_python_running_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A hub's image build runs `python3 course.py lab-settings` (see the README's recipe):
    its JupyterLab then asks no student about Jupyter news."""
    import json

    monkeypatch.setattr(course.sys, "prefix", str(tmp_path))
    assert course.main(["lab-settings"]) == 0
    target = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(target.read_text("utf-8")) == {
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                         "checkForUpdates": False}}
    assert capsys.readouterr().out == f"wrote {target}\n"
    target.unlink()
    target.parent.mkdir(exist_ok=True)
    target.mkdir()  # unwritable where the file goes: one line, not a traceback
    assert course.main(["lab-settings"]) == 1
    assert capsys.readouterr().err.startswith("lab-settings: could not write")
