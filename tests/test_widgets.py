"""The widget shell: default outputs, redraws on change, messages instead of tracebacks."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import Markdown
from IPython.utils.capture import capture_output

from utils import charts, widgets
from utils.errors import CourseError


def compute(year: int) -> tuple[alt.Chart, Markdown]:
    if year < 1949:
        raise CourseError("Choose a year from 1949.")
    chart = alt.Chart(pd.DataFrame({"x": [year]})).mark_point().encode(x="x:Q").properties(
        title=f"Year {year}")
    return chart, Markdown(f"The year is {year}.")


@pytest.fixture(scope="module")
def shell(course_charts: None) -> InteractiveShell:
    """IPython, with the course's chart renderer as in a notebook after utils.setup()."""
    return InteractiveShell.instance()


def test_outputs_pass_results_through() -> None:
    chart, text = widgets.outputs(compute, {"year": 1990}, live=False)
    assert isinstance(chart, alt.Chart) and text.data == "The year is 1990."


def test_outputs_live_send_charts_without_images() -> None:
    chart, _ = widgets.outputs(compute, {"year": 1990}, live=True)
    data, _ = chart._repr_mimebundle_()
    assert set(data) == {charts.VEGALITE_MIMETYPE, "text/plain"}


def test_a_course_error_becomes_a_message() -> None:
    (message,) = widgets.outputs(compute, {"year": 1900}, live=True)
    assert message.data == "**Cannot do that:** Choose a year from 1949."


def test_controls_describe_themselves_as_text() -> None:
    box = widgets.Controls([widgets.year_slider(1949, 2026, 1999)], "Move it.")
    text = box._repr_mimebundle_()["text/plain"]
    assert text == ("[Interactive controls: Year. Run this cell in JupyterLab to use them.] "
                    "Move it.")


def test_controls_tell_the_editions_what_stands_in_for_them() -> None:
    """The site, slides and guide read a widget's stand-in from its MIME bundle."""
    box = widgets.Controls([widgets.year_slider(1949, 2026, 1999),
                            widgets.int_slider("Allies", 2, 40, 32)], "Move it.")
    assert box._repr_mimebundle_()[widgets.STAND_IN_MIMETYPE] == {
        "kind": "controls", "controls": ["Year", "Allies"], "note": "Move it."}


def test_year_slider_is_labelled_and_bounded() -> None:
    slider = widgets.year_slider(1949, 2026, 1999, "Year")
    assert (slider.min, slider.max, slider.value, slider.description) == (1949, 2026, 1999,
                                                                          "Year")


def test_show_displays_defaults_then_redraws_in_place(shell: InteractiveShell) -> None:
    slider = widgets.year_slider(1949, 2026, 1990)
    with capture_output() as shown:
        widgets.show(compute, {"year": slider}, "Move it.")
    texts = [o.data.get("text/plain", "") for o in shown.outputs]
    assert texts[0].startswith("[Interactive controls: Year.")
    assert shown.outputs[1].data["text/html"] == widgets.CONTROLS_SCRIPT
    assert shown.outputs[1].data[widgets.STAND_IN_MIMETYPE] == {"kind": "live-only"}
    assert texts[2] == "Chart: Year 1990"
    assert "image/svg+xml" in shown.outputs[2].data
    with capture_output() as redrawn:
        slider.value = 2000
    assert [o.data["text/plain"] for o in redrawn.outputs] == [
        "Chart: Year 2000", "Chart: Year 2000",
        "<IPython.core.display.Markdown object>"]
    assert redrawn.outputs[2].data["text/markdown"] == "The year is 2000."


def test_a_redraw_is_announced_in_a_live_region(shell: InteractiveShell) -> None:
    """Under each chart, its text alternative: the sentence in a live region (a screen
    reader reads it out when it changes), so a redraw is not silent."""
    slider = widgets.year_slider(1949, 2026, 1990)
    with capture_output() as shown:
        widgets.show(compute, {"year": slider}, "Move it.")
    with capture_output() as redrawn:
        slider.value = 2001
    for outputs, year in ((shown.outputs[3], 1990), (redrawn.outputs[1], 2001)):
        assert outputs.data["text/html"].startswith(
            f'<div class="course-chart-text"><p role="status" aria-live="polite">'
            f"Chart: Year {year}</p>")


def test_show_replaces_outputs_by_a_message_on_bad_input(shell: InteractiveShell) -> None:
    slider = widgets.year_slider(1900, 2026, 1990)
    with capture_output():
        widgets.show(compute, {"year": slider}, "Move it.")
    with capture_output() as failed:
        slider.value = 1920
    assert failed.outputs[0].data["text/markdown"] == (
        "**Cannot do that:** Choose a year from 1949.")
    assert failed.outputs[1].data["text/markdown"] == ""


def test_a_first_render_that_is_a_message_keeps_places_for_every_output(
        shell: InteractiveShell) -> None:
    # Before: the places were fixed by the first render; after a message, one was left,
    # so the chart came back without its words.
    slider = widgets.year_slider(1900, 2026, 1920)
    with capture_output() as first:
        widgets.show(compute, {"year": slider}, "Move it.")
    assert [o.data.get("text/markdown") for o in first.outputs[2:]] == [
        "**Cannot do that:** Choose a year from 1949.", "", ""]
    with capture_output() as redrawn:
        slider.value = 2000
    assert [o.data["text/plain"].split("\n")[0] for o in redrawn.outputs] == [
        "Chart: Year 2000", "Chart: Year 2000", "<IPython.core.display.Markdown object>"]
    assert redrawn.outputs[2].data["text/markdown"] == "The year is 2000."


def unannotated(year: int):
    return compute(year)


def test_without_an_annotation_the_places_are_the_reserve(shell: InteractiveShell) -> None:
    slider = widgets.year_slider(1900, 2026, 1920)
    with capture_output() as first:
        widgets.show(unannotated, {"year": slider}, "Move it.")
    assert len(first.outputs) == 2 + widgets.RESERVE  # the controls, their script


@pytest.mark.parametrize(("call", "message"), [
    (lambda: widgets.show(None, {}, "n"), "Give a function"),
    (lambda: widgets.show(compute, None, "n"), "The controls must be a dictionary"),
    (lambda: widgets.show(compute, {"year": 5}, "n"), "must map argument names to widgets"),
    (lambda: widgets.show(compute, {"month": widgets.year_slider(1949, 2026, 1999)}, "n"),
     "does not take the arguments 'month'"),
    (lambda: widgets.choice("d", {None: None}, "None"), "must map words to words"),
    (lambda: widgets.outputs(lambda year: 5, {"year": 1}, live=True), "must return a tuple"),
])
def test_a_widget_built_wrongly_gets_a_message(call: Any, message: str) -> None:
    with pytest.raises(CourseError, match=message):
        call()
