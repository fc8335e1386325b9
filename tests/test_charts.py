"""The chart bundle: what each viewer needs, identical on every run."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from utils import charts

ROOT = Path(__file__).resolve().parent.parent

TABLE = pd.DataFrame({"year": [1949, 1952, 1955], "members": [12, 14, 15]})


def small_chart() -> alt.Chart:
    return alt.Chart(TABLE).mark_line().encode(x="year:Q", y="members:Q").properties(
        title=alt.Title("NATO members", subtitle="Three years"),
        description="A line rising from 12 to 15.")


# As after utils.setup(); replayed from the record of passes while nothing it reads has
# changed (tests/record.py).
pytestmark = [pytest.mark.usefixtures("course_charts"), pytest.mark.record]


def test_enable_makes_theme_and_renderer_active() -> None:
    assert alt.renderers.active == "alliance"
    assert alt.theme.active == "alliance"


@pytest.fixture(autouse=True)
def draw_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `python3 course.py execute` draws, PNG included (the test run leaves it out)."""
    monkeypatch.setattr(charts, "PNG", True)


def test_the_test_run_draws_no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "PNG", False)
    data, _ = small_chart()._repr_mimebundle_()
    assert set(data) == {charts.VEGALITE_MIMETYPE, "image/svg+xml", "text/plain"}
    assert os.environ["COURSE_PNG"] == "0"


def test_bundle_has_spec_images_and_text() -> None:
    data, metadata = small_chart()._repr_mimebundle_()
    assert set(data) == {charts.VEGALITE_MIMETYPE, "image/svg+xml", "image/png", "text/plain"}
    assert data["text/plain"] == "Chart: NATO members\nThree years\nA line rising from 12 to 15."
    assert data[charts.VEGALITE_MIMETYPE]["mark"] == {"type": "line"}
    assert data["image/svg+xml"].startswith("<svg")
    assert metadata[charts.VEGALITE_MIMETYPE]["embed_options"]["renderer"] == "svg"
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert image.format == "PNG" and image.width > 300


def test_bundle_is_identical_across_calls() -> None:
    first, _ = small_chart()._repr_mimebundle_()
    second, _ = small_chart()._repr_mimebundle_()
    assert first == second


def test_images_use_the_shipped_font_and_the_theme() -> None:
    data, _ = small_chart()._repr_mimebundle_()
    assert 'font-family="Liberation Sans' in data["image/svg+xml"]
    assert "cdn" not in data["image/svg+xml"].lower()
    assert data[charts.VEGALITE_MIMETYPE]["config"]["range"]["category"] == charts.PALETTE


def test_live_bundle_has_no_images() -> None:
    data, _ = charts.live(small_chart())._repr_mimebundle_()
    assert set(data) == {charts.VEGALITE_MIMETYPE, "text/plain"}


def test_chart_text_forms() -> None:
    assert charts.chart_text({}) == "Chart: (untitled)"
    assert charts.chart_text({"title": "T"}) == "Chart: T"
    assert charts.chart_text({"title": {"text": ["A", "B"], "subtitle": "S"},
                              "description": "D"}) == "Chart: A\nB\nS\nD"


def test_vega_lite_version_is_read_from_the_schema() -> None:
    assert charts._vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json"}
                              ) == "5.20"
    assert charts._vl_version({}) == "6.4"


def test_a_large_svg_is_left_out_and_the_png_kept(monkeypatch) -> None:
    monkeypatch.setattr(charts, "SVG_MAX_CHARS", 100)
    data, _ = small_chart()._repr_mimebundle_()
    assert "image/svg+xml" not in data and "image/png" in data


def test_floats_are_written_with_twelve_significant_digits() -> None:
    # The value an AVX-512 CPU computes for 0.3 ** 4 with numpy, and the one others do:
    # one stored output for both.
    assert charts.portable(0.008099999999999998) == charts.portable(0.0081) == 0.0081
    assert charts.portable({"a": [0.1 + 0.2, 1 / 3]}) == {"a": [0.3, 0.333333333333]}
    assert charts.portable(float("nan")) is None and charts.portable(float("inf")) is None


def test_numpy_and_date_values_become_plain_json() -> None:
    converted = charts.portable({"n": np.int64(5), "x": np.float32(0.5), "b": np.bool_(True),
                                 "t": pd.Timestamp("2001-09-12"), "d": dt.date(2001, 9, 12),
                                 "missing": pd.NaT})
    assert converted == {"n": 5, "x": 0.5, "b": True, "t": "2001-09-12T00:00:00",
                         "d": "2001-09-12T00:00:00", "missing": None}
    assert [type(v) for v in converted.values()][:3] == [int, float, bool]


