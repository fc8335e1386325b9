"""Notebook outputs as HTML, for the site and the slides: charts (their stored image with
the chart's description as alt text, and the Vega-Lite spec a page draws live), and any
other MIME bundle by its richest part."""

from __future__ import annotations

import base64
import html
import json
from typing import Any

import nbformat
from nbconvert.filters import markdown2html

from utils.charts import VEGALITE_MIMETYPE as VEGALITE
from utils.widgets import STAND_IN_MIMETYPE


def joined(value: Any) -> str:
    """An output's text, stored whole or as a list of lines, as one string."""
    return "".join(value) if isinstance(value, list) else str(value)


def stand_in(out: nbformat.NotebookNode) -> dict[str, Any]:
    """What an edition without live controls shows for a widget's output (see
    :data:`utils.widgets.STAND_IN_MIMETYPE`); empty for any other output."""
    value = out.get("data", {}).get(STAND_IN_MIMETYPE)
    return value if isinstance(value, dict) else {}


def controls(out: nbformat.NotebookNode) -> dict[str, Any]:
    """A widget's controls as its output describes them (``controls``: their names,
    ``note``: what the notebook says of them), or empty if the output is not one."""
    found = stand_in(out)
    return found if found.get("kind") == "controls" else {}


def live_only(out: nbformat.NotebookNode) -> bool:
    """Whether an output serves live controls only (an edition without them leaves it out)."""
    return stand_in(out).get("kind") == "live-only"


def chart_description(data: dict[str, Any]) -> str:
    """A chart's description, from its text/plain part (title, subtitle, description)."""
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def chart_html(data: dict[str, Any], *, live: bool) -> str:
    """A chart as HTML: its stored image with the description as alt text, and (when
    `live`) its spec, which the site's script draws with the vendored Vega. The site's
    fallback is the PNG (drawn with the course font); the slides prefer the SVG, which
    stays sharp when enlarged for a projector."""
    alt = html.escape(chart_description(data), quote=True)
    if "image/png" in data and (live or "image/svg+xml" not in data):
        src = "data:image/png;base64," + joined(data["image/png"]).replace("\n", "")
    else:
        svg = joined(data.get("image/svg+xml", ""))
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    image = f'<img class="course-chart-image" src="{src}" alt="{alt}">'
    if not live or VEGALITE not in data:
        return f'<figure class="course-chart">{image}</figure>'
    spec = json.dumps(data[VEGALITE], separators=(",", ":")).replace("<", "\\u003c")
    return (f'<figure class="course-chart" data-live="1"><script type="application/json" '
            f'class="course-chart-spec">{spec}</script>{image}</figure>')


def bundle_html(data: dict[str, Any], *, live: bool) -> str:
    """One output's MIME bundle as HTML, the richest part first."""
    if VEGALITE in data or "image/png" in data or "image/svg+xml" in data:
        return chart_html(data, live=live)
    if "text/html" in data:
        return joined(data["text/html"])
    if "text/markdown" in data:
        return markdown2html(joined(data["text/markdown"]))
    return f"<pre>{html.escape(joined(data.get('text/plain', '')))}</pre>"


def html_output(content: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": content})


def charts_as_html(cell: nbformat.NotebookNode, *, live: bool) -> None:
    """Every chart or image output of a cell as HTML (image with alt text, live spec)."""
    for index, out in enumerate(cell.get("outputs", [])):
        data = out.get("data", {})
        if VEGALITE in data or "image/png" in data or "image/svg+xml" in data:
            cell.outputs[index] = html_output(chart_html(data, live=live))


# --- site ----------------------------------------------------------------------------------
