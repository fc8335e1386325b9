"""A North Atlantic Council the class plays: the rules of the game, as pure functions.

The live game (the server in ``council/``) keeps nothing but an append-only log of
events. Everything else, the rounds, the drafts, who broke silence, the deadlines and the
outcome, is a pure function of that log: :func:`replay` folds the events into a
:class:`State`, :func:`decide` turns a player's request into the next event or a
:class:`Refusal` in plain words, and the server only stores what :func:`decide` returns.
So a restarted server replays its log and is exactly where it was.

The rules follow notebook 01's model of the silence procedure:

* the Secretary General circulates a draft (one of the scenario card's wordings, each at
  a point of the 0–1 policy scale) with a silence deadline;
* until the deadline, any ally may break silence with a short reason, seen by all;
* once someone has broken silence the Secretary General may reword (circulate a new
  draft) at once; otherwise the round closes at its deadline;
* a round that closes in silence adopts the draft: **consensus** in round 1, a
  **watered-down** text later; objections in the last round allowed, or the Secretary
  General declaring it, end in **deadlock**.

An ally who never joins is silent, as in NATO: silence is consent.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from utils import charts, checks, consensus, data, display
from utils.errors import CourseError, DataError
from utils.views import consensus as consensus_view

MIN_SEATS, MAX_SEATS = 2, 40
MAX_REASON = 280
MAX_MESSAGE_BYTES = 2048
MIN_SILENCE, MAX_SILENCE = 1, 3600
#: After a server restart an open round gets at least this many seconds more.
RESUME_GRACE = 30.0
#: The imagined alliance of up to 40 allies, drawn with notebook 01's default assumptions.
IMAGINED = "imagined_alliance"
IMAGINED_DRAW = {"spread": 0.08, "tolerance": 0.05, "cost": 0.10}
ROUND_RESULTS = ("open", "silence_held", "broken", "reworded")
EXAMPLE_NOTE = ("An example session played by a script (tests/test_council_logic.py), "
                "not by a real class")


class Refusal(CourseError):
    """A request the game turns down, with the reason in words a player understands."""


@dataclass(frozen=True)
class Wording:
    position: float
    text: str


@dataclass(frozen=True)
class Brief:
    """One ally's private brief: where it stands, and why (two sourced sentences)."""

    ally: str
    name: str
    ideal: float
    tolerance: float
    cost: float
    basis: str
    sentences: tuple[tuple[str, str, str], ...]  # (sentence, source, source_url)

    @property
    def threshold(self) -> float:
        return self.tolerance + self.cost


@dataclass(frozen=True)
class Card:
    """A scenario: the question, the draft wordings, and every ally's brief in seat order."""

    id: str
    title: str
    question: str
    scale: str
    rounds_allowed: int
    silence_seconds: int
    wordings: tuple[Wording, ...]
    briefs: tuple[Brief, ...]
    source: str
    source_url: str

    @property
    def max_seats(self) -> int:
        return len(self.briefs)


@dataclass(frozen=True)
class Round:
    number: int
    wording: int
    position: float
    text: str
    opened: float
    deadline: float
    objections: tuple[tuple[int, str, float], ...] = ()  # (seat, reason, at)
    result: str = "open"

    @property
    def objectors(self) -> tuple[int, ...]:
        return tuple(seat for seat, _, _ in self.objections)