def test_chart_data_noise_in_the_last_bit_does_not_reach_the_output() -> None:
    def bundle_of(value: float) -> dict:
        frame = pd.DataFrame({"x": [1, 2], "y": [value, 0.5]})
        data, _ = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")._repr_mimebundle_()
        return data
    assert bundle_of(0.008099999999999998) == bundle_of(0.0081)


def test_characters_xml_forbids_are_replaced() -> None:
    assert charts.portable("A\x0cB\x00C\x1b\ufffe\ud800D\tE\n") == "A\ufffdB\ufffdC\ufffd" \
        "\ufffd\ufffdD\tE\n"


def test_a_title_with_control_characters_still_draws() -> None:
    # vl-convert aborted the whole process on such a title (a dead kernel in a notebook).
    chart = small_chart().properties(title="Bad\x0cname\x00 \x1b\x08\ufffe")
    data, _ = chart._repr_mimebundle_()
    assert data["image/svg+xml"].startswith("<svg") and "Bad\ufffdname" in data["text/plain"]


def test_a_failed_drawing_still_shows_the_chart_from_its_spec(monkeypatch) -> None:
    class Panic(BaseException):  # what a Rust panic inside vl-convert raises
        pass

    def panic(*args, **kwargs):
        raise Panic("drawing failed")
    monkeypatch.setattr(charts.vlc, "vegalite_to_svg", panic)
    data, _ = small_chart()._repr_mimebundle_()
    assert set(data) == {charts.VEGALITE_MIMETYPE, "text/plain"}
    assert data["text/plain"].endswith("(No static image: Panic.)")


def test_images_are_drawn_in_utc() -> None:
    spec = {"data": {"values": [{"date": "2001-09-12T00:00:00", "year": 2001}]},
            "encoding": {"x": {"field": "date", "type": "temporal", "timeUnit": "year"},
                         "x2": {"field": "end", "type": "temporal"},
                         "y": {"datum": {"year": 2003, "month": 3}},
                         "tooltip": [{"field": "date", "type": "temporal"}]},
            "transform": [{"timeUnit": {"unit": "month"}, "field": "date", "as": "m"}]}
    utc = charts.in_utc(spec)
    assert utc["data"] == {"values": [{"date": "2001-09-12T00:00:00Z", "year": 2001}]}
    assert utc["encoding"]["x"] == {"field": "date", "type": "temporal",
                                    "timeUnit": "utcyear", "scale": {"type": "utc"}}
    # x2 shares the x scale; it and the tooltip are written in UTC through a time unit
    assert utc["encoding"]["x2"] == {"field": "end", "type": "temporal",
                                     "timeUnit": "utcyearmonthdatehoursminutesseconds"}
    assert utc["encoding"]["tooltip"][0]["timeUnit"] == "utcyearmonthdatehoursminutesseconds"
    assert utc["encoding"]["y"]["datum"] == {"year": 2003, "month": 3, "utc": True}
    assert utc["transform"][0]["timeUnit"] == {"unit": "month", "utc": True}


def time_chart() -> alt.Chart:
    dates = pd.DataFrame({"d": pd.to_datetime(["2001-03-25", "2014-10-27", "2022-06-01"]),
                          "v": [1, 2, 3]})
    return alt.Chart(dates).mark_point().encode(x="d:T", y="v:Q")


def test_a_time_chart_draws_the_same_in_every_timezone() -> None:
    # vl-convert reads the timezone once, when it starts: so each other zone needs a
    # process; this one draws in the machine's own zone.
    code = ("import utils\nutils.setup()\nfrom tests.test_charts import time_chart\n"
            "print(time_chart()._repr_mimebundle_()[0]['image/svg+xml'], end='')")
    svgs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "TZ": zone}, check=True, cwd=ROOT).stdout
            for zone in ("America/New_York", "Pacific/Kiritimati")]
    here = time_chart()._repr_mimebundle_()[0]["image/svg+xml"]
    assert here.startswith("<svg") and svgs == [here, here]


