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
from typing import Any

import numpy as np
import pandas as pd

from utils import checks, data
from utils.errors import CourseError

__all__ = [
    "BASELINES",
    "UNANSWERED",
    "brier",
    "calibration",
    "check_forecasts",
    "check_percent",
    "class_line",
    "class_scores",
    "league_scores",
    "log_score",
    "outcomes",
    "parse_class_csv",
    "questions",
    "score_table",
]

BASELINES = {"Always 50%": 50.0, "Nothing changes (10%)": 10.0}
#: The forecast a league counts for a resolved question a forecaster left unanswered.
UNANSWERED = 50.0
_MAX_CLASS_ROWS = 500
#: The longest name or value a class CSV may hold in one cell, and the longest text.
_MAX_CELL = 100
_MAX_CLASS_TEXT = 100_000


def questions() -> pd.DataFrame:
    """The questions (data/forecast_questions), with their outcomes and sources."""
    return data.load("forecast_questions")


def check_percent(value: object, where: str) -> float:
    """A probability in percent from 0 to 100, or a CourseError that says where."""
    where = checks.text("The place of the value", where, 200)
    problem = CourseError(f"{where}: {checks.shown(value)} is not a number from 0 to 100.")
    if isinstance(value, str):
        try:
            if len(value) > _MAX_CELL:
                raise ValueError(value)
            value = float(value.strip().rstrip("%").strip())
        except ValueError:
            raise problem from None
    if not checks.is_number(value) or not 0 <= value <= 100:
        raise problem
    return float(value) + 0.0


def brier(probability: float, outcome: bool) -> float:
    """The Brier score of one forecast: (p - o)², p as a fraction."""
    return _brier(checks.probability("The probability", probability),
                  checks.yes_no("Whether it happened", outcome))


def log_score(probability: float, outcome: bool) -> float:
    """The log score of one forecast: -ln of the probability given to what happened."""
    return _log_score(checks.probability("The probability", probability),
                      checks.yes_no("Whether it happened", outcome))


def _brier(probability: float, happened: bool) -> float:
    return (probability - float(happened)) ** 2


def _log_score(probability: float, happened: bool) -> float:
    given = probability if happened else 1 - probability
    return math.inf if given == 0 else -math.log(given)


def check_forecasts(forecasts: Mapping[str, float]) -> dict[str, float]:
    """One forecaster's forecasts in percent, by question id: one number from 0 to 100 for
    each of the course's questions, or a CourseError naming what is missing or wrong."""
    return _checked(forecasts, list(outcomes()))


def _checked(forecasts: Mapping[str, float], wanted: list[str]) -> dict[str, float]:
    """The forecasts of `wanted` (question ids the course chose) in percent, checked."""
    forecasts = checks.mapping("The forecasts", forecasts)
    missing = [checks.shown(q) for q in wanted if q not in forecasts]
    if missing:
        raise CourseError("No forecast for: " + ", ".join(sorted(missing)) + ".")
    return {q: check_percent(forecasts[q], f"question {checks.shown(q)}") for q in wanted}


def _score(forecasts: Mapping[str, float], outcomes: dict[str, bool]) -> dict[str, float]:
    """Mean Brier and log scores of one forecaster's forecasts in percent, by question id,
    on the questions of `outcomes` (the course's, trusted)."""
    given = _checked(forecasts, list(outcomes))
    fractions = {q: given[q] / 100 for q in outcomes}
    return {"brier": float(np.mean([_brier(fractions[q], o) for q, o in outcomes.items()])),
            "log": float(np.mean([_log_score(fractions[q], o) for q, o in outcomes.items()])),
            "questions": len(outcomes)}


