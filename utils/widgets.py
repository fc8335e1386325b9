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

A mistake in the input (a :class:`~utils.errors.CourseError`) is shown as a short
message in place of the outputs, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import ipywidgets as w
from IPython.display import DisplayHandle, Markdown, display

from utils import charts, checks
from utils.errors import CourseError, message_markdown

LABEL_STYLE = {"description_width": "initial"}
EMPTY = Markdown("")


class Controls(w.VBox):
    """A box of labelled controls whose text form says how to use them.

    JupyterLab draws the controls; everywhere else (GitHub, the static site, a
    notebook reopened before it is run) the text below stands in for them.
    """

    def __init__(self, controls: Sequence[w.Widget], note: str) -> None:
        super().__init__(children=list(controls))
        self.note = note

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        names = ", ".join(getattr(c, "description", "") or type(c).__name__
                          for c in self.children)
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = (f"[Interactive controls: {names}. Run this cell in JupyterLab "
                              f"to use them.] {self.note}")
        return data


LAYOUT = {"width": "520px"}


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
    checks.one_of("The drop-down's starting value", value, options)
    return w.Dropdown(options=[(label, key) for key, label in options.items()], value=value,
                      description=description, style=LABEL_STYLE)


def outputs(compute: Callable[..., Sequence[Any]], values: Mapping[str, Any],
            *, live: bool) -> list[Any]:
    """What to show for these control values: compute's result, or a friendly message.

    With ``live=True`` charts are sent without their static images (faster redraws).
    """
    try:
        results = list(compute(**values))
    except CourseError as error:
        return [Markdown(message_markdown(error))]
    if live:
        results = [charts.live(r) if isinstance(r, alt.TopLevelMixin | charts.VegaLite) else r
                   for r in results]
    return results


def show(compute: Callable[..., Sequence[Any]], controls: Mapping[str, w.ValueWidget],
         note: str) -> None:
    """Display the controls and compute's outputs, and redraw them on every change."""
    box = Controls(list(controls.values()), note)
    display(box)
    first = outputs(compute, current(controls), live=False)
    handles: list[DisplayHandle] = [display(item, display_id=True) for item in first]

    def redraw(change: Any = None) -> None:
        new = outputs(compute, current(controls), live=True)
        new += [EMPTY] * (len(handles) - len(new))
        for handle, item in zip(handles, new, strict=False):
            handle.update(item)

    for control in controls.values():
        control.observe(redraw, names="value")


def current(controls: Mapping[str, w.ValueWidget]) -> dict[str, Any]:
    """The controls' values, by argument name."""
    return {name: control.value for name, control in controls.items()}
