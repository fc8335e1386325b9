"""The consensus episodes (:mod:`utils.episodes`) on a timeline."""

from __future__ import annotations

import altair as alt

from utils.episodes import PARAMETERS, table
from utils.views import timelines

__all__ = ["chart"]


def chart() -> alt.LayerChart:
    """The episodes on a timeline, coloured by the model parameter each illustrates."""
    episodes = table()
    checked = episodes["as_of"].max()
    return timelines.spells(
        episodes, start="start_date", end="end_date", label="title",
        colour="model_parameter", colour_names=PARAMETERS, until=checked,
        title="When consensus stalled: documented episodes, 2003 to today",
        subtitle=f"Bars run from the first objection to the resolution (open bars: "
                 f"unresolved as of {checked:%d %B %Y})",
        description=(f"{len(episodes)} episodes from {episodes['start_date'].min():%Y} to "
                     f"{episodes['start_date'].max():%Y}, each a bar from start to "
                     "resolution, coloured by the model parameter it illustrates."),
        tooltip=["who", "resolved"])
