"""How the course's notebooks show tables and numbers: readable by people, the same on
every machine.

pandas and numpy show values the way a programmer debugs them: text cut at 50
characters, ``2.587891e-02``, ``np.float64(0.0625)``, ``0.09000000000000002``,
``2026-11-24 00:00:00``. A student reading a claim to fact-check, or a source to open,
needs the whole text, a link to click, and numbers written the way people write them.

:func:`setup` (called by ``utils.setup()`` in a notebook's first cell) makes it show

* tables (DataFrames and Series) as HTML with the full text, wrapped and left-aligned,
  web addresses as clickable links, missing values as a dash, dates without a time of
  day, and numbers through :func:`number`;
* the same tables as plain text (for GitHub's text view, screen readers and nbval) with
  the full text too: a table of long texts is written one row at a time;
* single numbers the same way: ``0.09`` for ``0.09000000000000002``, ``0.0625`` for
  ``np.float64(0.0625)``, ``5`` for ``np.int64(5)``;
* whatever a student shows, in bounded time and size: a table's first MAX_ROWS rows and
  _MAX_COLUMNS columns, saying how many it has; a text (in a cell, or a string) up to
  _LONGEST_TEXT characters, then how much more there is; a long list in a cell as its length.

Everything here is a pure function of the value shown, so outputs are byte-identical
from run to run and from machine to machine.

In the browser edition, :func:`setup` also makes the outputs reach the page as JSON, nulls
included (see :func:`_keep_nulls_in_the_browser`).
"""

from __future__ import annotations

import html
import json
import math
import re
import sys
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from utils import checks
from utils.errors import CourseError

__all__ = ["MAX_ROWS", "WIDTH", "cell", "date", "html_table", "number", "setup", "text_table"]

#: Significant digits of a number shown to students.
_DIGITS = 4
#: What a missing value looks like.
_MISSING = "—"
#: A table whose longest text is longer than this is written one row at a time as text.
_LONG_TEXT = 40
#: Width of the plain-text form of a table.
WIDTH = 88
#: Tables are shown whole up to this many rows.
MAX_ROWS = 200
#: ... and this many columns (a table turned on its side, ``table.T``, has one per row).
_MAX_COLUMNS = 40
#: The longest text shown whole, in a table's cell or as a value: the course's longest
#: passage has under 2,000 characters; a longer text is a slip (``"x" * 10**7``), shown
#: as its start and how much more there is.
_LONGEST_TEXT = 5_000

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_URL = re.compile(r"^https?://\S+$")
_TEXT_CELL = "text-align:left;vertical-align:top;white-space:normal;overflow-wrap:break-word"
_NUMBER_CELL = "text-align:right;vertical-align:top"


def number(value: float) -> str:
    """A number as people write it: four significant digits (whole numbers from 1,000
    on, powers of ten below 0.0001), no float noise.

    >>> number(0.09000000000000002), number(2.587891e-02), number(2.3283064365386963e-10)
    ('0.09', '0.02588', '2.328 × 10⁻¹⁰')
    """
    if not checks.is_number(value):
        raise CourseError(f"Only a number can be written as one, not {checks.shown(value)}.")
    try:
        value = float(value)
    except OverflowError:  # a whole number from 2**1024 on, beyond every float
        return checks.figure(value)
    if math.isnan(value):
        return _MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0.0"
    size = abs(value)
    if size >= 1e15 or size < 1e-4:
        mantissa, exponent = f"{value:.{_DIGITS - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    if size >= 1000:
        return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"
    rounded = float(f"{value:.{_DIGITS}g}")
    if rounded.is_integer():
        return f"{rounded:.1f}"
    decimals = max(_DIGITS - 1 - math.floor(math.log10(size)), 0)
    return f"{rounded:.{decimals}f}".rstrip("0").rstrip(".")


def date(value: pd.Timestamp) -> str:
    """A date without a time of day when it has none (``2026-11-24``)."""
    if value is None or value is pd.NaT:
        return _MISSING
    if not isinstance(value, pd.Timestamp):
        raise CourseError(f"Only a date can be written as one, not {checks.shown(value)}.")
    if value == value.normalize():
        return f"{value:%Y-%m-%d}"
    return f"{value:%Y-%m-%d %H:%M}"