@dataclass(frozen=True)
class State:
    """The whole game at one moment: rebuilt from the event log by :func:`replay`."""

    card: str = ""
    seats: int = 0
    seed: int = 0
    rounds_allowed: int = 0
    started: float = 0.0
    claimed: dict[int, str] = field(default_factory=dict)  # seat -> device fingerprint
    rounds: tuple[Round, ...] = ()
    outcome: str | None = None
    final_position: float | None = None
    events: int = 0

    @property
    def current(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def open_round(self) -> Round | None:
        current = self.current
        return current if current is not None and current.result == "open" else None


# --------------------------------------------------------------------------- scenario cards

def _draws(n: int, centre: float, spread: float, seed: int) -> np.ndarray:
    """Ideal points drawn as notebook 01 draws them (consensus.draw_allies), moved so that
    they scatter around `centre` instead of 0.5, kept in [0, 1], to three decimals."""
    drawn = consensus.draw_allies(n, spread, 0, 0, seed).ideal
    return np.round(np.clip(drawn - consensus.CENTRE + centre, 0, 1), 3)


def drawn_ideal(n: int, centre: float, spread: float, seed: int, index: int) -> float:
    """The `index`-th of `n` drawn ideal points (how the cards' 'drawn' briefs were made)."""
    return float(_draws(n, centre, spread, seed)[index])


@cache
def _cards() -> dict[str, Card]:
    cards = data.load("council_cards")
    wordings = data.load("council_wordings")
    briefs = data.load("council_briefs").sort_values(["card", "seat_order"])
    names = _country_names()
    result = {}
    for row in cards.itertuples():
        own = wordings[wordings["card"] == row.id].sort_values("position")
        people = briefs[briefs["card"] == row.id]
        result[row.id] = Card(
            row.id, row.title, row.question, row.scale, int(row.rounds_allowed),
            int(row.silence_seconds),
            tuple(Wording(float(w.position), w.wording) for w in own.itertuples()),
            tuple(Brief(b.iso3, names[b.iso3], float(b.ideal), float(b.tolerance),
                        float(b.cost), b.basis,
                        ((b.position, b.source, b.source_url),
                         (b.position_2, b.source_2, b.source_url_2)))
                  for b in people.itertuples()),
            row.source, row.source_url)
    return result


def card_ids() -> list[str]:
    """The scenario cards: the sourced ones, then the imagined alliance of up to 40."""
    return [*_cards(), IMAGINED]


def card(card_id: str, seats: int = MAX_SEATS, seed: int = 0) -> Card:
    """A scenario card by id. The imagined alliance is drawn for `seats` allies with `seed`
    (notebook 01's defaults); a sourced card lists its allies of the time in seat order."""
    card_id = checks.one_of("The scenario card", card_id, card_ids())
    if card_id != IMAGINED:
        return _cards()[card_id]
    return _imagined(checks.whole("The number of seats", seats, MIN_SEATS, MAX_SEATS),
                     checks.whole("The random seed", seed, 0, 2**32 - 1))


@cache
def _imagined(seats: int, seed: int) -> Card:
    allies = consensus.draw_allies(seats, IMAGINED_DRAW["spread"], IMAGINED_DRAW["tolerance"],
                                   IMAGINED_DRAW["cost"], seed)
    base = _cards()["nato_csto_relations"]
    note = ("An imagined ally, drawn by utils.consensus.draw_allies as in notebook 01; it "
            "has no historical position.")
    briefs = tuple(Brief(f"A{i + 1:02d}", f"Ally {i + 1}", round(float(allies.ideal[i]), 3),
                         IMAGINED_DRAW["tolerance"], IMAGINED_DRAW["cost"], "drawn",
                         ((note, "Notebook 01's model", base.source_url),) * 2)
                   for i in range(seats))
    wordings = tuple(Wording(p / 10, f"Draft text at {p / 10:.1f} on the policy scale")
                     for p in range(11))
    return Card(IMAGINED, "An imagined alliance", "How far should the Alliance go on one "
                "new question?", "0 = do nothing new; 1 = the most ambitious text",
                5, 120, wordings, briefs, "Notebook 01's model of the silence procedure",
                base.source_url)


# ------------------------------------------------------------------------------ the log

def event(kind: str, at: float, seat: int | None = None, **payload: Any) -> dict[str, Any]:
    """One entry of the log (the server adds its sequence number when it stores it)."""
    return {"kind": kind, "at": float(at), "seat": seat, "data": payload}


def start(card_id: str, seats: int, at: float, seed: int = 0) -> dict[str, Any]:
    """The first event of a session: which card, how many seats."""
    game = card(card_id, seats, seed)
    limit = min(MAX_SEATS, game.max_seats)
    seats = checks.whole("The number of seats", seats, MIN_SEATS, limit)
    return event("started", at, card=game.id, seats=seats, seed=seed,
                 rounds_allowed=game.rounds_allowed)


def apply(state: State, entry: dict[str, Any]) -> State:
    """The state after one event (events come only from :func:`start` and :func:`decide`)."""
    kind, at, seat, info = entry["kind"], entry["at"], entry["seat"], entry["data"]
    state = replace(state, events=state.events + 1)
    rounds = list(state.rounds)
    if kind == "started":
        return replace(state, card=info["card"], seats=info["seats"], seed=info["seed"],
                       rounds_allowed=info["rounds_allowed"], started=at)
    if kind == "joined":
        return replace(state, claimed={**state.claimed, seat: info["device"]})
    if kind == "released":
        return replace(state, claimed={k: v for k, v in state.claimed.items()
                                       if k != seat})
    if kind == "circulated":
        if rounds and rounds[-1].result == "open":
            rounds[-1] = replace(rounds[-1], result="reworded")
        rounds.append(Round(len(rounds) + 1, info["wording"], info["position"], info["text"],
                            at, info["deadline"]))
        return replace(state, rounds=tuple(rounds))
    if kind == "broke_silence":
        rounds[-1] = replace(rounds[-1],
                             objections=(*rounds[-1].objections, (seat, info["reason"], at)))
        return replace(state, rounds=tuple(rounds))
    if kind == "extended":
        rounds[-1] = replace(rounds[-1], deadline=info["deadline"])
        return replace(state, rounds=tuple(rounds))
    if kind == "closed":
        rounds[-1] = replace(rounds[-1], result=info["result"])
        state = replace(state, rounds=tuple(rounds))
        if info.get("outcome"):
            return replace(state, outcome=info["outcome"], final_position=rounds[-1].position)
        return state
    if kind == "deadlock":
        if rounds and rounds[-1].result == "open":
            rounds[-1] = replace(rounds[-1], result="broken")
        final = rounds[-1].position if rounds else None
        return replace(state, rounds=tuple(rounds), outcome="deadlock", final_position=final)
    raise CourseError(f"Unknown event {kind!r} in the session log.")


def replay(events: Iterable[dict[str, Any]]) -> State:
    """The state after every event of the log, in order."""
    state = State()
    for entry in events:
        state = apply(state, entry)
    return state


# ------------------------------------------------------------------ requests and refusals

def clean_reason(reason: object) -> str:
    """A reason as it will be shown: text, control characters removed, spaces collapsed,
    at most MAX_REASON characters. (Pages show it as text, never as HTML.)"""
    if not isinstance(reason, str):
        raise Refusal("A reason is a short text, e.g. 'Planning now implies war is "
                      "inevitable.'")
    kept = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in reason)
    text = re.sub(r"\s+", " ", kept).strip()
    if len(text) < 3:
        raise Refusal("Give a short reason (at least 3 characters) for breaking silence.")
    if len(text) > MAX_REASON:
        raise Refusal(f"Keep the reason to {MAX_REASON} characters; yours has {len(text)}.")
    return text


