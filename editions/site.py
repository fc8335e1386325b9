"""The static HTML site (``build/site``): a page per notebook, a course map, the readings.

A page is the notebook exported by nbconvert's HTML exporter with the template
``templates/course-site`` (the ``lab`` template without its CDN scripts, with the course's
styles, navigation and scripts from ``static/``), after :class:`SitePreprocessor`: no
solutions and no answer keys (they live in the instructor notebooks and the guide), every
"predict, then see" answer behind a prediction box, every chart drawn live by the Vega
vendored in ``vendor/vega`` (copied beside the pages), its stored image as fallback and its
description as alt text, and widgets as their default results.
"""

from __future__ import annotations

import copy
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import mistune
import nbformat
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

from editions.notebooks import (
    BUILD,
    HAND_IN,
    ROOT,
    asks_to_predict,
    course_notebooks,
    info,
    is_answer_key,
    is_reveal,
    is_solution,
    link_readings,
    read,
    readings,
    reveal_payloads,
    tagged,
    title,
    write_files,
)
from editions.outputs import bundle_html, charts_as_html, html_output, live_only

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
VEGA = ROOT / "vendor" / "vega"
VEGA_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
LITE = BUILD / "lite"
#: A link in a notebook's text to another notebook: on the site, to that notebook's page.
NOTEBOOK_LINK = re.compile(r"\]\((\d\d-[\w-]+)\.ipynb\)")


def static(*names: str) -> str:
    """The course's style sheets or scripts of ``static/``, one after the other."""
    return "".join((STATIC / name).read_text(encoding="utf-8") for name in names)


def prediction_box(payload: dict[str, Any], number: int) -> str:
    """The site's "predict, then see" box: the answer stays hidden until something is
    written (or a choice picked) and the button pressed."""
    answer = "\n".join(bundle_html(b, live=True) for b in payload.get("answer", []))
    return render("prediction.html.j2", ident=f"course-prediction-{number}",
                  prompt=payload.get("prompt", ""), choices=payload.get("choices") or [],
                  answer=Markup(answer))


def lite_path(name: str) -> str:
    """Where a notebook is in the JupyterLite build ("" if there is no build)."""
    if not (LITE / "lab" / "index.html").exists():
        return ""
    return f"notebooks/{name}" if (LITE / "files" / "notebooks" / name).exists() else name


def lite_link(name: str) -> str:
    """The "run it in your browser" link to the JupyterLite build, if there is one (how to
    run it on this computer otherwise)."""
    return render("run.html.j2", lite=lite_path(name))


def site_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the site shows it: no answer keys, reveal answers behind prediction
    boxes, charts as live figures with their image and description."""
    site = copy.deepcopy(notebook)
    site.cells = [c for c in site.cells if not is_answer_key(c) and not is_solution(c)
                  and not c.get("id", "").startswith(HAND_IN)]
    number = 0
    for index, cell in enumerate(site.cells):
        if cell.cell_type == "markdown":
            cell.source = NOTEBOOK_LINK.sub(r"](\1.html)",
                                            link_readings(cell.source, "", ".html"))
        elif asks_to_predict(site.cells[index - 1:index]) and not is_reveal(cell) \
                and cell.outputs and not tagged(cell, "check"):
            # The answer to a "Before you run it" waits for a prediction, as in a notebook.
            cell.metadata.setdefault("tags", []).append("reveal")
        if tagged(cell, "check"):
            cell.outputs = [html_output(render("check.html.j2"))]
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
            cell.outputs = [o for o in cell.outputs if not live_only(o)]
        charts_as_html(cell, live=True)
    return site


class SitePreprocessor(Preprocessor):
    """nbconvert's step that makes a notebook what its site page shows (:func:`site_notebook`)."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]
                   ) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
        return site_notebook(nb), resources


@cache
def html_exporter() -> HTMLExporter:
    """One exporter for every page (it compiles its templates once: a third of the build),
    with the template ``templates/course-site`` (whose conf.json adds
    :class:`SitePreprocessor`)."""
    return HTMLExporter(template_name="course-site", extra_template_basedirs=[str(TEMPLATES)])


def page_header(pages: list[tuple[str, str]], index: int, notebook_name: str) -> str:
    """A page's navigation bar (course map, previous and next notebook, where to run it)
    and the note on what the static site can do."""
    def page(at: int) -> dict[str, str] | None:
        return {"page": pages[at][0], "title": pages[at][1]} if 0 <= at < len(pages) else None

    return render("header.html.j2", previous=page(index - 1), next=page(index + 1),
                  lite=lite_path(notebook_name))


@cache
def pages() -> jinja2.Environment:
    """The site's own pages and parts of pages (the course map, a reading, a page's header,
    a prediction box, …), from ``templates/pages``."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES / "pages"),
                              autoescape=True, keep_trailing_newline=True)


def render(template: str, **values: Any) -> Markup:
    """One of ``templates/pages``, filled in (text escaped, Markup kept)."""
    return Markup(pages().get_template(template).render(**values))


def reading_page(text: str) -> str:
    """A reading (Markdown) as a page of the site."""
    title = next((line.lstrip("# ").strip() for line in text.splitlines()
                  if line.startswith("#")), "Reading")
    return render("reading.html.j2", title=title, body=Markup(mistune.html(text)),
                  css=Markup(static("reading.css", "focus.css")))


def site_page(notebook: nbformat.NotebookNode, header: str) -> str:
    """A site page: the notebook exported with the site's template, under `header`."""
    course = {"css": static("readable.css", "focus.css", "site.css"), "header": header,
              "script": static("site.js"), "vega_files": VEGA_FILES}
    page, _ = html_exporter().from_notebook_node(
        notebook, resources={"course": course, "metadata": {"name": title(notebook)}})
    return page


def build_site(out: Path) -> list[Path]:
    """The static HTML site: one page per notebook, a course map, the vendored Vega."""
    notebooks = [(p, read(p)) for p in course_notebooks()]
    about = [info(nb, p.name) for p, nb in notebooks]  # first: a refused build keeps the last
    shutil.rmtree(out, ignore_errors=True)
    (out / "vendor").mkdir(parents=True)
    for name in (*VEGA_FILES, "LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed"):
        shutil.copy(VEGA / name, out / "vendor" / name)
    names = [(f"{p.stem}.html", a["title"]) for (p, _), a in zip(notebooks, about, strict=True)]
    written = write_files(out, {path: content for path, content in readings().items()
                                if not path.endswith(".md")})
    for path, content in readings().items():
        if path.endswith(".md"):
            target = out / (path[:-3] + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(reading_page(content.decode("utf-8")), encoding="utf-8")
            written.append(target)
    for index, (path, notebook) in enumerate(notebooks):
        target = out / names[index][0]
        target.write_text(site_page(notebook, page_header(names, index, path.name)),
                          encoding="utf-8")
        written.append(target)
    rows = [{**a, "page": page, "run": lite_link(path.name)}
            for a, (page, _), (path, _) in zip(about, names, notebooks, strict=True)]
    seeds = [p.stem for p in sorted((ROOT / "seeds").glob("*.md"))]
    course_map = render("map.html.j2", notebooks=rows, seeds=seeds,
                        focus_css=Markup(static("focus.css")))
    (out / "index.html").write_text(course_map, encoding="utf-8")
    return [out / "index.html", *written]