def _long_text(text: str) -> str:
    """Text as it is up to _LONGEST_TEXT characters; longer, its start and how much more."""
    if len(text) <= _LONGEST_TEXT:
        return text
    return f"{text[:_LONGEST_TEXT]}… ({len(text) - _LONGEST_TEXT:,} more characters not shown)"


def cell(value: Any) -> str:
    """One value of a table as text (a very long one cut: :func:`_long_text`)."""
    return _long_text(_cell(value))


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return _MISSING
    if isinstance(value, bool | np.bool_):
        return "True" if value else "False"
    if isinstance(value, pd.Timestamp):
        return date(value)
    if isinstance(value, int | np.integer):
        # Past 60 digits a whole number is shown like a float: its digits would fill
        # lines, and from 4,300 digits on Python refuses to write them out.
        return str(int(value)) if abs(value) < 10**60 else number(value)
    if isinstance(value, float | np.floating):
        return number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array(5) holds one value
        return _cell(value.item())
    try:
        if pd.isna(value):
            return _MISSING
    except (TypeError, ValueError):
        pass
    if isinstance(value, list | tuple | set | frozenset | dict | np.ndarray) and len(value) > 100:
        # a long list in a cell: its length, not 100,000 items written out for each row
        return f"<a {type(value).__name__} of {len(value):,} items>"
    try:
        return str(value)
    except Exception:  # an object that cannot describe itself is named by its type
        return checks.shown(value)


def _html_cell(value: Any) -> str:
    text = cell(value)
    if isinstance(value, str) and _URL.match(value):
        address = html.escape(value, quote=True)
        return f'<a href="{address}" target="_blank" rel="noopener">{address}</a>'
    return html.escape(text, quote=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_)


def _flat(frame: pd.DataFrame) -> bool:
    return not isinstance(frame.index, pd.MultiIndex) and not isinstance(
        frame.columns, pd.MultiIndex)


def _count(frame: pd.DataFrame) -> str:
    """How many rows a table has, and how many are shown when it is too long to show;
    the same for its columns when they are too many."""
    if len(frame) > MAX_ROWS:
        rows = f"the first {MAX_ROWS} of {len(frame)} rows"
    else:
        rows = f"{len(frame)} row{'s' if len(frame) != 1 else ''}"
    if len(frame.columns) > _MAX_COLUMNS:
        rows += f"; the first {_MAX_COLUMNS} of {len(frame.columns)} columns"
    return rows


