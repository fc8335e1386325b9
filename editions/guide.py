"""The instructor guide (``docs/instructor-guide.md``), generated from the notebooks, and
the exercises' sealed rubrics (``utils/_rubrics.py``).

For each notebook: its question, time and objectives (the notebook's ``course`` metadata),
its class plans (cells tagged ``answer-key`` and ``plan``), what each widget shows and which
settings to show in class, every question put to the class (cells tagged
``class-question``) with its answer key, the exercises with their solutions, stored results
and what their checks say, and the discussion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

from editions.notebooks import (
    ROOT,
    EditionError,
    course_notebooks,
    info,
    is_answer_key,
    is_reveal,
    is_solution,
    read,
    tagged,
)
from editions.outputs import controls, joined, stand_in
from editions.student import SOLUTION_HEADER, exercise_key
from utils import charts, exercises

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


def is_plan(cell: nbformat.NotebookNode) -> bool:
    """Whether an instructor-only cell is a class plan (tagged ``plan`` too)."""
    return is_answer_key(cell) and tagged(cell, "plan")


def answer_keys(notebook: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """The notebook's instructor-only cells (tagged ``answer-key``): class plans (also
    tagged ``plan``) and answer keys."""
    keys = [c for c in notebook.cells if is_answer_key(c)]
    return ([c.source.strip() for c in keys if is_plan(c)],
            [c.source.strip() for c in keys if not is_plan(c)])


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
#: The words that open a question in a cell tagged ``class-question``: the guide quotes
#: from there (a list of questions, a prediction, a check of understanding, verdicts to
#: decide first, the discussion), or the whole cell where none is found.
QUESTION = re.compile(r"\*\*Questions?(?=[ .])|\*\*Before\s+you\s+(?!start)|"
                      r"\*\*Check your understanding|\*\*For each, decide first|"
                      r"\*\*Do this first|^## Discussion", re.M)


def asks_the_class(cell: nbformat.NotebookNode) -> bool:
    """Whether a Markdown cell puts a question to the class (tagged ``class-question``:
    one that needs an answer key)."""
    return (cell.cell_type == "markdown" and not is_answer_key(cell)
            and tagged(cell, "class-question"))


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
            if stand_in(out):
                continue  # a widget's controls, said in the guide's own words
            if charts.TEXT_CLASS in joined(data.get("text/html", "")):
                continue  # a chart's text alternative: its description is there already
            text = next((data[kind] for kind in kinds if kind in data), "")
        text = "".join(text) if isinstance(text, list) else str(text)
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
        if not is_plan(cell):
            keys.append(cell.source.strip())
    return keys


def shows_controls(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell's stored outputs hold a widget's controls (see editions.outputs)."""
    return any(controls(out) for out in cell.get("outputs", []))


def widget_part(notebook: nbformat.NotebookNode, indices: list[int], title: str) -> list[str]:
    """One section with widgets: what it shows, its controls and default view, and the
    settings to show in class (its questions, each with its answer key)."""
    cells = notebook.cells
    parts = [f"#### Live: {title}", ""]
    shown: str | None = None
    for index in indices:
        cell = cells[index]
        if shows_controls(cell):
            intro = next((cells[i] for i in range(index - 1, indices[0] - 1, -1)
                          if cells[i].cell_type == "markdown" and not is_answer_key(cells[i])),
                         None)
            if intro is not None and intro.get("id") != shown:
                text = re.sub(r"^\[[^\]]+\]: \S+$", "", intro.source, flags=re.M).strip()
                text = text.split("\n", 1)[1].strip() if heading_of(intro) else text
                parts += ["*What it shows* (the notebook's words):", "", quoted(text), ""]
            shown = intro.get("id") if intro is not None else shown
            names = next((about["controls"] for out in cell.get("outputs", [])
                          if (about := controls(out))), [])
            if names:
                parts += [f"*Controls:* {', '.join(names)}.", ""]
            default = output_text(cell, ("text/markdown", "text/plain"))
            if default:
                parts += ["*As stored (the default settings):*", "", fenced(cut(default, 14)), ""]
        elif asks_the_class(cell):
            parts += ["*Settings to show in class, and what they show:*", "",
                      quoted(question_text(cell.source)), ""]
            parts += [line for key in key_after(cells, index) for line in (key, "")]
    return parts


def instructor_guide() -> str:
    """The instructor guide, from the notebooks: objectives, time, reading, plan, the live
    sections (what each widget shows and which settings to show), every question put to the
    class with its answer key, the exercises with their solutions and results, and the
    discussion questions with theirs."""
    parts = [GUIDE_INTRO]
    for path in course_notebooks():
        notebook = read(path)
        cells = notebook.cells
        about = info(notebook, path.name)
        objectives = notebook.metadata["course"].get("objectives")
        if not isinstance(objectives, str) or not objectives.strip():
            raise EditionError(f"{path.name}: metadata.course.objectives missing (what a "
                               "student can do by the end, as Markdown)")
        reading = re.search(r"\*\*Read first:\*\*(.+)$", cells[0].source, re.S)
        live = [c for c in cells if shows_controls(c)]
        reveals = sum(is_reveal(c) for c in cells)
        plans, _ = answer_keys(notebook)
        parts += [f"## {about['title']}", "",
                  f"`notebooks/{path.name}` · **Time:** {about['time']}", "",
                  f"**Question:** {about['question']}", "", "**Objectives**", "",
                  objectives.strip(), ""]
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
            if any(shows_controls(cells[i]) for i in indices):
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
    guide, sealed = instructor_guide(), rubrics_module()  # first: a refused build writes nothing
    out.mkdir(parents=True, exist_ok=True)
    target = out / "instructor-guide.md"
    target.write_text(guide, encoding="utf-8")
    RUBRICS.write_text(sealed, encoding="utf-8")
    return [target, RUBRICS]


