"""Scoring probability forecasts of questions whose answers are now known.

A forecast is a probability ``p`` that an event happens; the outcome ``o`` is 1 if it did
and 0 if it did not. Two *proper* scores (an honest forecaster does best, on average, by
reporting what she really believes):

* the **Brier score** ``(p - o)²``: 0 is perfect, 1 is certainly wrong, 0.25 is what
  "always 50%" earns;
* the **log score** ``-ln(p)`` if the event happened, ``-ln(1 - p)`` if not: 0 is perfect,
  ``ln 2 ≈ 0.693`` is what "always 50%" earns, and a forecast of 0% for something that
  happened scores infinitely badly.

Lower is better for both. A forecaster is compared with two baselines: **always 50%**
and **nothing changes** (10% on every question, since each question asks whether
something new happens).

Probabilities are entered in percent (0–100), as a class would write them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown

from utils import charts, checks, data, widgets
from utils.errors import CourseError

BASELINES = {"Always 50%": 50.0, "Nothing changes (10%)": 10.0}
MAX_CLASS_ROWS = 500
#: The longest name or value a class CSV may hold in one cell, and the longest text.
MAX_CELL = 100
MAX_CLASS_TEXT = 100_000


def questions() -> pd.DataFrame:
    """The questions (data/forecast_questions), with their outcomes and sources."""
    return data.load("forecast_questions")


def check_percent(value: object, where: str) -> float:
    """A probability in percent from 0 to 100, or a CourseError that says where."""
    where = checks.text("The place of the value", where, 200)
    problem = CourseError(f"{where}: {checks.shown(value)} is not a number from 0 to 100.")
    if isinstance(value, str):
        try:
            if len(value) > MAX_CELL:
                raise ValueError(value)
            value = float(value.strip().rstrip("%").strip())
        except ValueError:
            raise problem from None
    if not checks.is_number(value) or not 0 <= value <= 100:
        raise problem
    return float(value) + 0.0


def brier(probability: float, outcome: bool) -> float:
    """The Brier score of one forecast: (p - o)², p as a fraction."""
    probability = checks.probability("The probability", probability)
    return (probability - float(checks.yes_no("Whether it happened", outcome))) ** 2


def log_score(probability: float, outcome: bool) -> float:
    """The log score of one forecast: -ln of the probability given to what happened."""
    probability = checks.probability("The probability", probability)
    happened = checks.yes_no("Whether it happened", outcome)
    given = probability if happened else 1 - probability
    return math.inf if given == 0 else -math.log(given)


def score(forecasts: Mapping[str, float], outcomes: Mapping[str, bool]) -> dict[str, float]:
    """Mean Brier and log scores of forecasts in percent, by question id."""
    forecasts = checks.mapping("The forecasts", forecasts)
    outcomes = checks.mapping("The outcomes", outcomes)
    missing = [checks.shown(q) for q in outcomes if q not in forecasts]
    if missing:
        raise CourseError("No forecast for: " + ", ".join(sorted(missing)) + ".")
    fractions = {q: check_percent(forecasts[q], f"question {checks.shown(q)}") / 100
                 for q in outcomes}
    return {"brier": float(np.mean([brier(fractions[q], o) for q, o in outcomes.items()])),
            "log": float(np.mean([log_score(fractions[q], o) for q, o in outcomes.items()])),
            "questions": len(outcomes)}


def outcomes() -> dict[str, bool]:
    """Each question's known outcome, by question id."""
    table = questions()
    return dict(zip(table["id"], table["outcome"].astype(bool), strict=True))


