"""Forecasts (:mod:`utils.forecasting`) shown: scores against the baselines beside a
calibration plot, your place among the forecasters in words, and notebook 05's widgets
(the forecast sheet, its scores, and the class's pasted forecasts)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cache

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import Markdown

from utils import charts, widgets
from utils.forecasting import (
    BASELINES,
    calibration,
    check_forecasts,
    class_line,
    class_scores,
    outcomes,
    parse_class_csv,
    questions,
    score_table,
)

__all__ = ["explore", "explore_class", "forecast_sheet", "sliders"]


@cache
def _template() -> dict:
    bars = alt.Chart(alt.NamedData(name="scores")).mark_bar().encode(
        x=alt.X("brier:Q", title="Mean Brier score (lower is better)",
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("forecaster:N", sort=None, title=None, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["forecaster", "baseline"],
                                        range=[charts.NATO_COLOR, charts.LIGHT_GREY])),
        tooltip=["forecaster:N", alt.Tooltip("brier:Q", format=".3f"),
                 alt.Tooltip("log:Q", format=".3f")])
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("brier:Q", format=".3f"),
                                                       color=alt.value("black"))
    diagonal = alt.Chart(alt.NamedData(name="diagonal")).mark_line(
        strokeDash=[4, 3], color=charts.LIGHT_GREY).encode(x="x:Q", y="y:Q")
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


def _chart(scores: pd.DataFrame, forecasts: Sequence[float], happened: Sequence[bool],
           title: str) -> charts.VegaLite:
    """Scores against the baselines (a table from :func:`utils.forecasting.score_table`),
    beside a calibration plot of the forecasts."""
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


def _standing(table: pd.DataFrame, name: str) -> str:
    """Where `name` stands in a score table, ties (to three decimals) said as ties.

    >>> _standing(pd.DataFrame({"forecaster": ["A", "You", "B"],
    ...                        "brier": [0.25, 0.25, 0.5]}), "You")
    'tied for place 1 of 3, with A'
    """
    shown = table.assign(rounded=table["brier"].round(3)).set_index("forecaster")
    mine = shown.loc[name, "rounded"]
    place = 1 + int((shown["rounded"] < mine).sum())
    tied = [f for f in shown.index[shown["rounded"] == mine] if f != name]
    if tied:
        return f"tied for place {place} of {len(shown)}, with {' and '.join(tied)}"
    return f"place {place} of {len(shown)}"


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
    given = check_forecasts(forecasts)
    table = questions().set_index("id")
    rows = "\n".join(f"| {table.loc[q, 'label']} | {p:g}% |" for q, p in given.items())
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
                     f"{you['log']:.3f}): {_standing(table, 'You')}. The baselines: "
                     + "; ".join(f"{b}, {table.set_index('forecaster').loc[b, 'brier']:.3f}"
                                 for b in BASELINES) + ".")
    line = _class_box(forecasts)
    return (_chart(table, [forecasts[q] for q in known], list(known.values()),
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
    return (_chart(table, list(forecasts["probability"]),
                   [known[q] for q in forecasts["question"]], "The class's forecasts, scored"),
            table.round(3))