def decide(state: State, actor: str | int, request: dict[str, Any], now: float
           ) -> dict[str, Any] | None:
    """The event a request leads to, None when it changes nothing, or a :class:`Refusal`.

    `actor` is ``"sg"`` (the Secretary General), ``"server"``, or a seat number (1, 2, …):
    the server knows who sent a request from the token of its connection, never from the
    request itself. `request` is a parsed message (see :func:`parse_message`).
    """
    kind = request["type"]
    if not state.card:
        raise Refusal("The session has not started.")
    if kind == "tick":
        return _tick(state, now)
    if kind == "resume":
        current = state.open_round
        if current is None or current.deadline >= now + RESUME_GRACE:
            return None
        return event("extended", now, deadline=now + RESUME_GRACE, why="server restarted")
    if kind == "join":
        return _join(state, actor, request["device"], now)
    if state.outcome is not None:
        raise Refusal(f"The session is over ({consensus.OUTCOMES[state.outcome]}).")
    if kind == "break":
        return _break(state, actor, request["reason"], now)
    if actor != "sg":
        raise Refusal("Only the Secretary General can do that.")
    if kind == "circulate":
        return _circulate(state, request["wording"], request["seconds"], now)
    if kind == "deadlock":
        return event("deadlock", now)
    if kind == "release":
        seat = request["seat"]
        if not 1 <= seat <= state.seats:
            raise Refusal(f"There is no seat {seat}.")
        if seat not in state.claimed:
            return None
        return event("released", now, seat=seat)
    raise Refusal(f"Unknown request {kind!r}.")


def _tick(state: State, now: float) -> dict[str, Any] | None:
    current = state.open_round
    if current is None or now < current.deadline:
        return None
    if not current.objections:
        outcome = "consensus" if current.number == 1 else "watered_down"
        return event("closed", now, result="silence_held", outcome=outcome)
    if current.number >= state.rounds_allowed:
        return event("closed", now, result="broken", outcome="deadlock")
    return event("closed", now, result="broken")


def _join(state: State, seat: object, device: str, now: float) -> dict[str, Any] | None:
    if not isinstance(seat, int):
        return None
    owner = state.claimed.get(seat)
    if owner == device:
        return None
    if owner is not None:
        raise Refusal("This seat is already taken on another device. If it is yours (a "
                      "new browser?), ask the Secretary General to release it.")
    return event("joined", now, seat, device=device)