def league_scores(forecasts: Mapping[Any, Mapping[str, float]], outcomes: Mapping[str, bool],
           names: Mapping[Any, str] | None = None) -> list[dict[str, Any]]:
    """The league's rows: each forecaster's mean Brier and mean log score (lower is better)
    over the resolved questions, best first, ranked. Forecasts are in percent; a resolved
    question a forecaster did not answer counts as :data:`UNANSWERED`. The live poll's
    server ranks its league with this same function."""
    rows = []
    for who, given in forecasts.items():
        fractions = [given.get(q, UNANSWERED) / 100 for q in outcomes]
        rows.append({"who": who, "name": (names or {}).get(who, str(who)),
                     "forecast": sum(q in given for q in outcomes), "resolved": len(outcomes),
                     "brier": float(np.mean([brier(p, o) for p, o in
                                             zip(fractions, outcomes.values(), strict=True)])),
                     "log": float(np.mean([log_score(p, o) for p, o in
                                           zip(fractions, outcomes.values(), strict=True)]))})
    rows.sort(key=lambda r: (r["brier"], r["log"], r["name"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def outcomes() -> dict[str, bool]:
    """Each question's known outcome, by question id."""
    table = questions()
    return dict(zip(table["id"], table["outcome"].astype(bool), strict=True))


def score_table(forecasters: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Scores of every forecaster and of the baselines, best Brier score first."""
    known = outcomes()
    forecasters = checks.mapping("The forecasters", forecasters, _MAX_CLASS_ROWS)
    if not all(isinstance(name, str) for name in forecasters):
        raise CourseError("Give each forecaster's name as text, e.g. {'You': {...}}.")
    everyone = dict(forecasters) | {name: dict.fromkeys(known, p)
                                    for name, p in BASELINES.items()}
    rows = [{"forecaster": name, **_score(f, known)} for name, f in everyone.items()]
    table = pd.DataFrame(rows).sort_values(["brier", "forecaster"], kind="stable")
    return table.reset_index(drop=True)


def calibration(forecasts: Sequence[float], happened: Sequence[bool],
                bins: int = 5) -> pd.DataFrame:
    """For each band of forecasts (0–20%, 20–40%, …): mean forecast, share that happened."""
    forecasts = _check_list("The forecasts", forecasts)
    happened = [checks.yes_no("Whether it happened", h)
                for h in _check_list("The outcomes", happened)]
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


def _check_list(name: str, values: object) -> list[object]:
    """A list (or other sequence) of at most _MAX_CLASS_ROWS × questions items."""
    if isinstance(values, (str, bytes)) \
            or not isinstance(values, Sequence | np.ndarray | pd.Series):
        raise CourseError(f"{name} must be a list, not {checks.shown(values)}.")
    checks.size(name, values, _MAX_CLASS_ROWS * 100)
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
    checks.text("The class's forecasts", text, _MAX_CLASS_TEXT)
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
    if len(rows) - 1 > _MAX_CLASS_ROWS:
        raise CourseError(f"At most {_MAX_CLASS_ROWS} students, please; there are "
                          f"{len(rows) - 1} lines.")
    records, names = [], set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise CourseError(f"Line {line}: {len(cells)} values, but the header has "
                              f"{len(header)} columns.")
        name = cells[0].strip()
        if len(name) > _MAX_CELL:
            raise CourseError(f"Line {line}: a name of at most {_MAX_CELL} characters, please "
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
                     **_score(dict(zip(group["question"], group["probability"], strict=True)),
                             known)})
    rows += [{"forecaster": b, **_score(dict.fromkeys(known, p), known)}
             for b, p in BASELINES.items()]
    average = forecasts.groupby("question")["probability"].mean().to_dict()
    rows.append({"forecaster": "Class average", **_score(average, known)})
    table = pd.DataFrame(rows).sort_values(["brier", "forecaster"], kind="stable")
    return table.reset_index(drop=True)


def class_line(forecasts: Mapping[str, float], name: str = "Your name") -> str:
    """Forecasts as the two CSV lines the class box reads (header, then one student)."""
    checks.mapping("The forecasts", forecasts, 100, "{'new_member_2025': 60}")
    checks.text("The name", name, 100)
    ids = [checks.text("A question id", q, 100) for q in forecasts]
    values = [f"{check_percent(forecasts[q], f'question {q}'):g}" for q in ids]
    return "name," + ",".join(ids) + "\n" + ",".join([name, *values])
