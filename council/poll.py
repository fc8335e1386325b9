"""The class poll: the rules, as pure functions over an append-only list of events.

A notebook's "predict, then see" questions (cell metadata ``poll``; the answers in the
instructor-only answer-key cells' ``poll_answer``) become votes the class casts from their
phones. As in the council (:mod:`council.game`), the server keeps nothing but a log of
events: :func:`replay` folds it into a :class:`State`, :func:`decide` turns a request into
the next event or a :class:`Refusal` in plain words, and the server stores what
:func:`decide` returns. So a restarted server is exactly where it was.

The Peer-Instruction pattern: the instructor opens a vote, closes it, lets pairs discuss,
opens the same question again (``again``: vote 2), closes it, and reveals the answer; the
projector then shows vote 1 beside vote 2.

Forecast questions (kind ``probability``, e.g. notebook 05's) are opened together; each
student gives a probability in percent; the instructor marks each one resolved (yes or no)
when it resolves, which may be weeks later: the same log continues over a term. A
student's forecasts are then scored with the course's own functions
(:func:`utils.forecasting.brier`, :func:`utils.forecasting.log_score`) in :func:`league`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from council import protocol
from council.protocol import Refusal
from utils import data, forecasting
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KINDS = ("choice", "number", "probability")
MAX_NAME = 40
MAX_SEATS = 200
MAX_MESSAGE_BYTES = 1024
#: Votes a question may have: the first, and the second after pairs discuss.
MAX_ROUNDS = 2
#: A forecast question may be reopened over a term (a student updates a forecast).
MAX_FORECAST_ROUNDS = 20
UNANSWERED = forecasting.UNANSWERED
#: How many phones may send how much (a token bucket per seat, as in the council).
LIMITS = {"rate": 2.0, "burst": 10.0}
__all__ = ["FORECASTS", "KINDS", "LIMITS", "MAX_SEATS", "REQUESTS", "Question", "Refusal",
           "State", "apply", "decide", "export_rows", "host_view", "join", "league",
           "notebook_path", "open_questions", "parse_message", "public_view", "questions",
           "replay", "seat_view", "start", "to_csv"]


@dataclass(frozen=True)
class Question:
    """One question put to the class, as the notebook's metadata describes it."""

    id: str
    text: str
    kind: str  # one of KINDS
    options: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 100.0
    unit: str = ""
    step: float = 0.0  # 1: answered in whole numbers; 0: any number in range
    answer: str | float | bool | None = None  # the option, the number, or what happened
    why: str = ""
    source: str = ""
    source_url: str = ""

    @property
    def answer_text(self) -> str:
        """The answer in words ("" where the notebook gives none)."""
        if self.answer is None:
            return ""
        if self.kind == "probability":
            return "yes, it happened" if self.answer else "no, it did not happen"
        return str(self.answer) if self.kind == "choice" else self.shown(float(self.answer))

    def shown(self, value: float) -> str:
        """An answer as people read it: the option's words, or the number."""
        if self.kind == "choice":
            return self.options[int(value)]
        text = f"{value:g}"
        return f"{text}%" if self.kind == "probability" else f"{text} {self.unit}".strip()


@dataclass
class State:
    """The whole poll at one moment, rebuilt from the event log by :func:`replay`."""

    notebook: str = ""
    title: str = ""
    started: float = 0.0
    max_seats: int = 0
    questions: dict[str, Question] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # seat -> name
    #: (question, vote) -> seat -> (value, when)
    votes: dict[tuple[str, int], dict[int, tuple[float, float]]] = field(default_factory=dict)
    opened_at: dict[tuple[str, int], float] = field(default_factory=dict)
    rounds: dict[str, int] = field(default_factory=dict)  # votes held so far, by question
    open: dict[str, int] = field(default_factory=dict)    # question -> its open vote
    focus: str | None = None                              # what the projector shows
    revealed: set[str] = field(default_factory=set)
    resolved: dict[str, bool] = field(default_factory=dict)
    events: int = 0


# --------------------------------------------------------------------------- questions

