"""Slide decks (``build/slides``): one self-contained reveal.js file per notebook, for a
1280×720 projector, legible from the back row.

A deck is the notebook exported by nbconvert's slides exporter with the template
``templates/course-slides`` (the ``reveal`` template with reveal.js, Vega and Vega-Lite
inlined instead of loaded from a CDN), after :class:`SlidesPreprocessor`: one path through
the slides, widget sections as their results without code, each chart and each page of a
long table on its own slide, a "predict, then see" answer on the slide after its question,
no solutions, answer keys, checks or hand-in. Each chart's spec is made legible here
(:func:`legible_chart`); the deck's script (``static/slides.js``) lays the slides out at
1280×720 in the browser, draws each chart live at the size its slide leaves it, and shrinks
a slide that is still too tall, never below :data:`SLIDE_FONT_FLOOR`.
"""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from nbconvert import SlidesExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from editions.notebooks import (
    HAND_IN,
    ROOT,
    course_notebooks,
    is_answer_key,
    is_reveal,
    is_solution,
    read,
    reveal_payloads,
    tagged,
    title,
)
from editions.outputs import (
    bundle_html,
    chart_description,
    chart_html,
    controls,
    html_output,
    joined,
    live_only,
)
from editions.site import TEMPLATES, VEGA, VEGA_FILES, static
from utils import charts
from utils.charts import VEGALITE_MIMETYPE as VEGALITE
from utils.reveal import MIMETYPE as REVEAL_MIMETYPE

REVEAL = ROOT / "vendor" / "reveal.js"
#: Rows of a long table shown on one slide, and the text they may hold at most.
SLIDE_ROWS, SLIDE_TABLE_CHARS = 8, 900
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
        title["text"] = f"{joined(title.get('text', ''))} ({number} of {len(main)})"
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
    svg = joined(data.get("image/svg+xml", ""))
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


#: Table styles that let a cell break anywhere in a word (see :func:`table_pages`).
WORD_BREAKING = {"overflow-wrap", "word-break"}


def with_breaks(node: Tag, text: NavigableString, after: str) -> None:
    """Let a text wrap after each `after` in it (a ``<wbr>`` there)."""
    pieces = text.split(after)
    if len(pieces) < 2:
        return
    new: list[PageElement] = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        new.append(NavigableString(piece if last else piece + after))
        if not last and pieces[index + 1]:
            new.append(node.new_tag("wbr"))
    text.replace_with(*new)


def table_pages(table: str) -> list[str]:
    """An HTML table cut into slide-sized tables, each with the header row(s). Its cells
    wrap between words only (the notebooks' tables may break anywhere in a word, which on
    a slide scatters a word's letters over lines); a web address may wrap after a "/" of
    its path, and a column name after a "_" (between the words it joins)."""
    soup = BeautifulSoup(table, "html.parser")
    for styled in soup.find_all(style=True):
        kept = [d for d in styled["style"].split(";") if d.strip()
                and d.split(":")[0].strip() not in WORD_BREAKING]
        if kept:
            styled["style"] = ";".join(kept)
        else:
            del styled["style"]
    for text in list(soup.find_all(string=lambda t: "://" in t)):
        scheme, rest = text.split("://", 1)
        head = NavigableString(scheme + "://" + rest.split("/", 1)[0] + "/")
        if "/" in rest:
            tail = NavigableString(rest.split("/", 1)[1])
            text.replace_with(head, soup.new_tag("wbr"), tail)
            with_breaks(soup, tail, "/")
    for head in soup.find_all("thead"):
        for text in list(head.find_all(string=True)):
            with_breaks(soup, text, "_")
    body = soup.find("tbody")
    if body is None:
        return [soup.decode(formatter="html5")]
    rows = body.find_all("tr", recursive=False)
    pages: list[list[Tag]] = [[]]
    for row in rows:
        text = sum(len(r.get_text()) for r in pages[-1])
        if pages[-1] and (len(pages[-1]) >= SLIDE_ROWS or text > SLIDE_TABLE_CHARS):
            pages.append([])
        pages[-1].append(row)
    cut = []
    for page in pages:
        body.clear()
        for row in page:
            body.append(copy.copy(row))
        cut.append(soup.decode(formatter="html5"))
    return cut