def test_a_chart_whose_data_lives_elsewhere_fetches_nothing() -> None:
    """vl-convert would fetch a data URL itself, past the offline guard on Python's
    sockets: the course lets it fetch nothing, and the chart shows from its spec."""
    import http.server
    import threading

    asked: list[str] = []

    class Server(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"a\n1\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                "data": {"url": f"http://127.0.0.1:{server.server_port}/d.csv"},
                "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}
        data, _ = charts.bundle(spec)
    finally:
        server.shutdown()
    assert asked == []
    assert "image/svg+xml" not in data and "(No static image" in data["text/plain"]


#: Draws small_chart() under a limit on address space (as `ulimit -v`, in KiB, sets it) and
#: prints its bundle as JSON.
UNDER_LIMIT = """
import json, resource, sys
limit = int(sys.argv[1]) * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import utils
utils.setup()
from tests.test_charts import small_chart
print(json.dumps(small_chart()._repr_mimebundle_()[0]))
"""


def draw_under_limit(kib: int) -> dict[str, object]:
    import json
    run = subprocess.run([sys.executable, "-c", UNDER_LIMIT, str(kib)], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "COURSE_PNG": "1"},
                         timeout=120)
    assert run.returncode == 0, f"exit code {run.returncode}: {run.stderr[-600:]}"
    return json.loads(run.stdout)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="address-space limits are POSIX")
def test_a_hubs_memory_limit_leaves_the_chart_drawn_from_its_spec() -> None:
    """vl-convert's JavaScript engine reserves tens of GB of address space as it starts and
    aborted the whole process (a dead kernel) under `ulimit -v 3000000`, a hub's usual kind
    of limit: now the chart keeps its spec (JupyterLab draws it) and says why it has no
    static image."""
    data = draw_under_limit(3_000_000)
    assert set(data) == {charts.VEGALITE_MIMETYPE, "text/plain"}
    assert data[charts.VEGALITE_MIMETYPE]["mark"] == {"type": "line"}
    assert data["text/plain"] == ("Chart: NATO members\nThree years\nA line rising from 12 to "
                                  "15.\n" + charts.NO_ROOM_NOTE)


def test_under_a_roomy_limit_the_images_are_the_ones_drawn_without_one(monkeypatch) -> None:
    """Under a limit vl-convert fits in (it needs about 70 GB), charts are drawn in a
    process of their own, and the images are the ones drawn here."""
    here, _ = small_chart()._repr_mimebundle_()
    monkeypatch.setattr(charts, "address_space_limited", lambda: True)
    there, _ = small_chart()._repr_mimebundle_()
    assert there == here and "image/svg+xml" in there


def test_a_drawing_that_dies_is_tried_once_and_noted(monkeypatch, tmp_path) -> None:
    """vl-convert's abort kills its process with a signal: the chart says why it has no
    image, and later charts do not start another process that would die the same way."""
    dies = tmp_path / "dies.py"
    dies.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGABRT)\n")
    monkeypatch.setattr(charts, "address_space_limited", lambda: True)
    monkeypatch.setattr(charts, "DRAW_SVG", dies)
    monkeypatch.setattr(charts, "_no_room", False)
    starts = []
    real_run = subprocess.run
    monkeypatch.setattr(charts.subprocess, "run", lambda *a, **k: starts.append(a)
                        or real_run(*a, **k))
    for _ in range(2):
        data, _ = small_chart()._repr_mimebundle_()
        assert set(data) == {charts.VEGALITE_MIMETYPE, "text/plain"}
        assert data["text/plain"].endswith("\n" + charts.NO_ROOM_NOTE)
    assert len(starts) == 1


def test_a_drawing_that_fails_in_its_process_is_named(monkeypatch, tmp_path) -> None:
    fails = tmp_path / "fails.py"
    fails.write_text("raise ValueError('unknown mark')\n")
    monkeypatch.setattr(charts, "address_space_limited", lambda: True)
    monkeypatch.setattr(charts, "DRAW_SVG", fails)
    monkeypatch.setattr(charts, "_no_room", False)
    with pytest.raises(RuntimeError, match="ValueError: unknown mark"):
        charts.svg({"mark": "point"}, "5.20")
    assert charts._no_room is False


def test_the_drawing_script_draws_what_charts_draws(monkeypatch) -> None:
    """utils/_draw_svg.py, which draws in a process of its own, run here: the same SVG."""
    import importlib
    import json

    draw = importlib.import_module("utils._draw_svg")
    spec = charts.in_utc(charts.portable(small_chart().to_dict()))
    job = json.dumps({"spec": spec, "vl_version": "6.4", "fonts": str(charts.FONT_DIR)})
    out = io.BytesIO()
    monkeypatch.setattr(draw.sys, "stdin", io.TextIOWrapper(io.BytesIO(job.encode())))
    monkeypatch.setattr(draw.sys, "stdout", io.TextIOWrapper(out))
    draw.main()
    draw.sys.stdout.flush()
    assert out.getvalue().decode("utf-8") == charts.svg(spec, "6.4")


