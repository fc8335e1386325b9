"""What every edition reads of the course's notebooks: which they are, their title,
question and time, what their cell tags mean, and the readings beside them.

The notebooks in ``notebooks/`` are the instructor edition. A notebook's metadata ``course``
holds its ``question``, ``time`` and ``objectives``; cell tags decide what each edition
shows (the same tags everywhere):

* ``solution``: an exercise's solution. Student edition: an empty answer cell of its kind.
  Site and slides: left out (the instructor notebooks and the guide have them).
* ``reveal``: a "predict, then see" cell (:mod:`utils.reveal`): in every edition, its answer
  shows only after the student commits a prediction.
* ``predict``: Markdown that asks what the code cell after it will show; that cell's stored
  output is treated as a ``reveal`` cell's answer.
* ``answer-key``: instructor-only notes, in the guide only; with ``plan``, a class plan.
* ``class-question``: Markdown that puts a question to the class; an ``answer-key`` cell
  follows it, and the guide quotes both.
* ``check``: an exercise's check (its stored verdict judges the solution).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

from utils.reveal import MIMETYPE as REVEAL_MIMETYPE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
#: The cells that hand in a student's work (ids start with it): not on the site or slides.
HAND_IN = "hand-in-"


def course_notebooks() -> list[Path]:
    """The course notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


class EditionError(RuntimeError):
    """A notebook lacks what an edition needs of it (the message names the notebook)."""


def require_repository() -> None:
    """Refuse to build from an installed copy of this package: the editions are made from
    the repository's notebooks, readings and vendored scripts, which a wheel does not carry
    (and building beside an installed package would write into site-packages)."""
    if not (NOTEBOOKS.is_dir() and (ROOT / "vendor").is_dir() and (ROOT / "course.py").is_file()):
        raise EditionError(f"{ROOT} is not a copy of the course's repository: build the "
                           "editions from a clone, with `python3 course.py site` (or student, "
                           "slides, guide, lite) there")


#: The cell tags a course notebook may carry: those the editions act on, and nbval's. A tag
#: outside this set stops a build, since a mistyped one ("Solution") would put a cell in
#: the wrong edition (a solution in the student's).
TAGS = frozenset({"solution", "answer-key", "plan", "reveal", "check", "predict",
                  "class-question", "model-core", "model-check", "hand-in", "raises-exception",
                  "nbval-ignore-output", "nbval-skip", "nbval-check-output"})


def read(path: Path) -> nbformat.NotebookNode:
    """A course notebook, checked for what every edition relies on (valid nbformat, its
    metadata and title, known tags only), or an EditionError naming it."""
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except (OSError, ValueError, nbformat.ValidationError) as error:
        reason = (str(error).strip() or type(error).__name__).splitlines()[0]
        raise EditionError(f"{path.name}: not a notebook the editions can read "
                           f"({reason})") from None
    info(notebook, path.name)
    for number, cell in enumerate(notebook.cells, start=1):
        tags = set(cell.metadata.get("tags", []))
        unknown = sorted(tags - TAGS)
        if unknown:
            raise EditionError(f"{path.name}, cell {number}: the tag {unknown[0]!r} is not "
                               f"one the editions know ({', '.join(sorted(TAGS))})")
        if "plan" in tags and "answer-key" not in tags:  # else students would read it
            raise EditionError(f"{path.name}, cell {number}: a class plan is tagged "
                               "'answer-key' too (the editions for students leave those out)")
    return notebook


def title(notebook: nbformat.NotebookNode) -> str:
    """The notebook's title: the text of the heading its first cell opens with."""
    first = notebook.cells[0].source if notebook.cells else ""
    return first.splitlines()[0][2:].strip() if first.startswith("# ") else ""


def info(notebook: nbformat.NotebookNode, name: str = "the notebook") -> dict[str, str]:
    """Title, question and time of a notebook: its title is its first heading, its question
    and time are the notebook's ``course`` metadata (``{"question": …, "time": …}``)."""
    course = notebook.metadata.get("course")
    course = course if isinstance(course, dict) else {}
    missing = [key for key in ("question", "time")
               if not isinstance(course.get(key), str) or not course[key].strip()]
    first = notebook.cells[0].source if notebook.cells else ""
    if missing or not first.startswith("# "):
        what = ", ".join(f"metadata.course.{key}" for key in missing) or "a first heading"
        raise EditionError(f"{name}: {what} missing (the notebook's metadata says what "
                           "question it asks and how long it takes; its first cell opens "
                           "with its title)")
    return {"title": title(notebook), "question": course["question"],
            "time": course["time"]}


def tagged(cell: nbformat.NotebookNode, tag: str) -> bool:
    """Whether a cell carries a tag."""
    return tag in cell.metadata.get("tags", [])


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return tagged(cell, "solution")


def is_reveal(cell: nbformat.NotebookNode) -> bool:
    return tagged(cell, "reveal")


def is_answer_key(cell: nbformat.NotebookNode) -> bool:
    return tagged(cell, "answer-key")


def reveal_payloads(cell: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The hidden answers a reveal cell stores (see utils.reveal)."""
    return [out["data"][REVEAL_MIMETYPE] for out in cell.get("outputs", [])
            if REVEAL_MIMETYPE in out.get("data", {})]


#: A reading named in a notebook's text (`seeds/….md`, `data/….csv`): in the student's
#: copy it becomes a link that JupyterLab opens.
READING = re.compile(r"(?<!\[)`((?:seeds|data)/[\w./-]+\.(?:md|csv))`(?!\])")


def link_readings(source: str, readings: str = "../", text_as: str = ".md") -> str:
    """Markdown whose named readings are links, to the readings' folders at `readings`
    (relative to the notebook); texts (.md) link to their `text_as` version."""
    def link(match: re.Match[str]) -> str:
        path = match.group(1)
        target = path[:-3] + text_as if path.endswith(".md") else path
        return f"[{path}]({readings}{target})"  # plain text: a link that looks like one

    return READING.sub(link, source)


def asks_to_predict(before: list[nbformat.NotebookNode]) -> bool:
    """Whether the Markdown just before a code cell asks what it will show (tagged
    ``predict``): its answer must not be shown before the student has predicted."""
    return bool(before) and before[0].cell_type == "markdown" and tagged(before[0], "predict")


#: What a student reads beside the notebooks: the seed texts and the data tables (the
#: council's briefs among them), in folders named as the notebooks' text names them.
READINGS = {"seeds": ("*.md",), "data": ("*.csv", "datapackage.json")}


def readings() -> dict[str, bytes]:
    """The readings, by their path in a student's copy of the course."""
    return {f"{folder}/{path.name}": path.read_bytes()
            for folder, patterns in READINGS.items() for pattern in patterns
            for path in sorted((ROOT / folder).glob(pattern))}


def write_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    """Write files (by path relative to `out`) and return where they went."""
    written = []
    for relative, content in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written
