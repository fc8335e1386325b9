"""Reading "Exporting Security" (2010) against the record.

The scenario narrates events up to November 2013 as if they had happened.
``data/scenario_events`` dates what it imagined; ``data/nato_russia_timeline`` is what
happened between NATO and Russia; ``data/seed_claims`` checks every checkable claim of both
seed texts, with a verdict and a source.
"""

from __future__ import annotations

import pandas as pd

from utils import data, timelines

__all__ = ["DIVERGENCE", "OUTCOMES", "RECORD_LANES", "SCENARIO_LANE", "SEEDS", "WRITTEN",
           "claims", "events", "quiz", "verdict_counts"]

WRITTEN = pd.Timestamp("2010-09-27")
#: The first event of the record that the scenario's path could not survive.
DIVERGENCE = pd.Timestamp("2014-04-01")
SCENARIO_LANE = "The scenario (imagined in 2010)"
RECORD_LANES = {"institution": "Record: institutions", "cooperation": "Record: cooperation",
                "strategic_document": "Record: strategic documents",
                "enlargement": "Record: enlargement", "suspension": "Record: suspensions",
                "crisis": "Record: crises"}
OUTCOMES = {"happened": "happened", "partly": "partly happened",
            "did_not_happen": "did not happen", "no_evidence": "no evidence either way",
            "record": "the record"}
SEEDS = {"commentary_2011": "the 2011 commentary", "scenario_2010": "the 2010 scenario"}


def claims(seed: str | None = None) -> pd.DataFrame:
    """The checkable claims of the seed texts, with verdicts and sources."""
    return data.load_where("seed_claims", "seed", seed, SEEDS, "The seed text")


def quiz(seed: str) -> pd.DataFrame:
    """The claims without their verdicts: give yours before you look at the record."""
    return claims(seed)[["id", "quotation", "claim_type"]]


def events() -> pd.DataFrame:
    """The scenario's imagined events and the record of NATO–Russia relations in one
    table, in date order, each numbered as on the chart of :mod:`utils.views.scenario`."""
    imagined = data.load("scenario_events")
    record = data.load("nato_russia_timeline")
    rows = pd.concat([
        pd.DataFrame({"date": imagined["date"], "lane": SCENARIO_LANE,
                      "what": imagined["imagined"],
                      "outcome": imagined["outcome"].map(OUTCOMES),
                      "source_url": imagined["source_url"]}),
        pd.DataFrame({"date": record["date"], "lane": record["category"].map(RECORD_LANES),
                      "what": record["event"], "outcome": OUTCOMES["record"],
                      "source_url": record["source_url"]}),
    ], ignore_index=True)
    return timelines.numbered(rows, "date").set_index("n")


def verdict_counts() -> pd.DataFrame:
    """How many claims of each seed got each verdict."""
    table = claims()
    counts = table.groupby(["seed", "verdict"]).size().unstack(fill_value=0)
    counts.index = counts.index.map(SEEDS)
    return counts