def score_table(forecasters: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Scores of every forecaster and of the baselines, best Brier score first."""
    known = outcomes()
    forecasters = checks.mapping("The forecasters", forecasters, MAX_CLASS_ROWS)
    if not all(isinstance(name, str) for name in forecasters):
        raise CourseError("Give each forecaster's name as text, e.g. {'You': {...}}.")
    everyone = dict(forecasters) | {name: dict.fromkeys(known, p)
                                    for name, p in BASELINES.items()}
    rows = [{"forecaster": name, **score(f, known)} for name, f in everyone.items()]
    table = pd.DataFrame(rows).sort_values(["brier", "forecaster"], kind="stable")
    return table.reset_index(drop=True)


def calibration(forecasts: Sequence[float], happened: Sequence[bool],
                bins: int = 5) -> pd.DataFrame:
    """For each band of forecasts (0–20%, 20–40%, …): mean forecast, share that happened."""
    forecasts = check_list("The forecasts", forecasts)
    happened = [checks.yes_no("Whether it happened", h)
                for h in check_list("The outcomes", happened)]
    bins = checks.whole("The number of bands", bins, 1, 100)
    if len(forecasts) != len(happened):
        raise CourseError("Give one outcome per forecast.")
    values = np.array([check_percent(p, "forecast") for p in forecasts])
    edges = np.linspace(0, 100, bins + 1)
    band = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = band == b
        if inside.any():
            rows.append({"band": f"{edges[b]:.0f}–{edges[b + 1]:.0f}%",
                         "forecast": values[inside].mean() / 100,
                         "happened": np.asarray(happened, dtype=float)[inside].mean(),
                         "count": int(inside.sum())})
    return pd.DataFrame(rows, columns=["band", "forecast", "happened", "count"])


def check_list(name: str, values: object) -> list[object]:
    """A list (or other sequence) of at most MAX_CLASS_ROWS × questions items."""
    if isinstance(values, (str, bytes)) \
            or not isinstance(values, Sequence | np.ndarray | pd.Series):
        raise CourseError(f"{name} must be a list, not {checks.shown(values)}.")
    checks.size(name, values, MAX_CLASS_ROWS * 100)
    return list(values)


def parse_class_csv(text: str) -> pd.DataFrame:
    """A class's forecasts from CSV text: a header `name,<question id>,…`, one row each.

    Returns one row per student and question (name, question, probability in percent).
    Any problem raises a CourseError naming the line, so the student can fix just that;
    the text itself is never changed.
    """
    if not isinstance(text, str) or not text.strip():
        raise CourseError("Paste the class's forecasts: a header line such as "
                          "'name," + ",".join(questions()["id"][:2]) + ",…' and one line "
                          "per student.")
    checks.text("The class's forecasts", text, MAX_CLASS_TEXT)
    lines = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    try:
        rows = list(csv.reader(io.StringIO(lines), strict=True))
    except csv.Error as error:
        raise CourseError(f"The text is not readable as CSV ({error}).") from None
    header = [cell.strip() for cell in rows[0]]
    known = list(questions()["id"])
    if not header or header[0].lower() != "name":
        raise CourseError("Line 1 must be the header and start with 'name'.")
    repeated = sorted({q for q in header[1:] if header[1:].count(q) > 1})
    if repeated:
        raise CourseError(f"Line 1 names the question {repeated[0]!r} twice: give each "
                          "question one column.")
    unknown = [q for q in header[1:] if q not in known]
    if unknown:
        raise CourseError(f"Line 1: unknown question id(s) "
                          f"{', '.join(checks.shown(q) for q in unknown[:5])}. The ids are: "
                          + ", ".join(known) + ".")
    if len(rows) - 1 > MAX_CLASS_ROWS:
        raise CourseError(f"At most {MAX_CLASS_ROWS} students, please; there are "
                          f"{len(rows) - 1} lines.")
    records, names = [], set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise CourseError(f"Line {line}: {len(cells)} values, but the header has "
                              f"{len(header)} columns.")
        name = cells[0].strip()
        if len(name) > MAX_CELL:
            raise CourseError(f"Line {line}: a name of at most {MAX_CELL} characters, please "
                              f"(this one has {len(name):,}).")
        if not name or name in names:
            raise CourseError(f"Line {line}: each student needs a name of their own "
                              f"({name!r} is {'empty' if not name else 'used twice'}).")
        names.add(name)
        for question, cell in zip(header[1:], cells[1:], strict=True):
            records.append({"name": name, "question": question, "probability":
                            check_percent(cell, f"Line {line} ({name}), question {question}")})
    if not records:
        raise CourseError("There are no students' lines under the header.")
    return pd.DataFrame(records)


def class_scores(text: str) -> pd.DataFrame:
    """Each student's scores on the questions the class answered, with the baselines."""
    forecasts = parse_class_csv(text)
    asked = list(dict.fromkeys(forecasts["question"]))
    known = {q: o for q, o in outcomes().items() if q in asked}
    rows = []
    for name, group in forecasts.groupby("name", sort=False):
        rows.append({"forecaster": name,
                     **score(dict(zip(group["question"], group["probability"], strict=True)),
                             known)})
    rows += [{"forecaster": b, **score(dict.fromkeys(known, p), known)}
             for b, p in BASELINES.items()]
    average = forecasts.groupby("question")["probability"].mean().to_dict()
    rows.append({"forecaster": "Class average", **score(average, known)})
    table = pd.DataFrame(rows).sort_values(["brier", "forecaster"], kind="stable")
    return table.reset_index(drop=True)


@cache
def _template() -> dict:
    bars = alt.Chart(alt.NamedData(name="scores")).mark_bar().encode(
        x=alt.X("brier:Q", title="Mean Brier score (lower is better)",
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("forecaster:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["forecaster", "baseline"],
                                        range=[charts.NATO_COLOR, "#999999"])),
        tooltip=["forecaster:N", alt.Tooltip("brier:Q", format=".3f"),
                 alt.Tooltip("log:Q", format=".3f")])
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("brier:Q", format=".3f"),
                                                       color=alt.value("black"))
    diagonal = alt.Chart(alt.NamedData(name="diagonal")).mark_line(
        strokeDash=[4, 3], color="#999999").encode(x="x:Q", y="y:Q")
    points = alt.Chart(alt.NamedData(name="calibration")).mark_circle(
        color=charts.NATO_COLOR, opacity=0.8).encode(
        x=alt.X("forecast:Q", title="Mean forecast in the band",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("happened:Q", title="Share that happened", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        size=alt.Size("count:Q", title="Forecasts", scale=alt.Scale(range=[80, 600])),
        tooltip=["band:N", "count:Q", alt.Tooltip("forecast:Q", format=".0%"),
                 alt.Tooltip("happened:Q", format=".0%")])
    return charts.themed(alt.hconcat(
        (bars + labels).properties(width=260, height=140, title="Scores"),
        (diagonal + points).properties(width=220, height=220,
                                       title="Calibration (on the dashed line = calibrated)"),
    ))


def chart(scores: pd.DataFrame, forecasts: Sequence[float], happened: Sequence[bool],
          title: str) -> charts.VegaLite:
    """Scores against the baselines, beside a calibration plot of the forecasts."""
    checks.instance("The scores", scores, pd.DataFrame, "forecasting.score_table")
    if scores.empty or not {"forecaster", "brier", "log"} <= set(scores.columns):
        raise CourseError("The scores must be what forecasting.score_table returns.")
    title = checks.text("The title", title, 200)
    table = scores.copy()
    table["kind"] = np.where(table["forecaster"].isin(BASELINES), "baseline", "forecaster")
    table["log"] = table["log"].replace(math.inf, np.nan)
    cal = calibration(forecasts, happened)
    best = table.iloc[0]
    leaders = " and ".join(table.loc[table["brier"].round(3) == round(best["brier"], 3),
                                     "forecaster"])
    return charts.fill(
        _template(),
        {"scores": table[["forecaster", "brier", "log", "kind"]], "calibration": cal,
         "diagonal": pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})},
        title={"text": title, "subtitle": f"Best Brier score: {leaders} "
                                          f"({best['brier']:.3f})"},
        description=(f"Bars: mean Brier score of {len(table)} forecasters including the "
                     f"baselines; best {leaders} with {best['brier']:.3f}. Dots: "
                     f"{len(forecasts)} forecasts grouped in bands, share that happened "
                     "against the mean forecast."))