def _break(state: State, seat: object, reason: object, now: float) -> dict[str, Any]:
    if not isinstance(seat, int):
        raise Refusal("Only an ally can break silence.")
    current = state.current
    if current is None:
        raise Refusal("No draft has been circulated yet.")
    if current.result != "open" or now >= current.deadline:
        raise Refusal(f"Too late: the silence deadline of round {current.number} has passed.")
    if seat in current.objectors:
        raise Refusal("You have already broken silence on this draft.")
    return event("broke_silence", now, seat, reason=clean_reason(reason))


def _circulate(state: State, wording: int, seconds: int, now: float) -> dict[str, Any]:
    game = card(state.card, state.seats, state.seed)
    if not 0 <= wording < len(game.wordings):
        raise Refusal(f"Choose one of the card's {len(game.wordings)} wordings.")
    if not MIN_SILENCE <= seconds <= MAX_SILENCE:
        raise Refusal(f"A silence lasts {MIN_SILENCE} to {MAX_SILENCE} seconds.")
    current = state.current
    if current is not None and current.result == "open" and not current.objections:
        raise Refusal(f"Round {current.number} is under silence and nobody has broken "
                      "it: wait for its deadline.")
    if current is not None and current.number >= state.rounds_allowed:
        raise Refusal(f"All {state.rounds_allowed} rounds allowed are used: declare "
                      "deadlock.")
    chosen = game.wordings[wording]
    return event("circulated", now, wording=wording, position=chosen.position,
                 text=chosen.text, deadline=now + seconds)


ALLOWED = {"break": {"reason": str}, "circulate": {"wording": int, "seconds": int},
           "deadlock": {}, "release": {"seat": int}, "hello": {"device": str}}


def parse_message(raw: object) -> dict[str, Any]:
    """A websocket message as a request, or a :class:`Refusal` naming what is wrong."""
    if isinstance(raw, bytes):
        raise Refusal("Messages are JSON text, not binary.")
    if not isinstance(raw, str):
        raise Refusal("Messages are JSON text.")
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise Refusal(f"Message too long (the limit is {MAX_MESSAGE_BYTES} bytes).")
    try:
        message = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise Refusal("That message is not valid JSON.") from None
    if not isinstance(message, dict) or message.get("type") not in ALLOWED:
        raise Refusal("Unknown kind of message.")
    fields = ALLOWED[message["type"]]
    if set(message) - {"type", *fields}:
        raise Refusal("Unexpected fields in the message.")
    for name, kind in fields.items():
        value = message.get(name)
        if type(value) is not kind:
            raise Refusal(f"The message needs {name!r} as {kind.__name__}.")
    if message["type"] == "hello" and not re.fullmatch(r"[A-Za-z0-9_-]{16,64}",
                                                       message["device"]):
        raise Refusal("Bad device key.")
    return message


