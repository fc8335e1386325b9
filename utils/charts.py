"""The course's chart theme and the one way every chart is rendered.

Why a custom renderer (see also the README's "For contributors"):

* Altair's default HTML renderer loads Vega from a CDN (blank charts on a campus network
  that blocks it) and gives every chart a random element id (nbval cannot compare it).
* Altair 6's ``mimetype`` renderer emits a Vega-Lite v6 bundle that JupyterLab 4 does
  not display.

So every chart is shown as one MIME bundle with four parts:

* ``application/vnd.vegalite.v5+json``: the chart's spec, drawn live and offline by the
  Vega-Lite that JupyterLab itself ships (also in untrusted notebooks);
* ``image/svg+xml`` and ``image/png``: the same chart drawn offline by vl-convert, for
  the static HTML export, GitHub and other plain viewers (the SVG only when it is small);
* ``text/plain``: the chart's title and description, for screen readers and for text.

Everything in the bundle is a pure function of the chart, so it is byte-identical from
run to run and nbval can compare it. The text is drawn with the Liberation Sans font
shipped in ``utils/fonts`` so the images do not depend on the fonts of the machine.

Importing ``utils`` calls :func:`enable`, so notebooks need no setup line.
"""

from __future__ import annotations

import base64
import copy
import io
import re
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

try:  # absent in the browser (JupyterLite): charts there are drawn from their spec alone
    import vl_convert as vlc
    from PIL import Image
except ImportError:  # pragma: no cover - exercised by the browser kernel
    vlc = Image = None

VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
FONT_DIR = Path(__file__).parent / "fonts"
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

#: Charts whose SVG is larger than this (a detailed world map) keep only their PNG image,
#: so that a notebook stays well under its 1.5 MB budget.
SVG_MAX_CHARS = 120_000
#: Okabe & Ito's palette, distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
           "#F0E442", "#000000"]
#: Every colour a course chart may use: the palette, and greys for rules, grids and "none".
ACCESSIBLE_COLOURS = {*PALETTE, "#555555", "#999999", "#e6e6e6", "#eeeeee", "black", "white"}
#: The two alliances keep their colours in every chart of the course.
NATO_COLOR = "#0072B2"
CSTO_COLOR = "#D55E00"

_fonts_registered = False


def theme() -> alt.theme.ThemeConfig:
    """The course look: readable on a projector, colour-blind safe, one font everywhere."""
    return alt.theme.ThemeConfig({
        "config": {
            "font": FONT,
            "title": {"fontSize": 16, "anchor": "start", "subtitleFontSize": 12},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 12, "titleFontSize": 13, "labelLimit": 0},
            "range": {"category": PALETTE},
            "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
        },
    })


def chart_text(spec: dict[str, Any]) -> str:
    """The plain-text stand-in of a chart: its title, subtitle and description."""
    title = spec.get("title", "")
    parts: list[str] = []
    if isinstance(title, dict):
        parts += _lines(title.get("text", "")) + _lines(title.get("subtitle", ""))
    else:
        parts += _lines(title)
    if spec.get("description"):
        parts.append(spec["description"])
    return "\n".join(["Chart: " + (parts[0] if parts else "(untitled)"), *parts[1:]])


def _lines(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) and value else list(value or [])


def _vl_version(spec: dict[str, Any]) -> str:
    """The Vega-Lite version (major.minor) a spec was written for, from its $schema."""
    match = re.search(r"/v(\d+)\.(\d+)", spec.get("$schema", ""))
    if not match:
        return "6.4"
    return f"{match.group(1)}.{match.group(2)}"


def static_images(spec: dict[str, Any]) -> tuple[str, str]:
    """The chart as SVG text and as base64 PNG (a 256-colour palette keeps it small)."""
    _register_fonts()
    version = _vl_version(spec)
    svg = vlc.vegalite_to_svg(spec, vl_version=version)
    png = vlc.vegalite_to_png(spec, vl_version=version, scale=1)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return svg, base64.b64encode(buffer.getvalue()).decode("ascii")


def bundle(spec: dict[str, Any], *, images: bool = True) -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    """The MIME bundle and its metadata for a chart spec (see the module docstring).

    ``images=False`` leaves out the SVG and PNG: a widget redrawing a chart live needs
    only the spec, and drawing images would make every update slower.
    """
    data: dict[str, Any] = {VEGALITE_MIMETYPE: spec, "text/plain": chart_text(spec)}
    if images and vlc is not None:
        svg, data["image/png"] = static_images(spec)
        if len(svg) <= SVG_MAX_CHARS:
            data["image/svg+xml"] = svg
    metadata = {VEGALITE_MIMETYPE: {"embed_options": {"renderer": "svg", "actions": False}}}
    return data, metadata


def live(chart: alt.TopLevelMixin | VegaLite) -> VegaLite:
    """A chart for a widget redraw: shown by its spec alone, without images (faster)."""
    spec = chart.spec if isinstance(chart, VegaLite) else chart.to_dict(validate=False)
    return VegaLite(spec, images=False)


class VegaLite:
    """A finished Vega-Lite spec (a dict), displayed like every course chart."""

    def __init__(self, spec: dict[str, Any], *, images: bool = True) -> None:
        self.spec, self.images = spec, images

    def to_dict(self) -> dict[str, Any]:
        return self.spec

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return bundle(self.spec, images=self.images)


def fill(template: dict[str, Any], datasets: dict[str, pd.DataFrame | dict[str, Any]],
         **properties: Any) -> VegaLite:
    """A chart from a template spec with named data sources, and new data and properties.

    Building an Altair chart costs tens of milliseconds, too slow for a widget that
    redraws as a slider moves. So a widget's chart is built once with Altair, using
    ``alt.NamedData`` sources, and turned into a template (``chart.to_dict()``); each
    redraw only copies the template and fills in the data and, e.g., title and
    description. Missing values become JSON nulls. A dataset that is not a DataFrame (a
    TopoJSON map, say) is passed on as it is, without copying.
    """
    spec = copy.deepcopy(template)
    spec["datasets"] = {
        name: frame.astype(object).where(frame.notna(), None).to_dict("records")
        if isinstance(frame, pd.DataFrame) else frame
        for name, frame in datasets.items()}
    spec.update(properties)
    return VegaLite(spec)


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        vlc.register_font_directory(str(FONT_DIR))
        _fonts_registered = True


def enable() -> None:
    """Make the course theme and renderer the active ones (importing utils does this)."""
    alt.theme.register("alliance", enable=True)(theme)
    alt.renderers.register("alliance", bundle)
    alt.renderers.enable("alliance")