def controls_html(about: dict[str, Any]) -> str:
    """A widget's controls (see :func:`editions.outputs.controls`), as a line for a slide."""
    names = ", ".join(str(name) for name in about.get("controls", []))
    return (f'<p class="course-controls"><b>Controls</b> ({html.escape(names)}), '
            f"shown at their default values: {html.escape(str(about.get('note', '')))}</p>")


def slide_parts(cell: nbformat.NotebookNode) -> list[str]:
    """A code cell's outputs as slide-ready HTML pieces (long tables cut in pages)."""
    parts: list[str] = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if out.output_type == "stream":
            parts.append(f"<pre>{html.escape(joined(out.get('text', '')))}</pre>")
        elif out.output_type == "error":
            parts.append(f"<pre>{html.escape(out.get('ename', ''))}: "
                         f"{html.escape(out.get('evalue', ''))}</pre>")
        elif REVEAL_MIMETYPE in data:
            prompt = html.escape(data[REVEAL_MIMETYPE].get("prompt", ""))
            parts.append(f'<p class="course-predict"><b>Predict first:</b> {prompt}</p>')
        elif controls(out):
            parts.append(controls_html(controls(out)))
        elif live_only(out):
            continue  # helps live controls; a slide has none
        elif charts.TEXT_CLASS in joined(data.get("text/html", "")):
            parts.append(slide_text_alternative(joined(data["text/html"])))
        elif "text/html" in data and "<table" in joined(data["text/html"]):
            parts += table_pages(joined(data["text/html"]))
        elif "text/markdown" in data and not joined(data["text/markdown"]).strip():
            continue
        elif VEGALITE in data:
            parts += slide_chart_html(data)
        elif data:
            parts.append(bundle_html(data, live=False))
    return parts


def slide_text_alternative(text: str) -> str:
    """A chart's text alternative on the chart's slide: its table, folded under one line
    (the sentence is the chart's alt text already, and the slide has no room for both)."""
    soup = BeautifulSoup(text, "html.parser")
    sentence = soup.find("p", role="status")
    if sentence is not None:
        sentence.decompose()
    return soup.decode(formatter="html5")


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
    widget = any(controls(o) for o in cell.get("outputs", []))
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


class SlidesPreprocessor(Preprocessor):
    """nbconvert's step that makes a notebook its deck's cells (:func:`slides_notebook`);
    a cell tagged ``remove-input`` then shows its outputs only. The template's conf.json
    runs it before the reveal exporter's own step, which reads the slide types it sets."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]
                   ) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
        remove_input = TagRemovePreprocessor(remove_input_tags={"remove-input"})
        return remove_input.preprocess(slides_notebook(nb), resources)


@cache
def slides_exporter() -> SlidesExporter:
    """One exporter for every deck (it compiles its templates once), with the template
    ``templates/course-slides`` (whose conf.json adds :class:`SlidesPreprocessor`)."""
    return SlidesExporter(template_name="course-slides",
                          extra_template_basedirs=[str(TEMPLATES)])


def export_slides(notebook: nbformat.NotebookNode, css: str, js: str) -> str:
    """One self-contained reveal.js deck: the notebook's slides, reveal.js (`css`, `js`),
    Vega and the deck's own script inlined."""
    course = {"css": css + "\n" + static("readable.css", "focus.css", "slides.css"),
              "scripts": [js, *vega_scripts(), static("slides.js")], "width": SLIDE_WIDTH,
              "height": SLIDE_HEIGHT, "floor": SLIDE_FONT_FLOOR}
    deck, _ = slides_exporter().from_notebook_node(
        notebook, resources={"course": course, "metadata": {"name": title(notebook)}})
    return deck


def build_slides(out: Path) -> list[Path]:
    """A reveal.js deck per notebook."""
    notebooks = [(path, read(path)) for path in course_notebooks()]  # first: a refused
    shutil.rmtree(out, ignore_errors=True)                             # build keeps the last
    out.mkdir(parents=True)
    css, js = reveal_assets()
    written = []
    for path, notebook in notebooks:
        target = out / f"{path.stem}.slides.html"
        target.write_text(export_slides(notebook, css, js), encoding="utf-8")
        written.append(target)
    return written

