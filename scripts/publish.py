"""Build the course the ways students and instructors meet it, all offline.

    python3 course.py student   the student edition:  build/student/notebooks/*.ipynb
    python3 course.py site      the static HTML site: build/site/index.html
    python3 course.py slides    reveal.js slide decks: build/slides/*.slides.html
    python3 course.py guide     the instructor guide:  docs/instructor-guide.md

* **Student edition**: every cell tagged ``solution`` becomes an empty "Your answer here"
  cell, and the outputs of code cells in the Exercises section are cleared; everything
  else, outputs included, stays as in the instructor's notebooks in ``notebooks/``.
* **Site**: one HTML page per notebook (JupyterLab's look, charts as their stored images,
  widgets as their default output with a note on running them live) and a course map,
  ``index.html``. Nothing on a page loads from the network: the CDN scripts nbconvert adds
  (require.js, MathJax, Mermaid) are left out, as the course uses none of them.
* **Slides**: one self-contained reveal.js deck per notebook, reveal.js inlined from
  ``vendor/reveal.js``; solutions are not shown. In JupyterLab, RISE presents the same
  notebooks live (View > Render as slideshow, or Alt+R).
"""

from __future__ import annotations

import copy
import html
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
REVEAL = ROOT / "vendor" / "reveal.js"
ANSWER_CODE = "# Your answer here\n"
ANSWER_TEXT = "*Your answer here.*"
EXTERNAL_SCRIPT = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>"
    r"|<script[^>]*>(?:(?!</script>).)*?https?://(?:cdnjs\.cloudflare\.com|unpkg\.com|"
    r"cdn\.jsdelivr\.net)(?:(?!</script>).)*</script>", re.S)


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


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return "solution" in cell.metadata.get("tags", [])


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with solutions replaced by answer cells and exercise outputs cleared."""
    student = copy.deepcopy(notebook)
    in_exercises = False
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            in_exercises = cell.source.startswith("## Exercises")
        if is_solution(cell):
            if cell.cell_type == "code":
                answer = nbformat.v4.new_code_cell(ANSWER_CODE)
            else:
                answer = nbformat.v4.new_markdown_cell(ANSWER_TEXT)
            answer.metadata = {"tags": ["answer"],
                               "slideshow": cell.metadata.get("slideshow", {})}
            answer.id = cell.get("id", f"answer-{index}")
            student.cells[index] = answer
        elif in_exercises and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student


def without_solutions(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with its solution cells removed (for slides)."""
    copied = copy.deepcopy(notebook)
    copied.cells = [c for c in copied.cells if not is_solution(c)]
    return copied


def offline(page: str) -> str:
    """An exported page without the CDN scripts nbconvert adds."""
    return EXTERNAL_SCRIPT.sub("", page)


def export_html(notebook: nbformat.NotebookNode) -> str:
    """One notebook as a standalone HTML page, JupyterLab's look, no network; links to
    other notebooks point to their pages."""
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(notebook)
    return re.sub(r'href="(\d\d-[\w-]+)\.ipynb"', r'href="\1.html"', offline(body))


def nav(pages: list[tuple[str, str]], index: int) -> str:
    """A navigation bar: course map, previous and next notebook."""
    links = ['<a href="index.html">Course map</a>']
    if index > 0:
        links.append(f'<a href="{pages[index - 1][0]}">← {html.escape(pages[index - 1][1])}</a>')
    if index < len(pages) - 1:
        links.append(f'<a href="{pages[index + 1][0]}">{html.escape(pages[index + 1][1])} →</a>')
    return ('<nav class="course-nav" style="font-family: sans-serif; padding: 8px 16px; '
            'background: #f0f4f8; border-bottom: 1px solid #ccd;">'
            + " &nbsp;|&nbsp; ".join(links) + "</nav>")


LIVE_NOTE = ('<p class="course-live-note" style="font-family: sans-serif; margin: 8px 16px; '
             'color: #444;">This is the static site: charts and widget sections show their '
             'default results. To move the sliders, run the notebook in JupyterLab '
             '(<code>python3 course.py lab</code>, see the README).</p>')


def build_site(out: Path) -> list[Path]:
    """The static HTML site: one page per notebook and a course map."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in course_notebooks()]
    pages = [(f"{p.stem}.html", info(nb)["title"]) for p, nb in notebooks]
    written = []
    for index, (_, notebook) in enumerate(notebooks):
        header = nav(pages, index) + LIVE_NOTE
        page = re.sub(r"(<body[^>]*>)", lambda m, header=header: m.group(1) + header,
                      export_html(notebook), count=1)
        target = out / pages[index][0]
        target.write_text(page, encoding="utf-8")
        written.append(target)
    rows = "\n".join(
        f'<tr><td><a href="{name}">{html.escape(info(nb)["title"])}</a></td>'
        f'<td>{html.escape(info(nb)["question"])}</td><td>{html.escape(info(nb)["time"])}</td>'
        "</tr>" for (name, _), (_, nb) in zip(pages, notebooks, strict=True))
    index_page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Alliance Decisions: course map</title>
<style>body {{ font-family: sans-serif; max-width: 960px; margin: 2em auto; line-height: 1.5; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd;
padding: 6px 10px; vertical-align: top; text-align: left; }}</style></head>
<body><h1>Alliance Decisions: how alliances decide</h1>
<p>A Jupyter course on NATO's consensus rule, its move "out of area", and the CSTO question.
These pages are the notebooks as stored, with every chart; the widgets show their default
results. To run the notebooks and use the widgets, see the README
(<code>python3 course.py lab</code>).</p>
<h2>Course map</h2>
<table><tr><th>Notebook</th><th>Question</th><th>Time</th></tr>
{rows}
</table></body></html>
"""
    (out / "index.html").write_text(index_page, encoding="utf-8")
    return [out / "index.html", *written]