# --- the text alternative ---------------------------------------------------------------

def step_chart() -> alt.LayerChart:
    """Members per year of two alliances (a step line), with a reference rule."""
    counts = pd.DataFrame({"year": [1949, 1950, 1951, 1952, 1992, 1993],
                           "members": [12, 12, 12, 14, 6, 9],
                           "alliance": ["NATO"] * 4 + ["CST"] * 2})
    lines = alt.Chart(counts).mark_line(interpolate="step-after").encode(
        x=alt.X("year:Q", title="Year"), y=alt.Y("members:Q", title="Member states"),
        color="alliance:N")
    rule = alt.Chart(pd.DataFrame({"year": [1999]})).mark_rule().encode(x="year:Q")
    return (lines + rule).properties(title="Members", description="NATO grows from 12 to 14.")


def test_the_text_alternative_gives_the_changes_of_a_step_line() -> None:
    """Hand-read from the data: NATO's 1950 and 1951 rows repeat 1949 but for the year,
    so four of the six rows are left; the rule's lone field makes no table."""
    (table,) = charts.data_tables(charts.text_alternative(step_chart()).spec)
    assert table["columns"] == ["Year", "alliance", "Member states"]
    assert table["rows"] == [["1949", "NATO", "12"], ["1952", "NATO", "14"],
                             ["1992", "CST", "6"], ["1993", "CST", "9"]]
    assert (table["total"], table["skipped"]) == (4, 2)


def test_the_text_alternative_counts_what_a_bar_chart_counts() -> None:
    evidence = pd.DataFrame({"claim": ["A", "A", "B", "A"],
                             "direction": ["supports", "supports", "challenges", "qualifies"]})
    chart = alt.Chart(evidence).mark_bar().encode(
        x=alt.X("count():Q", title="Pieces of evidence"), y="claim:N", color="direction:N")
    (table,) = charts.text_alternative(chart).tables
    assert table["columns"] == ["claim", "direction", "Pieces of evidence"]
    assert table["rows"] == [["A", "supports", "2"], ["B", "challenges", "1"],
                             ["A", "qualifies", "1"]]


def test_the_text_alternative_is_a_live_sentence_and_a_table_with_headers() -> None:
    shown = charts.text_alternative(step_chart())._repr_mimebundle_()
    page = shown["text/html"]
    assert page.startswith('<div class="course-chart-text"><p role="status" '
                           'aria-live="polite">NATO grows from 12 to 14.</p><details>')
    assert '<th scope="col">Year</th>' in page and '<th scope="row">1952</th>' in page
    assert "only the year differs" in page
    assert shown["text/plain"].splitlines()[:3] == [
        "NATO grows from 12 to 14.", "Year | alliance | Member states", "1949 | NATO | 12"]


def test_a_chart_in_a_notebook_is_shown_with_its_text_alternative() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    charts.enable()
    with capture_output() as shown:
        shell.run_cell("from tests.test_charts import step_chart\nstep_chart()")
    kinds = [sorted(o.data) for o in shown.outputs]
    assert kinds[0][0] == charts.VEGALITE_MIMETYPE and kinds[1] == ["text/html", "text/plain"]
    assert len(kinds) == 2


def test_a_mark_that_encodes_no_field_is_silent_for_screen_readers() -> None:
    """A map's outlines (a geoshape with no field) would be an unnamed graphic in Lab's SVG
    (axe's svg-img-alt); the fills, which encode a field, keep their names."""
    spec = {"layer": [{"mark": "geoshape", "encoding": {"color": {"field": "status"}}},
                      {"mark": {"type": "geoshape", "stroke": "#000000"}}]}
    silent = charts.unnamed_marks_silent(spec)
    assert silent["layer"] == [
        {"mark": "geoshape", "encoding": {"color": {"field": "status"}}},
        {"mark": {"type": "geoshape", "stroke": "#000000", "aria": False}}]
    data, _ = charts.bundle(spec, images=False)
    assert data[charts.VEGALITE_MIMETYPE]["layer"][1]["mark"]["aria"] is False
