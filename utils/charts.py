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

Every chart is followed by a second output, its text alternative (:func:`text_alternative`):
the description as a sentence a screen reader announces when a widget redraws it (a live
region), and the numbers the chart draws as a table, made from the chart's own data; a
reader who cannot see the chart gets what the question beside it needs, in Lab, on the site
and on the slides.

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

Where the address space is limited (a JupyterHub may set ``ulimit -v``), vl-convert draws
in a process of its own (:func:`svg`): its JavaScript engine reserves about 70 GB of
address space as it starts and aborts the process it runs in when it cannot, which would be
the kernel. Under such a limit the chart keeps its spec (JupyterLab draws it) and its text
says, in one line, why there is no static image.

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
import html
import io
import json
import math
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["ACCESSIBLE_COLOURS", "BLACK", "BLUE", "CSTO_COLOR", "DRAW_SVG", "EMPTY_GREY",
           "FONT", "FONT_DIR", "GREEN", "GREY", "GRID_GREY", "LIGHT_GREY", "NATO_COLOR",
           "NO_ROOM_NOTE", "ON_WHITE", "ORANGE", "PALETTE", "PNG", "PURPLE", "SKY_BLUE",
           "SVG_MAX_CHARS", "TEXT_CLASS", "VEGALITE_MIMETYPE", "VERMILLION", "YELLOW",
           "TextAlternative", "VegaLite", "address_space_limited", "bundle", "chart_text",
           "data_tables", "enable", "fill", "in_utc", "live", "outputs", "portable",
           "static_images", "svg", "text_alternative", "themed", "unnamed_marks_silent"]

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
_SIGNIFICANT_DIGITS = 12
#: Characters that XML 1.0 forbids in text (C0 controls but tab, newline and return; lone
#: surrogates; U+FFFE and U+FFFF). The SVG renderer aborts the process on them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Okabe & Ito's palette, distinguishable with the common forms of colour blindness; charts
#: name its colours rather than write them out, so this is the one place they are defined.
BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION, YELLOW, BLACK = PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: The palette for dots, lines and text on white: yellow vanishes there.
ON_WHITE = [colour for colour in PALETTE if colour != YELLOW]
#: Greys: dashed rules and their notes; what is neither one thing nor another ("no
#: evidence", a baseline); the grid; a country with nothing to show.
GREY = "#555555"
LIGHT_GREY = "#999999"
GRID_GREY = "#e6e6e6"
EMPTY_GREY = "#eeeeee"
#: Every colour a course chart may use: the palette, and greys for rules, grids and "none".
ACCESSIBLE_COLOURS = {*PALETTE, GREY, LIGHT_GREY, GRID_GREY, EMPTY_GREY, "black", "white"}
#: The two alliances keep their colours in every chart of the course.
NATO_COLOR = BLUE
CSTO_COLOR = VERMILLION

_fonts_registered = False


