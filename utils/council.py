"""The class's council session in a notebook: how the class negotiated, beside the model.

``python3 course.py council`` lets a class play a North Atlantic Council (the game and its
server are in ``council/``, see docs/council.md); the Secretary General's page exports the
session as a CSV, one row per seat per round. This module reads such an export and sets it
beside notebook 01's model of the silence procedure:

* :func:`load_session`: the export, checked against its schema (``council_example_session``
  in data/datapackage.json, whose columns are :data:`COLUMNS`);
* :func:`compare`: round by round, who broke silence in class and who the model says would;
* :func:`verdict`: class against model on the whole negotiation;
* :func:`chart`: the class's negotiation in notebook 01's chart;
* :func:`in_words`: all of that, written out.

Without a path, :func:`load_session` reads the example committed with the course (played
by a script, not by a class).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from utils import charts, checks, consensus, data, display
from utils.errors import CourseError, DataError
from utils.views import consensus as consensus_view

__all__ = ["COLUMNS", "chart", "compare", "in_words", "load_session", "verdict"]

#: The table an export is checked against, and the example committed with the course.
SESSION = data.COUNCIL_SESSION
#: An export's columns, in order: the contract between the council's export
#: (:mod:`council.export`) and this reader, as the data package's schema defines it.
COLUMNS = data.columns(SESSION)


def _session_table(session: object) -> pd.DataFrame:
    if not isinstance(session, pd.DataFrame) or not set(COLUMNS) <= set(session):
        raise CourseError("Give a session table, e.g. council.load_session() or "
                          "data.load('council_example_session').")
    if session.empty or session["session"].nunique() != 1:
        raise CourseError("The session table must hold exactly one session.")
    return session.sort_values(["round", "seat"]).reset_index(drop=True)


def load_session(path: str | Path | None = None) -> pd.DataFrame:
    """A session exported by the council server ("Export the session (CSV)"), checked
    against the schema; without a path, the example committed with the course."""
    if path is None:
        return data.load(SESSION)
    if not isinstance(path, str | Path):
        raise CourseError("Give the path of an exported session, e.g. 'council-2026-12-02.csv'.")
    named = checks.shown(str(path))  # a path of a million characters is named in 60
    try:
        if not Path(path).is_file():
            raise CourseError(f"There is no file {named}: give the path of the CSV "
                              "the Secretary General exported.")
        return data.load_file(SESSION, Path(path))
    except DataError as error:  # the student's file, not the course's: say what is wrong
        raise CourseError(f"{named} is not an exported session: {error}") from None
    except CourseError:
        raise
    except (OSError, ValueError, csv.Error):  # a path the system refuses, a file it cannot read
        raise CourseError(f"Cannot read {named} as an exported session.") from None


def _class_allies(session: pd.DataFrame) -> tuple[consensus.Allies, list[str]]:
    """The class's briefs as the model's allies, in seat order, and their names."""
    first = _session_table(session)
    first = first[first["round"] == first["round"].min()]
    allies = consensus.make_allies(first["ideal"].astype(float).to_numpy(),
                                   first["tolerance"].astype(float).to_numpy(),
                                   first["cost"].astype(float).to_numpy())
    return allies, list(first["ally"])


def _class_negotiation(session: pd.DataFrame) -> consensus.Negotiation:
    """What the class did, as the model's Negotiation (so notebook 01's chart draws it)."""
    table = _session_table(session)
    allies, _ = _class_allies(table)
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
    played = _class_negotiation(session)
    result = consensus_view.negotiation_chart(played)
    _named(result.spec, _class_allies(session)[1])
    result.spec["title"] = _class_title(played)
    return result


def _class_title(played: consensus.Negotiation) -> dict[str, str]:
    """The chart's title for a class: its Secretary General followed no model strategy."""
    return {"text": f"The class's council: {len(played.allies)} allies, first draft at "
                    f"{played.first_text:.2f}", "subtitle": consensus.OUTCOMES[played.outcome]}


def _model_objectors(allies: consensus.Allies, text: float) -> tuple[int, ...]:
    """The allies (0-based) whose loss on `text` exceeds their threshold: the model's
    objectors to that draft."""
    return tuple(int(i) for i in np.flatnonzero(np.abs(text - allies.ideal)
                                                > allies.threshold))


def compare(session: pd.DataFrame) -> pd.DataFrame:
    """Round by round, who broke silence in class and who the model says would have, on
    the same draft; then the model's own negotiation from the same briefs."""
    played = _class_negotiation(session)
    allies, names = _class_allies(session)
    rows = []
    for r in played.rounds:
        model = _model_objectors(allies, r.text)
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
    played = _class_negotiation(session)
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
_ENDINGS = {"consensus": "consensus on the first draft",
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
    played = _class_negotiation(table)
    allies, codes = _class_allies(table)
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
    by_model = sum(len(_model_objectors(allies, r.text)) for r in played.rounds)
    willing = ("more willing to stay silent than" if in_class < by_model else
               "less willing to stay silent than" if in_class > by_model else
               "exactly as willing to stay silent as")
    lines.append(f"\n**Silences.** On the class's own drafts, allies broke silence "
                 f"{_times(in_class)} in class; the model has them break it "
                 f"{_times(by_model)}: the class was {willing} the model.")
    for r in played.rounds:
        model = _model_objectors(allies, r.text)
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
                 f"{_ENDINGS[played.outcome]} in {_rounds(played.rounds_used)} (final text "
                 f"{display.number(round(played.final_text, 3))}); the model, drafting at the "
                 f"median ally, reaches {_ENDINGS[model.outcome]} after "
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