def notebook_path(notebook: str) -> Path:
    """The course notebook numbered `notebook` ("01"), or a CourseError listing them."""
    found = sorted(NOTEBOOKS.glob(f"{notebook}-*.ipynb")) if re.fullmatch(r"\d\d", notebook) \
        else []
    if not NOTEBOOKS.is_dir():
        raise CourseError("The class poll asks the questions of the course's notebooks: start "
                          "it from a clone of the course, with `python3 course.py poll "
                          f"{notebook}`.")
    if not found:
        numbers = ", ".join(p.name[:2] for p in sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb")))
        raise CourseError(f"There is no notebook {notebook!r}: give its number, one of "
                          f"{numbers}.")
    return found[0]


def _forecast_questions() -> list[Question]:
    table = forecasting.questions()
    return [Question(row.id, row.question, "probability", answer=bool(row.outcome),
                     why=row.resolution, source=row.source, source_url=row.source_url)
            for row in table.itertuples()]


def questions(notebook: str) -> list[Question]:
    """The notebook's poll questions, in notebook order.

    A code cell answering a "predict, then see" question carries ``poll`` metadata: its id,
    the question as a phone shows it, its kind and options (nothing is read from prose).
    The answer and why sit in the ``poll_answer`` metadata of the instructor-only
    answer-key cell, so a student's copy of the notebook never holds them. ``{"kind":
    "probability", "data": "forecast_questions"}`` stands for every question of that table
    (notebook 05's forecasts), with the record's outcome as the answer.
    """
    cells = json.loads(notebook_path(notebook).read_text("utf-8"))["cells"]
    answers = {c["metadata"]["poll_answer"]["id"]: c["metadata"]["poll_answer"]
               for c in cells if "poll_answer" in c["metadata"]}
    found: list[Question] = []
    for cell in cells:
        meta = cell["metadata"].get("poll")
        if meta is None:
            continue
        if meta.get("data") == "forecast_questions":
            found += _forecast_questions()
            continue
        key = answers.get(meta["id"], {})
        found.append(Question(meta["id"], meta["question"], meta["kind"],
                              tuple(meta.get("options", ())), float(meta.get("low", 0)),
                              float(meta.get("high", 100)), meta.get("unit", ""),
                              float(meta.get("step", 0)), key.get("answer"),
                              key.get("why", "")))
    return found


# --------------------------------------------------------------------------- events

def event(kind: str, at: float, seat: int | None = None, **payload: Any) -> dict[str, Any]:
    """One entry of the log (the same shape as the council's)."""
    return {"kind": kind, "at": at, "seat": seat, "data": payload}


def start(notebook: str, title: str, asked: Iterable[Question], at: float,
          max_seats: int = 60) -> dict[str, Any]:
    """The first event: the questions are copied into the log, so that a later edit of the
    notebook cannot change what a running poll asked."""
    if not isinstance(max_seats, int) or not 1 <= max_seats <= MAX_SEATS:
        raise CourseError(f"The number of seats must be a whole number from 1 to {MAX_SEATS}.")
    listed = [asdict(q) for q in asked]
    if not listed:
        raise CourseError(f"Notebook {notebook} has no poll questions.")
    return event("started", at, notebook=notebook, title=title, questions=listed,
                 max_seats=max_seats)


def apply(state: State, entry: dict[str, Any]) -> State:
    """The state after one event (the state is updated in place and returned)."""
    kind, data, seat, at = entry["kind"], entry["data"], entry["seat"], entry["at"]
    state.events += 1
    if kind == "started":
        state.notebook, state.title, state.started = data["notebook"], data["title"], at
        state.max_seats = data["max_seats"]
        for q in data["questions"]:
            state.questions[q["id"]] = Question(**{**q, "options": tuple(q["options"])})
    elif kind == "joined":
        state.names[seat] = data["name"]
    elif kind == "opened":
        for question, vote in data["votes"].items():
            state.open[question] = vote
            state.rounds[question] = vote
            state.votes.setdefault((question, vote), {})
            state.opened_at[(question, vote)] = at
        state.focus = data["focus"]
    elif kind == "answered":
        state.votes[(data["question"], data["vote"])][seat] = (data["value"], at)
    elif kind == "closed":
        state.open.clear()
    elif kind == "revealed":
        state.revealed.add(data["question"])
    elif kind == "resolved":
        state.resolved[data["question"]] = data["outcome"]
        state.focus = FORECASTS
    return state


def replay(entries: Iterable[dict[str, Any]]) -> State:
    """The state a log of events leads to."""
    state = State()
    for entry in entries:
        apply(state, entry)
    return state


#: The projector's focus while forecast questions are open: all of them, and the league.
FORECASTS = "*forecasts"


# --------------------------------------------------------------------------- requests

#: The requests a tab may send (see :func:`council.protocol.parse`).
REQUESTS: protocol.Requests = {
    "answer": {"question": (str,), "vote": (int,), "value": (int, float)},
    "open": {"question": (str,)},
    "close": {}, "again": {}, "reveal": {},
    "resolve": {"question": (str,), "outcome": (bool,)},
}
FOR_SEATS = {"answer"}


def parse_message(raw: object) -> dict[str, Any]:
    """A websocket message as one of :data:`REQUESTS`, or a :class:`Refusal` naming what
    is wrong."""
    return protocol.parse(raw, REQUESTS, MAX_MESSAGE_BYTES)


def clean_name(name: object) -> str:
    """A student's name as the league shows it: text, no control characters, spaces
    collapsed, 1 to MAX_NAME characters, no leading = + - @ (a spreadsheet formula)."""
    if not isinstance(name, str):
        raise Refusal("Give your name as text, e.g. 'Ana'.")
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in name)
    text = re.sub(r"\s+", " ", kept).strip().lstrip("=+-@").strip()
    if not text:
        raise Refusal("Give a name (a first name or a nickname is enough).")
    if len(text) > MAX_NAME:
        raise Refusal(f"Keep your name to {MAX_NAME} characters; yours has {len(text)}.")
    return text


