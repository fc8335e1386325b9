"""Predict, then see: an answer that appears only once the student has committed to a guess.

A "reveal" cell of the course (tagged ``reveal``) ends with::

    reveal.after_prediction("Your verdict on each claim, and why:", answers_table)

In JupyterLab this shows the prompt, a box for the prediction (or a set of choices) and a
button, "Show the answer". The answer appears below only after the student has written
something (or picked a choice); the prediction is then locked, shown beside the answer and
recorded for the session (:func:`predictions`).

Nothing of the answer is in what the cell shows before that. Its stored output is the
prompt as text (what JupyterLab, GitHub and nbconvert display) plus the answer in a MIME
type of the course's own, :data:`MIMETYPE`, that no viewer displays: the static site
(``python3 course.py site``) puts it behind its own prediction box, and the student
edition (``python3 course.py student``) removes it, so a student's copy holds no answer
at all until the cell runs.

:func:`after_prediction` checks what the notebook gives it, once; the rest trusts it. The
logic is in pure functions (:func:`_commit`, :func:`_payload`, :func:`_placeholder`);
:class:`_Prediction` is the thin widget shell over them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import ipywidgets as w
import pandas as pd

from utils import charts, checks
from utils.errors import CourseError

__all__ = ["MIMETYPE", "after_prediction", "predictions"]

#: The MIME type carrying the hidden answer in a reveal cell's stored output.
MIMETYPE = "application/vnd.alliance-decisions.reveal+json"
#: What a stored answer may carry (the live widget view and scripts are left out).
_ANSWER_TYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png",
                "application/vnd.vegalite.v5+json", "text/plain")
_BUTTON = "Show the answer"
_RECORD: list[dict[str, str]] = []


def _commit(prediction: object, choices: list[str] | None = None) -> str:
    """The prediction as it will be recorded, or a CourseError saying what is missing.

    Free text must hold at least one word; with `choices`, the prediction must be one
    of them.
    """
    if choices is not None:
        if prediction is None or prediction == "":
            raise CourseError("Pick one of the choices first: the answer appears once "
                              "you have committed to one.")
        return checks.one_of("Your prediction", prediction, choices)
    text = checks.text("Your prediction", prediction).strip()
    if not any(ch.isalnum() for ch in text):
        raise CourseError("Write your prediction in the box first (a few words are "
                          "enough): the answer appears once you have committed to one.")
    return text


def _placeholder(prompt: str, choices: list[str] | None) -> str:
    """The text that stands in for the prediction box where it cannot be used."""
    how = ("pick a choice" if choices else "write your prediction in the box")
    options = f" Choices: {', '.join(choices)}." if choices else ""
    return (f"[Predict, then see: {prompt}{options} Run this cell in JupyterLab, {how}, then "
            f"press “{_BUTTON}”. The answer is not shown before that.]")


def _answer_bundles(answer: Any) -> list[dict[str, Any]]:
    """The MIME bundles of an answer (one object, or a tuple/list of them), as a notebook
    would display them, restricted to :data:`_ANSWER_TYPES`."""
    from IPython.core.interactiveshell import InteractiveShell

    items = list(answer) if isinstance(answer, tuple | list) else [answer]
    formatter = InteractiveShell.instance().display_formatter
    bundles = []
    for item in items:
        if isinstance(item, str):
            bundles.append({"text/markdown": item, "text/plain": item})
            continue
        # A chart is two outputs, the chart and its text alternative; the formatter would
        # display them at once (a chart displays itself), before any prediction.
        shown = charts.outputs(item) if isinstance(item, alt.TopLevelMixin | charts.VegaLite) \
            else [formatter.format(item)]
        bundles += [{key: data[key] for key in _ANSWER_TYPES if key in data}
                    for data, _ in shown]
    return bundles


def _payload(prompt: str, answer: Any, choices: list[str] | None) -> dict[str, Any]:
    """What a reveal cell stores under :data:`MIMETYPE`: the prompt, the choices and the
    answer's MIME bundles."""
    return {"prompt": prompt, "choices": choices, "answer": _answer_bundles(answer)}


def _record(prompt: str, prediction: str) -> None:
    """Remember a committed prediction for this session."""
    _RECORD.append({"prompt": prompt, "prediction": prediction})


def predictions() -> pd.DataFrame:
    """Every prediction committed in this session, in order (prompt and prediction)."""
    return pd.DataFrame(_RECORD, columns=["prompt", "prediction"])


