"""The Secretary General's export of a session: one row per seat per round, as CSV.

Its columns are the contract with the notebooks' reader (:func:`utils.council.load_session`),
defined once, in the data package's schema of ``council_example_session``
(:data:`utils.council.COLUMNS`).
"""

from __future__ import annotations

import pandas as pd

from council.game import State, card
from utils import data

#: The export's columns, in order: the schema of the session table says them.
COLUMNS = data.columns(data.COUNCIL_SESSION)

__all__ = ["table", "to_csv"]


def _safe_cell(text: str) -> str:
    """Text for a spreadsheet: a leading = + - @ would start a formula, so it gets a '."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def table(state: State, session: str, as_of: str, notes: str = "") -> pd.DataFrame:
    """The session as a table: one row per seat per round, in round and seat order (no row
    before the first draft). `session` names it, `as_of` is the day it was played."""
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
    return pd.DataFrame(rows, columns=list(COLUMNS))


def to_csv(session: pd.DataFrame) -> str:
    """A session table (:func:`table`'s, or one loaded) as CSV text, in the course's data
    style: true/false, empty for missing, floats to 10 significant digits."""
    out = session[list(COLUMNS)].copy()
    for column in ("joined", "broke_silence"):
        out[column] = out[column].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g")