class RateLimit:
    """A token bucket per seat: `burst` messages at once, then `rate` a second."""

    def __init__(self, rate: float = 2.0, burst: float = 10.0) -> None:
        self.rate, self.burst = rate, burst
        self.level: dict[object, tuple[float, float]] = {}

    def allow(self, who: object, now: float) -> bool:
        tokens, then = self.level.get(who, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1:
            self.level[who] = (tokens, now)
            return False
        self.level[who] = (tokens - 1, now)
        return True


# --------------------------------------------------------------------------- views

def declared_deadlock(state: State) -> bool:
    """Whether the session ended in a deadlock the Secretary General declared, rather than
    one reached when allies still objected at the end of the last round allowed."""
    if state.outcome != "deadlock":
        return False
    last = state.current
    return last is None or not last.objections or last.number < state.rounds_allowed


def outcome_text(state: State) -> str:
    """How the session ended, in words true of this session ("" while it runs)."""
    if declared_deadlock(state):
        return "deadlock, declared by the Secretary General"
    return consensus.OUTCOMES.get(state.outcome or "", "")


def public_view(state: State, now: float) -> dict[str, Any]:
    """What everyone may see: drafts, deadlines, who broke silence and why, the outcome."""
    game = card(state.card, state.seats, state.seed)
    seats = [{"seat": s, "ally": b.ally, "name": b.name, "joined": s in state.claimed}
             for s, b in enumerate(game.briefs[:state.seats], start=1)]
    return {
        "card": {"id": game.id, "title": game.title, "question": game.question,
                 "scale": game.scale, "rounds_allowed": state.rounds_allowed},
        "seats": seats, "now": now, "outcome": state.outcome,
        "outcome_text": outcome_text(state),
        "final_position": state.final_position, "events": state.events,
        "rounds": [{"number": r.number, "position": r.position, "text": r.text,
                    "deadline": r.deadline, "result": r.result,
                    "objections": [{"seat": s, "name": game.briefs[s - 1].name,
                                    "reason": why} for s, why, _ in r.objections]}
                   for r in state.rounds]}


def brief_view(state: State, seat: int) -> dict[str, Any]:
    """What one seat alone sees: its own brief."""
    brief = card(state.card, state.seats, state.seed).briefs[seat - 1]
    low, high = brief.ideal - brief.threshold, brief.ideal + brief.threshold
    return {"seat": seat, "ally": brief.ally, "name": brief.name, "ideal": brief.ideal,
            "tolerance": brief.tolerance, "cost": brief.cost,
            "accepts": [round(max(low, 0), 3), round(min(high, 1), 3)],
            "sentences": [{"text": t, "source": s, "url": u} for t, s, u in brief.sentences]}


# ------------------------------------------------------------------ export and comparison

EXPORT_COLUMNS = ["session", "card", "round", "position", "wording", "seat", "ally",
                  "joined", "ideal", "tolerance", "cost", "broke_silence", "reason",
                  "seconds_to_break", "round_result", "rounds_allowed", "outcome",
                  "final_position", "notes", "source", "source_url", "as_of"]


def _safe_cell(text: str) -> str:
    """Text for a spreadsheet: a leading = + - @ would start a formula, so it gets a '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def export(state: State, session: str, as_of: str, notes: str = "") -> pd.DataFrame:
    """The session as a table: one row per seat per round (schema: council_example_session
    in data/datapackage.json)."""
    game = card(state.card, state.seats, state.seed)
    rows = []
    for r in state.rounds:
        reasons = {s: (why, at) for s, why, at in r.objections}
        for seat, brief in enumerate(game.briefs[:state.seats], start=1):
            why, at = reasons.get(seat, ("", None))
            rows.append({
                "session": session, "card": game.id, "round": r.number,
                "position": r.position, "wording": r.text, "seat": seat, "ally": brief.ally,
                "joined": seat in state.claimed or any(seat in x.objectors
                                                       for x in state.rounds),
                "ideal": brief.ideal, "tolerance": brief.tolerance, "cost": brief.cost,
                "broke_silence": seat in reasons, "reason": _safe_cell(why),
                "seconds_to_break": None if at is None else round(at - r.opened, 1),
                "round_result": r.result, "rounds_allowed": state.rounds_allowed,
                "outcome": state.outcome or "", "final_position": state.final_position,
                "notes": notes, "source": game.source, "source_url": game.source_url,
                "as_of": as_of})
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def to_csv(table: pd.DataFrame) -> str:
    """The export as CSV text, in the course's data style (true/false, empty for missing)."""
    out = _session_table(table).copy()
    for column in ("joined", "broke_silence"):
        out[column] = out[column].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g")


def _session_table(session: object) -> pd.DataFrame:
    if not isinstance(session, pd.DataFrame) or not set(EXPORT_COLUMNS) <= set(session):
        raise CourseError("Give a session table, e.g. council.load_session() or "
                          "data.load('council_example_session').")
    if session.empty or session["session"].nunique() != 1:
        raise CourseError("The session table must hold exactly one session.")
    return session.sort_values(["round", "seat"]).reset_index(drop=True)


def load_session(path: str | Path | None = None) -> pd.DataFrame:
    """A session exported by the council server ("Export the session (CSV)"), checked
    against the schema; without a path, the example committed with the course."""
    name = "council_example_session"
    if path is None:
        return data.load(name)
    if not isinstance(path, str | Path):
        raise CourseError("Give the path of an exported session, e.g. 'council-2026-12-02.csv'.")
    named = checks.shown(str(path))  # a path of a million characters is named in 60
    try:
        if not Path(path).is_file():
            raise CourseError(f"There is no file {named}: give the path of the CSV "
                              "the Secretary General exported.")
        return data.load_file(name, Path(path))
    except DataError as error:  # the student's file, not the course's: say what is wrong
        if "not readable" in str(error) or "encoding" in str(error) or "UTF-8" in str(error):
            raise CourseError(f"Cannot read {named} as an exported session.") from None
        raise CourseError(f"{named} is not an exported session: {error}") from None
    except (OSError, ValueError, UnicodeDecodeError, csv.Error) as error:
        if isinstance(error, CourseError):
            raise
        raise CourseError(f"Cannot read {named} as an exported session.") from None


def class_allies(session: pd.DataFrame) -> tuple[consensus.Allies, list[str]]:
    """The class's briefs as the model's allies, in seat order, and their names."""
    first = _session_table(session)
    first = first[first["round"] == first["round"].min()]
    allies = consensus.make_allies(first["ideal"].astype(float).to_numpy(),
                                   first["tolerance"].astype(float).to_numpy(),
                                   first["cost"].astype(float).to_numpy())
    return allies, list(first["ally"])


def class_negotiation(session: pd.DataFrame) -> consensus.Negotiation:
    """What the class did, as the model's Negotiation (so notebook 01's chart draws it)."""
    table = _session_table(session)
    allies, _ = class_allies(table)
    rounds = tuple(consensus.Round(int(n), float(g["position"].iloc[0]),
                                   tuple(int(s) - 1 for s in g.loc[g["broke_silence"], "seat"]))
                   for n, g in table.groupby("round"))
    outcome = str(table["outcome"].iloc[0])
    if outcome not in consensus.OUTCOMES:
        raise CourseError("This session has no outcome yet: export it when it is over.")
    return consensus.Negotiation(allies, "median", rounds, outcome,
                                 float(table["final_position"].iloc[0]))


def _named(spec: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Notebook 01's chart labels allies "Ally 1", "Ally 2"...; put their names instead."""
    for row in spec["datasets"]["allies"]:
        row["ally"] = names[int(row["ally"].split()[-1]) - 1]
    return spec


def chart(session: pd.DataFrame) -> charts.VegaLite:
    """The class's negotiation in notebook 01's chart: what each ally accepted, and the
    draft round by round."""
    played = class_negotiation(session)
    result = consensus_view.negotiation_chart(played)
    _named(result.spec, class_allies(session)[1])
    result.spec["title"] = _class_title(played)
    return result


def _class_title(played: consensus.Negotiation) -> dict[str, str]:
    """The chart's title for a class: its Secretary General followed no model strategy."""
    return {"text": f"The class's council: {len(played.allies)} allies, first draft at "
                    f"{played.first_text:.2f}", "subtitle": consensus.OUTCOMES[played.outcome]}


def model_objectors(allies: consensus.Allies, text: float) -> tuple[int, ...]:
    """The allies (0-based) whose loss on `text` exceeds their threshold: the model's
    objectors to that draft."""
    checks.instance("The allies", allies, consensus.Allies, "consensus.make_allies")
    text = checks.number("The text", text, 0, 1)
    return tuple(int(i) for i in np.flatnonzero(np.abs(text - allies.ideal)
                                                > allies.threshold))


def compare(session: pd.DataFrame) -> pd.DataFrame:
    """Round by round, who broke silence in class and who the model says would have, on
    the same draft; then the model's own negotiation from the same briefs."""
    played = class_negotiation(session)
    allies, names = class_allies(session)
    rows = []
    for r in played.rounds:
        model = model_objectors(allies, r.text)
        rows.append({
            "round": r.number, "draft": r.text,
            "class broke silence": ", ".join(names[i] for i in r.objectors) or "nobody",
            "model would break": ", ".join(names[i] for i in model) or "nobody",
            "same": set(model) == set(r.objectors),
            "class only": ", ".join(names[i] for i in r.objectors if i not in model),
            "model only": ", ".join(names[i] for i in model if i not in r.objectors)})
    return pd.DataFrame(rows)


def verdict(session: pd.DataFrame, strategy: str = "median") -> pd.DataFrame:
    """Class against model on the whole negotiation: outcome, rounds, first and final text."""
    played = class_negotiation(session)
    rounds_allowed = int(_session_table(session)["rounds_allowed"].iloc[0])
    model = consensus.negotiate(played.allies, strategy, rounds_allowed)
    def describe(n: consensus.Negotiation) -> dict[str, Any]:
        return {"outcome": n.outcome, "rounds": n.rounds_used,
                "first draft": round(n.first_text, 3), "final text": round(n.final_text, 3),
                "allies who broke silence": len({i for r in n.rounds for i in r.objectors})}
    table = pd.DataFrame({"class": describe(played),
                          f"model ({consensus.STRATEGIES[model.strategy]})": describe(model)})
    table["same?"] = table.iloc[:, 0] == table.iloc[:, 1]
    return table


#: How :func:`in_words` names a negotiation's outcome inside a sentence.
ENDINGS = {"consensus": "consensus on the first draft",
           "watered_down": "a watered-down consensus", "deadlock": "deadlock"}


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _rounds(n: int) -> str:
    return "1 round" if n == 1 else f"{n} rounds"


def _listed(names: Sequence[str]) -> str:
    """'France', 'France and Belgium', 'France, Germany and Belgium'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _why_deadlock(allies: consensus.Allies, names: Sequence[str]) -> str:
    """Why no draft can pass, from the briefs: the ally that accepts the lowest ceiling
    and the one that needs the highest floor, when the floor is above the ceiling."""
    ceilings = allies.ideal + allies.threshold
    floors = allies.ideal - allies.threshold
    low, high = int(np.argmin(ceilings)), int(np.argmax(floors))
    if floors[high] <= ceilings[low]:
        return ""
    return (f", because {names[low]}'s brief accepts nothing above "
            f"{display.number(ceilings[low])} and {names[high]}'s nothing below "
            f"{display.number(floors[high])}: no draft can satisfy both")


def in_words(session: pd.DataFrame) -> Markdown:
    """What :func:`compare` and :func:`verdict` show, written out for the session given
    (the example or a class's export), with the record of the card it played."""
    table = _session_table(session)
    played = class_negotiation(table)
    allies, codes = class_allies(table)
    known = _country_names()
    names = [known.get(code, code) for code in codes]
    cards = data.load("council_cards").set_index("id")
    card_id = str(table["card"].iloc[0])
    title = cards.loc[card_id, "title"] if card_id in cards.index else "an imagined alliance"
    lines = [f"**The session loaded:** `{table['session'].iloc[0]}`, {len(names)} allies, "
             f"card *{title}*."]
    if str(table["notes"].iloc[0]).strip():
        lines[0] += f" Its note: {str(table['notes'].iloc[0]).strip().rstrip('.')}."
    in_class = sum(len(r.objectors) for r in played.rounds)
    by_model = sum(len(model_objectors(allies, r.text)) for r in played.rounds)
    willing = ("more willing to stay silent than" if in_class < by_model else
               "less willing to stay silent than" if in_class > by_model else
               "exactly as willing to stay silent as")
    lines.append(f"\n**Silences.** On the class's own drafts, allies broke silence "
                 f"{_times(in_class)} in class; the model has them break it "
                 f"{_times(by_model)}: the class was {willing} the model.")
    for r in played.rounds:
        model = model_objectors(allies, r.text)
        silent = [names[i] for i in model if i not in r.objectors]
        spoke = [names[i] for i in r.objectors if i not in model]
        parts = []
        if silent:
            parts.append(f"{_listed(silent)} stayed silent where the model objects")
        if spoke:
            parts.append(f"{_listed(spoke)} broke silence where the model stays silent")
        lines.append(f"- Draft {display.number(r.text)} (round {r.number}): "
                     f"{'; '.join(parts) or 'the class and the model agree'}.")
    rounds_allowed = int(table["rounds_allowed"].iloc[0])
    model = consensus.negotiate(played.allies, "median", rounds_allowed)
    ending = ("the same ending" if model.outcome == played.outcome else
              "two different endings")
    why = _why_deadlock(allies, names) if model.outcome == "deadlock" else ""
    lines.append(f"\n**Endings.** The same briefs, {ending}: the class reached "
                 f"{ENDINGS[played.outcome]} in {_rounds(played.rounds_used)} (final text "
                 f"{display.number(round(played.final_text, 3))}); the model, drafting at the "
                 f"median ally, reaches {ENDINGS[model.outcome]} after "
                 f"{_rounds(model.rounds_used)} (final text "
                 f"{display.number(round(model.final_text, 3))}){why}.")
    if card_id in cards.index:
        record = re.sub(r"^The record:\s*", "", str(cards.loc[card_id, "notes"]).strip())
        lines.append(f"\n**The record** (`data/council_cards.csv`, {card_id}): {record}")
    else:
        lines.append("\n**The record:** an imagined alliance has none to compare with.")
    return Markdown("\n".join(lines))


@cache
def _country_names() -> dict[str, str]:
    return dict(zip(*data.load("nato_members")[["iso3", "name"]].T.values, strict=True))


def play(card_id: str, seats: int, script: Sequence[tuple[str, Any]], start_at: float = 0.0,
         seed: int = 0) -> tuple[list[dict[str, Any]], State]:
    """Run a scripted session through :func:`decide` (for tests and the committed example).

    `script` is a list of steps: ``("join", seat)``, ``("circulate", wording_index)``,
    ``("break", (seat, reason))``, ``("wait", seconds)``; each circulation gives a silence
    of 60 seconds, and a wait ticks the clock forward.
    """
    now = start_at
    log = [start(card_id, seats, now, seed)]
    state = replay(log)
    for kind, value in script:
        now += 1
        if kind == "join":
            request, actor = {"type": "join", "device": f"device-{value}"}, value
        elif kind == "circulate":
            request, actor = {"type": "circulate", "wording": value, "seconds": 60}, "sg"
        elif kind == "break":
            request, actor = {"type": "break", "reason": value[1]}, value[0]
        else:
            now += value - 1
            request, actor = {"type": "tick"}, "server"
        entry = decide(state, actor, request, now)
        if entry is not None:
            log.append(entry)
            state = apply(state, entry)
    return log, state



def live_negotiation(state: State) -> consensus.Negotiation | None:
    """The session so far as the model's Negotiation (None before the first draft)."""
    if not state.rounds:
        return None
    game = card(state.card, state.seats, state.seed)
    briefs = game.briefs[:state.seats]
    allies = consensus.make_allies([b.ideal for b in briefs], [b.tolerance for b in briefs],
                                   [b.cost for b in briefs])
    rounds = tuple(consensus.Round(r.number, r.position, tuple(s - 1 for s in r.objectors))
                   for r in state.rounds)
    return consensus.Negotiation(allies, "median", rounds, state.outcome or "deadlock",
                                 state.rounds[-1].position)


#: Font sizes of the projector's chart (px): the back row reads 16 px text at the least.
PROJECTOR_FONT = 18
#: Width of the projector chart's plot (px), for its column of a 1280-pixel-wide screen.
PROJECTOR_CHART_WIDTH = 250


def _round_label(r: Round) -> str:
    """What a round's point on the projector's chart says: only what is true by now."""
    broke = f"{len(r.objections)} broke silence"
    if r.result == "broken" and not r.objections:  # the rules' mark of a declared deadlock
        return "ended by deadlock"
    if r.result == "open":
        return f"open: {broke}" if r.objections else "open"
    return broke if r.objections else "silence held"


def _projector_fonts(spec: Any) -> None:
    """Raise every font size in a chart spec to :data:`PROJECTOR_FONT` at least, in place."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key.lower().endswith("fontsize") and isinstance(value, int | float):
                spec[key] = max(value, PROJECTOR_FONT)
            else:
                _projector_fonts(value)
    elif isinstance(spec, list):
        for item in spec:
            _projector_fonts(item)


def chart_spec(state: State, full: bool = False) -> dict[str, Any] | None:
    """Notebook 01's negotiation chart of the session, for the projector.

    By default only its lower panel, the draft round by round, sized for the projector's
    1280×720 screen with no text under 16 px; it has no title (the page's heading names it)
    and labels a round still open as open, never as a silence that held. `full` gives the
    whole chart once the session is over: every ally's ideal point (private until then) and
    what it accepted, as in the notebook, in the same large type.
    """
    result = live_negotiation(state)
    if result is None:
        return None
    names = [b.ally for b in card(state.card, state.seats, state.seed).briefs[:state.seats]]
    spec = _named(consensus_view.negotiation_chart(result).spec, names)
    for row, played in zip(spec["datasets"]["drafts"], state.rounds, strict=True):
        row["label"] = _round_label(played)
    spec["config"] = {**spec["config"], "text": {"fontSize": PROJECTOR_FONT}}
    if full and state.outcome is not None:
        spec["title"] = _class_title(result)
        spec["vconcat"][0]["height"] = (PROJECTOR_FONT + 6) * state.seats
    else:
        spec["vconcat"] = spec["vconcat"][1:]
        spec.pop("title", None)
        del spec["vconcat"][0]["title"]  # the page's own heading says "Round by round"
        spec["vconcat"][0]["height"] = (PROJECTOR_FONT + 14) * len(state.rounds)
        spec["description"] = ("Drafts circulated so far: "
                               + ", ".join(f"{r.position:.2f} ({_round_label(r)})"
                                           for r in state.rounds) + ".")
    for panel in spec["vconcat"]:
        panel["width"] = PROJECTOR_CHART_WIDTH
    _projector_fonts(spec)
    return spec
