"""The student edition: what a student gets to work in.

Every solution (a cell tagged ``solution``) becomes an empty answer cell of its kind (code
prefilled with the exercise's scaffold, Markdown for words), instructor-only ``answer-key``
cells go, a ``reveal`` cell keeps its question but not its answer, outputs a student must
first predict or produce are cleared, and the readings the text names become links. It is
written as files (``build/student``), as the next commit of the git branch ``student`` (what
a JupyterHub's students pull) and as the student's own copy (``my-course``), which a course
update never overwrites.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import NotebookExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

from editions.notebooks import (
    ROOT,
    asks_to_predict,
    course_notebooks,
    is_answer_key,
    is_reveal,
    is_solution,
    link_readings,
    read,
    readings,
    reveal_payloads,
    write_files,
)
from utils import exercises, handin
from utils.reveal import MIMETYPE as REVEAL_MIMETYPE

ANSWER_CODE = "# Your answer here\n"
ANSWER_TEXT = "*Your answer here.*"
ANSWER_WORDS = "*Your answer here, in words.*"
SOLUTION_HEADER = re.compile(r"^# Solution to Exercise \d+: expand to see it")
BLANK = "____"


def scaffold(cells: list[nbformat.NotebookNode], index: int) -> str:
    """The code an exercise gives to complete: the last ```python block of the exercise's
    text, the nearest Markdown cell above the solution (empty if there is none)."""
    for cell in reversed(cells[:index]):
        if cell.cell_type == "markdown":
            if "**Exercise" not in cell.source:
                return ""
            blocks = re.findall(r"```python\n(.*?)```", cell.source, re.S)
            return blocks[-1] if blocks else ""
    return ""


def explains_in_words(cell: nbformat.NotebookNode) -> bool:
    """Whether a code solution answers in words too (comment lines past its header)."""
    lines = cell.source.splitlines()
    return any(line.lstrip().startswith("#") and not SOLUTION_HEADER.match(line)
               for line in lines)


def exercise_key(cell: nbformat.NotebookNode) -> str:
    """The exercise a cell belongs to ("01-3"), from its metadata ("" for none)."""
    return str(cell.metadata.get("exercise", ""))


def asks_for_words(cell: nbformat.NotebookNode) -> bool:
    """Whether the exercise a solution solves asks for words too."""
    key = exercise_key(cell)
    if key in exercises.EXERCISES:
        return exercises.EXERCISES[key].words
    return explains_in_words(cell)


def answer_cells(cells: list[nbformat.NotebookNode], index: int) -> list[nbformat.NotebookNode]:
    """The empty answer cell(s) that stand in for the solution at `index`: code prefilled
    with the exercise's scaffold (unless the answer is written in a cell above, as the
    exercise says), and a Markdown cell for the words when the exercise asks for them."""
    cell = cells[index]
    slides = {"slideshow": cell.metadata.get("slideshow", {"slide_type": "-"})}
    ident = cell.get("id", f"answer-{index}")
    key = exercise_key(cell)
    meta = {"tags": ["answer"], **({"exercise": key} if key else {}), **slides}
    if cell.cell_type == "markdown":
        answer = nbformat.v4.new_markdown_cell(ANSWER_TEXT)
        answer.metadata, answer.id = copy.deepcopy(meta), ident
        return [answer]
    result = []
    if cell.metadata.get("exercise_answer") != "words":
        code = scaffold(cells, index)
        answer = nbformat.v4.new_code_cell(ANSWER_CODE + code)
        answer.metadata, answer.id = copy.deepcopy(meta), ident
        if BLANK in code:
            answer.metadata["tags"].append("raises-exception")
        result.append(answer)
    if asks_for_words(cell):
        words = nbformat.v4.new_markdown_cell(ANSWER_WORDS)
        words.metadata = copy.deepcopy(meta)
        words.id = f"{ident[:56]}-words" if result else ident
        result.append(words)
    return result


def hide_reveal_answer(cell: nbformat.NotebookNode) -> None:
    """A reveal cell without its answer: the stored answer of a prediction box is removed
    (its text stand-in stays); a plain reveal cell loses its outputs (it shows the answer
    when run)."""
    if not reveal_payloads(cell):
        cell.outputs, cell.execution_count = [], None
        return
    for out in cell.outputs:
        out.get("data", {}).pop(REVEAL_MIMETYPE, None)


def student_edition(notebook: nbformat.NotebookNode, readings: str = "../"
                    ) -> nbformat.NotebookNode:
    """The notebook for students: solutions become answer cells, answer keys go, reveal
    cells keep their question but not their answer, exercise outputs are cleared (checks
    included: a check shows its verdict only when the student runs it), and the readings
    it names become links."""
    student = copy.deepcopy(notebook)
    cells: list[nbformat.NotebookNode] = []
    in_exercises = False
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            in_exercises = cell.source.startswith("## Exercises")
        if is_answer_key(cell):
            continue
        if is_solution(cell):
            cells += answer_cells(student.cells, index)
            continue
        if cell.cell_type == "markdown":
            cell.source = link_readings(cell.source, readings)
        if is_reveal(cell):
            hide_reveal_answer(cell)
        elif cell.cell_type == "code" and (in_exercises or asks_to_predict(cells[-1:])):
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    student.cells = cells
    return student



class StudentPreprocessor(Preprocessor):
    """nbconvert's step that makes a notebook its student edition (:func:`student_edition`);
    `readings` is where the readings' folders are, relative to the notebook."""

    readings = Unicode("../", help="the readings' folders, relative to the notebook"
                       ).tag(config=True)

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]
                   ) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
        return student_edition(nb, readings=self.readings), resources


@cache
def student_exporter() -> NotebookExporter:
    """The exporter that writes a notebook's student edition as a notebook file."""
    exporter = NotebookExporter()
    exporter.register_preprocessor(StudentPreprocessor(), enabled=True)
    return exporter


def student_files() -> dict[str, bytes]:
    """Every file of the student's course, by path: notebooks (the student edition) and
    readings."""
    files = {f"notebooks/{path.name}":
             student_exporter().from_notebook_node(read(path))[0].encode("utf-8")
             for path in course_notebooks()}
    return files | readings()



def build_student(out: Path) -> list[Path]:
    """The student edition of every notebook, with the readings beside them."""
    files = student_files()  # first: a refused build keeps the last one
    shutil.rmtree(out, ignore_errors=True)
    return write_files(out, files)


# --- the student edition as a git branch (what a JupyterHub's students pull) ----------------

#: The branch the README's JupyterHub link pulls: the student edition, never the solutions.
STUDENT_BRANCH = "student"
#: Who commits the student edition where git knows no one (a CI machine, say).
COMMITTER = {"GIT_AUTHOR_NAME": "Alliance Decisions course",
             "GIT_AUTHOR_EMAIL": "course@localhost",
             "GIT_COMMITTER_NAME": "Alliance Decisions course",
             "GIT_COMMITTER_EMAIL": "course@localhost"}


def commit_student_edition(repository: Path = ROOT, branch: str = STUDENT_BRANCH) -> str:
    """Commit the student edition (:func:`student_files`) as the next commit of `branch`
    in the git repository at `repository` (bare or not), and return the commit.

    Neither the working tree, nor the index, nor the current branch changes. Each commit's
    parent is the branch's previous one, so nbgitpuller updates a student's copy by a merge
    that keeps the student's own changes; an unchanged edition makes no new commit."""
    def git(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> str:
        return subprocess.run(["git", "-C", str(repository), *args], input=stdin, env=env,
                              capture_output=True, check=True).stdout.decode().strip()

    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        for path, content in sorted(student_files().items()):
            blob = git("hash-object", "-w", "--stdin", stdin=content)
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = git("write-tree", env=env)
    ref = f"refs/heads/{branch}"
    parent = subprocess.run(["git", "-C", str(repository), "rev-parse", "--verify", "--quiet",
                             ref], capture_output=True).stdout.decode().strip()
    if parent and git("rev-parse", f"{parent}^{{tree}}") == tree:
        return parent
    source = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True).stdout.decode().strip() or "this course"
    known = subprocess.run(["git", "-C", str(repository), "var", "GIT_COMMITTER_IDENT"],
                           capture_output=True).returncode == 0
    commit = git("commit-tree", tree, *(["-p", parent] if parent else []),
                 "-m", f"Student edition of {source}",
                 env=None if known else {**os.environ, **COMMITTER})
    git("update-ref", ref, commit, *([parent] if parent else []))
    return commit


# --- the student's workspace ------------------------------------------------------------------

WORKSPACE = ROOT / "my-course"
#: The notebook JupyterLab opens the student's copy at (course.py's START).
WORKSPACE_START = "notebooks/00-start-here.ipynb"
#: The workspace's record of the version of each file the course last gave the student.
VERSIONS = ".course-versions.json"
UPDATE_PREFIX = handin.UPDATE_PREFIX


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _put(target: Path, content: bytes) -> None:
    """Write a file whole or not at all (an interrupted update leaves the old file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(content)
    partial.replace(target)


def update_workspace(out: Path, files: dict[str, bytes]) -> list[str]:
    """Bring a student's workspace up to the course's current files, never overwriting work.

    A file the course has not given before is added; one the student has not changed is
    replaced by the new version; one the student changed is kept, and the new version is
    put beside it (``course-update-<name>``), itself replaced later only while the student
    has not worked in it. Returns a line for each change; writes nothing when there is
    nothing new (a read-only copy still opens).
    """
    record_path = out / VERSIONS
    try:
        given = json.loads(record_path.read_text("utf-8"))
        given = given if isinstance(given, dict) else {}
    except (OSError, ValueError, RecursionError):
        given = {}
    before = dict(given)
    fresh = not record_path.exists()
    said = []
    for relative, content in files.items():
        target, digest = out / relative, _digest(content)
        current = _read_digest(target)
        if current == digest:
            given[relative] = digest
        elif current is None or current == given.get(relative):
            _put(target, content)
            given[relative] = digest
            if not fresh:
                said.append(("restored" if relative in before and current is None
                             else "new" if current is None else "updated") + f": {relative}")
        else:
            if relative.endswith(".ipynb") and b"utils.setup()" in content:
                set_up = with_setup(target.read_bytes())
                if set_up is not None:
                    _put(target, set_up)
                    said.append(f"set up your edited {relative} for this version of the "
                                "course: its first code cell now starts with utils.setup()")
            beside = target.with_name(UPDATE_PREFIX + target.name)
            key = beside.relative_to(out).as_posix()
            there = _read_digest(beside)
            if there == digest:
                given[key] = digest
            elif there is None or there == given.get(key):
                _put(beside, content)
                given[key] = digest
                said.append(f"kept your edited {relative}; the course's new version is "
                            f"beside it: {key}")
    if given != before or fresh:
        _put(record_path, json.dumps(given, indent=1, sort_keys=True).encode("utf-8"))
    return said


#: What a notebook's first code cell starts with (see utils.setup).
SETUP_LINES = "import utils\n\nutils.setup()\n"


def with_setup(content: bytes) -> bytes | None:
    """A student's notebook from before the course's notebooks called ``utils.setup()``
    (their first code cell only imported the course's modules), with that cell starting
    with the set-up as now, every other cell as the student left it; None when the
    notebook needs no change or is not one this can read (it is then left as it is)."""
    try:
        notebook = nbformat.reads(content.decode("utf-8"), as_version=4)
        first = next((c for c in notebook.cells if c.cell_type == "code"), None)
    except Exception:  # broken JSON, another encoding, not a notebook at all
        return None
    if first is None or not first.source.startswith("from utils import ") \
            or "utils.setup()" in first.source:
        return None
    first.source = SETUP_LINES + first.source
    return nbformat.writes(notebook).encode("utf-8")


def _read_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


def build_workspace(out: Path) -> list[Path]:
    """The student's own copy of the course (made once, then updated without losing work)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        said = update_workspace(out, student_files())
    except OSError as error:
        if (out / WORKSPACE_START).is_file():
            print(f"Your copy of the course in {out.name}/ could not be updated "
                  f"({error.strerror or error}); it opens as it is.")
        else:
            # a file where a folder should be, or a folder where the notebook should be
            in_the_way = next((path for path in (out, out / "notebooks", out / WORKSPACE_START)
                               if path.exists() and path.is_dir() != (path.suffix == "")),
                              out)
            print(f"Your copy of the course in {out.name}/ cannot be opened "
                  f"({error.strerror or error}): {in_the_way.relative_to(out.parent)} is in "
                  "the way. Move it elsewhere (or rename it), then run the same command "
                  "again.")
        return []
    for line in said:
        print(f"Course update: {line}")
    return [out / VERSIONS]