def join(state: State, name: object, now: float) -> dict[str, Any]:
    """A new seat for a phone that scanned the join code (the server gives it a token)."""
    if len(state.names) >= state.max_seats:
        raise Refusal(f"All {state.max_seats} seats are taken: ask your instructor.")
    return event("joined", now, seat=len(state.names) + 1, name=clean_name(name))


def _value(question: Question, value: float) -> float:
    """An answer checked against its question: an option's number, or a number in range."""
    if isinstance(value, float) and not math.isfinite(value):
        raise Refusal("That is not a number.")
    if question.kind == "choice":
        if not isinstance(value, int) or not 0 <= value < len(question.options):
            raise Refusal(f"Pick one of the {len(question.options)} options.")
        return value
    low, high = (0.0, 100.0) if question.kind == "probability" else (question.low,
                                                                     question.high)
    if question.step == 1 and not float(value).is_integer():
        raise Refusal(f"Give a whole number from {low:g} to {high:g}.")
    if not low <= value <= high:
        what = "A probability" if question.kind == "probability" else "The answer"
        unit = "%" if question.kind == "probability" else f" {question.unit}".rstrip()
        raise Refusal(f"{what} must be from {low:g} to {high:g}{unit}; you sent {value:g}.")
    return float(value) + 0.0  # -0.0 becomes 0.0


def decide(state: State, actor: str | int, request: dict[str, Any], now: float
           ) -> dict[str, Any] | None:
    """The event a request leads to, None if it changes nothing, or a Refusal.

    `actor` is a seat number (a phone) or "host" (the instructor); the server decides it
    from the connection's token, never from the request itself.
    """
    kind = request["type"]
    if isinstance(actor, int):
        if kind not in FOR_SEATS:
            raise Refusal("Only the instructor can do that.")
        if actor not in state.names:
            raise Refusal("This seat has not joined: scan the code again.")
        return _answer(state, actor, request, now)
    if actor != "host" or kind in FOR_SEATS:
        raise Refusal("Only a student's phone can answer.")
    if kind == "open":
        return _open(state, request["question"], now)
    if kind == "close":
        return event("closed", now, votes=dict(state.open)) if state.open else None
    if kind == "again":
        return _again(state, now)
    if kind == "reveal":
        return _reveal(state, now)
    return _resolve(state, request["question"], request["outcome"], now)


