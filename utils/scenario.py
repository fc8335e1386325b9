"""Reading "Exporting Security" (2010) against the record.

The scenario narrates events up to November 2013 as if they had happened.
``data/scenario_events`` dates what it imagined; ``data/nato_russia_timeline`` is what
happened between NATO and Russia; ``data/seed_claims`` checks every checkable claim of both
seed texts, with a verdict and a source.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from utils import data, timelines

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
OUTCOME_COLOURS = ["#009E73", "#E69F00", "#D55E00", "#999999", "#0072B2"]
SEEDS = {"commentary_2011": "the 2011 commentary", "scenario_2010": "the 2010 scenario"}


def claims(seed: str | None = None) -> pd.DataFrame:
    """The checkable claims of the seed texts, with verdicts and sources."""
    return data.load_where("seed_claims", "seed", seed, SEEDS, "The seed text")


def quiz(seed: str) -> pd.DataFrame:
    """The claims without their verdicts: give yours before you look at the record."""
    return claims(seed)[["id", "quotation", "claim_type"]]


def events() -> pd.DataFrame:
    """The scenario's imagined events and the record of NATO–Russia relations in one
    table, in date order, each numbered as on :func:`chart`."""
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


def chart() -> alt.LayerChart:
    """The scenario's imagined events laid over the record of NATO–Russia relations,
    each dot numbered as in :func:`events`."""
    imagined = data.load("scenario_events")
    record = data.load("nato_russia_timeline")
    rows = events().drop(columns="source_url").reset_index()
    lanes = [SCENARIO_LANE, *RECORD_LANES.values()]
    dots = alt.Chart(rows).mark_point(filled=True, size=90, opacity=0.9).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y")),
        y=alt.Y("lane:N", sort=lanes, title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("outcome:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=list(OUTCOMES.values()),
                                        range=OUTCOME_COLOURS)),
        shape=alt.condition(alt.datum.lane == SCENARIO_LANE, alt.value("diamond"),
                            alt.value("circle")),
        tooltip=["n:Q", "date:T", "lane:N", "what:N", "outcome:N"])
    numbers = alt.Chart(rows).mark_text(dy=-12, fontSize=11, color="black").encode(
        x="date:T", y=alt.Y("lane:N", sort=lanes), text="n:Q")
    marks = pd.DataFrame({"date": [WRITTEN, DIVERGENCE],
                          "label": ["scenario written", "NATO suspends cooperation"]})
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#555555").encode(x="date:T")
    notes = [alt.Chart(marks.iloc[[i]]).mark_text(
        align=side, dx=4 if side == "left" else -4, dy=-6, fontSize=11,
        color="#555555").encode(x="date:T", y=alt.value(0), text="label:N")
        for i, side in enumerate(["right", "left"])]
    return alt.layer(rules, *notes, dots, numbers).properties(
        width=560, height=34 * len(lanes),
        title=alt.Title("The scenario against the record of NATO–Russia relations",
                        subtitle="Diamonds: what the 2010 scenario imagined; circles: what "
                                 "happened; the numbers lead to the table below"),
        description=(f"{len(imagined)} imagined events (2009–2013) above "
                     f"{len(record)} recorded NATO–Russia events "
                     f"({record['date'].min():%Y}–{record['date'].max():%Y}). The imagined "
                     "guarantee to Russia in November 2013 did not happen; on 1 April 2014 "
                     "NATO suspended practical cooperation with Russia instead."))


def verdict_counts() -> pd.DataFrame:
    """How many claims of each seed got each verdict."""
    table = claims()
    counts = table.groupby(["seed", "verdict"]).size().unstack(fill_value=0)
    counts.index = counts.index.map(SEEDS)
    return counts
