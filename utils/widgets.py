"""What every notebook's widgets share: a thin shell around a pure function.

A widget section in this course is written as::

    widgets.show(compute, {"year": widgets.year_slider(...)}, "...")

``compute`` is a pure function from plain arguments to a tuple of things to show
(Altair charts, Markdown, tables). :func:`show` displays the controls, then the
outputs for the default values, and redraws the outputs in place whenever a control
moves. The widget holds no logic of its own, so the tests test ``compute``.

The outputs are ordinary notebook outputs (display handles), not an Output widget. So
the default result is stored in the notebook, and shows on GitHub, in the static HTML
export and in JupyterLab before anything is run. The controls themselves say, as text,
how to use them live: see :class:`Controls`.

Every chart is shown as two outputs, the chart and its text alternative
(:func:`utils.charts.text_alternative`): a sentence in a live region, which a screen reader
announces when a control moves and the chart is redrawn, and the chart's numbers as a table.

A mistake in the input (a :class:`~utils.errors.CourseError`), or a broken data file (a
:class:`~utils.errors.DataError`), is shown as a short message in place of the outputs,
never as a traceback.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import ipywidgets as w
from IPython.display import DisplayHandle, Markdown, display

from utils import charts, checks
from utils.errors import CourseError, DataError, message_markdown

__all__ = ["CONTROLS_MARK", "CONTROLS_SCRIPT", "EMPTY", "LABEL_STYLE", "LAYOUT", "RESERVE",
           "STAND_IN_MIMETYPE",
           "Controls", "check_controls", "check_values", "choice", "current", "float_slider",
           "int_slider", "outputs", "show", "text_area", "year_slider"]


class _Message(Markdown):
    """A message shown in place of the outputs (bad input, or a broken data file)."""


LABEL_STYLE = {"description_width": "initial"}
EMPTY = Markdown("")
#: Places kept for the outputs when the first render is a message and compute's return
#: annotation does not say how many it shows.
RESERVE = 3


class Controls(w.VBox):
    """A box of labelled controls whose text form says how to use them.

    JupyterLab draws the controls; everywhere else (GitHub, the static site, a
    notebook reopened before it is run) the text below stands in for them.
    """

    def __init__(self, controls: Sequence[w.Widget], note: str) -> None:
        if isinstance(controls, (str, bytes)) or not isinstance(controls, Sequence) \
                or not all(isinstance(c, w.Widget) for c in controls):
            raise CourseError(f"The controls must be a list of widgets such as year_slider(...), "
                              f"not {checks.shown(controls)}.")
        super().__init__(children=list(controls))
        self.note = checks.text("The note under the controls", note, 2_000)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        names = [getattr(c, "description", "") or type(c).__name__ for c in self.children]
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = (f"[Interactive controls: {', '.join(names)}. Run this cell in "
                              f"JupyterLab to use them.] {self.note}")
        data[STAND_IN_MIMETYPE] = {"kind": "controls", "controls": names, "note": self.note}
        return data


LAYOUT = {"width": "520px"}

#: What the course's editions without live controls (the site, the slides, the instructor
#: guide) show for a widget's output, as a part of the output's MIME bundle:
#: ``{"kind": "controls", "controls": [label, …], "note": "…"}`` for the controls (the
#: names of the controls and the note under them), ``{"kind": "live-only"}`` for an output
#: that serves the live controls only (the editions leave it out).
STAND_IN_MIMETYPE = "application/vnd.alliance-decisions.widget+json"

#: Marks the style and script of :data:`CONTROLS_SCRIPT`.
CONTROLS_MARK = 'data-course="controls"'
#: What ipywidgets 8 and JupyterLab leave undone for a screen reader and a keyboard, done by
#: a script shown under the controls, for the controls of its own output area (now, and
#: whenever they are drawn again). A notebook runs it only where it is trusted, i.e. where its
#: cells have run: where the controls are live.
#:
#: * Names: ipywidgets names a drop-down or a text box by its label (``<label for>``), so a
#:   screen reader says "Rule, combo box"; a slider it does not: its handle
#:   (``role="slider"``) and its readout carry no name, and a screen reader says only
#:   "slider, 32". Each is named by its label.
#: * Arrow keys: on a drop-down, JupyterLab takes the arrow keys for moving between cells (a
#:   drop-down is not a text field, so the notebook stays in command mode): the choice never
#:   changes and the selected cell moves instead. They are kept for the drop-down.
#: * Focus: a slider's handle shows no sign of the keyboard's focus; every control gets the
#:   outline the site, the slides and the council draw.
CONTROLS_SCRIPT = f"""<style {CONTROLS_MARK}>
.jp-OutputArea .jupyter-widgets .noUi-handle:focus-visible,
.jp-OutputArea .jupyter-widgets .widget-readout:focus-visible,
.jp-OutputArea .jupyter-widgets select:focus-visible,
.jp-OutputArea .jupyter-widgets textarea:focus-visible,
.jp-OutputArea .jupyter-widgets input:focus-visible,
.jp-OutputArea .jupyter-widgets button:focus-visible {{
  outline: 3px solid #0b4f9c !important; outline-offset: 2px !important; }}
</style><script {CONTROLS_MARK}>(function () {{
  var me = document.currentScript;
  var area = (me && me.closest('.jp-OutputArea')) || document.body;
  function name() {{
    area.querySelectorAll('.widget-slider').forEach(function (slider) {{
      var label = slider.querySelector('.widget-label');
      var words = label ? label.textContent.trim() : '';
      if (!words) {{ return; }}
      slider.querySelectorAll('[role=slider]').forEach(function (handle) {{
        handle.setAttribute('aria-label', words); }});
      slider.querySelectorAll('.widget-readout').forEach(function (readout) {{
        readout.setAttribute('role', 'textbox');
        readout.setAttribute('aria-label', words + ' (type a value)'); }});
    }});
  }}
  name();
  new MutationObserver(name).observe(area, {{childList: true, subtree: true}});
  area.addEventListener('keydown', function (event) {{
    if (event.target.tagName === 'SELECT' &&
        /^(Arrow(Up|Down|Left|Right)|Home|End|Page(Up|Down))$/.test(event.key)) {{
      event.stopPropagation();
    }}
  }});
}})();</script>"""


def year_slider(start: int, end: int, value: int, description: str = "Year") -> w.IntSlider:
    """A labelled slider over whole years."""
    return int_slider(description, start, end, value)


def int_slider(description: str, low: int, high: int, value: int) -> w.IntSlider:
    """A labelled slider over whole numbers from `low` to `high`."""
    description = checks.text("A slider's label", description)
    low = checks.whole("The slider's lowest value", low, -10**9, 10**9)
    high = checks.whole("The slider's highest value", high, low, 10**9)
    value = checks.whole("The slider's starting value", value, low, high)
    return w.IntSlider(value=value, min=low, max=high, step=1, description=description,
                       continuous_update=False, style=LABEL_STYLE, layout=w.Layout(**LAYOUT))


def float_slider(description: str, low: float, high: float, value: float,
                 step: float) -> w.FloatSlider:
    """A labelled slider over numbers from `low` to `high` in steps of `step`."""
    description = checks.text("A slider's label", description)
    low = checks.number("The slider's lowest value", low, -1e9, 1e9)
    high = checks.number("The slider's highest value", high, low, 1e9)
    value = checks.number("The slider's starting value", value, low, high)
    step = checks.number("The slider's step", step, 1e-9, max(high - low, 1e-9))
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         continuous_update=False, style=LABEL_STYLE,
                         layout=w.Layout(**LAYOUT))


def text_area(description: str, value: str, rows: int = 8) -> w.Textarea:
    """A labelled box for pasting text (e.g. a class's CSV); what is typed stays in it."""
    description = checks.text("The box's label", description)
    value = checks.text("The box's text", value)
    rows = checks.whole("The box's number of rows", rows, 1, 200)
    return w.Textarea(value=value, description=description, rows=rows,
                      continuous_update=False, style=LABEL_STYLE,
                      layout=w.Layout(width="680px"))


def choice(description: str, options: Mapping[str, str], value: str) -> w.Dropdown:
    """A labelled drop-down; `options` maps each value to the words shown for it."""
    description = checks.text("The drop-down's label", description)
    options = checks.mapping("The drop-down's options", options)
    if not options or not all(isinstance(k, str) and isinstance(v, str)
                              for k, v in options.items()):
        raise CourseError("The drop-down's options must map words to words, such as "
                          f"{{'median': 'the median ally'}}; not {checks.shown(options)}.")
    checks.one_of("The drop-down's starting value", value, options)
    return w.Dropdown(options=[(label, key) for key, label in options.items()], value=value,
                      description=description, style=LABEL_STYLE)


def outputs(compute: Callable[..., Sequence[Any]], values: Mapping[str, Any],
            *, live: bool) -> list[Any]:
    """What to show for these control values: compute's result, or a friendly message.

    With ``live=True`` charts are sent without their static images (faster redraws).
    """
    return _outputs(compute, check_values(compute, values), checks.yes_no("live", live))


def _outputs(compute: Callable[..., Sequence[Any]], values: dict[str, Any],
             live: bool) -> list[Any]:
    """:func:`outputs` for arguments compute takes (checked once, by whoever collected them)."""
    try:
        results = compute(**values)
    except (CourseError, DataError) as error:
        return [_Message(message_markdown(error))]
    if isinstance(results, (str, bytes)) or not isinstance(results, Sequence):
        raise CourseError(f"The compute function must return a tuple of things to show, not "
                          f"{checks.shown(results)}.")
    results = list(results)
    if live:
        results = [charts.live(r) if isinstance(r, alt.TopLevelMixin | charts.VegaLite) else r
                   for r in results]
    return results


def check_values(compute: object, values: object) -> dict[str, Any]:
    """The arguments for compute, if it is a function that takes them."""
    if not callable(compute):
        raise CourseError(f"Give a function to compute the outputs, not {checks.shown(compute)}.")
    values = dict(checks.mapping("The control values", values))
    try:
        inspect.signature(compute).bind(**values)
    except (TypeError, ValueError):
        raise CourseError(f"The function {checks.shown(compute)} does not take the arguments "
                          f"{', '.join(map(checks.shown, values)) or '(none)'}.") from None
    return values


class _Shown:
    """One output given as its MIME bundle (a chart, or a chart's text alternative)."""

    def __init__(self, data: dict[str, Any], metadata: dict[str, Any]) -> None:
        self.data, self.metadata = data, metadata

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.data, self.metadata


def _is_chart(item: object) -> bool:
    return isinstance(item, alt.TopLevelMixin | charts.VegaLite)


def _places(items: list[Any]) -> list[Any]:
    """The outputs to show for compute's results: each chart as two (the chart and its
    text alternative), everything else as it is."""
    places: list[Any] = []
    for item in items:
        places += [_Shown(*shown) for shown in charts.outputs(item)] if _is_chart(item) \
            else [item]
    return places


def _slots(compute: Callable[..., Any], first: list[Any]) -> int:
    """How many outputs to reserve: as many as the first render shows, unless that was a
    message; then as many as compute's return annotation names (tuple[A, B] is two, a
    chart counting twice, for its text alternative), or RESERVE."""
    if not (len(first) == 1 and isinstance(first[0], _Message)):
        return len(_places(first))
    try:
        returned = typing.get_type_hints(compute).get("return")
    except Exception:
        returned = None
    arguments = typing.get_args(returned) if typing.get_origin(returned) is tuple else ()
    if arguments and Ellipsis not in arguments:
        return sum(2 if isinstance(a, type) and issubclass(a, alt.TopLevelMixin | charts.VegaLite)
                   else 1 for a in arguments)
    return RESERVE


def show(compute: Callable[..., Sequence[Any]], controls: Mapping[str, w.ValueWidget],
         note: str) -> None:
    """Display the controls and compute's outputs, and redraw them on every change.

    The outputs take as many places as the first render has, so that later renders show
    all theirs even when the first was a message about bad input (see :func:`_slots`).
    """
    controls = check_controls(controls)
    box = Controls(list(controls.values()), note)
    # The controls' names, hence compute's arguments, are fixed from here on: checked once.
    check_values(compute, _current(controls))
    display(box)
    display({"text/html": CONTROLS_SCRIPT, "text/plain": "",
             STAND_IN_MIMETYPE: {"kind": "live-only"}}, raw=True)
    results = _outputs(compute, _current(controls), live=False)
    first = _places(results)
    first += [EMPTY] * (_slots(compute, results) - len(first))
    handles: list[DisplayHandle] = [display(item, display_id=True) for item in first]

    def redraw(change: Any = None) -> None:
        new = _places(_outputs(compute, _current(controls), live=True))
        if len(new) > len(handles):
            new[len(handles) - 1:] = [Markdown("(More outputs than places: run the cell again "
                                               "to see them all.)")]
        new += [EMPTY] * (len(handles) - len(new))
        for handle, item in zip(handles, new, strict=True):
            handle.update(item)

    for control in controls.values():
        control.observe(redraw, names="value")


def check_controls(controls: object) -> Mapping[str, w.ValueWidget]:
    """Controls by argument name, e.g. {"year": year_slider(...)}, or a CourseError."""
    controls = checks.mapping("The controls", controls, 50, "{'year': year_slider(...)}")
    if not all(isinstance(name, str) and name.isidentifier() for name in controls) \
            or not all(isinstance(c, w.ValueWidget) for c in controls.values()):
        raise CourseError("The controls must map argument names to widgets, such as "
                          f"{{'year': year_slider(1949, 2026, 1999)}}; not "
                          f"{checks.shown(controls)}.")
    return controls


def current(controls: Mapping[str, w.ValueWidget]) -> dict[str, Any]:
    """The controls' values, by argument name."""
    return _current(check_controls(controls))


def _current(controls: Mapping[str, w.ValueWidget]) -> dict[str, Any]:
    return {name: control.value for name, control in controls.items()}