def _shown_part(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows and columns of a table that are shown (MAX_ROWS, _MAX_COLUMNS)."""
    return frame.iloc[:MAX_ROWS, :_MAX_COLUMNS]


def html_table(frame: pd.DataFrame) -> str:
    """A table as HTML: full text, wrapped, links clickable, numbers for people."""
    checks.instance("The table", frame, pd.DataFrame, "data.load")
    count = _count(frame)
    frame = _shown_part(frame)
    if not _flat(frame):
        return (frame.to_html(render_links=True, na_rep=_MISSING, float_format=number)
                + f"<p><small>{count}</small></p>")
    corner = html.escape(cell(frame.index.name)) if frame.index.name else ""
    head = "".join(f'<th style="text-align:left">{html.escape(str(c))}</th>'
                   for c in frame.columns)
    title = ""
    if frame.columns.name:
        title = (f'<tr><th></th><th colspan="{len(frame.columns)}" style="text-align:'
                 f'left">{html.escape(str(frame.columns.name))}</th></tr>')
    rows = []
    for label, values in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = "".join(
            f'<td style="{_NUMBER_CELL if _is_number(v) else _TEXT_CELL}">'
            f"{_html_cell(v)}</td>" for v in values)
        rows.append(f'<tr><th style="vertical-align:top">{html.escape(cell(label))}</th>'
                    f"{cells}</tr>")
    return ('<table class="dataframe course-table" style="border-collapse:collapse">'
            f"<thead>{title}<tr><th>{corner}</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<p><small>{count}</small></p>")


def text_table(frame: pd.DataFrame) -> str:
    """A table as plain text, nothing cut: one row at a time when it holds long texts."""
    checks.instance("The table", frame, pd.DataFrame, "data.load")
    cut = len(frame) > MAX_ROWS or len(frame.columns) > _MAX_COLUMNS
    note = f"\n({_count(frame)})" if cut else ""
    frame = _shown_part(frame)
    shown = frame.apply(lambda column: column.map(cell)) if len(frame.columns) else frame
    longest = max((len(v) for column in shown.columns for v in shown[column]), default=0)
    if longest <= _LONG_TEXT or not _flat(frame):
        return shown.to_string() + note
    names = [str(c) for c in frame.columns]
    pad = max(len(n) for n in names) + 2
    blocks = []
    for label, values in zip(frame.index, shown.itertuples(index=False), strict=True):
        lines = [f"[{cell(label)}]"]
        for name, value in zip(names, values, strict=True):
            wrapped = textwrap.wrap(value, WIDTH - pad - 2, break_long_words=False,
                                    break_on_hyphens=False) or [""]
            lines.append(f"  {name.ljust(pad)}{wrapped[0]}")
            lines += [" " * (pad + 2) + more for more in wrapped[1:]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + note


def _series_frame(series: pd.Series) -> pd.DataFrame:
    return series.to_frame(name=series.name if series.name is not None else "value")


def _pretty(render: Any) -> Any:
    """An IPython pretty-printer from a function of the value to its text."""
    def printer(value: Any, p: Any, cycle: bool) -> None:
        p.text(render(value))
    return printer


def _array_text(array: np.ndarray) -> str:
    """An array as text: its numbers as people write them, and a long array in summary,
    its first and last few values around "...", as numpy shows it (its print options'
    threshold and edgeitems), so that showing a million values takes no time."""
    if array.ndim != 1:
        return np.array2string(array)
    options = np.get_printoptions()
    if array.size > options["threshold"]:
        edge = options["edgeitems"]
        return ("[" + ", ".join(cell(v) for v in array[:edge].tolist()) + ", ..., "
                + ", ".join(cell(v) for v in array[-edge:].tolist()) + "]")
    return "[" + ", ".join(cell(v) for v in array.tolist()) + "]"


def _string_text(printer: Any) -> Any:
    """The pretty-printer of text: IPython's own, or for a text past _LONGEST_TEXT its
    start, as a quoted string, and how much more there is."""
    printer = getattr(printer, "wrapped", printer)  # set up twice: wrap IPython's once

    def text(value: str, p: Any, cycle: bool) -> None:
        if len(value) <= _LONGEST_TEXT:
            printer(value, p, cycle)
        else:
            p.text(f"{value[:_LONGEST_TEXT]!r}… ({len(value) - _LONGEST_TEXT:,} more "
                   "characters not shown)")
    text.wrapped = printer
    return text


#: Deepest nesting of lists, tuples and dicts shown in full: IPython's printer recurses once
#: per level and stops with a traceback long before a list nested 100,000 deep.
_DEEPEST = 100


def _depth_beyond(value: Any, limit: int = _DEEPEST) -> bool:
    """Whether `value` nests lists, tuples or dicts more than `limit` deep (walked without
    recursion, each container once, at most 100,000 of them, so it is quick whatever it
    holds; a container that holds itself is IPython's to show, as `[...]`)."""
    stack, seen = [(value, 1)], {id(value)}
    while stack and len(seen) < 100_000:
        item, depth = stack.pop()
        if depth > limit:
            return True
        inner = item.values() if isinstance(item, dict) else item
        for child in inner:
            if isinstance(child, (list, tuple, dict)) and id(child) not in seen:
                seen.add(id(child))
                stack.append((child, depth + 1))
    return False


def _nesting_guard(printer: Any) -> Any:
    """IPython's printer of a container, or, past _DEEPEST levels, a one-line summary."""
    printer = getattr(printer, "wrapped", printer)

    def shown(value: Any, p: Any, cycle: bool) -> None:
        if _depth_beyond(value):
            p.text(f"a {type(value).__name__} of {len(value):,} item(s), nested more than "
                   f"{_DEEPEST} levels deep: too deep to show")
        else:
            printer(value, p, cycle)
    shown.wrapped = printer
    return shown


def setup() -> None:
    """Make tables and numbers readable in this kernel (``utils.setup()`` does this)."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", MAX_ROWS)
    pd.set_option("display.width", WIDTH)
    pd.set_option("display.float_format", number)
    np.set_printoptions(legacy="1.25")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a course dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    plain, rich = formatters["text/plain"], formatters["text/html"]
    plain.for_type(float, _pretty(number))
    plain.for_type(np.floating, _pretty(number))
    plain.for_type(np.integer, _pretty(lambda v: str(int(v))))
    plain.for_type(np.bool_, _pretty(lambda v: str(bool(v))))
    plain.for_type(pd.Timestamp, _pretty(date))
    plain.for_type(np.ndarray, _pretty(_array_text))
    plain.for_type(str, _string_text(plain.lookup_by_type(str)))
    for kind in (list, tuple, dict):
        plain.for_type(kind, _nesting_guard(plain.lookup_by_type(kind)))
    plain.for_type(pd.DataFrame, _pretty(text_table))
    plain.for_type(pd.Series, _pretty(lambda s: text_table(_series_frame(s))))
    rich.for_type(pd.DataFrame, html_table)
    rich.for_type(pd.Series, lambda s: html_table(_series_frame(s)))
    if sys.platform == "emscripten":  # pragma: no cover - the browser edition (Pyodide)
        _keep_nulls_in_the_browser(shell)


def _keep_nulls_in_the_browser(shell: Any, js: Any = None) -> None:
    """Make the browser kernel send each output to the page as its JSON, nulls included.

    JupyterLite's Pyodide kernel (0.6) hands an output to the page through Pyodide's default
    conversion, which turns Python's None into JavaScript's ``undefined``: a key whose value
    is None vanishes. A chart's ``"title": null`` (no title), ``"sort": null`` (the data's
    order) or ``"legend": null`` then arrives as no key at all, and Vega-Lite draws the
    default title, alphabetical order and legend instead. So the two places where IPython
    hands an output to the kernel (the display publisher's ``publish``, for ``display()``
    and display updates, and the display hook's ``finish_displayhook``, for a cell's last
    value) get the data and metadata as JavaScript objects parsed from their JSON (``js`` is
    Pyodide's module of that name; a test passes a stand-in). Anything that is not plain
    JSON (NaN, bytes) goes as before. A shell without these is left as it is.
    """
    if js is None:
        try:
            import js  # Pyodide's bridge to the browser's JavaScript
        except ImportError:
            return

    def as_json(value: Any) -> Any:
        if value is None:
            return value
        try:
            return js.JSON.parse(json.dumps(value, allow_nan=False))
        except Exception:  # not JSON (TypeError, ValueError), or refused by the browser
            return value

    publisher = getattr(shell, "display_pub", None)
    publish = getattr(publisher, "publish", None)
    if publish is not None and not getattr(publish, "keeps_nulls", False):
        def publish_json(data: Any, metadata: Any = None, *args: Any, **kwargs: Any) -> Any:
            return publish(as_json(data), as_json(metadata), *args, **kwargs)

        publish_json.keeps_nulls = True
        publisher.publish = publish_json

    hook = getattr(shell, "displayhook", None)
    finish = getattr(hook, "finish_displayhook", None)
    if finish is not None and not getattr(finish, "keeps_nulls", False):
        def finish_json() -> Any:  # the kernel's hook sends its .data and .metadata here
            if getattr(hook, "data", None) == {}:
                # A value that displayed itself (a chart, as the chart and its text
                # alternative) left nothing to send; the kernel would send it anyway, an
                # empty result under every chart, where IPython's kernel sends none.
                hook.metadata = {}
                return None
            for name in ("data", "metadata"):
                setattr(hook, name, as_json(getattr(hook, name, None)))
            return finish()

        finish_json.keeps_nulls = True
        hook.finish_displayhook = finish_json
