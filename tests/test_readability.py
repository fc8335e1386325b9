"""What a student reads: tables whole, numbers for people, charts labelled without hover.

Two kinds of test:

* :mod:`utils.display` itself, with hand-made values (the formats a student sees);
* every stored output of every notebook, checked for the defects a class stalled on:
  text cut short by pandas ("..."), raw numpy reprs (``np.float64(``), float noise
  (``0.09000000000000002``), dates with a time of midnight, and charts whose only
  labels are tooltips.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

from utils import display

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
VEGALITE = "application/vnd.vegalite.v5+json"


# utils.display, value by value.

@pytest.mark.parametrize(("value", "shown"), [
    (0.09000000000000002, "0.09"), (2.587891e-02, "0.02588"), (0.0625, "0.0625"),
    (np.float64(0.0625), "0.0625"), (2.3283064365386963e-10, "2.328 × 10⁻¹⁰"),
    (1.52587890625e-05, "1.526 × 10⁻⁵"), (0.4999999999999999, "0.5"), (1.0, "1.0"),
    (0.0, "0.0"), (-0.0, "0.0"), (421 / 2145, "0.1963"), (293078.0, "293078"), (1234.56, "1234.6"),
    (float("inf"), "∞"), (float("nan"), "—"), (1.2e20, "1.2 × 10²⁰"),
])
def test_numbers_are_written_for_people(value: float, shown: str) -> None:
    assert display.number(value) == shown


def test_cells_dates_and_missing_values() -> None:
    assert display.cell(pd.Timestamp("2026-11-24")) == "2026-11-24"
    assert display.cell(pd.Timestamp("2026-11-24 13:05")) == "2026-11-24 13:05"
    assert display.cell(pd.NaT) == display.cell(None) == display.cell(np.nan) == "—"
    assert display.cell(np.int64(5)) == "5" and display.cell(np.bool_(True)) == "True"
    assert display.cell(np.array(5)) == "5" and display.cell(np.array(np.nan)) == "—"


def test_html_tables_keep_every_character_and_make_links() -> None:
    long = "x" * 120 + " the end"
    table = pd.DataFrame({"claim": [long], "source_url": ["https://www.nato.int/a?b=1&c=2"],
                          "share": [0.09000000000000002], "as_of": [pd.Timestamp("2026-11-24")]})
    shown = display.html_table(table)
    assert long in shown and "..." not in shown
    assert '<a href="https://www.nato.int/a?b=1&amp;c=2" target="_blank"' in shown
    assert ">0.09<" in shown and "2026-11-24<" in shown and "00:00:00" not in shown


def test_text_tables_keep_every_character() -> None:
    long = "word " * 40
    table = pd.DataFrame({"id": ["a"], "quotation": [long.strip()], "p": [1 / 3]})
    shown = display.text_table(table)
    assert "..." not in shown and " ".join(shown.split()).count("word") == 40
    assert "0.3333" in shown
    short = display.text_table(pd.DataFrame({"p": [0.1 + 0.2], "n": [np.int64(5)]}))
    assert "0.3" in short and "0.30000000000000004" not in short


def test_long_and_odd_tables_say_what_they_leave_out() -> None:
    big = pd.DataFrame({"n": range(display.MAX_ROWS + 5)})
    assert f"the first {display.MAX_ROWS} of {display.MAX_ROWS + 5} rows" in (
        display.html_table(big))
    assert display.text_table(big).endswith(f"of {display.MAX_ROWS + 5} rows)")
    assert "0 rows" in display.html_table(pd.DataFrame({"a": []}))
    odd = pd.DataFrame({1: [[1, 2]], "b": [{"x": 1}]}, index=pd.Index(["r"], name="row"))
    assert "[1, 2]" in display.html_table(odd) and "[1, 2]" in display.text_table(odd)
    wide = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    assert "<table" in display.html_table(wide)


def test_setup_changes_what_ipython_shows() -> None:
    shell = InteractiveShell.instance()
    display.setup()
    shown = shell.display_formatter.format
    assert shown(np.float64(0.0625))[0]["text/plain"] == "0.0625"
    assert shown(np.int64(5))[0]["text/plain"] == "5"
    assert shown((0.7249803359578534, 1.0))[0]["text/plain"] == "(0.725, 1.0)"
    assert shown(np.array([0.5, 0.5, 0.0]))[0]["text/plain"] == "[0.5, 0.5, 0.0]"
    series = pd.Series({"relation": "none", "as_of": pd.Timestamp("2026-11-24")}, name="CSTO")
    data = shown(series)[0]
    assert "00:00:00" not in data["text/plain"] and "00:00:00" not in data["text/html"]
    assert "<table" in shown(pd.DataFrame({"a": [1]}))[0]["text/html"]


def test_a_list_nested_too_deep_is_shown_in_one_line_and_quickly() -> None:
    # IPython's printer recursed once per level: a list nested 100,000 deep ended in a
    # formatter's traceback, after seconds.
    import time

    shell = InteractiveShell.instance()
    display.setup()
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    start = time.monotonic()
    shown = shell.display_formatter.format(deep)[0]["text/plain"]
    assert time.monotonic() - start < 1
    assert shown == ("a list of 1 item(s), nested more than 100 levels deep: too deep to "
                     "show")
    itself: dict = {}
    itself["self"] = itself
    assert shell.display_formatter.format(itself)[0]["text/plain"] == "{'self': {...}}"
    assert shell.display_formatter.format([1, [2, (3, {"a": 0.5})]])[0]["text/plain"] == \
        "[1, [2, (3, {'a': 0.5})]]"


def test_the_browser_kernel_sends_nulls_as_null() -> None:
    """JupyterLite's Pyodide kernel would drop every key whose value is None on its way to
    the page (a chart's ``"sort": null`` then means alphabetical order): it gets the JSON
    instead, parsed by the browser (a stand-in here), and nothing else changes."""
    class Parsed(dict):
        """What JSON.parse gives: here a dict that says it was parsed."""

    js = SimpleNamespace(JSON=SimpleNamespace(parse=lambda text: Parsed(json.loads(text))))
    sent: list[tuple] = []

    def publish(data: Any, metadata: Any = None, source: Any = None, **kwargs: Any) -> None:
        sent.append((data, metadata, kwargs))

    hook = SimpleNamespace()  # no data before its first result, as the kernel's
    hook.finish_displayhook = lambda: sent.append((hook.data, hook.metadata, {}))
    shell = SimpleNamespace(display_pub=SimpleNamespace(publish=publish), displayhook=hook)
    display._keep_nulls_in_the_browser(shell, js)
    display._keep_nulls_in_the_browser(shell, js)  # a second import wraps nothing twice
    spec = {VEGALITE: {"encoding": {"y": {"sort": None}}}}
    shell.display_pub.publish(data=spec, metadata={}, transient={"display_id": "x"},
                              update=True)
    hook.data = spec
    hook.finish_displayhook()
    shell.display_pub.publish({"text/plain": float("nan")})
    hook.data = {}  # a chart showed itself as two outputs: no result left to send
    hook.finish_displayhook()
    (data, metadata, kwargs), (result, no_metadata, _), (nan, *_) = sent
    assert type(data) is Parsed and data == spec and type(metadata) is Parsed
    assert kwargs == {"transient": {"display_id": "x"}, "update": True}
    assert type(result) is Parsed and result == spec and no_metadata is None
    assert type(nan) is dict  # not JSON: sent as before
    display._keep_nulls_in_the_browser(SimpleNamespace(), js)  # another shell: no change


# Every stored output of every notebook.

def outputs() -> Iterator[tuple[str, int, dict[str, Any]]]:
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for number, cell in enumerate(notebook["cells"]):
            for output in cell.get("outputs", []):
                yield path.name, number, output


def texts(output: dict[str, Any]) -> Iterator[str]:
    if "text" in output:
        yield "".join(output["text"])
    for mime, value in output.get("data", {}).items():
        if mime in ("text/plain", "text/html", "text/markdown"):
            yield "".join(value) if isinstance(value, list) else value


#: A table cell pandas cut short ends in "..." (an ellipsis a sentence may use is "…").
TRUNCATED = re.compile(r"(?<!\.)\.\.\.(?!\.)")
NUMPY_REPR = re.compile(r"np\.(float|int|uint|bool|str)\w*\(")
#: A float printed with its binary noise: 15 or more digits after the point.
FLOAT_NOISE = re.compile(r"\d\.\d*(0000000|9999999)\d{1,3}\b")
MIDNIGHT = re.compile(r"\d{4}-\d\d-\d\d 00:00:00")


@pytest.mark.parametrize(("name", "pattern"), [
    ("text cut short", TRUNCATED), ("a raw numpy repr", NUMPY_REPR),
    ("float noise", FLOAT_NOISE), ("a date with a midnight time", MIDNIGHT),
])
def test_stored_outputs_are_readable(name: str, pattern: re.Pattern[str]) -> None:
    found = [f"{notebook} cell {number}: {match.group(0)!r}"
             for notebook, number, output in outputs() for text in texts(output)
             for match in [pattern.search(text)] if match]
    assert not found, f"{name} in stored outputs: " + "; ".join(found[:5])


def _old_defects() -> list[tuple[re.Pattern[str], str]]:
    return [(TRUNCATED, "NATO: Accession Ceremony Regarded As A Coming ...   "),
            (NUMPY_REPR, "(np.float64(0.0625), 1.5e-05)"), (FLOAT_NOISE, "0.09000000000000002"),
            (FLOAT_NOISE, "0.4999999999999999"), (MIDNIGHT, "as_of  2026-11-24 00:00:00")]


@pytest.mark.parametrize(("pattern", "text"), _old_defects())
def test_the_checks_would_catch_the_old_outputs(pattern: re.Pattern[str], text: str) -> None:
    assert pattern.search(text)


def charts() -> Iterator[tuple[str, int, dict[str, Any]]]:
    for notebook, number, output in outputs():
        spec = output.get("data", {}).get(VEGALITE)
        if spec:
            yield notebook, number, spec


def mark_type(view: dict[str, Any]) -> str:
    return view["mark"]["type"] if isinstance(view["mark"], dict) else view["mark"]


def groups(spec: dict[str, Any], data: Any = None) -> Iterator[tuple[list[dict], Any]]:
    """Each group of views drawn on one plot (a layer, or a lone view), with its data."""
    data = spec.get("data", data)
    if "layer" in spec:
        views = [dict(v, data=v.get("data", data)) for v in spec["layer"] if "mark" in v]
        yield views, data
    elif "mark" in spec:
        yield [dict(spec, data=data)], data
    for key in ("vconcat", "hconcat", "concat"):
        for part in spec.get(key, []):
            yield from groups(part, data)
    if "spec" in spec:
        yield from groups(spec["spec"], data)


def rows(view: dict[str, Any], datasets: dict[str, Any]) -> list[dict[str, Any]]:
    data = view.get("data") or {}
    return datasets.get(data.get("name"), []) if isinstance(data, dict) else []


def shown_fields(views: list[dict[str, Any]]) -> set[str]:
    """Fields a reader can read off the plot: on an axis, in a legend or written out."""
    return {channel.get("field") for view in views
            for name, channel in view.get("encoding", {}).items()
            if name in ("x", "y", "color", "shape", "text", "row", "column")
            and isinstance(channel, dict)}


def hover_only(spec: dict[str, Any]) -> list[str]:
    """Long texts (events, descriptions) a chart's dots show only in their tooltips."""
    datasets = spec.get("datasets", {})
    found = []
    for views, _ in groups(spec):
        visible = shown_fields(views)
        for view in views:
            if mark_type(view) not in ("point", "circle", "square"):
                continue
            tooltip = view.get("encoding", {}).get("tooltip", [])
            table = rows(view, datasets)
            for item in tooltip if isinstance(tooltip, list) else [tooltip]:
                field = item.get("field") if isinstance(item, dict) else None
                values = [str(r.get(field, "")) for r in table]
                if field and field not in visible and values and (
                        sum(map(len, values)) / len(values) > 25):
                    found.append(field)
    return found


def test_no_chart_leaves_its_labels_to_the_tooltip() -> None:
    """A chart may keep long texts in tooltips only if a table beside it (the next code
    cell's output) shows them; otherwise a projector or a static image loses them."""
    found = []
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells):
            for output in cell.get("outputs", []):
                spec = output.get("data", {}).get(VEGALITE)
                if not spec:
                    continue
                if re.search(r"[Hh]over", json.dumps(spec.get("title", ""))):
                    found.append(f"{path.name} cell {number}: its title asks you to hover")
                missing = hover_only(spec)
                later = [c for c in cells[number + 1:number + 4] if c["cell_type"] == "code"]
                beside = any("<table" in "".join(o.get("data", {}).get("text/html", ""))
                             for c in later[:1] for o in c.get("outputs", []))
                if missing and not beside:
                    found.append(f"{path.name} cell {number}: {', '.join(missing)} only on "
                                 "hover, and no table beside the chart")
    assert not found, "; ".join(found)


def test_timelines_label_their_events_with_numbers() -> None:
    """The two event charts that worked only by hover now number every dot (the table
    under each chart gives the numbers in words)."""
    from utils import csto, scenario, views

    for chart, table in ((views.csto.timeline_chart(), csto.timeline_table()),
                         (views.scenario.chart(), scenario.events())):
        spec = chart.to_dict()
        text_marks = [v for views, _ in groups(spec) for v in views
                      if mark_type(v) == "text"
                      and v.get("encoding", {}).get("text", {}).get("field") == "n"]
        assert text_marks, "no numbered labels"
        assert list(table.index) == list(range(1, len(table) + 1))
