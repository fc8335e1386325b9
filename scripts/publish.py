"""Build the course the ways students and instructors meet it, all offline.

    python3 course.py student   the student edition:  build/student/notebooks/*.ipynb
                  --branch      and as the next commit of the git branch `student` (for a
                                JupyterHub's nbgitpuller link: see the README)
    python3 course.py site      the static HTML site: build/site/index.html
    python3 course.py slides    reveal.js slide decks: build/slides/*.slides.html
    python3 course.py guide     the instructor guide:  docs/instructor-guide.md

The notebooks in ``notebooks/`` are the instructor edition. Three cell tags decide what
each edition shows (the same tags everywhere):

* ``solution``: an exercise's solution. Instructor edition: collapsed, its first line a
  neutral "Solution to Exercise N" header. Student edition: replaced by an empty answer
  cell of the same kind (Markdown for a prose solution; code, prefilled with the
  exercise's scaffold, for a code solution, plus a Markdown cell for the words when the
  solution explains itself in comments). Site and slides: left out (the solutions live in
  the instructor notebooks and the instructor guide only).
* ``reveal``: a "predict, then see" cell (:mod:`utils.reveal`). It survives in every
  edition; its answer shows only after the student commits a prediction. Student edition:
  the stored answer is removed (the cell computes it when run). Site: the answer is behind
  a prediction box. Slides: the answer gets a slide of its own, after the question.
* ``answer-key``: instructor-only notes (answer keys, class plans). Dropped from the
  student edition, the site and the slides; collected in the instructor guide.

The site draws every chart live with the Vega, Vega-Lite and vega-embed vendored in
``vendor/vega`` (copied next to the pages), the stored image as fallback with the chart's
description as alt text. The slides inline Vega and Vega-Lite and draw each chart at the
size of its slide with slide-sized fonts (:func:`legible_chart`, ``SLIDE_SCRIPT``), without
touching the notebooks' stored outputs. Nothing on a page or slide loads from the network.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from utils import charts, exercises, handin, widgets
from utils.charts import VEGALITE_MIMETYPE as VEGALITE
from utils.reveal import MIMETYPE as REVEAL_MIMETYPE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
REVEAL = ROOT / "vendor" / "reveal.js"
VEGA = ROOT / "vendor" / "vega"
VEGA_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
LITE = BUILD / "lite"
WIDGET_NOTE = "[Interactive controls:"
ANSWER_CODE = "# Your answer here\n"
ANSWER_TEXT = "*Your answer here.*"
ANSWER_WORDS = "*Your answer here, in words.*"
SOLUTION_HEADER = re.compile(r"^# Solution to Exercise \d+: expand to see it")
BLANK = "____"
EXTERNAL_SCRIPT = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>"
    r"|<script[^>]*>(?:(?!</script>).)*?https?://(?:cdnjs\.cloudflare\.com|unpkg\.com|"
    r"cdn\.jsdelivr\.net)(?:(?!</script>).)*</script>", re.S)
#: A resource a page would fetch from another machine (links to sources are fine).
EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|img|link|iframe|source|video|audio|embed)\b[^>]*\b(?:src|href)="
    r"[\"']?(?:https?:)?//|url\([\"']?(?:https?:)?//|@import\s+[\"']?(?:https?:)?//", re.I)


def course_notebooks() -> list[Path]:
    """The course notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def info(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Title, question and time, read from a notebook's first cell."""
    first = notebook.cells[0].source
    title = first.splitlines()[0].lstrip("# ").strip()
    question = re.search(r"\*\*Question:\*\*\s*(.+?)(?:\n\n|$)", first, re.S)
    minutes = re.search(r"\*\*Time:\*\*\s*([^.*]+)", first)
    return {"title": title,
            "question": " ".join(question.group(1).split()) if question else "",
            "time": minutes.group(1).strip() if minutes else ""}


def tagged(cell: nbformat.NotebookNode, tag: str) -> bool:
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


# --- student edition -------------------------------------------------------------------

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


#: Words with which the text before a cell asks the student to predict what it shows.
PREDICT = re.compile(r"\*\*Before you (?:run|look)|\bMake a guess\b|say what you expect", re.I)


def asks_to_predict(before: list[nbformat.NotebookNode]) -> bool:
    """Whether the Markdown just before a code cell asks a question about what it will show
    (a "Before you run it" or a question ending the text): its answer must not be stored."""
    if not before or before[0].cell_type != "markdown":
        return False
    text = before[0].source.strip()
    return bool(PREDICT.search(text)) or text.endswith("?")


#: What a student reads beside the notebooks: the seed texts and the data tables (the
#: council's briefs among them), in folders named as the notebooks' text names them.
READINGS = {"seeds": ("*.md",), "data": ("*.csv", "datapackage.json")}


def readings() -> dict[str, bytes]:
    """The readings, by their path in a student's copy of the course."""
    return {f"{folder}/{path.name}": path.read_bytes()
            for folder, patterns in READINGS.items() for pattern in patterns
            for path in sorted((ROOT / folder).glob(pattern))}


def student_files() -> dict[str, bytes]:
    """Every file of the student's course, by path: notebooks (the student edition) and
    readings."""
    files = {f"notebooks/{path.name}": nbformat.writes(
        student_edition(nbformat.read(path, as_version=4))).encode("utf-8") + b"\n"
        for path in course_notebooks()}
    return files | readings()


def write_files(out: Path, files: dict[str, bytes]) -> list[Path]:
    written = []
    for relative, content in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


def build_student(out: Path) -> list[Path]:
    """The student edition of every notebook, with the readings beside them."""
    shutil.rmtree(out, ignore_errors=True)
    return write_files(out, student_files())


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
#: The cells that hand in a student's work (ids start with it): not on the site.
HAND_IN = "hand-in-"
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


# --- outputs as HTML (site and slides) ---------------------------------------------------

def chart_description(data: dict[str, Any]) -> str:
    """A chart's description, from its text/plain part (title, subtitle, description)."""
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def chart_html(data: dict[str, Any], *, live: bool) -> str:
    """A chart as HTML: its stored image with the description as alt text, and (when
    `live`) its spec, which the site's script draws with the vendored Vega. The site's
    fallback is the PNG (drawn with the course font); the slides prefer the SVG, which
    stays sharp when enlarged for a projector."""
    alt = html.escape(chart_description(data), quote=True)
    if "image/png" in data and (live or "image/svg+xml" not in data):
        src = "data:image/png;base64," + _joined(data["image/png"]).replace("\n", "")
    else:
        svg = _joined(data.get("image/svg+xml", ""))
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    image = f'<img class="course-chart-image" src="{src}" alt="{alt}">'
    if not live or VEGALITE not in data:
        return f'<figure class="course-chart">{image}</figure>'
    spec = json.dumps(data[VEGALITE], separators=(",", ":")).replace("<", "\\u003c")
    return (f'<figure class="course-chart" data-live="1"><script type="application/json" '
            f'class="course-chart-spec">{spec}</script>{image}</figure>')


def bundle_html(data: dict[str, Any], *, live: bool) -> str:
    """One output's MIME bundle as HTML, the richest part first."""
    from nbconvert.filters import markdown2html

    if VEGALITE in data or "image/png" in data or "image/svg+xml" in data:
        return chart_html(data, live=live)
    if "text/html" in data:
        return _joined(data["text/html"])
    if "text/markdown" in data:
        return markdown2html(_joined(data["text/markdown"]))
    return f"<pre>{html.escape(_joined(data.get('text/plain', '')))}</pre>"


def html_output(content: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": content})


def charts_as_html(cell: nbformat.NotebookNode, *, live: bool) -> None:
    """Every chart or image output of a cell as HTML (image with alt text, live spec)."""
    for index, out in enumerate(cell.get("outputs", [])):
        data = out.get("data", {})
        if VEGALITE in data or "image/png" in data or "image/svg+xml" in data:
            cell.outputs[index] = html_output(chart_html(data, live=live))


# --- site ----------------------------------------------------------------------------------

def prediction_box(payload: dict[str, Any], number: int) -> str:
    """The site's "predict, then see" box: the answer stays hidden until something is
    written (or a choice picked) and the button pressed."""
    prompt = html.escape(payload.get("prompt", ""))
    ident = f"course-prediction-{number}"
    if payload.get("choices"):
        entry = "".join(f'<label><input type="radio" name="{ident}" value="{html.escape(c)}">'
                        f" {html.escape(c)}</label> " for c in payload["choices"])
    else:
        entry = (f'<textarea id="{ident}" rows="3" cols="70" '
                 'placeholder="Your prediction, in a few words"></textarea>')
    answer = "\n".join(bundle_html(b, live=True) for b in payload.get("answer", []))
    return (f'<div class="course-reveal"><p><b>Predict, then see.</b> {prompt}</p>'
            f'<label for="{ident}">Your prediction</label><br>{entry}<br>'
            '<button type="button" class="course-reveal-button">Show the answer</button> '
            '<span class="course-reveal-message" role="status"></span>'
            f'<template class="course-reveal-answer">{answer}</template></div>')


def lite_link(name: str) -> str:
    """The "run it in your browser" link to the JupyterLite build, if there is one."""
    if not (LITE / "lab" / "index.html").exists():
        return ('<span class="course-lite">Run it yourself: <code>python3 course.py lab'
                '</code> (see the README).</span>')
    path = f"notebooks/{name}" if (LITE / "files" / "notebooks" / name).exists() else name
    return (f'<a class="course-lite" href="../lite/lab/index.html?path={html.escape(path)}">'
            "Run it in your browser (JupyterLite)</a>")


def site_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the site shows it: no answer keys, reveal answers behind prediction
    boxes, charts as live figures with their image and description."""
    site = copy.deepcopy(notebook)
    site.cells = [c for c in site.cells if not is_answer_key(c) and not is_solution(c)
                  and not c.get("id", "").startswith(HAND_IN)]
    number = 0
    for index, cell in enumerate(site.cells):
        if cell.cell_type == "markdown":
            cell.source = link_readings(cell.source, "", ".html")
        elif asks_to_predict(site.cells[index - 1:index]) and not is_reveal(cell) \
                and cell.outputs and not tagged(cell, "check"):
            # The answer to a "Before you run it" waits for a prediction, as in a notebook.
            cell.metadata.setdefault("tags", []).append("reveal")
        if tagged(cell, "check"):
            cell.outputs = [html_output(
                '<p class="course-check"><b>Check your answer</b> where you can run code: '
                'this line, run under your answer, says whether it is right (the link at '
                'the top of the page opens the notebook in your browser).</p>')]
            continue
        if is_reveal(cell) and cell.cell_type == "code":
            payloads = reveal_payloads(cell)
            if payloads:
                boxes = []
                for payload in payloads:
                    number += 1
                    boxes.append(prediction_box(payload, number))
                cell.outputs = [html_output("\n".join(boxes))]
            else:
                number += 1
                answer = "\n".join(bundle_html(o.get("data", {"text/plain": o.get("text", "")}),
                                               live=True) for o in cell.outputs)
                cell.outputs = [html_output(prediction_box(
                    {"prompt": "What do you expect this cell to show?",
                     "answer": [{"text/html": answer}]}, number))]
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if widgets.CONTROLS_MARK not in
                            _joined(o.get("data", {}).get("text/html", ""))]
        charts_as_html(cell, live=True)
    return site


#: Where the keyboard's focus is, on every page and slide: a dark outline around the focused
#: link or control, drawn only when focus came from the keyboard (a click draws none). It
#: is marked important because JupyterLab's and reveal.js's style sheets remove the
#: browser's own outline from some controls.
FOCUS_CSS = """
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible, summary:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #0b4f9c !important; outline-offset: 2px !important; }
"""

#: Text that everyone can read (WCAG AA: a contrast of 4.5:1 with its background, or 3:1
#: between a link and the text around it unless the link is underlined). JupyterLab's
#: light theme, which the exported pages and decks carry, draws some of its code colours
#: and its cell prompts below that: these are its own colours, each darkened to a contrast
#: of 4.5:1 or more on the code cells' grey (#f5f5f5); the prompts keep their colour at
#: full strength (the theme halves it). Links in the notebooks' text are underlined.
READABLE_CSS = """
:root {
  --jp-mirror-editor-atom-color: #5454c8; --jp-mirror-editor-bracket-color: #6e6e50;
  --jp-mirror-editor-comment-color: #306a6a; --jp-mirror-editor-error-color: #c00;
  --jp-mirror-editor-hr-color: #666; --jp-mirror-editor-meta-color: #8a1fd0;
  --jp-mirror-editor-number-color: #006b00; --jp-mirror-editor-operator-color: #8a1fd0;
  --jp-mirror-editor-quote-color: #007000; --jp-cell-prompt-not-active-opacity: 1;
}
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited,
.jp-RenderedText pre a:link, .jp-RenderedText pre a:visited { text-decoration: underline; }
""" + FOCUS_CSS

SITE_CSS = READABLE_CSS + """
/* Code quoted in the notebooks' text wraps at the window's edge: zoomed to 200%, a long
   line (or a long call in a sentence) would otherwise need a sideways scroll bar that the
   keyboard cannot reach. */
.jp-RenderedMarkdown pre { white-space: pre-wrap; }
.jp-RenderedMarkdown pre, .jp-RenderedMarkdown code { overflow-wrap: anywhere; }
.course-nav { font-family: sans-serif; padding: 8px 16px; background: #f0f4f8;
  border-bottom: 1px solid #ccd; }
.course-live-note { font-family: sans-serif; margin: 8px 16px; color: #444; }
.course-chart { margin: 0; }
.course-chart-text { font-family: sans-serif; max-width: 900px; margin: 4px 0 12px; }
.course-chart-text summary { cursor: pointer; color: #0b4f9c; }
.course-reveal { border: 2px solid #0072B2; border-radius: 6px; padding: 8px 12px;
  font-family: sans-serif; max-width: 900px; }
.course-reveal button { font-size: 1em; cursor: pointer; padding: 4px 10px; }
.course-check { font-family: sans-serif; border-left: 4px solid #0072B2; padding: 4px 12px;
  margin: 4px 0; }
"""

SITE_SCRIPT = """
(function () {
  function draw(root) {
    root.querySelectorAll('figure.course-chart[data-live]').forEach(function (fig) {
      if (!window.vegaEmbed) { return; }
      var spec = JSON.parse(fig.querySelector('script.course-chart-spec').textContent);
      var image = fig.querySelector('img');
      var target = document.createElement('div');
      target.className = 'course-chart-live';
      target.setAttribute('role', 'img');
      target.setAttribute('aria-label', image.alt);
      fig.insertBefore(target, image);
      vegaEmbed(target, spec, {renderer: 'svg', actions: false}).then(function () {
        // The description (aria-label) is the chart's text alternative, as the image's
        // alt was; the drawing's own marks, some of them unlabelled, are hidden from
        // assistive technology as the image's pixels were.
        target.querySelectorAll('svg').forEach(function (svg) {
          svg.setAttribute('aria-hidden', 'true');
        });
        image.hidden = true;
      }).catch(function () { target.remove(); });
      fig.removeAttribute('data-live');
    });
  }
  document.querySelectorAll('.course-reveal').forEach(function (box) {
    box.querySelector('button').addEventListener('click', function () {
      var text = box.querySelector('textarea');
      var picked = box.querySelector('input[type=radio]:checked');
      var value = text ? text.value.trim() : (picked ? picked.value : '');
      var message = box.querySelector('.course-reveal-message');
      if (!/[A-Za-z0-9\u00C0-\uFFFF]/.test(value)) {
        message.textContent = text ? 'Not yet: write your prediction first (a few words).'
                                   : 'Not yet: pick one of the choices first.';
        return;
      }
      box.querySelectorAll('textarea, input, button').forEach(function (e) {
        e.disabled = true; });
      message.textContent = 'Your prediction is recorded. The answer:';
      var answer = document.createElement('div');
      answer.className = 'course-reveal-shown';
      answer.appendChild(box.querySelector('template').content.cloneNode(true));
      box.appendChild(answer);
      draw(answer);
    });
  });
  draw(document);
})();
"""


def offline(page: str) -> str:
    """An exported page without the CDN scripts nbconvert adds."""
    return EXTERNAL_SCRIPT.sub("", page)


@cache
def html_exporter() -> HTMLExporter:
    """One exporter for every page: it compiles its templates once (a third of the build)."""
    return HTMLExporter(template_name="lab")


def export_html(notebook: nbformat.NotebookNode) -> str:
    """One notebook as a standalone HTML page, JupyterLab's look, no network; links to
    other notebooks point to their pages."""
    body, _ = html_exporter().from_notebook_node(notebook)
    return re.sub(r'href="(\d\d-[\w-]+)\.ipynb"', r'href="\1.html"', offline(body))


def nav(pages: list[tuple[str, str]], index: int, notebook_name: str) -> str:
    """A navigation bar: course map, previous and next notebook, and where to run it."""
    links = ['<a href="index.html">Course map</a>']
    if index > 0:
        links.append(f'<a href="{pages[index - 1][0]}">← {html.escape(pages[index - 1][1])}</a>')
    if index < len(pages) - 1:
        links.append(f'<a href="{pages[index + 1][0]}">{html.escape(pages[index + 1][1])} →</a>')
    links.append(lite_link(notebook_name))
    return '<nav class="course-nav">' + " &nbsp;|&nbsp; ".join(links) + "</nav>"


LIVE_NOTE = ('<p class="course-live-note">This is the static site: charts are live (hover '
             'for values), widget sections show their default results, and each "Predict, '
             'then see" box shows its answer once you have written your prediction. To move '
             'the sliders, run the notebook (link above).</p>')


READING_CSS = ("body { font-family: sans-serif; font-size: 20px; line-height: 1.5; "
               "max-width: 46em; margin: 2em auto; padding: 0 1em; color: #1a1a1a; }"
               " a { color: #005a8c; text-decoration: underline; }" + FOCUS_CSS)


def reading_page(text: str) -> str:
    """A reading (Markdown) as a page of the site."""
    import mistune

    title = next((line.lstrip("# ").strip() for line in text.splitlines()
                  if line.startswith("#")), "Reading")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{READING_CSS}</style></head>"
            f'<body><main><p><a href="../index.html">Alliance Decisions</a></p>'
            f"{mistune.html(text)}</main></body></html>\n")


def site_page(notebook: nbformat.NotebookNode, header: str) -> str:
    """A site page: the exported notebook with the header, styles and scripts added."""
    page = export_html(site_notebook(notebook))
    page = page.replace("</head>", f"<style>{SITE_CSS}</style>\n</head>", 1)
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, page, count=1)
    scripts = "".join(f'<script src="vendor/{name}"></script>\n' for name in VEGA_FILES)
    return page.replace("</body>", f"{scripts}<script>{SITE_SCRIPT}</script>\n</body>", 1)


def build_site(out: Path) -> list[Path]:
    """The static HTML site: one page per notebook, a course map, the vendored Vega."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "vendor").mkdir(parents=True)
    for name in (*VEGA_FILES, "LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"):
        shutil.copy(VEGA / name, out / "vendor" / name)
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in course_notebooks()]
    pages = [(f"{p.stem}.html", info(nb)["title"]) for p, nb in notebooks]
    written = write_files(out, {path: content for path, content in readings().items()
                                if not path.endswith(".md")})
    for path, content in readings().items():
        if path.endswith(".md"):
            target = out / (path[:-3] + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(reading_page(content.decode("utf-8")), encoding="utf-8")
            written.append(target)
    for index, (path, notebook) in enumerate(notebooks):
        target = out / pages[index][0]
        target.write_text(site_page(notebook, nav(pages, index, path.name) + LIVE_NOTE),
                          encoding="utf-8")
        written.append(target)
    rows = "\n".join(
        f'<tr><td><a href="{name}">{html.escape(info(nb)["title"])}</a></td>'
        f'<td>{html.escape(info(nb)["question"])}</td><td>{html.escape(info(nb)["time"])}</td>'
        f"<td>{lite_link(path.name)}</td></tr>"
        for (name, _), (path, nb) in zip(pages, notebooks, strict=True))
    seeds = "".join(f'<li><a href="seeds/{p.stem}.html">{html.escape(p.stem)}</a></li>'
                    for p in sorted((ROOT / "seeds").glob("*.md")))
    index_page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alliance Decisions: course map</title>
<style>body {{ font-family: sans-serif; max-width: 1100px; margin: 2em auto; line-height: 1.5;
padding: 0 1em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd;
padding: 6px 10px; vertical-align: top; text-align: left; }}{FOCUS_CSS}</style></head>
<body><h1>Alliance Decisions: how alliances decide</h1>
<p>A Jupyter course on NATO's consensus rule, its move "out of area", and the CSTO question.
These pages are the notebooks with every chart, drawn live; the widgets show their default
results, and every "Predict, then see" answer waits for your prediction. To run the
notebooks and use the widgets, see the README (<code>python3 course.py lab</code>).</p>
<h2>Course map</h2>
<table><tr><th>Notebook</th><th>Question</th><th>Time</th><th>Run it</th></tr>
{rows}
</table>
<h2>Readings</h2>
<ul>{seeds}</ul>
<p>The data tables, each row with its source: the folder <a href="data/">data</a>
(<code>datapackage.json</code> describes every column).</p></body></html>
"""
    (out / "index.html").write_text(index_page, encoding="utf-8")
    return [out / "index.html", *written]


# --- slides --------------------------------------------------------------------------------

#: Rows of a long table shown on one slide, and the text they may hold at most.
SLIDE_ROWS, SLIDE_TABLE_CHARS = 8, 900
CONTROLS = re.compile(r"^\[Interactive controls: (.*?)\. Run this cell in JupyterLab to use "
                      r"them\.\]\s*(.*)$", re.S)
#: The smallest text a slide may show, in CSS pixels on a 1280×720 projector: what the back
#: row of a classroom can still read.
SLIDE_FONT_FLOOR = 16
#: The room a slide gives its content (1280×720 less the slide's padding).
SLIDE_WIDTH, SLIDE_HEIGHT = 1224, 688
#: Chart text on a slide (px): larger than in a notebook, read from across a room. The
#: slide builder applies these; the notebooks' stored charts keep their own sizes.
CHART_FONT = 18
SLIDE_CHART_CONFIG: dict[str, dict[str, Any]] = {
    "axis": {"labelFontSize": CHART_FONT, "titleFontSize": 20},
    "legend": {"labelFontSize": CHART_FONT, "titleFontSize": 20, "symbolSize": 180},
    "header": {"labelFontSize": 20, "titleFontSize": 20},
    "title": {"fontSize": 24, "subtitleFontSize": 20},
    "text": {"fontSize": CHART_FONT},
}
FONT_KEYS = ("fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize")
LIMIT_KEYS = {"labelFontSize": "labelLimit", "titleFontSize": "titleLimit"}
#: A category axis with more rows than this is drawn at the floor size, so that its rows
#: (one line of text each) still fit the height of a slide.
CROWDED_ROWS = 20


def _views(spec: Any) -> list[dict[str, Any]]:
    """Every object of a Vega-Lite spec (views, marks, encodings, …), depth first."""
    found: list[dict[str, Any]] = []
    stack = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack += [v for k, v in node.items() if k not in ("datasets", "data")]
        elif isinstance(node, list):
            stack += node
    return found


def _categories(encoding: dict[str, Any], datasets: dict[str, Any]) -> int:
    """How many rows a category axis (nominal or ordinal) shows: its sort list, or the
    most distinct values its field has in any dataset of the chart."""
    if encoding.get("type") not in ("nominal", "ordinal") or "field" not in encoding:
        return 0
    if isinstance(encoding.get("sort"), list):
        return len(encoding["sort"])
    field = encoding["field"]
    return max((len({json.dumps(row.get(field)) for row in rows})
                for rows in datasets.values() if isinstance(rows, list)
                and rows and isinstance(rows[0], dict) and field in rows[0]), default=0)


def _wrap(text: Any, chars: int) -> Any:
    """A title's text as lines of at most `chars` characters (Vega draws a list of
    strings as lines; it never wraps a title itself)."""
    lines = text if isinstance(text, list) else [text] if isinstance(text, str) else None
    if lines is None:
        return text
    wrapped: list[str] = []
    for line in lines:
        current = ""
        for word in str(line).split():
            if current and len(current) + 1 + len(word) > chars:
                wrapped.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        wrapped.append(current)
    return wrapped if len(wrapped) > 1 else wrapped[0]


def legible_chart(spec: dict[str, Any]) -> dict[str, Any]:
    """A chart's Vega-Lite spec as a slide draws it: every text at least CHART_FONT px
    (the slide config, and any size the chart sets itself, raised; label limits grown with
    their text), a category axis of more than CROWDED_ROWS rows at the floor size, and
    titles wrapped to the slide's width. Its size is set in the browser (the deck's script
    fits it to the room left on its slide)."""
    spec = copy.deepcopy(spec)
    config = spec.setdefault("config", {})
    for group, values in SLIDE_CHART_CONFIG.items():
        config[group] = {**config.get(group, {}), **values}
    datasets = spec.get("datasets", {})
    for node in _views(spec):
        for key in FONT_KEYS:
            size = node.get(key)
            if isinstance(size, (int, float)) and not isinstance(size, bool) and size < CHART_FONT:
                node[key] = CHART_FONT
                limit = node.get(LIMIT_KEYS.get(key, ""))
                if isinstance(limit, (int, float)) and limit > 0:
                    node[LIMIT_KEYS[key]] = round(limit * CHART_FONT / size)
    for node in _views(spec):  # after the pass above, which may replace an axis's sizes
        encoding = node.get("y")
        if isinstance(encoding, dict) and _categories(encoding, datasets) > CROWDED_ROWS \
                and encoding.get("axis", {}) is not None:
            encoding.setdefault("axis", {})["labelFontSize"] = SLIDE_FONT_FLOOR
    columns = max(1, len(spec.get("hconcat", [])), int(spec.get("columns", 1) or 1))
    for node in _views(spec):
        title = node.get("title")
        if isinstance(title, dict):
            title["text"] = _wrap(title.get("text"), 90)
            title["subtitle"] = _wrap(title.get("subtitle"), 110)
        elif isinstance(title, str) and node is not spec and "mark" not in node:
            node["title"] = _wrap(title, 90 // columns)
    return spec


def _is_strip(view: dict[str, Any]) -> bool:
    """A panel of text only (labels for marks of the panel below, as above 03's Gantt)."""
    mark = view.get("mark")
    is_text = mark == "text" or (isinstance(mark, dict) and mark.get("type") == "text")
    return is_text and "y" not in view.get("encoding", {})


def _panel_height(view: dict[str, Any], datasets: dict[str, Any]) -> int:
    """About how tall a panel must be on a slide for its text to stay legible."""
    if _is_strip(view):
        mark = view["mark"] if isinstance(view["mark"], dict) else {}
        labels = [str(row.get(view["encoding"].get("text", {}).get("field"), ""))
                  for rows in datasets.values() if isinstance(rows, list) for row in rows
                  if isinstance(row, dict)]
        longest = max(map(len, labels), default=10)
        return int(longest * 0.55 * CHART_FONT) if mark.get("angle") else 2 * CHART_FONT
    rows = max((_categories(n["y"], datasets) for n in _views(view)
                if isinstance(n.get("y"), dict)), default=0)
    plot = rows * (SLIDE_FONT_FLOOR + 2 if rows > CROWDED_ROWS else CHART_FONT + 4) or 200
    return plot + 50 + (40 if view.get("title") else 0)


def chart_height(spec: dict[str, Any]) -> int:
    """About the least height a chart needs on a slide (titles, panels, axes, legend)."""
    datasets = spec.get("datasets", {})
    title = spec.get("title")
    subtitle = _wrap(title.get("subtitle"), 110) if isinstance(title, dict) else None
    lines = len(subtitle) if isinstance(subtitle, list) else 1
    top = 40 + 26 * lines + 60  # title, subtitle lines, a legend row
    if "vconcat" in spec:
        return top + sum(_panel_height(v, datasets) for v in spec["vconcat"])
    if "hconcat" in spec:
        return top + max(_panel_height(v, datasets) for v in spec["hconcat"])
    if "facet" in spec:
        panels = _categories(spec["facet"], datasets) or 2
        rows = -(-panels // int(spec.get("columns") or panels))
        return top + rows * (_panel_height(spec["spec"], datasets) + 30)
    return top + _panel_height(spec, datasets)


def slide_charts(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A chart as one or more slide charts: a stack of panels (vconcat) too tall for one
    slide at legible sizes becomes one chart per panel, each with the chart's title
    ("1 of 2", …) and any strip of labels going with the first panel."""
    panels = spec.get("vconcat") or []
    main = [p for p in panels if not _is_strip(p)]
    if len(main) < 2 or chart_height(spec) <= SLIDE_HEIGHT:
        return [spec]
    parts = []
    for number, panel in enumerate(main, start=1):
        part = {k: v for k, v in spec.items() if k != "vconcat"}
        part["vconcat"] = [p for p in panels if p is panel or (number == 1 and _is_strip(p))]
        title = spec.get("title")
        title = dict(title) if isinstance(title, dict) else {"text": title or ""}
        title["text"] = f"{_joined(title.get('text', ''))} ({number} of {len(main)})"
        part["title"] = title
        parts.append(part)
    return parts


def slide_chart_html(data: dict[str, Any]) -> list[str]:
    """A chart as slide figures: the stored SVG (sharp when enlarged) with the description
    as alt text, and the legible spec of each slide chart, which the deck's script draws
    at the size of its slide. The least height each needs is in `data-min-height`."""
    if VEGALITE not in data:
        return [chart_html(data, live=False)]
    alt = html.escape(chart_description(data), quote=True)
    svg = _joined(data.get("image/svg+xml", ""))
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    figures = []
    for part in slide_charts(data[VEGALITE]):
        spec = legible_chart(part)
        height = min(SLIDE_HEIGHT, chart_height(spec))
        text = json.dumps(spec, separators=(",", ":")).replace("<", "\\u003c")
        figures.append(f'<figure class="course-chart" data-live="1" data-min-height="{height}">'
                       f'<script type="application/json" class="course-chart-spec">{text}'
                       f'</script><img class="course-chart-image" src="{src}" alt="{alt}">'
                       "</figure>")
    return figures


@cache
def vega_scripts() -> tuple[str, str]:
    """Vega and Vega-Lite, to inline in every deck (a deck is one file that works offline),
    which draws its charts with them."""
    return tuple(re.sub(r"//# sourceMappingURL=\S+", "", (VEGA / name).read_text("utf-8"))
                 .replace("</script", "<\\/script") for name in VEGA_FILES[:2])


def reveal_assets() -> tuple[str, str]:
    """reveal.js's CSS and JavaScript, to inline (source-map comment removed)."""
    css = "\n".join((REVEAL / name).read_text(encoding="utf-8")
                    for name in ("reset.css", "reveal.css", "white.css"))
    js = re.sub(r"//# sourceMappingURL=\S+", "", (REVEAL / "reveal.js").read_text("utf-8"))
    return css, js


def url_breaks(text: str) -> str:
    """A web address (as text of a table cell) that may wrap after each "/" of its path:
    on a slide a long address would otherwise widen its column past the others."""
    return re.sub(r"(?<=[^/:])/(?=[^/])", "/<wbr>", text)


def table_pages(table: str) -> list[str]:
    """An HTML table cut into slide-sized tables, each with the header row(s). Its cells
    wrap between words only (the notebooks' tables may break anywhere in a word, which on
    a slide scatters a word's letters over lines); a web address may wrap after a "/", and
    a column name after a "_" (between the words it joins)."""
    table = re.sub(r";?\s*(?:overflow-wrap|word-break)\s*:\s*[\w-]+", "", table)
    table = re.sub(r">([^<]*://[^<]*)<", lambda m: ">" + url_breaks(m.group(1)) + "<", table)
    table = re.sub(r"<thead>.*?</thead>", lambda m: re.sub(
        r">([^<]*)<", lambda t: ">" + t.group(1).replace("_", "_<wbr>") + "<", m.group(0)),
        table, flags=re.S)
    body = re.search(r"(<tbody>)(.*?)(</tbody>)", table, re.S)
    if not body:
        return [table]
    rows = re.findall(r"<tr\b.*?</tr>", body.group(2), re.S)
    pages: list[list[str]] = [[]]
    for row in rows:
        text = sum(len(re.sub(r"<[^>]+>", "", r)) for r in pages[-1])
        if pages[-1] and (len(pages[-1]) >= SLIDE_ROWS or text > SLIDE_TABLE_CHARS):
            pages.append([])
        pages[-1].append(row)
    return [table[:body.start(2)] + "".join(page) + table[body.end(2):] for page in pages]


def controls_html(text: str) -> str | None:
    """The text stand-in of a widget's controls, as a line for a slide."""
    match = CONTROLS.match(text.strip())
    if not match:
        return None
    return (f'<p class="course-controls"><b>Controls</b> ({html.escape(match.group(1))}), '
            f"shown at their default values: {html.escape(match.group(2))}</p>")


def slide_parts(cell: nbformat.NotebookNode) -> list[str]:
    """A code cell's outputs as slide-ready HTML pieces (long tables cut in pages)."""
    parts: list[str] = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        plain = _joined(data.get("text/plain", ""))
        if out.output_type == "stream":
            parts.append(f"<pre>{html.escape(_joined(out.get('text', '')))}</pre>")
        elif out.output_type == "error":
            parts.append(f"<pre>{html.escape(out.get('ename', ''))}: "
                         f"{html.escape(out.get('evalue', ''))}</pre>")
        elif REVEAL_MIMETYPE in data:
            prompt = html.escape(data[REVEAL_MIMETYPE].get("prompt", ""))
            parts.append(f'<p class="course-predict"><b>Predict first:</b> {prompt}</p>')
        elif controls_html(plain):
            parts.append(controls_html(plain) or "")
        elif widgets.CONTROLS_MARK in _joined(data.get("text/html", "")):
            continue  # helps live controls; a slide has none
        elif charts.TEXT_CLASS in _joined(data.get("text/html", "")):
            parts.append(slide_text_alternative(_joined(data["text/html"])))
        elif "text/html" in data and "<table" in _joined(data["text/html"]):
            parts += table_pages(_joined(data["text/html"]))
        elif "text/markdown" in data and not _joined(data["text/markdown"]).strip():
            continue
        elif VEGALITE in data:
            parts += slide_chart_html(data)
        elif data:
            parts.append(bundle_html(data, live=False))
    return parts


def slide_text_alternative(text: str) -> str:
    """A chart's text alternative on the chart's slide: its table, folded under one line
    (the sentence is the chart's alt text already, and the slide has no room for both)."""
    return re.sub(r'<p role="status"[^>]*>.*?</p>', "", text, count=1, flags=re.S)


def output_cell(parts: list[str], slide_type: str) -> nbformat.NotebookNode:
    """A code cell that shows only these HTML pieces, no input."""
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [html_output(p) for p in parts]
    cell.metadata = {"tags": ["remove-input"], "slideshow": {"slide_type": slide_type}}
    return cell


def is_text_alternative(part: str) -> bool:
    """Whether a slide part is a chart's text alternative (it stays on its chart's slide)."""
    return part.startswith(f'<div class="{charts.TEXT_CLASS}"')


def is_big(part: str) -> bool:
    return not is_text_alternative(part) and (
        part.startswith(("<figure", "<table", "<div")) or "<table" in part[:400])


def slide_cells(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """One cell of the notebook as slide cells: questions on the main path (no vertical
    sub-slides), widget and reveal cells without their code, each chart or table page of a
    cell on a slide of its own, a reveal cell's answer on the slide after its question."""
    cell = copy.deepcopy(cell)
    payloads = reveal_payloads(cell)
    kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
    kind = "slide" if kind == "subslide" else kind
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
    if cell.cell_type != "code":
        return [cell]
    widget = any(WIDGET_NOTE in _joined(o.get("data", {}).get("text/plain", ""))
                 for o in cell.get("outputs", []))
    if widget or payloads:
        cell.metadata.setdefault("tags", []).append("remove-input")
    elif is_reveal(cell):  # a plain reveal cell: its code on this slide, its output after
        payloads = [{"answer": [o.get("data") or {"text/plain": o.get("text", "")}
                                for o in cell.get("outputs", [])]}]
        cell.outputs = []
    parts = slide_parts(cell)
    result = [cell]
    big = [i for i, p in enumerate(parts) if (widget and not is_text_alternative(p))
           or is_big(p)]
    first_big_ends = big[1] if len(big) > 1 else len(parts)
    cell.outputs = [html_output(p) for p in parts[:first_big_ends]]
    starts = big[1:]
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(parts)
        result.append(output_cell(parts[start:end], "slide"))
    for payload in payloads:
        answer = nbformat.v4.new_code_cell("")
        answer.outputs = [nbformat.v4.new_output("display_data", data=b)
                          for b in payload.get("answer", [])]
        pages = slide_parts(answer)
        for number, part in enumerate(pages, start=1):
            heading = "The answer" + (f" ({number} of {len(pages)})" if len(pages) > 1 else "")
            result.append(output_cell([f"<h3>{heading}</h3>", part], "slide"))
    return result


def slides_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the decks show it: no solutions, no answer keys, no checks (their
    stored verdicts judge the solution) and no hand-in (see slide_cells)."""
    deck = copy.deepcopy(notebook)
    originals = [c for c in notebook.cells if not is_solution(c) and not is_answer_key(c)
                 and not tagged(c, "check") and not c.get("id", "").startswith(HAND_IN)]
    deck.cells = [new for cell in originals for new in slide_cells(cell)]
    for index, cell in enumerate(deck.cells):
        cell.id = f"slide-cell-{index}"
    return deck


SLIDE_CSS = READABLE_CSS + """
.reveal .slides { text-align: left; }
.reveal .slides > section { padding: 0; height: 720px; }
.reveal .slides > section > section { height: 720px; box-sizing: border-box;
  padding: 16px 28px; font-size: 24px; line-height: 1.35; overflow: visible; }
.reveal .slides section > .course-fit { transform-origin: top left; display: flow-root; }
.reveal h1 { font-size: 44px; } .reveal h2 { font-size: 36px; } .reveal h3 { font-size: 30px; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; color: #222; margin: 0 0 12px; }
.reveal p { margin: 0 0 14px; }
.reveal table { font-size: 20px; border-collapse: collapse; margin: 0; }
.reveal table td, .reveal table th { padding: 4px 10px; border-bottom: 1px solid #ddd;
  vertical-align: top; white-space: normal; overflow-wrap: normal; word-break: normal;
  hyphens: manual; text-align: left; }
.reveal pre, .reveal code { font-size: 20px; line-height: 1.3; }
.reveal small { font-size: 18px; }
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt { display: none; }
.reveal figure.course-chart { margin: 0; }
.reveal figure.course-chart svg { display: block; }
.reveal .slides figure.course-chart img { width: 100%; height: 560px; max-width: 100%;
  max-height: 560px; object-fit: contain; object-position: left top; margin: 0; }
.reveal .course-controls { font-size: 20px; color: #444; }
.reveal .course-continued { color: #555; }
/* Before reveal.js starts, every slide is laid out at once at 1280x720 so that the
   deck's script can measure, split and fit them. */
.reveal.course-layout .slides { width: 1280px !important; height: auto !important; }
.reveal.course-layout .slides > section,
.reveal.course-layout .slides > section > section { display: block !important;
  position: relative !important; visibility: hidden; transform: none !important; }
.reveal.course-layout .slides > section > section { width: 1280px; }
.reveal.course-layout figure.course-chart[data-live] img { display: none; }
"""

#: The deck's script, run before reveal.js starts. It lays every slide out at 1280×720 and
#: moves what does not fit onto a slide of its own after it (between blocks: paragraphs, list
#: items, table rows, a chart), a chart keeping the height it needs to stay legible; draws
#: each chart live at the size its slide leaves it (the Vega-Lite spec is resized until the
#: drawing fills that room, its fonts unchanged); and, as a last resort, shrinks a slide
#: that is still too tall, never so far that its smallest text falls under the floor.
#: Each slide records the scale it needed (data-fit-scale), which the browser test reads.
SLIDE_SCRIPT = """
(function () {
  var WIDTH = @WIDTH@, HEIGHT = @HEIGHT@, FLOOR = @FLOOR@;
  var reveal = document.querySelector('.reveal');

  function fitBox(slide) {
    var box = slide.querySelector(':scope > .course-fit');
    if (!box) {
      box = document.createElement('div');
      box.className = 'course-fit';
      while (slide.firstChild) { box.appendChild(slide.firstChild); }
      slide.appendChild(box);
    }
    return box;
  }

  // Containers a slide may be cut inside of; everything else moves as one block.
  function isContainer(e) {
    if (/^(UL|OL|TABLE|TBODY)$/.test(e.tagName)) { return true; }
    if (e.tagName !== 'DIV' || !e.children.length || e.matches('.course-chart')) {
      return false;
    }
    for (var n = e.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3 && n.textContent.trim()) { return false; }
    }
    return true;
  }

  // Whether an element shows anything (JupyterLab's empty collapser bars do not).
  function shows(e) {
    return e.getClientRects().length > 0 &&
      (e.textContent.trim() !== '' || e.querySelector('img, svg, canvas') !== null ||
       /^(IMG|SVG|FIGURE|HR)$/.test(e.tagName));
  }

  function blocks(root) {
    var found = [];
    (function walk(e) {
      for (var c = e.firstElementChild; c; c = c.nextElementSibling) {
        if (isContainer(c)) { walk(c); } else if (shows(c)) { found.push(c); }
      }
    })(root);
    return found;
  }

  // A heading, a table's header or a line that introduces what follows never ends a slide.
  function leadsIn(e) {
    return /^(H[1-6]|THEAD)$/.test(e.tagName) || e.matches('.course-predict') ||
      (e.tagName === 'P' && /:\\s*$/.test(e.textContent));
  }

  // Moves `first` and everything after it on `slide` to a new slide right after it; the
  // containers around `first` are copied (a table with its header, a list numbered on).
  function splitBefore(slide, box, first) {
    var chain = [];
    for (var e = first.parentNode; e !== box; e = e.parentNode) { chain.unshift(e); }
    var next = slide.cloneNode(false), nextBox = box.cloneNode(false);
    next.removeAttribute('id');
    next.appendChild(nextBox);
    var heading = box.querySelector('h1, h2, h3');
    // A chart has its own title: it needs the room more than a repeated heading.
    if (heading && !first.matches('.course-chart') &&
        heading.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) {
      var again = document.createElement(heading.tagName);
      again.className = 'course-continued';
      again.textContent = heading.textContent.replace(/\\u00b6/g, '').trim() + ' (continued)';
      nextBox.appendChild(again);
    }
    var places = [nextBox];
    chain.forEach(function (e) {
      var copy = e.cloneNode(false);
      copy.removeAttribute('id');
      var head = e.tagName === 'TABLE' && e.querySelector(':scope > thead');
      if (head) { copy.appendChild(head.cloneNode(true)); }
      places[places.length - 1].appendChild(copy);
      places.push(copy);
    });
    var start = first;
    for (var depth = chain.length; depth >= 0; depth--) {
      for (var n = start; n;) {
        var after = n.nextSibling;
        places[depth].appendChild(n);
        n = after;
      }
      if (depth > 0) { start = chain[depth - 1].nextSibling; }
    }
    chain.forEach(function (e, i) {
      if (e.tagName === 'OL') {
        places[i + 1].start = (e.start || 1) + e.querySelectorAll(':scope > li').length;
      }
    });
    // Containers whose whole content moved would leave their padding behind, empty.
    for (var d = chain.length - 1; d >= 0 && !blocks(chain[d]).length; d--) { chain[d].remove(); }
    var outer = document.createElement('section');
    outer.appendChild(next);
    slide.parentNode.parentNode.insertBefore(outer, slide.parentNode.nextSibling);
    return next;
  }

  // Cuts a block of code or program output after its last line above `limit` (a page
  // position), into two blocks; returns the second, or null where no line fits.
  function splitLines(pre, limit) {
    var walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    var range = document.createRange();
    var cut = null;
    while (walker.nextNode()) {
      var text = walker.currentNode, at = -1;
      while ((at = text.data.indexOf('\\n', at + 1)) !== -1) {
        range.setStart(text, at); range.setEnd(text, at + 1);
        var rect = range.getClientRects()[0] || range.getBoundingClientRect();
        if (rect.bottom > limit) { break; }
        cut = [text, at + 1];
      }
    }
    if (!cut || cut[0].data.slice(cut[1]).trim() === '' && !cut[0].nextSibling) { return null; }
    range.setStart(pre, 0); range.setEnd(cut[0], cut[1]);
    var head = pre.cloneNode(false);
    head.appendChild(range.extractContents());
    pre.parentNode.insertBefore(head, pre);
    return pre;
  }

  function split(slide) {
    for (var guard = 0; guard < 40; guard++) {
      var box = fitBox(slide), top = box.getBoundingClientRect().top;
      var list = blocks(box);
      var k = list.findIndex(function (b) {
        return b.getBoundingClientRect().bottom - top > HEIGHT + 0.5;
      });
      if (k === -1) { return; }
      // Long code or output is cut between lines when a fair part of it fits.
      if (list[k].tagName === 'PRE' && top + HEIGHT - list[k].getBoundingClientRect().top > 150) {
        var rest = splitLines(list[k], top + HEIGHT - 12);
        if (rest) { slide = splitBefore(slide, box, rest); continue; }
      }
      while (k > 0 && leadsIn(list[k - 1])) { k--; }
      if (k <= 0) { return; }
      slide = splitBefore(slide, box, list[k]);
    }
  }

  // --- charts: a Vega-Lite spec drawn to fill a given room -------------------------------
  function isStrip(view) {
    var mark = view.mark && (view.mark.type || view.mark);
    return mark === 'text' && !(view.encoding && view.encoding.y);
  }

  // The spec with every panel's width and height (and what is drawn in proportion to
  // them: a projection's scale, a bar's thickness) multiplied by fw and fh.
  function resized(spec, fw, fh) {
    var copy = JSON.parse(JSON.stringify(spec));
    (function walk(node) {
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (!node || typeof node !== 'object') { return; }
      if (node.mark || node.layer || node.spec) {
        if (typeof node.width === 'number') { node.width *= fw; }
        else if (node.width && node.width.step) { node.width.step *= fw; }
        if (typeof node.height === 'number' && !isStrip(node)) { node.height *= fh; }
        else if (node.height && node.height.step) { node.height.step *= fh; }
        if (node.projection && node.projection.scale) {
          node.projection.scale *= Math.min(fw, fh);
        }
        if (node.mark && typeof node.mark.height === 'number') { node.mark.height *= fh; }
      }
      ['vconcat', 'hconcat', 'concat', 'layer', 'spec'].forEach(function (key) {
        if (node[key]) { walk(node[key]); }
      });
    })(copy);
    var view = copy.config.view = copy.config.view || {};
    view.continuousWidth = (view.continuousWidth || 300) * fw;
    view.continuousHeight = (view.continuousHeight || 300) * fh;
    return copy;
  }

  function compiled(spec) { return vega.parse(vegaLite.compile(spec).spec); }

  function measure(spec) {
    var view = new vega.View(compiled(spec), {renderer: 'none'});
    return view.toSVG().then(function (svg) {
      view.finalize();
      var m = /width="([\\d.]+)" height="([\\d.]+)"/.exec(svg);
      return [parseFloat(m[1]), parseFloat(m[2])];
    });
  }

  // Finds the factors that make the drawing width x height: a drawing grows about
  // linearly with its panels (the secant method, from two trial drawings).
  function fitted(spec, width, height) {
    var room = [width, height], a = [1, 1], b = [2, 2], sizeA;
    function step(sizeB, round) {
      var done = Math.abs(sizeB[0] - width) < 2 && sizeB[1] <= height + 1 &&
                 (Math.abs(sizeB[1] - height) < 2 || b[1] >= 4);
      if (done || round > 5) { return resized(spec, b[0], b[1]); }
      var c = [0, 1].map(function (d) {
        var slope = (sizeB[d] - sizeA[d]) / (b[d] - a[d]);
        var f = slope > 0 ? b[d] + (room[d] - sizeB[d]) / slope : b[d];
        return Math.max(0.2, Math.min(d ? 4 : 8, f));
      });
      a = b; sizeA = sizeB; b = c;
      return measure(resized(spec, b[0], b[1])).then(function (s) { return step(s, round + 1); });
    }
    return measure(resized(spec, 1, 1)).then(function (s) {
      sizeA = s;
      return measure(resized(spec, 2, 2));
    }).then(function (s) { return step(s, 0); });
  }

  function draw(fig, width, height) {
    var spec = JSON.parse(fig.querySelector('script.course-chart-spec').textContent);
    var image = fig.querySelector('img');
    var target = document.createElement('div');
    target.className = 'course-chart-live';
    target.setAttribute('role', 'img');
    target.setAttribute('aria-label', image.alt);
    fig.insertBefore(target, image);
    return fitted(spec, width, height).then(function (spec) {
      var view = new vega.View(compiled(spec), {renderer: 'svg', container: target,
                                                hover: true});
      return view.runAsync();
    }).then(function () {
      // As on the site: the description is the chart's text alternative, the drawing's
      // own marks (some unlabelled) are hidden from assistive technology.
      target.querySelectorAll('svg').forEach(function (svg) {
        svg.setAttribute('aria-hidden', 'true');
      });
      image.hidden = true;
    }).catch(function (error) {
      target.remove();
      console.error('chart not drawn live:', error);
    }).then(function () {
      fig.style.height = '';
      fig.removeAttribute('data-live');
    });
  }

  // --- the last resort: shrink, down to the floor ----------------------------------------
  function smallestText(box) {
    var least = Infinity, walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      var e = walker.currentNode.parentElement;
      if (!walker.currentNode.textContent.trim() || !e.getClientRects().length) { continue; }
      least = Math.min(least, parseFloat(getComputedStyle(e).fontSize));
    }
    return least;
  }

  // The size of what a slide shows: as wide as its content, as tall as its blocks reach
  // (an empty wrapper's padding below the last block may use the slide's own padding).
  function extent(box) {
    var top = box.getBoundingClientRect().top, bottom = 0;
    blocks(box).forEach(function (b) {
      bottom = Math.max(bottom, b.getBoundingClientRect().bottom - top);
    });
    return [box.scrollWidth, bottom];
  }

  function shrink(slide) {
    var box = fitBox(slide), scale = 1;
    box.style.transform = ''; box.style.width = WIDTH + 'px';
    var limit = Math.min(1, FLOOR / smallestText(box));
    for (var i = 0; i < 4; i++) {
      var size = extent(box);
      var next = Math.max(limit, Math.min(1, HEIGHT / size[1], WIDTH / size[0]));
      if (Math.abs(next - scale) < 0.005) { break; }
      scale = next; box.style.width = (WIDTH / scale) + 'px';
    }
    box.style.transform = scale < 1 ? 'scale(' + scale + ')' : '';
    slide.dataset.fitScale = scale.toFixed(3);
  }

  function slides() {
    return [].slice.call(document.querySelectorAll('.reveal .slides > section > section'));
  }

  // Whatever fails in laying the deck out, the class still gets its slides.
  function laidOut(step) {
    try { return step(); } catch (error) { console.error('slide layout:', error); return []; }
  }

  reveal.classList.add('course-layout');
  var drawn = laidOut(function () {
    var figures = [].slice.call(document.querySelectorAll('figure.course-chart[data-live]'));
    figures.forEach(function (fig) { fig.style.height = fig.dataset.minHeight + 'px'; });
    slides().forEach(split);
    return figures.map(function (fig) {
      var box = fig.closest('.course-fit'), height = fig.getBoundingClientRect().height;
      var room = HEIGHT - box.getBoundingClientRect().height + height;
      return window.vega && window.vegaLite ? draw(fig, fig.clientWidth, Math.floor(room)) : null;
    });
  });
  Promise.all(drawn).then(function () {
    laidOut(function () { slides().forEach(shrink); });
  }).then(function () {
    reveal.classList.remove('course-layout');
    document.body.dataset.courseSlides = 'ready';
    Reveal.initialize({controls: true, progress: true, history: true, transition: 'none',
                       width: 1280, height: 720, margin: 0, center: false});
  });
})();
""".replace("@WIDTH@", str(SLIDE_WIDTH)).replace("@HEIGHT@", str(SLIDE_HEIGHT)) \
    .replace("@FLOOR@", str(SLIDE_FONT_FLOOR))


@cache
def slides_exporter() -> object:
    """One exporter for every deck (it compiles its templates once)."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config({"TagRemovePreprocessor": {"enabled": True,
                                               "remove_input_tags": ["remove-input"]}})
    return SlidesExporter(reveal_url_prefix="reveal.js", config=config)


def export_slides(notebook: nbformat.NotebookNode, css: str, js: str) -> str:
    """One self-contained reveal.js deck: the notebook's slides, reveal.js inlined."""
    body, _ = slides_exporter().from_notebook_node(slides_notebook(notebook))
    body = offline(body)
    body = re.sub(r'<link rel="stylesheet" href="reveal\.js/[^"]*"[^>]*>', "", body)
    body = re.sub(r"<script>\s*require\(.*?</script>", "", body, flags=re.S)
    body = body.replace("</head>", f"<style>{css}\n{SLIDE_CSS}</style>\n</head>", 1)
    init = "".join(f"<script>{code}\n</script>\n" for code in (js, *vega_scripts(), SLIDE_SCRIPT))
    return body.replace("</body>", init + "</body>", 1)


def build_slides(out: Path) -> list[Path]:
    """A reveal.js deck per notebook."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    css, js = reveal_assets()
    written = []
    for path in course_notebooks():
        target = out / f"{path.stem}.slides.html"
        target.write_text(export_slides(nbformat.read(path, as_version=4), css, js),
                          encoding="utf-8")
        written.append(target)
    return written


GUIDE_INTRO = """# Instructor guide

*Generated from the notebooks by `python3 course.py guide`: do not edit by hand; edit the
notebooks, then regenerate.*

Each notebook is one 60–90 minute session. A session that works well on a projector:

1. **Before class**: run `python3 course.py lab --instructor` (the instructor notebooks),
   open the notebook, and choose *Kernel → Restart Kernel and Run All Cells*, so every widget
   is live. Students follow in their own copy (`python3 course.py lab` gives them the student
   edition in `my-course/`), in the browser edition, or on the static site
   (`python3 course.py site`, no Python needed).
2. **In class**: walk through the sections in order. Every computation is preceded by a
   question ("Before you run this…"): ask it, take guesses, then run the cell. Present with
   RISE (Alt+R in JupyterLab) or the offline deck from `python3 course.py slides`.
3. **The interactive section**: set the controls as the written questions beside the widget
   ask, one question at a time, and let students predict before you move a slider.
4. **Exercises** can be done in class in pairs or set as homework from the student edition.
   Each notebook's part below gives every exercise's solution with its stored result and
   what the check says. In the instructor notebooks (`notebooks/`) the solutions are the
   cells tagged `solution`, whose code and output are collapsed (click the "⋯" to expand;
   the first line only says which exercise it solves). The student edition replaces them
   with empty answer cells, each followed by a check (`feedback.check("01-3")`) that says
   *right* or gives a hint, and, for answers in words, shows the points listed below once
   the student has written.
   Students hand in with the last cell of the exercises; `python3 course.py collect
   <folder>` turns the class's files into one CSV. What it can vouch for: which course
   notebooks a hand-in holds, and what the checks recorded in them say (the last check of
   each of the course's exercises; other keys are ignored). What it cannot: the checks are
   self-reported. A notebook records its own checks' results, nothing in a hand-in is
   signed, and a determined student could edit them; read the answers, or ask the student
   to run a check again in front of you, before a result counts for a grade. A damaged,
   oversized or doubled hand-in is listed with its reason and left out; the rest of the
   class is still written.
5. **Discussion** questions close the session; each notebook's are listed below.

Every question a notebook puts to the class (the lists beside the widgets and after the
sections, each "Before you run it" prediction, the discussion) is quoted below with its
answer key: the answer, the idea behind it and the mistakes students commonly make. The
numbers in the keys are the notebooks' own results.

Every fact a notebook states comes from a table in `data/` (each row with its source and the
date it was checked) or is framed as the seed texts' argument (`seeds/README.md`).
"""


def section(text: str, heading: str) -> str:
    """The body of a notebook's `## heading` cell, without the heading line."""
    return text.split(heading, 1)[1].strip() if heading in text else ""


#: The first line of a class plan: a heading or bold text naming a plan or the timing.
PLAN = re.compile(r"^(?:#+[^\n]*|\*\*[^*\n]*)\b(?:plan|timing|minute-by-minute)\b", re.I)


def answer_keys(notebook: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The notebook's instructor-only cells (tagged ``answer-key``): class plans (a cell
    whose first line, a heading or bold, names a plan or the timing) and answer keys."""
    keys = [c.source.strip() for c in notebook.cells if is_answer_key(c)]
    return [k for k in keys if PLAN.match(k)], [k for k in keys if not PLAN.match(k)]


def exercise_solutions(notebook: nbformat.NotebookNode) -> list[tuple[str, int]]:
    """Each exercise's label with the number of solution cells that follow it."""
    found: list[tuple[str, int]] = []
    for cell in notebook.cells:
        if is_solution(cell):
            if found:
                found[-1] = (found[-1][0], found[-1][1] + 1)
        elif cell.cell_type == "markdown":
            found += [(label, 0) for label in
                      re.findall(r"\*\*(Exercise \d+ \([^)]*\))", cell.source)]
    return found


#: How much of a stored output the guide quotes: enough to check a class's result by,
#: short enough that the guide stays a guide rather than a copy of the notebook.
GUIDE_OUTPUT_LINES = 24
GUIDE_LINE_CHARS = 110
#: The words that open a question put to the class: a list of questions, a prediction
#: ("Before you run it"), a check of understanding, or verdicts to decide first (a
#: question that needs an answer key; tests/test_editions.py holds every one to it).
QUESTION = re.compile(r"\*\*Questions?(?=[ .])|\*\*Before\s+you\s+(?!start)|"
                      r"\*\*Check your understanding|\*\*For each, decide first|"
                      r"\*\*Do this first|^## Discussion", re.M)


def asks_the_class(cell: nbformat.NotebookNode) -> bool:
    """Whether a Markdown cell puts a question to the class (one that needs an answer key)."""
    return (cell.cell_type == "markdown" and not is_answer_key(cell)
            and bool(QUESTION.search(cell.source)))


def question_text(source: str) -> str:
    """The part of a cell that asks the question: a list of questions to the end of the
    cell, otherwise the paragraph that holds the prediction (a whole section's prose is
    too long to quote beside its answer)."""
    source = re.sub(r"^\[[^\]]+\]: \S+$", "", source, flags=re.M).strip()
    found = QUESTION.search(source)
    if found is None:
        return source
    if re.match(r"\*\*Questions?|## Discussion", found.group(0)):
        return source[found.start():].strip()
    start = source.rfind("\n\n", 0, found.start())
    stop = source.find("\n\n", found.start())
    return source[start + 2 if start >= 0 else 0:stop if stop >= 0 else None].strip()


def quoted(text: str) -> str:
    """Markdown as a block quote."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def output_text(cell: nbformat.NotebookNode, kinds: tuple[str, ...] = ("text/plain",)) -> str:
    """A cell's stored outputs as text: printed text, then each result in the first of
    `kinds` it has (the live-widget placeholder and the solution's header line left out)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            text = out.get("text", "")
        else:
            data = out.get("data", {})
            if charts.TEXT_CLASS in _joined(data.get("text/html", "")):
                continue  # a chart's text alternative: its description is there already
            text = next((data[kind] for kind in kinds if kind in data), "")
        text = "".join(text) if isinstance(text, list) else str(text)
        if text.startswith(WIDGET_NOTE):
            continue
        text = re.sub(r"^Solution to Exercise \d+:\n", "", text)
        if text.strip():
            parts.append(text.rstrip())
    return "\n".join(parts)


def cut(text: str, lines: int = GUIDE_OUTPUT_LINES) -> str:
    """Text shortened for the guide: at most `lines` lines of at most GUIDE_LINE_CHARS."""
    rows = [row if len(row) <= GUIDE_LINE_CHARS else row[:GUIDE_LINE_CHARS - 1] + "…"
            for row in text.splitlines()]
    if len(rows) > lines:
        rows = [*rows[:lines], f"… ({len(rows) - lines} more lines in the notebook)"]
    return "\n".join(rows)


def fenced(text: str, language: str = "") -> str:
    """Text in a fenced block whose fence no line of the text can close."""
    fence = "````" if "```" in text else "```"
    return f"{fence}{language}\n{text}\n{fence}"


def solution_code(cell: nbformat.NotebookNode) -> str:
    """A solution's code without the lines that only hide it in the instructor notebook
    (the "expand to see it" header and the line printing which exercise it solves)."""
    return "\n".join(line for line in cell.source.splitlines()
                     if not SOLUTION_HEADER.match(line)
                     and not re.fullmatch(r'print\("Solution to Exercise \d+:"\)', line)
                     ).strip("\n")


def exercise_statement(source: str) -> str:
    """What an exercise asks, from its Markdown cell: the text from its bold label to the
    scaffold code (which the solution completes) or the line about the check."""
    text = source[source.index("**Exercise"):] if "**Exercise" in source else source
    text = re.split(r"\n```|\nThen run the check", text)[0]
    text = re.sub(r"\n[^\n]*(?:[Ff]ill in this cell|[Ii]n this cell)[^\n]*:\s*$", "", text)
    return text.strip()


def exercises_in(notebook: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """Each exercise: its label, statement, solution cells and the checks that follow them."""
    found: list[dict[str, Any]] = []
    for cell in notebook.cells:
        if is_solution(cell) and found:
            found[-1]["solutions"].append(cell)
        elif tagged(cell, "check") and found:
            found[-1]["checks"].append(cell)
        elif cell.cell_type == "markdown":
            for label in re.findall(r"\*\*(Exercise \d+ \([^)]*\))", cell.source):
                found.append({"label": label, "statement": exercise_statement(cell.source),
                              "solutions": [], "checks": []})
    return found


def exercise_part(notebook: nbformat.NotebookNode) -> list[str]:
    """The guide's exercises: for each, what it asks, the solution's code and stored result,
    what the check says of it, and the points a good answer in words makes."""
    parts = ["**Exercises** (solutions in cells tagged `solution`; each solution below with "
             "its stored result, and what the check under it says to a student who gets it "
             "right)", ""]
    for exercise in exercises_in(notebook):
        parts += [f"#### {exercise['label']}", "", exercise["statement"], ""]
        if not exercise["solutions"]:
            parts += ["*No solution cell.*", ""]
        for cell in exercise["solutions"]:
            if cell.cell_type == "markdown":
                parts += ["*Solution (in words):*", "", cell.source.split("\n", 1)[-1].strip(),
                          ""]
                continue
            parts += ["*Solution:*", "", fenced(solution_code(cell), "python"), ""]
            result = output_text(cell)
            if result:
                parts += ["*Its result:*", "", fenced(cut(result)), ""]
        for cell in exercise["checks"]:
            said = output_text(cell, ("text/markdown", "text/plain"))
            said = said.split("**Your answer in words**", 1)[0].strip()
            if said:
                parts += ["*The check says:* " + said.split(":**", 1)[-1].strip(), ""]
        rubrics = [cell.metadata["exercise_rubric"] for cell in exercise["solutions"]
                   if "exercise_rubric" in cell.metadata]
        for rubric in rubrics:
            parts += ["*What a good answer in words says* (the check shows these points to a "
                      "student who has written an answer):", "", rubric.strip(), ""]
    return parts


def heading_of(cell: nbformat.NotebookNode) -> str:
    """A section's title, if the cell opens a section (`## …`)."""
    first = cell.source.splitlines()[0] if cell.source else ""
    return first[3:].strip() if cell.cell_type == "markdown" and first.startswith("## ") else ""


def sections(notebook: nbformat.NotebookNode) -> list[tuple[str, list[int]]]:
    """The notebook's `##` sections, each with the indices of its cells."""
    found: list[tuple[str, list[int]]] = [("", [])]
    for index, cell in enumerate(notebook.cells):
        if heading_of(cell):
            found.append((heading_of(cell), []))
        found[-1][1].append(index)
    return [entry for entry in found if entry[1]]


def key_after(cells: list[nbformat.NotebookNode], index: int) -> list[str]:
    """The answer keys right after the cell at `index` (not class plans)."""
    keys = []
    for cell in cells[index + 1:]:
        if not is_answer_key(cell):
            break
        if not PLAN.match(cell.source.strip()):
            keys.append(cell.source.strip())
    return keys


def widget_part(notebook: nbformat.NotebookNode, indices: list[int], title: str) -> list[str]:
    """One section with widgets: what it shows, its controls and default view, and the
    settings to show in class (its questions, each with its answer key)."""
    cells = notebook.cells
    parts = [f"#### Live: {title}", ""]
    shown: str | None = None
    for index in indices:
        cell = cells[index]
        if cell.cell_type == "code" and "widgets.show(" in cell.source:
            intro = next((cells[i] for i in range(index - 1, indices[0] - 1, -1)
                          if cells[i].cell_type == "markdown" and not is_answer_key(cells[i])),
                         None)
            if intro is not None and intro.get("id") != shown:
                text = re.sub(r"^\[[^\]]+\]: \S+$", "", intro.source, flags=re.M).strip()
                text = text.split("\n", 1)[1].strip() if heading_of(intro) else text
                parts += ["*What it shows* (the notebook's words):", "", quoted(text), ""]
            shown = intro.get("id") if intro is not None else shown
            placeholder = next((line for out in cell.get("outputs", [])
                                for line in output_text_raw(out).splitlines()
                                if line.startswith(WIDGET_NOTE)), "")
            controls = re.match(r"\[Interactive controls: ([^.\]]+)", placeholder)
            if controls:
                parts += [f"*Controls:* {controls.group(1)}.", ""]
            default = output_text(cell, ("text/markdown", "text/plain"))
            if default:
                parts += ["*As stored (the default settings):*", "", fenced(cut(default, 14)), ""]
        elif asks_the_class(cell):
            parts += ["*Settings to show in class, and what they show:*", "",
                      quoted(question_text(cell.source)), ""]
            parts += [line for key in key_after(cells, index) for line in (key, "")]
    return parts


def output_text_raw(out: nbformat.NotebookNode) -> str:
    text = out.get("text", "") or out.get("data", {}).get("text/plain", "")
    return "".join(text) if isinstance(text, list) else str(text)


def instructor_guide() -> str:
    """The instructor guide, from the notebooks: objectives, time, reading, plan, the live
    sections (what each widget shows and which settings to show), every question put to the
    class with its answer key, the exercises with their solutions and results, and the
    discussion questions with theirs."""
    parts = [GUIDE_INTRO]
    for path in course_notebooks():
        notebook = nbformat.read(path, as_version=4)
        cells = notebook.cells
        about = info(notebook)
        first = cells[0].source
        objectives = first.split("**By the end you can**", 1)[1].split("**Time:**")[0].strip()
        reading = re.search(r"\*\*Read first:\*\*(.+)$", first, re.S)
        live = [c.source for c in cells if c.cell_type == "code" and "widgets.show(" in c.source]
        reveals = sum(is_reveal(c) for c in cells)
        plans, _ = answer_keys(notebook)
        parts += [f"## {about['title']}", "",
                  f"`notebooks/{path.name}` · **Time:** {about['time']}", "",
                  f"**Question:** {about['question']}", "", "**Objectives**", "", objectives,
                  ""]
        if reading:
            parts += ["**Reading:** " + " ".join(reading.group(1).split()), ""]
        for plan in plans:
            parts += [plan, ""]
        parts += [f"**Live in class:** {len(live)} interactive section(s) and {reveals} "
                  "\"predict, then see\" cell(s); run all cells first so the controls "
                  "respond.", ""]
        parts += poll_part(path, cells)
        in_widgets: set[int] = set()
        for title, indices in sections(notebook):
            if any(cells[i].cell_type == "code" and "widgets.show(" in cells[i].source
                   for i in indices):
                parts += widget_part(notebook, indices, title)
                in_widgets.update(indices)
        asked = [(i, c) for i, c in enumerate(cells) if asks_the_class(c)
                 and i not in in_widgets and not c.source.startswith("## Discussion")]
        if asked:
            parts += ["**Questions in class, with their answer keys** (instructor only: not "
                      "in the student edition, the site or the slides), in the notebook's "
                      "order:", ""]
            last_title = ""
            for index, cell in asked:
                title = next((heading_of(cells[i]) for i in range(index, -1, -1)
                              if heading_of(cells[i])), "")
                if title != last_title:
                    parts += [f"*{title}*", ""]
                    last_title = title
                parts += [quoted(question_text(cell.source)), ""]
                keys = key_after(cells, index)
                parts += [line for key in keys for line in (key, "")] or [
                    "*No answer key yet.*", ""]
        parts += exercise_part(notebook)
        for index, cell in enumerate(cells):
            if cell.cell_type == "markdown" and cell.source.startswith("## Discussion"):
                parts += ["**Discussion**", "", section(cell.source, "## Discussion"), ""]
                parts += [line for key in key_after(cells, index) for line in (key, "")]
    return single_blank_lines("\n".join(parts)).rstrip() + "\n"


def poll_part(path: Path, cells: list[nbformat.NotebookNode]) -> list[str]:
    """Where a class poll can be started: the notebook's questions that carry ``poll``
    metadata (see council/poll.py), each answered on the students' phones."""
    asked = [c.metadata["poll"] for c in cells if "poll" in c.metadata]
    if not asked:
        return []
    lines = [f"**Class poll:** `python3 course.py poll {path.name[:2]}` lets the class answer "
             "these questions on their phones (a QR code on the projector; vote, discuss in "
             "pairs, vote again, then reveal; see `docs/poll.md`):", ""]
    for meta in asked:
        if meta.get("data") == "forecast_questions":
            lines.append("- the ten forecast questions of `data/forecast_questions.csv`, as a "
                         "league: each student's probabilities scored as you resolve them")
        else:
            lines.append(f"- {meta['question']} ({meta['kind']})")
    return [*lines, ""]


def single_blank_lines(text: str) -> str:
    """Markdown with runs of blank lines made one, except inside fenced blocks (code
    keeps its own blank lines)."""
    kept: list[str] = []
    fence = ""
    for line in text.splitlines():
        marker = re.match(r"`{3,}", line)
        if marker and (not fence or marker.group(0) == fence):
            fence = "" if fence else marker.group(0)
        if not fence and not line.strip() and kept and not kept[-1].strip():
            continue
        kept.append(line)
    return "\n".join(kept)


RUBRICS = ROOT / "utils" / "_rubrics.py"


def rubrics() -> dict[str, str]:
    """Each exercise's rubric for answers in words, from its solution cell's metadata."""
    return {exercise_key(cell): cell.metadata["exercise_rubric"]
            for path in course_notebooks() for cell in nbformat.read(path, as_version=4).cells
            if is_solution(cell) and "exercise_rubric" in cell.metadata}


def rubrics_module() -> str:
    """utils/_rubrics.py: the rubrics, sealed so that no copy of the course shows them as
    text before a student has written an answer (see utils.exercises)."""
    sealed = exercises.seal_rubrics(rubrics())
    lines = "\n".join(f"    {sealed[i:i + 88]!r}" for i in range(0, len(sealed), 88))
    return ('"""The exercises\' rubrics, sealed.\n\nGenerated by `python3 course.py guide` '
            'from the notebooks\' solution cells; do not edit.\n"""\n\n'
            f"SEALED = (\n{lines}\n)\n")


def build_guide(out: Path) -> list[Path]:
    """docs/instructor-guide.md, regenerated from the notebooks, and the sealed rubrics."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "instructor-guide.md"
    target.write_text(instructor_guide(), encoding="utf-8")
    RUBRICS.write_text(rubrics_module(), encoding="utf-8")
    return [target, RUBRICS]


BUILDERS = {"student": (build_student, BUILD / "student"),
            "workspace": (build_workspace, WORKSPACE), "site": (build_site, BUILD / "site"),
            "slides": (build_slides, BUILD / "slides"), "guide": (build_guide, ROOT / "docs")}


def main(args: list[str]) -> int:
    if args == ["student", "--branch"]:
        build_student(BUILD / "student")
        commit = commit_student_edition()
        print(f"the student edition is branch {STUDENT_BRANCH} ({commit[:12]}): publish it "
              f"with `git push origin {STUDENT_BRANCH}`")
        return 0
    if len(args) != 1 or args[0] not in BUILDERS:
        print(__doc__)
        return 2
    builder, out = BUILDERS[args[0]]
    start = time.perf_counter()
    try:
        files = builder(out)
    except KeyboardInterrupt:  # Ctrl+C: the next run starts again where this one stopped
        print("Stopped.", file=sys.stderr)
        return 130
    if builder is build_workspace:  # JupyterLab opens it only if it has its first notebook
        return 0 if (out / WORKSPACE_START).is_file() else 1
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {len(files)} files to {out.relative_to(ROOT)} ({size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
