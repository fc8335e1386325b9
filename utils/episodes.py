"""Documented episodes in which NATO's consensus was blocked or delayed (data/consensus_episodes).

Each episode is tagged with the parameter of the silence-procedure model
(:mod:`utils.consensus`) that it illustrates best. The tags are the course's reading of
the episodes, not the sources' words: students are asked to argue with them.
"""

from __future__ import annotations

import pandas as pd

from utils import data, membership

__all__ = ["PARAMETERS", "RESOLUTIONS", "table"]

PARAMETERS = {
    "cost_of_breaking_silence": "cost of breaking silence",
    "tolerance": "tolerance",
    "preference_spread": "spread of preferences",
    "drafting_strategy": "the Secretary General's drafting",
    "rounds_deadline": "rounds and deadlines",
    "number_of_allies": "number of allies",
}
RESOLUTIONS = {
    "resolved_by_compromise": "resolved by a compromise on the text",
    "resolved_by_side_deal": "resolved by a deal on another issue",
    "resolved_after_external_event": "resolved after events outside NATO changed",
    "decision_taken_outside_nac": "decided in another forum or format",
    "still_blocked": "still blocked",
    "blocker_gave_way": "the blocking ally gave way",
}


def table() -> pd.DataFrame:
    """The episodes, oldest first, with the model parameter and resolution in words, and
    the allies who objected by name (``who``; ``allies`` keeps their codes)."""
    episodes = data.load("consensus_episodes").sort_values("start_date", kind="stable")
    episodes["who"] = episodes["allies"].map(membership.country_names)
    episodes["parameter"] = episodes["model_parameter"].map(PARAMETERS)
    episodes["resolved"] = episodes["resolution"].map(RESOLUTIONS)
    return episodes.reset_index(drop=True)