def standing(table: pd.DataFrame, name: str) -> str:
    """Where `name` stands in a score table, ties (to three decimals) said as ties.

    >>> standing(pd.DataFrame({"forecaster": ["A", "You", "B"],
    ...                        "brier": [0.25, 0.25, 0.5]}), "You")
    'tied for place 1 of 3, with A'
    """
    checks.table("The score table", table, ["forecaster", "brier"], "forecasting.score_table")
    if checks.text("The name", name, 100) not in set(table["forecaster"]):
        raise CourseError(f"{name!r} is not in the score table.")
    shown = table.assign(rounded=table["brier"].round(3)).set_index("forecaster")
    mine = shown.loc[name, "rounded"]
    place = 1 + int((shown["rounded"] < mine).sum())
    tied = [f for f in shown.index[shown["rounded"] == mine] if f != name]
    if tied:
        return f"tied for place {place} of {len(shown)}, with {' and '.join(tied)}"
    return f"place {place} of {len(shown)}"


def class_line(forecasts: Mapping[str, float], name: str = "Your name") -> str:
    """Forecasts as the two CSV lines the class box reads (header, then one student)."""
    checks.mapping("The forecasts", forecasts, 100, "{'new_member_2025': 60}")
    checks.text("The name", name, 100)
    ids = [checks.text("A question id", q, 100) for q in forecasts]
    values = [f"{check_percent(forecasts[q], f'question {q}'):g}" for q in ids]
    return "name," + ",".join(ids) + "\n" + ",".join([name, *values])