def build_student(out: Path) -> list[Path]:
    """The student edition of every notebook."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "notebooks").mkdir(parents=True)
    written = []
    for path in course_notebooks():
        target = out / "notebooks" / path.name
        nbformat.write(student_edition(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def reveal_assets() -> tuple[str, str]:
    """reveal.js's CSS and JavaScript, to inline (source-map comment removed)."""
    css = "\n".join((REVEAL / name).read_text(encoding="utf-8")
                    for name in ("reset.css", "reveal.css", "white.css"))
    js = re.sub(r"//# sourceMappingURL=\S+", "", (REVEAL / "reveal.js").read_text("utf-8"))
    return css, js


SLIDE_CSS = """
.reveal .slides { text-align: left; }
.reveal .slides section { height: 100%; overflow-y: auto; font-size: 0.5em; }
.reveal img, .reveal svg { max-height: 60vh; }
.reveal h1, .reveal h2, .reveal h3 { text-transform: none; color: #222; }
"""


def export_slides(notebook: nbformat.NotebookNode, css: str, js: str) -> str:
    """One self-contained reveal.js deck: the notebook's slides, reveal.js inlined."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(reveal_url_prefix="reveal.js")
    body, _ = exporter.from_notebook_node(without_solutions(notebook))
    body = offline(body)
    body = re.sub(r'<link rel="stylesheet" href="reveal\.js/[^"]*"[^>]*>', "", body)
    body = re.sub(r"<script>\s*require\(.*?</script>", "", body, flags=re.S)
    body = body.replace("</head>", f"<style>{css}\n{SLIDE_CSS}</style>\n</head>", 1)
    init = ("<script>" + js + "\n</script>\n<script>Reveal.initialize({controls: true, "
            "progress: true, history: true, transition: 'none', width: 1280, height: 800});"
            "</script>\n")
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

1. **Before class**: run `python3 course.py lab`, open the notebook, and choose
   *Kernel → Restart Kernel and Run All Cells*, so every widget is live. Students can follow
   on their own machines, on the static site (`python3 course.py site`, no Python needed), or
   in the student edition (`python3 course.py student`).
2. **In class**: walk through the sections in order. Every computation is preceded by a
   question ("Before you run this…"): ask it, take guesses, then run the cell. Present with
   RISE (Alt+R in JupyterLab) or the offline deck from `python3 course.py slides`.
3. **The interactive section**: set the controls as the written questions beside the widget
   ask, one question at a time, and let students predict before you move a slider.
4. **Exercises** can be done in class in pairs or set as homework from the student edition.
   Solutions are in the instructor notebooks (`notebooks/`), in cells tagged `solution` whose
   code is collapsed: click the "⋯" to expand. The student edition replaces them with empty
   "Your answer here" cells.
5. **Discussion** questions close the session; each notebook's are listed below.

Every fact a notebook states comes from a table in `data/` (each row with its source and the
date it was checked) or is framed as the seed texts' argument (`seeds/README.md`).
"""


def section(text: str, heading: str) -> str:
    """The body of a notebook's `## heading` cell, without the heading line."""
    return text.split(heading, 1)[1].strip() if heading in text else ""


def instructor_guide() -> str:
    """The instructor guide, from the notebooks: objectives, time, reading, live sections,
    exercises with solutions, and discussion questions."""
    parts = [GUIDE_INTRO]
    for path in course_notebooks():
        notebook = nbformat.read(path, as_version=4)
        about = info(notebook)
        first = notebook.cells[0].source
        objectives = first.split("**By the end you can**", 1)[1].split("**Time:**")[0].strip()
        reading = re.search(r"\*\*Read first:\*\*(.+)$", first, re.S)
        live = [c.source for c in notebook.cells if c.cell_type == "code"
                and "widgets.show(" in c.source]
        markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        exercises = re.findall(r"\*\*(Exercise \d+ \([^)]*\))", markdown)
        solutions = sum(is_solution(c) for c in notebook.cells)
        discussion = next((section(c.source, "## Discussion") for c in notebook.cells
                           if c.cell_type == "markdown" and c.source.startswith("## Discussion")),
                          "")
        parts += [f"## {about['title']}", "",
                  f"`notebooks/{path.name}` · **Time:** {about['time']}", "",
                  f"**Question:** {about['question']}", "", "**Objectives**", "", objectives,
                  ""]
        if reading:
            parts += ["**Reading:** " + " ".join(reading.group(1).split()), ""]
        parts += [f"**Live in class:** {len(live)} interactive section(s); run all cells "
                  "first so the controls respond.", "",
                  f"**Exercises** ({solutions} solution cells, tagged `solution`):", ""]
        parts += [f"- {exercise}" for exercise in exercises]
        parts += ["", "**Discussion**", "", discussion, ""]
    return "\n".join(parts).rstrip() + "\n"


def build_guide(out: Path) -> list[Path]:
    """docs/instructor-guide.md, regenerated from the notebooks."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "instructor-guide.md"
    target.write_text(instructor_guide(), encoding="utf-8")
    return [target]


BUILDERS = {"student": (build_student, BUILD / "student"), "site": (build_site, BUILD / "site"),
            "slides": (build_slides, BUILD / "slides"), "guide": (build_guide, ROOT / "docs")}


def main(args: list[str]) -> int:
    if len(args) != 1 or args[0] not in BUILDERS:
        print(__doc__)
        return 2
    builder, out = BUILDERS[args[0]]
    start = time.perf_counter()
    files = builder(out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {len(files)} files to {out.relative_to(ROOT)} ({size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