def _answer(state: State, seat: int, request: dict[str, Any], now: float
            ) -> dict[str, Any] | None:
    question = state.questions.get(request["question"])
    if question is None:
        raise Refusal("There is no such question.")
    vote = state.open.get(question.id)
    if vote is None:
        raise Refusal("This vote is closed: your answer was not counted.")
    if request["vote"] != vote:
        raise Refusal(f"This is vote {vote} now: answer again.")
    value = _value(question, request["value"])
    previous = state.votes[(question.id, vote)].get(seat)
    if previous is not None and previous[0] == value:
        return None  # the same answer again (a double tap) changes nothing
    return event("answered", now, seat, question=question.id, vote=vote, value=value)


def _open(state: State, question_id: str, now: float) -> dict[str, Any]:
    if state.open:
        raise Refusal("A vote is open: close it first.")
    if question_id == FORECASTS:
        waiting = [q.id for q in state.questions.values()
                   if q.kind == "probability" and q.id not in state.resolved]
        if not waiting:
            raise Refusal("Every forecast question is resolved.")
        if any(state.rounds.get(q, 0) >= MAX_FORECAST_ROUNDS for q in waiting):
            raise Refusal(f"The forecasts have been opened {MAX_FORECAST_ROUNDS} times.")
        return event("opened", now, votes={q: state.rounds.get(q, 0) + 1 for q in waiting},
                     focus=FORECASTS)
    question = state.questions.get(question_id)
    if question is None:
        raise Refusal("There is no such question.")
    if question.kind == "probability":
        raise Refusal("Forecast questions are opened together: 'Open the forecasts'.")
    if state.rounds.get(question_id):
        raise Refusal("The class has voted on this question: use 'Vote again' for a "
                      "second vote.")
    return event("opened", now, votes={question_id: 1}, focus=question_id)


def _again(state: State, now: float) -> dict[str, Any]:
    question = state.questions.get(state.focus or "")
    if question is None:
        raise Refusal("Open a question first.")
    if state.open:
        raise Refusal("Close this vote first; after pairs have discussed, vote again.")
    if question.id in state.revealed:
        raise Refusal("The answer is shown: a second vote would only copy it.")
    if state.rounds[question.id] >= MAX_ROUNDS:
        raise Refusal(f"The class has voted {MAX_ROUNDS} times on this question.")
    return event("opened", now, votes={question.id: state.rounds[question.id] + 1},
                 focus=question.id)


def _reveal(state: State, now: float) -> dict[str, Any] | None:
    question = state.questions.get(state.focus or "")
    if question is None:
        raise Refusal("Open a question first.")
    if state.open:
        raise Refusal("Close the vote first: an answer shown during a vote would be copied.")
    return None if question.id in state.revealed else event("revealed", now,
                                                            question=question.id)


def _resolve(state: State, question_id: str, outcome: bool, now: float
             ) -> dict[str, Any] | None:
    question = state.questions.get(question_id)
    if question is None or question.kind != "probability":
        raise Refusal("Only a forecast question can be resolved.")
    if question_id in state.open:
        raise Refusal("Close the forecasts first: nobody may forecast what is known.")
    if question_id in state.resolved:
        if state.resolved[question_id] == outcome:
            return None
        raise Refusal("This question is already resolved the other way.")
    return event("resolved", now, question=question_id, outcome=outcome)


# --------------------------------------------------------------------------- scores

def forecasts(state: State) -> dict[int, dict[str, float]]:
    """Each seat's forecast per question: its answer in the last vote it answered."""
    latest: dict[int, dict[str, float]] = {}
    for (question, _vote), answers in sorted(state.votes.items(), key=lambda kv: kv[0][1]):
        if state.questions[question].kind != "probability":
            continue
        for seat, (value, _) in answers.items():
            latest.setdefault(seat, {})[question] = value
    return latest


def league(state: State) -> list[dict[str, Any]]:
    """The forecasting league: every seat that forecast, scored on the resolved questions
    (mean Brier and mean log score; lower is better), best first, ranked by the same
    function as a notebook's :func:`utils.poll.league`. A resolved question a seat did not
    forecast counts as :data:`UNANSWERED` (50%)."""
    if not state.resolved:
        return []
    rows = forecasting.league_scores(forecasts(state), state.resolved, state.names)
    for row in rows:
        row["seat"] = row.pop("who")
    return rows