def _theme() -> alt.theme.ThemeConfig:
    """The course look: readable on a projector, colour-blind safe, one font everywhere."""
    return alt.theme.ThemeConfig({
        "config": {
            "font": FONT,
            "title": {"fontSize": 16, "anchor": "start", "subtitleFontSize": 12},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "gridColor": GRID_GREY},
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
    return chart.configure(**_theme()["config"]).to_dict()


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

    Floats get :data:`_SIGNIFICANT_DIGITS` significant digits, numpy scalars become Python
    ones, dates become ISO text, and characters XML forbids become U+FFFD. Non-finite
    floats become null (JSON has no NaN).
    """
    if isinstance(value, dict):
        return {str(k): portable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [portable(v) for v in value]
    if isinstance(value, str):
        return _XML_FORBIDDEN.sub("\ufffd", value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(f"{value:.{_SIGNIFICANT_DIGITS}g}") if math.isfinite(value) else None
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

#: What a chart's text says when the address-space limit leaves vl-convert no room.
NO_ROOM_NOTE = ("(No static image: this server's memory limit (ulimit -v) leaves vl-convert "
                "too little address space; the chart is drawn from its spec.)")
#: The script that draws one SVG in a process of its own (see :func:`svg`).
DRAW_SVG = Path(__file__).with_name("_draw_svg.py")


class _NoRoom(Exception):
    """vl-convert died for want of address space; the message is :data:`NO_ROOM_NOTE`."""


#: Set once vl-convert has died under this process's address-space limit: the limit cannot
#: grow, so later charts skip the attempt (each costs a process start).
_no_room = False


def address_space_limited() -> bool:
    """Whether this process runs under a limit on its address space (``ulimit -v``)."""
    try:
        import resource
    except ImportError:  # Windows has no such limit
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return soft != resource.RLIM_INFINITY


def svg(spec: dict[str, Any], vl_version: str) -> str:
    """A spec drawn as SVG by vl-convert: in this process, or, under an address-space
    limit, in a process of its own (:data:`DRAW_SVG`), whose death raises :class:`NoRoom`
    instead of killing the kernel. Measured with vl-convert-python 1.9: it draws under
    ``ulimit -v`` of 80 GB and aborts under 64 GB. A chart drawn in its own process takes
    about 2 s (the engine starts each time) against 0.2 s here; under the usual limits of a
    few GB only the first chart pays, for a process that dies."""
    global _no_room
    # No base URL is allowed: a chart whose data lives elsewhere gets no image rather than
    # a request that the offline guard (on Python's own sockets) would not see.
    if not address_space_limited():
        _register_fonts()
        return vlc.vegalite_to_svg(spec, vl_version=vl_version, allowed_base_urls=[])
    if _no_room:
        raise _NoRoom(NO_ROOM_NOTE)
    job = json.dumps({"spec": spec, "vl_version": vl_version, "fonts": str(FONT_DIR)})
    run = subprocess.run([sys.executable, str(DRAW_SVG)], input=job.encode("utf-8"),
                         capture_output=True, timeout=120, check=False)
    if run.returncode < 0:  # killed by a signal: the engine's abort for want of room
        _no_room = True
        raise _NoRoom(NO_ROOM_NOTE)
    if run.returncode > 0:  # a Python error in the child, e.g. a spec vl-convert refuses
        lines = run.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit code {run.returncode}")
    return run.stdout.decode("utf-8")


def static_images(spec: dict[str, Any]) -> tuple[str, str | None]:
    """The chart drawn in UTC, as SVG text and as base64 PNG (drawn from that SVG; a
    256-colour palette keeps it small), or no PNG where :data:`PNG` is false."""
    svg_text = svg(in_utc(spec), _vl_version(spec))
    if not PNG:
        return svg_text, None
    # The PNG comes from resvg, not from the JavaScript engine: it draws under any limit.
    png = vlc.svg_to_png(svg_text, scale=1)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return svg_text, base64.b64encode(buffer.getvalue()).decode("ascii")


def unnamed_marks_silent(spec: Any) -> Any:
    """The spec with every mark that encodes no field (an outline, a frame) left out of what
    a screen reader reads (``"aria": false``).

    Vega names each mark after the fields it encodes ("date: 2001-09-12; label: ..."); a mark
    with none gets no name, and an unnamed graphic is a fault (axe's svg-img-alt), where the
    chart is drawn in JupyterLab. The chart's description and its text alternative say what
    such marks show.
    """
    if isinstance(spec, list):
        return [unnamed_marks_silent(v) for v in spec]
    if not isinstance(spec, dict):
        return spec
    out = {k: unnamed_marks_silent(v) if k in ("layer", "hconcat", "vconcat", "concat", "spec")
           else v for k, v in spec.items()}
    mark = out.get("mark")
    encoding = out.get("encoding") if isinstance(out.get("encoding"), dict) else {}
    named = any(isinstance(d, dict) and ("field" in d or "aggregate" in d)
                for d in encoding.values())
    if mark is not None and not named:
        mark = dict(mark) if isinstance(mark, dict) else {"type": mark}
        out["mark"] = {**mark, "aria": mark.get("aria", False)}
    return out


def bundle(spec: dict[str, Any], *, images: bool = True) -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    """The MIME bundle and its metadata for a chart spec (see the module docstring).

    ``images=False`` leaves out the SVG and PNG: a widget redrawing a chart live needs
    only the spec, and drawing images would make every update slower.
    """
    spec = _named_by_content(portable(unnamed_marks_silent(spec)))
    data: dict[str, Any] = {VEGALITE_MIMETYPE: spec, "text/plain": chart_text(spec)}
    if images and vlc is not None:
        try:
            svg_text, png = static_images(spec)
        except (KeyboardInterrupt, SystemExit):
            raise
        except _NoRoom as error:
            data["text/plain"] += f"\n{error}"
        except BaseException as error:  # vl-convert's panics derive from BaseException
            data["text/plain"] += f"\n(No static image: {type(error).__name__}.)"
        else:
            if png is not None:
                data["image/png"] = png
            if len(svg_text) <= SVG_MAX_CHARS:
                data["image/svg+xml"] = svg_text
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


# --- the text alternative: what the chart says, in words and numbers ---------------------

#: The encoding channels whose fields carry what a chart shows, in the order its table
#: gives them (tooltips, links, detail and order add nothing a reader of the table needs).
_TABLE_CHANNELS = ("row", "column", "facet", "y", "x", "x2", "y2", "theta", "color", "fill",
                  "shape", "size", "text")
#: A table of a chart's numbers shows at most this many rows (the rest are counted).
_TABLE_ROWS = 80
#: The class of the output that holds a chart's text alternative (the site and the slides
#: keep it with its chart).
TEXT_CLASS = "course-chart-text"
#: How :func:`utils.display.cell` writes a missing value (an empty column is left out).
_MISSING_TEXT = "—"


def _views(spec: dict[str, Any], data: str | None = None,
           facet: tuple[dict[str, Any], ...] = ()) -> list[tuple[str | None, dict[str, Any]]]:
    """Each view of a (layered, concatenated or faceted) spec: the name of its data and its
    encoding's definitions by channel (facet fields under ``facet``), in
    :data:`_TABLE_CHANNELS` order."""
    if isinstance(spec.get("data"), dict) and isinstance(spec["data"].get("name"), str):
        data = spec["data"]["name"]
    if isinstance(spec.get("facet"), dict):
        facets = spec["facet"]
        facet += (facets,) if "field" in facets else tuple(
            v for v in facets.values() if isinstance(v, dict))
    found = []
    encoding = spec.get("encoding")
    if isinstance(encoding, dict):
        mark = spec.get("mark")
        channels = {"mark": {"type": mark.get("type") if isinstance(mark, dict) else mark}}
        channels.update({f"facet{i}": f for i, f in enumerate(facet)})
        channels.update({c: encoding[c] for c in _TABLE_CHANNELS
                         if isinstance(encoding.get(c), dict)})
        found.append((data, channels))
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for view in spec.get(key, []) or []:
            if isinstance(view, dict):
                found += _views(view, data, facet)
    if isinstance(spec.get("spec"), dict):
        found += _views(spec["spec"], data, facet)
    return found


def _heading(definition: dict[str, Any]) -> str:
    """A column's heading: the field's title on the chart, else its name in words."""
    title = definition.get("title")
    if title is None and isinstance(definition.get("axis"), dict):
        title = definition["axis"].get("title")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    if isinstance(title, str) and title.strip():
        return title
    return str(definition.get("field") or definition.get("aggregate", "")).replace("_", " ")


def _value(value: Any) -> str:
    """One value of a chart's data as people read it (dates without a time of day)."""
    from utils.display import cell

    if isinstance(value, str) and _NAIVE_TIME.match(value):
        return value[:10] if value.endswith("T00:00:00") else value.replace("T", " ")[:16]
    return cell(value)


#: Marks that draw a quantity along x (a line over the years, bars by size): there, rows
#: that repeat the one before but for x say nothing new.
_ALONG = ("line", "area", "bar", "trail")


def _columns(channels: dict[str, dict[str, Any]], fields: set[str]
             ) -> tuple[list[tuple[str, str]], str | None, str | None]:
    """A view's columns as (field, heading), keys first (facets, the field along x when
    the chart runs along it, categories), then values; the ordered field; a count."""
    x, y = channels.get("x", {}), channels.get("y", {})
    ordered = None
    if (x.get("field") in fields and x.get("type") in ("temporal", "ordinal")) or (
            x.get("type") == "quantitative" and y.get("type") == "quantitative"
            and channels["mark"]["type"] in _ALONG):
        ordered = x.get("field")
    count = next((_heading(d) for d in channels.values()
                  if d.get("aggregate") == "count" and "field" not in d), None)
    keys, values = [], []
    for channel, definition in channels.items():
        field = definition.get("field")
        if channel == "mark" or field not in fields or definition.get("aggregate") or any(
                field == known for known, _ in keys + values):
            continue
        heading = _heading(definition)
        if channel in ("x", "y") and (channel + "2") in channels:
            heading += ", from"
        elif channel in ("x2", "y2"):
            heading = _heading(channels.get(channel[0], definition)) + ", to"
        if field == ordered:
            keys.insert(0, (field, heading))
        elif (definition.get("type") == "nominal" and channel != "text") \
                or channel.startswith("facet"):
            keys.append((field, heading))
        else:
            values.append((field, heading))
    return keys + values, ordered, count


def data_tables(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The numbers a chart draws, one table per data source that a view encodes with two
    fields or more (a lone reference line or label adds nothing to read).

    Each table has the fields the chart encodes, titled as on the chart, with the field
    the chart runs along (a year, a date) first; a count the chart draws (``count()``) is
    counted. A row that repeats the one before it in its series (the same categories) in all
    but that first field is left out, so a step line over 77 years gives the years something
    changed. Returns dicts with ``columns``, ``rows`` (text), ``total`` (rows before the cut
    at :data:`_TABLE_ROWS`), ``skipped`` (repeats left out) and ``ordered`` (the heading of
    the field along which rows repeat, or None).
    """
    datasets = spec.get("datasets", {}) if isinstance(spec, dict) else {}
    tables: dict[str, dict[str, Any]] = {}
    for name, channels in _views(spec if isinstance(spec, dict) else {}):
        rows = datasets.get(name)
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], dict):
            continue
        columns, ordered, count = _columns(channels, set(rows[0]))
        table = tables.setdefault(name, {"columns": [], "ordered": None, "count": None})
        table["columns"] += [(f, h) for f, h in columns
                             if all(f != known for known, _ in table["columns"])]
        table["marks"] = table.get("marks", set()) | {channels.get("mark", {}).get("type")}
        table["ordered"] = table["ordered"] or ordered
        table["count"] = table["count"] or count
    found = []
    for name, table in tables.items():
        fields = [f for f, _ in table["columns"]]
        if len(fields) + (table["count"] is not None) < 2 or (
                len(datasets[name]) <= 2 and table["marks"] <= {"line", "rule"}
                and not any(isinstance(v, str) for r in datasets[name] for v in r.values())):
            continue  # a lone label, or a reference line such as a diagonal
        records = [tuple(record.get(f) for f in fields) for record in datasets[name]]
        counts: dict[tuple, int] = {}
        for values in records:
            counts[values] = counts.get(values, 0) + 1
        ordered = table["ordered"]
        series = [i for i, f in enumerate(fields) if f != ordered]
        last: dict[tuple, tuple] = {}
        rows, skipped = [], 0
        for values, times in counts.items():
            rest = tuple(values[i] for i in series)
            key = tuple(values[i] for i, (f, _) in enumerate(table["columns"])
                        if f != ordered and isinstance(values[i], str))
            if ordered and last.get(key) == rest:
                skipped += 1
                continue
            last[key] = rest
            rows.append([_value(v) for v in values] + ([str(times)] if table["count"] else []))
        headings = [h for _, h in table["columns"]] + ([table["count"]] if table["count"] else [])
        keep = [i for i in range(len(headings)) if any(r[i] not in ("", _MISSING_TEXT)
                                                         for r in rows)]
        found.append({"columns": [headings[i] for i in keep],
                      "rows": [[r[i] for i in keep] for r in rows[:_TABLE_ROWS]],
                      "total": len(rows), "skipped": skipped,
                      "ordered": next((h for f, h in table["columns"] if f == ordered), None)})
    return found


def _table_note(table: dict[str, Any]) -> str:
    notes = []
    if table["total"] > len(table["rows"]):
        notes.append(f"the first {len(table['rows'])} of {table['total']} rows")
    if table["skipped"] and table["ordered"]:
        notes.append(f"a row is left out where only the {table['ordered'].lower()} differs "
                     "from the row before")
    return "; ".join(notes)


class TextAlternative:
    """A chart's text alternative (see :func:`text_alternative`), shown under the chart."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec if isinstance(spec, dict) else {}
        self.sentence = str(self.spec.get("description") or chart_text(self.spec))
        self.tables = data_tables(self.spec)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return {"text/html": self.html(), "text/plain": self.text()}

    def html(self) -> str:
        """The sentence in a live region, then the tables, folded under a summary line."""
        parts = [f'<div class="{TEXT_CLASS}"><p role="status" aria-live="polite">'
                 f"{html.escape(self.sentence)}</p>"]
        if self.tables:
            rows = sum(len(t["rows"]) for t in self.tables)
            parts.append(f"<details><summary>The chart&#8217;s numbers, as a table "
                         f"({rows} row{'s' if rows != 1 else ''})</summary>")
            for table in self.tables:
                head = "".join(f'<th scope="col">{html.escape(c)}</th>'
                               for c in table["columns"])
                body = "".join(
                    f'<tr><th scope="row">{html.escape(row[0])}</th>'
                    + "".join(f"<td>{html.escape(v)}</td>" for v in row[1:]) + "</tr>"
                    for row in table["rows"])
                note = _table_note(table)
                parts.append(f'<table class="course-table"><thead><tr>{head}</tr></thead>'
                             f"<tbody>{body}</tbody></table>"
                             + (f"<p><small>{html.escape(note[0].upper() + note[1:])}."
                                "</small></p>" if note else ""))
            parts.append("</details>")
        return "".join(parts) + "</div>"

    def text(self) -> str:
        """The same as plain text: the sentence, then each table's rows."""
        lines = [self.sentence]
        for table in self.tables:
            lines.append(" | ".join(table["columns"]))
            lines += [" | ".join(row) for row in table["rows"]]
            note = _table_note(table)
            if note:
                lines.append(f"({note})")
        return "\n".join(lines)


def text_alternative(chart: alt.TopLevelMixin | VegaLite | dict[str, Any]) -> TextAlternative:
    """What a reader who cannot see the chart needs: its description as a sentence (with
    the numbers the question beside it asks about) and the numbers it draws as a table."""
    if isinstance(chart, dict):
        spec = chart
    elif isinstance(chart, VegaLite):
        spec = chart.spec
    else:
        spec = chart.to_dict(validate=False)
    return TextAlternative(portable(spec))


def outputs(chart: alt.TopLevelMixin | VegaLite) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The outputs a chart is shown as (MIME bundle and metadata): the chart, then its text
    alternative."""
    shown = chart._repr_mimebundle_()
    data, metadata = shown if isinstance(shown, tuple) else (shown, {})
    spec = data.get(VEGALITE_MIMETYPE, {})
    return [(data, metadata or {}), (TextAlternative(spec)._repr_mimebundle_(), {})]


def _display_with_text(chart: alt.TopLevelMixin | VegaLite) -> None:
    """Shows a chart as its two outputs (a cell's last value or ``display(chart)``)."""
    from IPython.display import display

    for data, metadata in outputs(chart):
        display(data, metadata=metadata, raw=True)


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        vlc.register_font_directory(str(FONT_DIR))
        _fonts_registered = True


def enable() -> None:
    """Make the course theme and renderer Altair's active ones (``utils.setup()`` does
    this), and, inside IPython, show every chart with its text alternative under it."""
    alt.theme.register("alliance", enable=True)(_theme)
    alt.renderers.register("alliance", bundle)
    alt.renderers.enable("alliance")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a course dependency
        return
    shell = get_ipython()
    if shell is not None:
        shown = shell.display_formatter.ipython_display_formatter
        shown.for_type(alt.TopLevelMixin, _display_with_text)
        shown.for_type(VegaLite, _display_with_text)
