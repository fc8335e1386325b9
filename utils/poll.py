"""The class poll's results in a notebook: one call gives a table and a chart.

``python3 course.py poll 01`` lets a class answer a notebook's "predict, then see"
questions on their phones (the server is in ``council/``, see docs/poll.md); the
instructor's page exports every answer as a CSV. This module reads such an export:

* :func:`results`: one question's answers, the first vote beside the second (the
  Peer-Instruction pattern: vote, discuss in pairs, vote again), as a table and a chart;
* :func:`league`: the class's forecasts (notebook 05) scored as questions resolve, with
  the course's own :func:`~utils.forecasting.brier` and :func:`~utils.forecasting.log_score`;
* :func:`calibration`: one student's calibration.

Without a path each reads the example committed with the course
(``data/poll_example.csv``, played by a script, not by a class).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
from IPython.display import display

from utils import charts, checks, data, forecasting
from utils.errors import CourseError, DataError

NAME = data.POLL
#: An export's columns, in order: the contract between the poll's export
#: (:func:`council.poll.to_csv`) and this reader, as the data package's schema defines it.
COLUMNS = data.columns(NAME)
#: A resolved question a student did not forecast counts as this (the "always 50%"
#: baseline), so that leaving out the hard questions cannot improve a score.
__all__ = ["COLUMNS", "calibration", "league", "load", "results"]


def load(path: str | Path | None = None) -> pd.DataFrame:
    """A poll exported by the instructor's page ("Export the answers (CSV)"), checked
    against the schema; without a path, the example committed with the course."""
    if path is None:
        return data.load(NAME)
    if not isinstance(path, str | Path):
        raise CourseError("Give the path of an exported poll, e.g. 'poll-01-2026-12-07.csv'.")
    named = checks.shown(str(path))  # a path of 100,000 characters is named by its ends
    try:
        if not Path(path).is_file():
            raise CourseError(f"There is no file {named}: give the path of the CSV the "
                              "instructor's page exported.")
        return data.load_file(NAME, Path(path))
    except DataError as error:  # the class's file, not the course's: say what is wrong
        raise CourseError(f"{named} is not an exported poll: {error}") from None
    except CourseError:
        raise
    except (OSError, ValueError, csv.Error):  # a path the system refuses, a file it cannot read
        raise CourseError(f"Cannot read {named} as an exported poll.") from None


@dataclass(frozen=True)
class _Shown:
    """A table and a chart, shown one under the other (what one call of this module
    returns); each is also there to use on its own: ``.table``, ``.chart``."""

    table: pd.DataFrame
    chart: charts.VegaLite

    def _ipython_display_(self) -> None:
        display(self.table)
        display(self.chart)


def _pick(answers: pd.DataFrame, question: str | None) -> pd.DataFrame:
    asked = answers[answers["kind"] != "probability"]
    if asked.empty:
        raise CourseError("This poll has no question with options or numbers (only "
                          "forecasts): read it with poll.league().")
    ids = list(dict.fromkeys(asked["question"]))
    if question is None:  # the question voted on twice, if any: the interesting one
        twice = [q for q in ids if asked.loc[asked["question"] == q, "vote"].max() > 1]
        question = (twice or ids)[0]
    question = checks.one_of("The question", question, ids)
    return asked[asked["question"] == question]


def results(path: str | Path | None = None, question: str | None = None) -> _Shown:
    """One question's answers: how many chose each option (or each band of numbers) in
    each vote, the right answer marked, as a table and a chart. Without `question`, the
    one the class voted on twice."""
    rows = _pick(load(path), question)
    first = rows.iloc[0]
    votes = sorted(rows["vote"].unique())
    if first["kind"] == "choice":
        labels = [o.strip() for o in first["options"].split("|")]
        counts = {v: rows[rows["vote"] == v]["answer"].value_counts() for v in votes}
    else:
        edges = np.histogram_bin_edges(rows["value"], bins=min(6, rows["value"].nunique()))
        labels = [f"{a:g} to {b:g}" for a, b in itertools.pairwise(edges)]
        counts = {}
        for v in votes:
            values = rows.loc[rows["vote"] == v, "value"]
            band = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(labels) - 1)
            counts[v] = pd.Series([labels[b] for b in band]).value_counts()
    right = "" if pd.isna(first["correct"]) else str(first["correct"])
    table = pd.DataFrame({"answer": [f"{label} ✓" if label == right else label
                                     for label in labels]})
    for v in votes:
        table[f"vote {v}"] = [int(counts[v].get(label, 0)) for label in labels]
    long = table.melt("answer", var_name="vote", value_name="students")
    title = first["question_text"]
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("students:Q", title="Students", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("answer:N", sort=list(table["answer"]), title=None),
        yOffset=alt.YOffset("vote:N"),
        color=alt.Color("vote:N", title=None, scale=alt.Scale(range=["#555555", "#0072B2"])),
    ).properties(width=420, title={"text": title if len(title) < 70 else title[:67] + "…",
                                   "subtitle": "The class's answers, vote by vote"},
                 description=(f"The class's answers to: {title} "
                              + "; ".join(f"{r.answer}: " + ", ".join(
                                  f"{v} {getattr(r, v.replace(' ', '_'))}"
                                  for v in table.columns[1:])
                                  for r in table.rename(columns=lambda c: c.replace(" ", "_"))
                                  .itertuples())))
    return _Shown(table, charts.VegaLite(chart.to_dict()))


def _forecasts(answers: pd.DataFrame) -> tuple[dict[int, dict[str, float]], dict[str, bool],
                                               dict[int, str]]:
    """Each seat's last forecast per question, the resolved outcomes, and the names."""
    given = answers[answers["kind"] == "probability"].sort_values("vote")
    if given.empty:
        raise CourseError("This poll holds no forecasts: read it with poll.results().")
    forecasts: dict[int, dict[str, float]] = {}
    for row in given.itertuples():
        forecasts.setdefault(int(row.seat), {})[row.question] = float(row.value)
    resolved = given.dropna(subset=["outcome"]).drop_duplicates("question")
    outcomes = {q: bool(o) for q, o in zip(resolved["question"], resolved["outcome"],
                                           strict=True)}
    names = dict(zip(given["seat"].astype(int), given["name"], strict=False))
    return forecasts, outcomes, names


