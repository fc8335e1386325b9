"""The 2010 scenario (:mod:`utils.scenario`) against the record, on one timeline."""

from __future__ import annotations

import altair as alt

from utils import charts
from utils.scenario import DIVERGENCE, OUTCOMES, RECORD_LANES, SCENARIO_LANE, WRITTEN, events
from utils.views import timelines

__all__ = ["chart"]

#: Each outcome's colour: what happened green, what did not vermillion, the record blue.
_OUTCOME_COLOURS = dict(zip(OUTCOMES.values(), [charts.GREEN, charts.ORANGE, charts.VERMILLION,
                                                charts.LIGHT_GREY, charts.BLUE], strict=True))


def chart() -> alt.LayerChart:
    """The scenario's imagined events laid over the record of NATO–Russia relations,
    each dot numbered as in :func:`utils.scenario.events`."""
    rows = events().reset_index(drop=True)  # numbered again, in the same order
    imagined = rows[rows["lane"] == SCENARIO_LANE]
    record = rows[rows["lane"] != SCENARIO_LANE]
    lanes = [SCENARIO_LANE, *RECORD_LANES.values()]
    return timelines.events(
        rows, date="date", label="what", lane="lane", lane_names={lane: lane for lane in lanes},
        colour="outcome", colours=_OUTCOME_COLOURS, tooltip=["outcome"],
        marks=[(WRITTEN, "scenario written"), (DIVERGENCE, "NATO suspends cooperation")],
        title="The scenario against the record of NATO–Russia relations",
        subtitle="Top lane: what the 2010 scenario imagined; the others: what happened; "
                 "the numbers lead to the table below",
        description=(f"{len(imagined)} imagined events (2009–2013) above "
                     f"{len(record)} recorded NATO–Russia events "
                     f"({record['date'].min():%Y}–{record['date'].max():%Y}). The imagined "
                     "guarantee to Russia in November 2013 did not happen; on 1 April 2014 "
                     "NATO suspended practical cooperation with Russia instead."))