def calibration(state: State, seat: int) -> list[dict[str, Any]]:
    """A seat's calibration on the resolved questions it forecast (five bands, as
    :func:`utils.forecasting.calibration`)."""
    given = forecasts(state).get(seat, {})
    asked = [q for q in state.resolved if q in given]
    if not asked:
        return []
    table = forecasting.calibration([given[q] for q in asked],
                                    [state.resolved[q] for q in asked])
    return table.to_dict("records")


# --------------------------------------------------------------------------- views

def score_text(value: float) -> str:
    """A score for a page: three decimals, or ∞ (a 0% forecast of what happened)."""
    return "∞" if math.isinf(value) else f"{value:.3f}"


def tally(state: State, question: Question, vote: int) -> dict[str, Any]:
    """A vote's answers counted: per option, or per band of numbers (ten bands)."""
    answers = [v for v, _ in state.votes.get((question.id, vote), {}).values()]
    result: dict[str, Any] = {"vote": vote, "count": len(answers),
                              "open": state.open.get(question.id) == vote}
    if question.kind == "choice":
        result["bars"] = [{"label": o, "count": answers.count(i)}
                          for i, o in enumerate(question.options)]
        return result
    labels = bands(question)
    result["bars"] = [{"label": label, "count": sum(band_of(question, a) == label
                                                   for a in answers)} for label in labels]
    result["median"] = float(np.median(answers)) if answers else None
    return result


def _edges(question: Question) -> tuple[np.ndarray, float]:
    """Where a number question's bands start, and their width. A question answered in
    whole numbers (``step`` 1) gets whole-number bands (1 to 10 rounds: ten bars, not
    1–1.9); any other, ten equal bands."""
    low, high = (0.0, 100.0) if question.kind == "probability" else (question.low,
                                                                     question.high)
    if question.step == 1:
        width = float(max(1, math.ceil((high - low + 1) / 10)))
        return np.arange(low, high + 1, width), width
    return np.linspace(low, high, 11)[:-1], (high - low) / 10


def bands(question: Question) -> list[str]:
    """The labels of a number question's bands, in order."""
    edges, width = _edges(question)
    if question.step == 1:
        top = question.high
        return [f"{e:g}" if width == 1 or e == top else f"{e:g}–{min(e + width - 1, top):g}"
                for e in edges]
    return [f"{e:g}–{e + width:g}" for e in edges]


def band_of(question: Question, value: float) -> str:
    """The band an answer falls in (the last band includes the top of the range)."""
    edges, _ = _edges(question)
    index = int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0, len(edges) - 1))
    return bands(question)[index]


def _question_view(state: State, question: Question) -> dict[str, Any]:
    shown = question.id in state.revealed
    view: dict[str, Any] = {
        "id": question.id, "text": question.text, "kind": question.kind,
        "options": list(question.options), "low": question.low, "high": question.high,
        "unit": question.unit, "votes": [tally(state, question, v)
                                         for v in range(1, state.rounds.get(question.id, 0)
                                                        + 1)],
        "revealed": shown}
    if shown:
        view["answer"] = question.answer_text
        view["why"] = question.why
        # The row the projector ticks: the right option, or the band of the right number.
        view["answer_band"] = question.answer_text if question.kind == "choice" or \
            question.answer is None else band_of(question, float(question.answer))
    return view


def _forecast_views(state: State) -> list[dict[str, Any]]:
    rows = []
    for q in state.questions.values():
        if q.kind != "probability":
            continue
        given = [f[q.id] for f in forecasts(state).values() if q.id in f]
        rows.append({"id": q.id, "text": q.text, "open": q.id in state.open,
                     "vote": state.open.get(q.id, state.rounds.get(q.id, 0)),
                     "count": len(given),
                     "mean": round(float(np.mean(given)), 1) if given else None,
                     "resolved": state.resolved.get(q.id)})
    return rows


def public_view(state: State) -> dict[str, Any]:
    """What the projector (and the instructor) see: no student's single answer, only
    counts, and the answer once revealed."""
    focus = state.questions.get(state.focus or "")
    table = league(state)
    return {
        "notebook": state.notebook, "title": state.title, "joined": len(state.names),
        "max_seats": state.max_seats, "open": bool(state.open),
        "focus": state.focus, "question": None if focus is None else
        _question_view(state, focus),
        "forecasts": _forecast_views(state),
        "league": [{"rank": r["rank"], "name": r["name"], "forecast": r["forecast"],
                    "resolved": r["resolved"], "brier": score_text(r["brier"]),
                    "log": score_text(r["log"])} for r in table],
        "events": state.events}


