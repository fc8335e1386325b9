"""The North Atlantic Council the class plays: its rules, as pure functions of a log.

The live game (:mod:`council.server`) keeps nothing but an append-only log of events.
Everything else, the rounds, the drafts, who broke silence, the deadlines and the
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

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from council import protocol
from council.protocol import Refusal
from utils import checks, consensus, data
from utils.errors import CourseError

__all__ = ["IMAGINED", "MAX_SEATS", "MIN_SEATS", "REQUESTS", "Brief", "Card", "Refusal",
           "Round", "State", "Wording", "apply", "card", "card_ids", "decide", "event",
           "parse_message", "replay", "start"]

MIN_SEATS, MAX_SEATS = 2, 40
MAX_REASON = 280
MAX_MESSAGE_BYTES = 2048
MIN_SILENCE, MAX_SILENCE = 1, 3600
#: After a server restart an open round gets at least this many seconds more.
RESUME_GRACE = 30.0
#: The imagined alliance of up to 40 allies, drawn with notebook 01's default assumptions.
IMAGINED = "imagined_alliance"
IMAGINED_DRAW = {"spread": 0.08, "tolerance": 0.05, "cost": 0.10}


@dataclass(frozen=True)
class Wording:
    """One text the Secretary General may circulate, at its point of the policy scale."""

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
    """One circulated draft: its silence deadline, who broke silence (and why, and
    when), and how it ended: ``open``, ``silence_held``, ``broken`` or ``reworded``."""

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

@cache
def _cards() -> dict[str, Card]:
    cards = data.load("council_cards")
    wordings = data.load("council_wordings")
    briefs = data.load("council_briefs").sort_values(["card", "seat_order"])
    members = data.load("nato_members")
    names = dict(zip(members["iso3"], members["name"], strict=True))
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


#: The requests a tab may send (see :func:`council.protocol.parse`).
REQUESTS: protocol.Requests = {
    "break": {"reason": (str,)}, "circulate": {"wording": (int,), "seconds": (int,)},
    "deadlock": {}, "release": {"seat": (int,)}, "hello": {"device": (str,)}}


def parse_message(raw: object) -> dict[str, Any]:
    """A websocket message as one of :data:`REQUESTS`, or a :class:`Refusal` naming what
    is wrong; a ``hello``'s device key is 16 to 64 letters, digits, ``-`` or ``_``."""
    message = protocol.parse(raw, REQUESTS, MAX_MESSAGE_BYTES)
    if message["type"] == "hello" and not re.fullmatch(r"[A-Za-z0-9_-]{16,64}",
                                                       message["device"]):
        raise Refusal("Bad device key.")
    return message