def _class_box(forecasts: Mapping[str, float]) -> Markdown:
    return Markdown("**Your forecasts for the class box** (section 6): copy these lines, "
                    "put your name in place of `Your name`, and send the second line to "
                    "whoever collects the class's forecasts.\n\n```\n"
                    + class_line({q: forecasts[q] for q in outcomes()}) + "\n```")


def forecast_sheet(**forecasts: float) -> tuple[Markdown, Markdown]:
    """The notebook's first interactive: your forecasts, written down but not scored.

    Nothing here depends on what happened, so moving a slider reveals no outcome; the
    scores come after the record (:func:`explore`).
    """
    table = questions().set_index("id")
    rows = "\n".join(f"| {table.loc[q, 'label']} | {check_percent(forecasts[q], q):g}% |"
                     for q in outcomes())
    return (Markdown("**Your forecasts** (not scored yet):\n\n| question | your probability |\n"
                     "|---|---|\n" + rows), _class_box(forecasts))


def explore(**forecasts: float) -> tuple[charts.VegaLite, Markdown, Markdown]:
    """The notebook's interactive: your forecasts (in percent, by question id) scored.

    It shows your scores beside the baselines and your calibration, but not the answers
    question by question: the notebook reveals those after you have committed. It also
    writes your forecasts as CSV lines to paste into the class box (section 6).
    """
    known = outcomes()
    table = score_table({"You": forecasts})
    you = table.set_index("forecaster").loc["You"]
    words = Markdown(f"**Your mean Brier score: {you['brier']:.3f}** (log score "
                     f"{you['log']:.3f}): {standing(table, 'You')}. The baselines: "
                     + "; ".join(f"{b}, {table.set_index('forecaster').loc[b, 'brier']:.3f}"
                                 for b in BASELINES) + ".")
    line = _class_box(forecasts)
    return (chart(table, [forecasts[q] for q in known], list(known.values()),
                  "Your forecasts, scored"), words, line)


def sliders() -> dict[str, widgets.w.IntSlider]:
    """One labelled 0–100% slider per question, all starting at 50%."""
    table = questions()
    return {q: widgets.int_slider(label, 0, 100, 50)
            for q, label in zip(table["id"], table["label"], strict=True)}


def explore_class(text: str) -> tuple[charts.VegaLite, pd.DataFrame]:
    """The class interactive: pasted CSV in; everyone's scores and the class calibration."""
    forecasts = parse_class_csv(text)
    known = outcomes()
    table = class_scores(text)
    return (chart(table, list(forecasts["probability"]),
                  [known[q] for q in forecasts["question"]], "The class's forecasts, scored"),
            table.round(3))