def host_view(state: State) -> dict[str, Any]:
    """What only the instructor sees: every question with its answer, to open them."""
    return {"questions": [{"id": q.id, "text": q.text, "kind": q.kind,
                           "answer": q.answer_text,
                           "votes": state.rounds.get(q.id, 0),
                           "revealed": q.id in state.revealed,
                           "resolved": state.resolved.get(q.id)}
                          for q in state.questions.values()]}


def seat_view(state: State, seat: int) -> dict[str, Any]:
    """What one phone sees of its own: its name, its answers to the open votes, and (once
    forecasts resolve) its own scores and calibration."""
    mine = {q: state.votes[(q, v)].get(seat) for q, v in state.open.items()}
    scores = []
    given = forecasts(state).get(seat, {})
    for question, outcome in state.resolved.items():
        p = given.get(question)
        used = (UNANSWERED if p is None else p) / 100
        scores.append({"question": state.questions[question].text, "forecast": p,
                       "happened": outcome,
                       "brier": score_text(forecasting.brier(used, outcome)),
                       "log": score_text(forecasting.log_score(used, outcome))})
    rank = next((r for r in league(state) if r["seat"] == seat), None)
    focus = state.questions.get(state.focus or "")
    earlier = {}
    if focus is not None:
        earlier = {str(v): state.votes.get((focus.id, v), {}).get(seat, (None,))[0]
                   for v in range(1, state.rounds.get(focus.id, 0) + 1)}
    return {"seat": seat, "name": state.names.get(seat, ""),
            "answers": {q: None if a is None else a[0] for q, a in mine.items()},
            "votes": {q: v for q, v in state.open.items()},
            "mine": earlier,
            "scores": scores,
            "rank": None if rank is None else {"rank": rank["rank"],
                                               "of": len(league(state)),
                                               "brier": score_text(rank["brier"]),
                                               "log": score_text(rank["log"])},
            "calibration": calibration(state, seat)}


def open_questions(state: State) -> list[dict[str, Any]]:
    """The questions open now, as a phone needs them."""
    return [{"id": q, "vote": v, "text": state.questions[q].text,
             "kind": state.questions[q].kind, "options": list(state.questions[q].options),
             "low": state.questions[q].low, "high": state.questions[q].high,
             "unit": state.questions[q].unit, "step": state.questions[q].step}
            for q, v in state.open.items()]


# --------------------------------------------------------------------------- export

def export_rows(state: State, session: str, as_of: str, notes: str = "",
                source: tuple[str, str] = ("", "")) -> list[dict[str, Any]]:
    """Every answer as a row (schema: poll_example in data/datapackage.json): the last
    answer of each seat in each vote. A question without a source of its own gets
    `source` (its notebook's)."""
    rows = []
    for (question_id, vote), answers in sorted(state.votes.items(),
                                               key=lambda kv: (list(state.questions)
                                                               .index(kv[0][0]), kv[0][1])):
        q = state.questions[question_id]
        opened = state.opened_at[(question_id, vote)]
        correct = "" if q.kind == "probability" else q.answer_text
        outcome = state.resolved.get(question_id) if q.kind == "probability" else None
        for seat in sorted(answers):
            value, at = answers[seat]
            rows.append({
                "session": session, "notebook": state.notebook, "question": q.id,
                "question_text": q.text, "kind": q.kind, "options": " | ".join(q.options),
                "vote": vote, "seat": seat, "name": state.names.get(seat, ""),
                "answer": q.shown(value), "value": value,
                "seconds": round(at - opened, 1), "correct": correct,
                "outcome": "" if outcome is None else ("true" if outcome else "false"),
                "notes": notes, "source": q.source or source[0],
                "source_url": q.source_url or source[1], "as_of": as_of})
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Exported rows (:func:`export_rows`) as the CSV text :func:`utils.poll.load` reads:
    the columns its schema gives, in that order."""
    out = io.StringIO()
    writer = csv.DictWriter(out, data.columns(data.POLL), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