def league(path: str | Path | None = None) -> _Shown:
    """The forecasting league: every student scored on the questions resolved so far, the
    "always 50%" forecaster for comparison, best first; and a chart of the scores."""
    forecasts, outcomes, names = _forecasts(load(path))
    if not outcomes:
        raise CourseError("No question of this poll is resolved yet: the league starts "
                          "with the first resolution.")
    rows = forecasting.league_scores(forecasts, outcomes, names)
    baseline = forecasting.league_scores({"baseline": {}}, outcomes, {"baseline": "Always 50%"})[0]
    table = pd.DataFrame([{"rank": r["rank"], "student": r["name"],
                           "forecasts scored": r["forecast"], "mean Brier": r["brier"],
                           "mean log": r["log"]} for r in rows])
    table.loc[len(table)] = [None, "Always 50% (for comparison)", 0, baseline["brier"],
                             baseline["log"]]
    table["rank"] = table["rank"].astype("Int64")
    bars = alt.Chart(table).mark_bar().encode(
        x=alt.X("mean Brier:Q", title="Mean Brier score (lower is better)"),
        y=alt.Y("student:N", sort=list(table["student"]), title=None),
        color=alt.condition(alt.datum.student == "Always 50% (for comparison)",
                            alt.value("#555555"), alt.value("#0072B2")))
    chart = bars.properties(
        width=420, title={"text": "The class's forecasting league",
                          "subtitle": f"{len(outcomes)} questions resolved"},
        description="Mean Brier score of each student, best first: " + "; ".join(
            f"{s}: {b:.3f}" for s, b in zip(table["student"], table["mean Brier"],
                                            strict=True)))
    return _Shown(table, charts.VegaLite(chart.to_dict()))


def calibration(student: str, path: str | Path | None = None) -> pd.DataFrame:
    """One student's calibration on the resolved questions they forecast: per band of
    forecasts, the mean forecast and the share that happened (as the phone shows it)."""
    forecasts, outcomes, names = _forecasts(load(path))
    student = checks.one_of("The student", student, sorted(set(names.values())))
    seat = next(s for s, n in names.items() if n == student)
    asked = [q for q in outcomes if q in forecasts[seat]]
    if not asked:
        raise CourseError(f"{student} forecast none of the resolved questions.")
    return forecasting.calibration([forecasts[seat][q] for q in asked],
                                   [outcomes[q] for q in asked])
