"""What the council's pages show: each role's view of the game, and the projector's chart.

The server sends every tab :func:`public_view` (drafts, deadlines, who broke silence and
why, the outcome); a seat alone also gets its :func:`brief_view`. The projector draws
:func:`chart_spec`, notebook 01's negotiation chart of the session so far, in type the
back row can read.
"""

from __future__ import annotations

from typing import Any

from council import export
from council.game import Round, State, card
from utils import consensus
from utils import council as analysis
from utils.views import consensus as consensus_view

__all__ = ["brief_view", "chart_spec", "outcome_text", "public_view"]

def _declared_deadlock(state: State) -> bool:
    """Whether the session ended in a deadlock the Secretary General declared, rather than
    one reached when allies still objected at the end of the last round allowed."""
    if state.outcome != "deadlock":
        return False
    last = state.current
    return last is None or not last.objections or last.number < state.rounds_allowed


def outcome_text(state: State) -> str:
    """How the session ended, in words true of this session ("" while it runs)."""
    if _declared_deadlock(state):
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


def _live_negotiation(state: State) -> consensus.Negotiation:
    """The session so far (one draft at least) as the model's Negotiation; one still
    running is drawn as if it ended in deadlock at its last draft."""
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
    if not state.rounds:
        return None
    if full and state.outcome is not None:
        # the session as notebook 01 reads its export: the allies by name, the class's title
        spec = analysis.chart(export.table(state, "", "")).spec
        spec["vconcat"][0]["height"] = (PROJECTOR_FONT + 6) * state.seats
    else:
        spec = consensus_view.negotiation_chart(_live_negotiation(state)).spec
        spec["vconcat"] = spec["vconcat"][1:]
        spec.pop("title", None)
        del spec["vconcat"][0]["title"]  # the page's own heading says "Round by round"
        spec["vconcat"][0]["height"] = (PROJECTOR_FONT + 14) * len(state.rounds)
        spec["description"] = ("Drafts circulated so far: "
                               + ", ".join(f"{r.position:.2f} ({_round_label(r)})"
                                           for r in state.rounds) + ".")
    for row, played in zip(spec["datasets"]["drafts"], state.rounds, strict=True):
        row["label"] = _round_label(played)
    spec["config"] = {**spec["config"], "text": {"fontSize": PROJECTOR_FONT}}
    for panel in spec["vconcat"]:
        panel["width"] = PROJECTOR_CHART_WIDTH
    _projector_fonts(spec)
    return spec
