"""The chart bundle: what each viewer needs, identical on every run."""

from __future__ import annotations

import base64
import io

import altair as alt
import pandas as pd
from PIL import Image

import utils  # noqa: F401  (importing utils enables the course renderer)
from utils import charts

TABLE = pd.DataFrame({"year": [1949, 1952, 1955], "members": [12, 14, 15]})


def small_chart() -> alt.Chart:
    return alt.Chart(TABLE).mark_line().encode(x="year:Q", y="members:Q").properties(
        title=alt.Title("NATO members", subtitle="Three years"),
        description="A line rising from 12 to 15.")


def test_importing_utils_enables_theme_and_renderer() -> None:
    assert alt.renderers.active == "alliance"
    assert alt.theme.active == "alliance"


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