class _Prediction(w.VBox):
    """The prediction box: prompt, input, button, then (after a commit) the answer."""

    def __init__(self, prompt: str, answer: Any, choices: list[str] | None) -> None:
        self.prompt, self.choices, self.answer = prompt, choices, answer
        if choices:
            self.entry: w.ValueWidget = w.RadioButtons(options=list(choices), value=None,
                                                       description="Your prediction",
                                                       style={"description_width": "initial"})
        else:
            self.entry = w.Textarea(placeholder="Your prediction, in a few words",
                                    description="Your prediction", rows=3,
                                    style={"description_width": "initial"},
                                    layout=w.Layout(width="680px"))
        self.button = w.Button(description=_BUTTON, button_style="primary",
                               layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.shown = w.Output()
        self.button.on_click(self.show_answer)
        super().__init__(children=[w.HTML(f"<b>Predict, then see.</b> {_escape(prompt)}"),
                                   self.entry, self.button, self.message, self.shown])

    def show_answer(self, _: Any = None) -> None:
        """Lock the prediction and show the answer; or say what is missing."""
        try:
            text = _commit(self.entry.value, self.choices)
        except CourseError as error:
            self.message.value = f"<b>Not yet:</b> {_escape(str(error))}"
            return
        _record(self.prompt, text)
        self.entry.disabled = self.button.disabled = True
        self.message.value = f"Your prediction, recorded: <i>{_escape(text)}</i>"
        for bundle in _answer_bundles(self.answer):
            self.shown.append_display_data(_Raw(bundle))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = _placeholder(self.prompt, self.choices)
        data[MIMETYPE] = _payload(self.prompt, self.answer, self.choices)
        return data


class _Raw:
    """An already formatted MIME bundle, displayed as it is."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return self.bundle


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def after_prediction(prompt: str, answer: Any | Callable[[], Any],
                     choices: Sequence[str] | None = None) -> _Prediction:
    """A prediction box whose answer shows only after the student commits a prediction.

    `answer` is what to show (a table, a chart, Markdown text, or a tuple of them), or a
    function of no arguments that returns it. With `choices` (e.g. ``["yes", "no"]``) the
    student picks one instead of writing.
    """
    prompt = checks.text("The question", prompt, 2_000).strip()
    if not prompt:
        raise CourseError("The question to predict must not be empty.")
    if choices is not None:
        if isinstance(choices, str) or not isinstance(choices, Sequence):
            raise CourseError(f"The choices must be a list of words such as ['yes', 'no'], "
                              f"not {checks.shown(choices)}.")
        choices = [checks.text("A choice", c, 200)
                   for c in checks.items("The choices", choices, 20, "a list of words")]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise CourseError("Give at least two different choices, e.g. ['yes', 'no'].")
    if callable(answer) and not hasattr(answer, "_repr_mimebundle_"):
        try:
            answer = answer()
        except Exception as error:  # the caller's function, whatever it raises
            raise CourseError("The answer must be what to show, or a function of no "
                              f"arguments giving it; {checks.shown(answer)} failed "
                              f"({type(error).__name__}).") from None
    return _Prediction(prompt, _shown_answer(answer), choices)


#: Things one answer may show at most (a table, a chart, a text...), and its longest text.
_MOST_PARTS = 20
_LONGEST_ANSWER = 20_000


def _shown_answer(answer: Any) -> Any:
    """The answer, if a notebook can show it in little time and space; else a CourseError
    saying what to give instead."""
    parts = list(answer) if isinstance(answer, tuple | list) else [answer]
    if len(parts) > _MOST_PARTS:
        raise CourseError(f"An answer shows at most {_MOST_PARTS} things (tables, charts, "
                          f"texts); this one has {len(parts):,}. To show many values, put "
                          "them in one table: pd.DataFrame({'value': values}).")
    for part in parts:
        if isinstance(part, str):
            checks.text("The answer's text", part, _LONGEST_ANSWER)
        elif not hasattr(part, "_repr_mimebundle_") and not isinstance(
                part, pd.DataFrame | pd.Series):
            try:
                repr(part)
            except Exception:  # an object that cannot describe itself cannot be shown
                raise CourseError(f"The answer cannot be shown: {checks.shown(part)} "
                                  "cannot describe itself.") from None
    return answer
