"""Hand-in and collect, and the student's workspace that a course update never overwrites.

A hand-in made from real student notebooks (answers checked in a kernel, saved) is read
back by ``collect`` into one row per exercise; broken, foreign and hostile files are
reported with a reason, never a traceback. The workspace gets new and updated files, and
keeps a file the student changed, with the course's new version beside it.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

import editions.build
import editions.notebooks
import editions.student
from utils import handin

ROOT = Path(__file__).resolve().parent.parent


def checked(key: str, right: bool, tries: int) -> dict:
    """A check cell's output as the kernel stores it."""
    record = {"exercise": key, "right": right, "wrong_tries": tries, "words": False}
    return nbformat.v4.new_output("display_data", data={handin.CHECK_MIMETYPE: record,
                                                        "text/plain": "checked"})


def notebook_with(*outputs: dict) -> str:
    cells = []
    for output in outputs:
        cell = nbformat.v4.new_code_cell('feedback.check("01-1")')
        cell.outputs = [output]
        cells.append(cell)
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def test_a_hand_in_round_trip_gives_one_row_per_exercise_its_last_check(tmp_path: Path) -> None:
    folder = tmp_path / "ana"
    folder.mkdir()
    (folder / "01-consensus-and-silence.ipynb").write_text(notebook_with(
        checked("01-1", False, 1), checked("01-1", True, 1), checked("01-3", False, 2)))
    (folder / "notes.ipynb").write_text(notebook_with(checked("01-2", True, 0)))  # not the course's
    made = handin.write(folder, "Ana Silva")
    assert made.name == "hand-in-ana-silva.zip"
    assert handin.summary(made) == "1 notebook, 1 exercise checked right"
    rows, problems = handin.collect([made])
    assert problems == []
    assert [(r["student"], r["exercise"], r["right"], r["wrong_tries"]) for r in rows] == [
        ("Ana Silva", "01-1", "yes", "1"), ("Ana Silva", "01-3", "no", "2")]


def test_collect_reads_a_class_and_says_which_files_it_could_not_read(tmp_path: Path,
                                                                      capsys: Any) -> None:
    class_folder = tmp_path
    tmp_path = tmp_path / "collected"  # the instructor's folder holds the hand-ins only
    tmp_path.mkdir()
    for name in ("Ana", "Ben", "Chloé"):
        folder = class_folder / name
        folder.mkdir()
        (folder / "05-scenarios-and-forecasts.ipynb").write_text(
            notebook_with(checked("05-1", name != "Ben", 0)))
        handin.write(folder, name).rename(tmp_path / f"hand-in-{name}.zip")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "empty.ipynb").write_text("")
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    with zipfile.ZipFile(tmp_path / "bad-notebook.zip", "w") as archive:
        archive.writestr("01-consensus-and-silence.ipynb", b"\xff\xfe{")
    assert handin.main([str(tmp_path)]) == 0
    result = capsys.readouterr()
    assert "Traceback" not in result.out + result.err
    table = list(csv.DictReader(io.StringIO((tmp_path / "class-results.csv").read_text())))
    assert [(r["student"], r["exercise"], r["right"]) for r in table] == [
        ("Ana", "05-1", "yes"), ("Ben", "05-1", "no"), ("Chloé", "05-1", "yes")]
    for reason in ("broken.zip: not a zip file", "empty.ipynb: not a readable notebook",
                   "photos.zip: holds no course notebook",
                   "bad-notebook.zip: 01-consensus-and-silence.ipynb is not a readable notebook"):
        assert reason in result.out


