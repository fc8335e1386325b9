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

Everything in the bundle is a pure function of the chart, and the same on every machine, so
nbval can compare it wherever the notebook runs (:func:`portable` says how):

* every float is written with 12 significant digits, so the last-bit differences between
  CPUs (numpy picks SIMD kernels at run time) never reach a stored output;
* the images are drawn in UTC (:func:`in_utc`): vl-convert would otherwise draw time scales
  in the machine's timezone, and the same chart would move by a pixel from town to town;
* text is drawn with the Liberation Sans font shipped in ``utils/fonts``, not the machine's;
* characters that XML forbids (a control character pasted into a class CSV, say) are
  replaced before they reach the SVG renderer, which would otherwise abort the kernel; and
  if drawing the images fails for any other reason, the chart still shows from its spec.

Where vl-convert or Pillow is not installed (the in-browser JupyterLite edition), charts
are shown from their spec alone. Where ``COURSE_PNG=0`` (the test command sets it), the
PNG is not drawn: there outputs are compared with the committed ones, never stored, and
no comparison looks at PNG bytes (they vary with the image library's build).

A notebook's first cell calls ``utils.setup()``, which calls :func:`enable`; the course's
own charts carry the theme themselves (:func:`themed`), so that they look the same where
nothing was set up (the council's server draws notebook 01's chart).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import math
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

try:  # absent in the browser edition, which shows charts from their spec alone
    import vl_convert as vlc
    from PIL import Image
except ImportError:  # pragma: no cover - exercised by the JupyterLite build
    vlc = Image = None

VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"
FONT_DIR = Path(__file__).parent / "fonts"
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"

#: Charts whose SVG is larger than this (a detailed world map) keep only their PNG image,
#: so that a notebook stays well under its 1.5 MB budget.
SVG_MAX_CHARS = 120_000
#: Floats in a chart's spec are written with this many significant digits (see
#: :func:`portable`): far more than any chart shows, far fewer than the 17 where CPUs differ.
SIGNIFICANT_DIGITS = 12
#: Characters that XML 1.0 forbids in text (C0 controls but tab, newline and return; lone
#: surrogates; U+FFFE and U+FFFF). The SVG renderer aborts the process on them.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
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


def themed(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """A course chart's Vega-Lite spec in the course look, whatever Altair theme is active.

    The theme's settings become the chart's own ``config`` (replacing any it had: the
    course's charts set none), which wins over whatever theme is active.
    """
    return chart.configure(**theme()["config"]).to_dict()


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


def portable(value: Any) -> Any:
    """A copy of a chart spec (or any part of one) that is the same on every machine.

    Floats get :data:`SIGNIFICANT_DIGITS` significant digits, numpy scalars become Python
    ones, dates become ISO text, and characters XML forbids become U+FFFD. Non-finite
    floats become null (JSON has no NaN).
    """
    if isinstance(value, dict):
        return {str(k): portable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [portable(v) for v in value]
    if isinstance(value, str):
        return XML_FORBIDDEN.sub("\ufffd", value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else None
    if isinstance(value, datetime):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00"
    return value


def _named_by_content(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with Altair's data names (``data-`` and a hash of the data as it was before
    :func:`portable` rounded it) replaced by a hash of the data as it is stored."""
    renames = {name: "data-" + hashlib.sha256(json.dumps(rows, sort_keys=True).encode())
               .hexdigest()[:32]
               for name, rows in spec.get("datasets", {}).items() if name.startswith("data-")}
    renames = {old: new for old, new in renames.items() if old != new}
    if not renames:
        return spec
    text = json.dumps(spec)
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


#: Encoding channels that have a scale, where a time field needs ``"type": "utc"``; time
#: fields in other channels (tooltips, text, x2, …) need a UTC time unit to be written in UTC,
#: also in the labels an SVG carries for screen readers.
_SCALED_CHANNELS = {"x", "y", "color", "fill", "stroke", "opacity", "size", "shape",
                    "fillOpacity", "strokeOpacity", "strokeWidth", "theta", "radius"}
_WHOLE_TIME = "utcyearmonthdatehoursminutesseconds"
_DATETIME_KEYS = {"year", "quarter", "month", "date", "day", "hours", "minutes", "seconds",
                  "milliseconds"}
_NAIVE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def in_utc(spec: Any, *, in_data: bool = False) -> Any:
    """The spec drawn in UTC rather than in the machine's timezone (for the images).

    Time text without a zone (``2001-09-12T00:00:00``, as Altair writes dates) is read
    as UTC, time scales become UTC scales, other time fields and time units get their UTC
    forms, and date objects are marked ``utc``. The picture is then the one a browser in
    London draws in winter, wherever the notebook runs.
    """
    if isinstance(spec, str):
        return spec + "Z" if _NAIVE_TIME.match(spec) else spec
    if isinstance(spec, list):
        return [in_utc(v, in_data=in_data) for v in spec]
    if not isinstance(spec, dict):
        return spec
    out = {k: in_utc(v, in_data=in_data or k in ("datasets", "values")) for k, v in spec.items()}
    if in_data:
        return out
    unit = out.get("timeUnit")
    if isinstance(unit, str) and not unit.startswith("utc"):
        out["timeUnit"] = "utc" + unit
    elif isinstance(unit, dict):
        out["timeUnit"] = {**unit, "utc": True}
    if out and set(out) <= _DATETIME_KEYS | {"utc"}:
        out["utc"] = True
    if isinstance(out.get("encoding"), dict):
        out["encoding"] = _encoding_in_utc(out["encoding"])
    return out


def _encoding_in_utc(encoding: dict[str, Any]) -> dict[str, Any]:
    """An encoding whose time fields are all drawn and written in UTC."""
    def temporal(channel: str) -> bool:
        definition = encoding.get(channel)
        return isinstance(definition, dict) and definition.get("type") == "temporal"

    def fixed(channel: str, definition: Any) -> Any:
        if isinstance(definition, list):
            return [fixed(channel, d) for d in definition]
        if not isinstance(definition, dict) or "field" not in definition:
            return definition
        is_time = definition.get("type") == "temporal" or (
            channel in ("x2", "y2") and temporal(channel[0]))
        if not is_time:
            return definition
        if channel in _SCALED_CHANNELS and isinstance(definition.get("scale", {}), dict):
            return {**definition, "scale": {**definition.get("scale", {}), "type": "utc"}}
        return {"timeUnit": _WHOLE_TIME, **definition}

    return {channel: fixed(channel, d) for channel, d in encoding.items()}


#: Whether bundles carry a PNG (see the module docstring: ``COURSE_PNG=0`` in test runs).
PNG = os.environ.get("COURSE_PNG") != "0"


def static_images(spec: dict[str, Any]) -> tuple[str, str | None]:
    """The chart drawn in UTC, as SVG text and as base64 PNG (drawn from that SVG; a
    256-colour palette keeps it small), or no PNG where :data:`PNG` is false."""
    _register_fonts()
    # No base URL is allowed: a chart whose data lives elsewhere gets no image rather than
    # a request that the offline guard (on Python's own sockets) would not see.
    svg = vlc.vegalite_to_svg(in_utc(spec), vl_version=_vl_version(spec), allowed_base_urls=[])
    if not PNG:
        return svg, None
    png = vlc.svg_to_png(svg, scale=1)
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
    spec = _named_by_content(portable(spec))
    data: dict[str, Any] = {VEGALITE_MIMETYPE: spec, "text/plain": chart_text(spec)}
    if images and vlc is not None:
        try:
            svg, png = static_images(spec)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # vl-convert's panics derive from BaseException
            data["text/plain"] += f"\n(No static image: {type(error).__name__}.)"
        else:
            if png is not None:
                data["image/png"] = png
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
    """Make the course theme and renderer Altair's active ones (``utils.setup()`` does
    this), for the charts a notebook cell builds itself."""
    alt.theme.register("alliance", enable=True)(theme)
    alt.renderers.register("alliance", bundle)
    alt.renderers.enable("alliance")
