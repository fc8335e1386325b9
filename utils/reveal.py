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

The logic is in pure functions (:func:`commit`, :func:`payload`, :func:`placeholder`);
:class:`Prediction` is the thin widget shell over them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import altair as alt
import ipywidgets as w
import pandas as pd

from utils import charts, checks
from utils.errors import CourseError

#: The MIME type carrying the hidden answer in a reveal cell's stored output.
MIMETYPE = "application/vnd.alliance-decisions.reveal+json"
#: What a stored answer may carry (the live widget view and scripts are left out).
ANSWER_TYPES = ("text/html", "text/markdown", "image/svg+xml", "image/png",
                "application/vnd.vegalite.v5+json", "text/plain")
BUTTON = "Show the answer"
_RECORD: list[dict[str, str]] = []


def commit(prediction: object, choices: Sequence[str] | None = None) -> str:
    """The prediction as it will be recorded, or a CourseError saying what is missing.

    Free text must hold at least one word; with `choices`, the prediction must be one
    of them.
    """
    if choices is not None:
        choices = [checks.text("A choice", c, 200)
                   for c in checks.items("The choices", choices, 20, "a list of texts")]
        if prediction is None or prediction == "":
            raise CourseError("Pick one of the choices first: the answer appears once "
                              "you have committed to one.")
        return checks.one_of("Your prediction", prediction, choices)
    text = checks.text("Your prediction", prediction).strip()
    if not any(ch.isalnum() for ch in text):
        raise CourseError("Write your prediction in the box first (a few words are "
                          "enough): the answer appears once you have committed to one.")
    return text


def _checked(prompt: object, choices: object) -> tuple[str, list[str] | None]:
    """The prompt and the choices (None, or up to 20 short texts), or a CourseError."""
    prompt = checks.text("The prompt", prompt, 2_000)
    if choices is None:
        return prompt, None
    listed = checks.items("The choices", choices, 20, "a list of texts such as ['yes', 'no']")
    return prompt, [checks.text("A choice", c, 200) for c in listed] or None


def placeholder(prompt: str, choices: Sequence[str] | None = None) -> str:
    """The text that stands in for the prediction box where it cannot be used."""
    prompt, choices = _checked(prompt, choices)
    how = ("pick a choice" if choices else "write your prediction in the box")
    options = f" Choices: {', '.join(choices)}." if choices else ""
    return (f"[Predict, then see: {prompt}{options} Run this cell in JupyterLab, {how}, then "
            f"press “{BUTTON}”. The answer is not shown before that.]")


def answer_bundles(answer: Any) -> list[dict[str, Any]]:
    """The MIME bundles of an answer (one object, or a tuple/list of them), as a notebook
    would display them, restricted to :data:`ANSWER_TYPES`."""
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
        bundles += [{key: data[key] for key in ANSWER_TYPES if key in data}
                    for data, _ in shown]
    return bundles


def payload(prompt: str, answer: Any, choices: Sequence[str] | None = None) -> dict[str, Any]:
    """What a reveal cell stores under :data:`MIMETYPE`: the prompt, the choices and the
    answer's MIME bundles."""
    prompt, choices = _checked(prompt, choices)
    return {"prompt": prompt, "choices": list(choices) if choices else None,
            "answer": answer_bundles(answer)}


def record(prompt: str, prediction: str) -> None:
    """Remember a committed prediction for this session."""
    _RECORD.append({"prompt": prompt, "prediction": prediction})


def predictions() -> pd.DataFrame:
    """Every prediction committed in this session, in order (prompt and prediction)."""
    return pd.DataFrame(_RECORD, columns=["prompt", "prediction"])


class Prediction(w.VBox):
    """The prediction box: prompt, input, button, then (after a commit) the answer."""

    def __init__(self, prompt: str, answer: Any, choices: Sequence[str] | None) -> None:
        prompt, choices = _checked(prompt, choices)
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
        self.button = w.Button(description=BUTTON, button_style="primary",
                               layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.shown = w.Output()
        self.button.on_click(self.show_answer)
        super().__init__(children=[w.HTML(f"<b>Predict, then see.</b> {_escape(prompt)}"),
                                   self.entry, self.button, self.message, self.shown])

    def show_answer(self, _: Any = None) -> None:
        """Lock the prediction and show the answer; or say what is missing."""
        try:
            text = commit(self.entry.value, self.choices)
        except CourseError as error:
            self.message.value = f"<b>Not yet:</b> {_escape(str(error))}"
            return
        record(self.prompt, text)
        self.entry.disabled = self.button.disabled = True
        self.message.value = f"Your prediction, recorded: <i>{_escape(text)}</i>"
        for bundle in answer_bundles(self.answer):
            self.shown.append_display_data(_Raw(bundle))

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/plain"] = placeholder(self.prompt, self.choices)
        data[MIMETYPE] = payload(self.prompt, self.answer, self.choices)
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
                     choices: Sequence[str] | None = None) -> Prediction:
    """A prediction box whose answer shows only after the student commits a prediction.

    `answer` is what to show (a table, a chart, Markdown text, or a tuple of them), or a
    function of no arguments that returns it. With `choices` (e.g. ``["yes", "no"]``) the
    student picks one instead of writing.
    """
    prompt = checks.text("The question", prompt).strip()
    if not prompt:
        raise CourseError("The question to predict must not be empty.")
    if choices is not None:
        if isinstance(choices, str) or not isinstance(choices, Sequence):
            raise CourseError(f"The choices must be a list of words such as ['yes', 'no'], "
                              f"not {checks.shown(choices)}.")
        choices = [checks.text("A choice", c) for c in choices]
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise CourseError("Give at least two different choices, e.g. ['yes', 'no'].")
    if callable(answer) and not hasattr(answer, "_repr_mimebundle_"):
        try:
            answer = answer()
        except Exception as error:  # the caller's function, whatever it raises
            raise CourseError("The answer must be what to show, or a function of no "
                              f"arguments giving it; {checks.shown(answer)} failed "
                              f"({type(error).__name__}).") from None
    return Prediction(prompt, answer, choices)