def test_collect_answers_a_wrong_folder_in_one_line(tmp_path: Path, capsys: Any) -> None:
    for argv, message in (([str(tmp_path / "nowhere")], "is not a folder"),
                          ([str(tmp_path)], "holds no hand-in"),
                          ([str(tmp_path), "--out"], "--out needs a file name")):
        assert handin.main(argv) != 0
        said = capsys.readouterr().err
        assert message in said and len(said.strip().splitlines()) == 1
    # As the instructor runs it: the command line, one line, no traceback.
    result = subprocess.run([sys.executable, "course.py", "collect", str(tmp_path / "x")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and result.stderr.strip().endswith("is not a folder.")
    assert "Traceback" not in result.stderr


def test_collect_prints_the_names_inside_a_hand_in_without_their_escapes(tmp_path: Path,
                                                                        capsys: Any) -> None:
    # A member named to rewrite the instructor's terminal line ("no problems", in green).
    with zipfile.ZipFile(tmp_path / "hand-in-eve.zip", "w") as archive:
        archive.writestr("\x1b[2K\r\x1b[32mAll read.\x1b[8m/00-start-here.ipynb", b"not json")
    handin.main([str(tmp_path), "--out", str(tmp_path / "class.csv")])
    said = capsys.readouterr().out
    assert "\x1b" not in said and "\r" not in said
    assert ("hand-in-eve.zip: \\x1b[2K\\r\\x1b[32mAll read.\\x1b[8m/00-start-here.ipynb "
            "is not") in said


def test_a_hand_in_holds_the_student_name_as_given_and_a_safe_file_name(tmp_path: Path) -> None:
    (tmp_path / "00-start-here.ipynb").write_text(notebook_with())
    made = handin.write(tmp_path, "../../Zoë O'Neil")
    assert made.parent == tmp_path and made.name == "hand-in-zoë-o-neil.zip"
    with zipfile.ZipFile(made) as archive:
        assert json.loads(archive.read("hand-in.json"))["student"] == "../../Zoë O'Neil"


# --- the workspace -----------------------------------------------------------------------------

def test_the_workspace_adds_updates_and_never_overwrites_work(tmp_path: Path) -> None:
    out = tmp_path / "my-course"
    first = {"notebooks/01.ipynb": b"v1", "notebooks/02.ipynb": b"v1", "seeds/a.md": b"text"}
    assert editions.student.update_workspace(out, first) == []  # the first copy says nothing
    (out / "notebooks" / "02.ipynb").write_bytes(b"my answers")
    second = {"notebooks/01.ipynb": b"v2", "notebooks/02.ipynb": b"v2", "seeds/a.md": b"text",
              "notebooks/03.ipynb": b"v1"}
    said = editions.student.update_workspace(out, second)
    assert said == ["updated: notebooks/01.ipynb",
                    "kept your edited notebooks/02.ipynb; the course's new version is beside "
                    "it: notebooks/course-update-02.ipynb",
                    "new: notebooks/03.ipynb"]
    assert (out / "notebooks" / "02.ipynb").read_bytes() == b"my answers"
    assert (out / "notebooks" / "course-update-02.ipynb").read_bytes() == b"v2"
    assert editions.student.update_workspace(out, second) == []  # run again: nothing new to say
    (out / "seeds" / "a.md").unlink()  # a reading deleted by mistake comes back
    assert editions.student.update_workspace(out, second) == ["restored: seeds/a.md"]


def test_an_edited_notebook_from_before_setup_gets_the_set_up_line(tmp_path: Path) -> None:
    """A student who worked in a notebook whose first cell only imported the course's
    modules keeps every answer, and the cell now starts with utils.setup(): without it,
    the course's charts, tables and messages would not be set up after the update."""
    def notebook(*sources: str) -> bytes:
        cells = [nbformat.v4.new_markdown_cell("# Title")] + [
            nbformat.v4.new_code_cell(source, id=f"c{i}") for i, source in enumerate(sources)]
        return nbformat.writes(nbformat.v4.new_notebook(cells=cells)).encode("utf-8")

    out = tmp_path / "my-course"
    old_first, answer = "from utils import data, widgets", "answer = 42  # mine"
    editions.student.update_workspace(out, {
        "notebooks/01.ipynb": notebook(old_first, "# Your answer"),
        "notebooks/02.ipynb": notebook(old_first, "x = 1")})
    mine = out / "notebooks" / "01.ipynb"
    mine.write_bytes(notebook(old_first, answer))
    new_first = "import utils\n\nutils.setup()\n" + old_first
    course = {"notebooks/01.ipynb": notebook(new_first, "# Your answer"),
              "notebooks/02.ipynb": notebook(new_first, "x = 1")}
    said = editions.student.update_workspace(out, course)
    assert said == ["set up your edited notebooks/01.ipynb for this version of the course: its "
                    "first code cell now starts with utils.setup()",
                    "kept your edited notebooks/01.ipynb; the course's new version is beside "
                    "it: notebooks/course-update-01.ipynb",
                    "updated: notebooks/02.ipynb"]
    cells = nbformat.reads(mine.read_text("utf-8"), as_version=4).cells
    assert [c.source for c in cells] == ["# Title", new_first, answer]
    assert editions.student.update_workspace(out, course) == []  # once only
    (out / "notebooks" / "02.ipynb").write_bytes(b"not a notebook")
    assert editions.student.update_workspace(out, course) == [
        "kept your edited notebooks/02.ipynb; the course's new version is beside it: "
        "notebooks/course-update-02.ipynb"]


def test_the_workspace_holds_the_student_edition_and_the_readings() -> None:
    files = editions.student.student_files()
    assert {p for p in files if p.startswith("notebooks/")} == {
        f"notebooks/{p.name}" for p in editions.notebooks.course_notebooks()}
    assert "seeds/commentary-2011-why-nato-wont-recognize-the-csto.md" in files
    assert "data/council_briefs.csv" in files
    text = files["notebooks/01-consensus-and-silence.ipynb"].decode("utf-8")
    assert "](../seeds/commentary-2011-why-nato-wont-recognize-the-csto.md)" in text
    assert "answer-key" not in text and '"solution"' not in text


@pytest.mark.parametrize("name", ["", "____", "Your name", "   "])
def test_hand_in_without_a_name_asks_for_one_and_writes_nothing(tmp_path: Path, name: str,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    from utils import feedback

    monkeypatch.chdir(tmp_path)
    feedback.hand_in(name)
    assert list(tmp_path.iterdir()) == []


def test_work_in_a_course_update_copy_is_kept_too(tmp_path: Path) -> None:
    out = tmp_path / "my-course"
    editions.student.update_workspace(out, {"notebooks/01.ipynb": b"v1"})
    (out / "notebooks" / "01.ipynb").write_bytes(b"my answers")
    editions.student.update_workspace(out, {"notebooks/01.ipynb": b"v2"})
    (out / "notebooks" / "course-update-01.ipynb").write_bytes(b"my answers in v2")
    assert editions.student.update_workspace(out, {"notebooks/01.ipynb": b"v2"}) == []
    assert editions.student.update_workspace(out, {"notebooks/01.ipynb": b"v3"}) == []
    assert (out / "notebooks" / "course-update-01.ipynb").read_bytes() == b"my answers in v2"
    assert handin.NOTEBOOK.match("course-update-01-consensus-and-silence.ipynb")


def test_a_read_only_copy_with_nothing_new_is_not_written(tmp_path: Path) -> None:
    out = tmp_path / "my-course"
    files = {"notebooks/01.ipynb": b"v1"}
    editions.student.update_workspace(out, files)
    before = (out / editions.student.VERSIONS).stat().st_mtime_ns
    assert editions.student.update_workspace(out, files) == []
    assert (out / editions.student.VERSIONS).stat().st_mtime_ns == before


def test_collect_looks_in_folders_and_says_who_has_no_saved_check(tmp_path: Path,
                                                                  capsys: Any) -> None:
    nested = tmp_path / "moodle" / "carla_123"
    nested.mkdir(parents=True)
    (nested / "05-scenarios-and-forecasts.ipynb").write_text(
        notebook_with(checked("05-1", True, 0)))
    handin.write(nested, "Carla").rename(nested / "HAND-IN-CARLA.ZIP")
    (nested / "05-scenarios-and-forecasts.ipynb").unlink()
    (tmp_path / "nina").mkdir()
    (tmp_path / "nina" / "00-start-here.ipynb").write_text(notebook_with())
    handin.write(tmp_path / "nina", "=HYPERLINK(1)")
    assert handin.main([str(tmp_path)]) == 0
    said = capsys.readouterr().out
    table = (tmp_path / "class-results.csv").read_text()
    assert "Carla,05-scenarios-and-forecasts.ipynb,05-1,yes" in table
    assert "no saved check in any notebook" in said
    rows, _ = handin.collect([tmp_path / "nina" / "hand-in-hyperlink-1.zip"])
    assert rows == []
    formula = [{"student": "=HYPERLINK(1)", "notebook": "n", "exercise": "01-1", "right": "yes",
                "wrong_tries": "0", "words": "no", "file": "f"}]
    assert "'=HYPERLINK(1)" in handin.as_csv(formula)


def test_collect_reports_hostile_hand_ins_and_still_writes_the_class_csv(tmp_path: Path,
                                                                        capsys: Any) -> None:
    good = notebook_with(checked("00-1", True, 0)).encode()
    with zipfile.ZipFile(tmp_path / "hand-in-ana.zip", "w") as archive:
        archive.writestr("00-start-here.ipynb", good)
    # damaged deflate data: zlib.error inside zipfile
    with zipfile.ZipFile(tmp_path / "hand-in-damaged.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("00-start-here.ipynb", good * 50)
    raw = bytearray((tmp_path / "hand-in-damaged.zip").read_bytes())
    start = raw.find(b"PK\x03\x04") + 30 + len("00-start-here.ipynb")
    for k in range(start + 5, start + 40):
        raw[k] ^= 0xFF
    (tmp_path / "hand-in-damaged.zip").write_bytes(bytes(raw))
    # a bomb: many members just under the size limit each, far over it together
    with zipfile.ZipFile(tmp_path / "hand-in-bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(3):
            archive.writestr(f"d{i}/01-consensus-and-silence.ipynb",
                             b" " * (handin.MAX_BYTES - 1))
    # the same notebook twice, and exercise keys that do not exist
    with zipfile.ZipFile(tmp_path / "hand-in-twice.zip", "w") as archive:
        archive.writestr("a/00-start-here.ipynb", good)
        archive.writestr("b/00-start-here.ipynb", good)
    with zipfile.ZipFile(tmp_path / "hand-in-forged.zip", "w") as archive:
        archive.writestr("hand-in.json", json.dumps({"student": "Ben\n\tBlack"}))
        archive.writestr("00-start-here.ipynb", notebook_with(
            checked("00-4", True, 0), checked("09-9", True, 0), checked("00-2", True, 0)))
    assert handin.main([str(tmp_path)]) == 0
    said = capsys.readouterr().out
    assert "Traceback" not in said
    assert "hand-in-damaged.zip: damaged (its compressed data cannot be unpacked)" in said
    assert ("hand-in-bomb.zip: its notebooks would unpack to 149,999,997 bytes, far more "
            "than a hand-in's; not read") in said
    assert "hand-in-twice.zip: holds 00-start-here.ipynb 2 times (a/00-start-here.ipynb, " \
        "b/00-start-here.ipynb)" in said
    table = list(csv.DictReader(io.StringIO((tmp_path / "class-results.csv").read_text())))
    assert [(r["student"], r["exercise"]) for r in table] == [("ana", "00-1"),
                                                              ("Ben Black", "00-2")]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    import time

    with zipfile.ZipFile(tmp_path / "hand-in-bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(8):
            archive.writestr(f"d{i}/00-start-here.ipynb", b" " * (handin.MAX_BYTES - 1))
    started = time.perf_counter()
    rows, problems = handin.read(tmp_path / "hand-in-bomb.zip")
    assert rows == [] and "would unpack to 399,999,992 bytes" in problems[0]
    assert time.perf_counter() - started < 1.0


def test_a_manifest_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    # 20 MB of zeros in hand-in.json pack into about 20 kB; reading it whole asked for
    # gigabytes while json parsed it.
    with zipfile.ZipFile(tmp_path / "hand-in-ana.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("hand-in.json", b"0" * 20_000_000)
        archive.writestr("00-start-here.ipynb", b"{}")
    _, problems = handin.read(tmp_path / "hand-in-ana.zip")
    assert problems[0] == ("hand-in-ana.zip: its hand-in.json would unpack to 20,000,000 "
                           "bytes, far more than a name; the file name stands for the student")


def test_a_folder_or_a_device_is_not_read_as_a_hand_in(tmp_path: Path) -> None:
    assert handin.read(tmp_path) == ([], [f"{tmp_path.name}: not a file"])
    if Path("/dev/zero").exists():  # endless: reading it would fill the memory
        assert handin.read(Path("/dev/zero")) == ([], ["zero: not a file"])


@pytest.mark.parametrize("block", ["my-course", "my-course/notebooks",
                                   "my-course/notebooks/00-start-here.ipynb"])
def test_a_copy_that_cannot_open_says_what_is_in_the_way(block: str, tmp_path: Path,
                                                          monkeypatch: Any,
                                                          capsys: Any) -> None:
    out = tmp_path / "my-course"
    blocker = tmp_path / block
    blocker.parent.mkdir(parents=True, exist_ok=True)
    if blocker.suffix:
        blocker.mkdir()  # a folder where the notebook should be
    else:
        blocker.write_text("x")  # a file where a folder should be
    monkeypatch.setitem(editions.build.BUILDERS, "workspace",
                        (editions.student.build_workspace, out))
    assert editions.build.main(["workspace"]) == 1  # so `course.py lab` does not start JupyterLab
    said = capsys.readouterr().out
    assert "opens as it is" not in said
    assert "cannot be opened" in said and f"{block} is in the way. Move it elsewhere" in said


def test_collect_knows_the_course_s_exercises() -> None:
    from utils.exercises import EXERCISES

    assert set(EXERCISES) == handin.EXERCISE_KEYS
