"""The CSTO model (:mod:`utils.csto`) shown: both chances by year and each group's share of
the reluctance, in a chart and in words; the evidence and the NATO–CSTO record as charts;
the notebook's widget."""

from __future__ import annotations

import math
from functools import cache

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts, data, membership
from utils.csto import (
    DIRECTIONS,
    FIRST_YEAR,
    GROUP_NAMES,
    OTHERS,
    REASONS,
    TIMELINE_LANES,
    bilateral_probability,
    by_year,
    check_willingness,
    consensus_probability,
    evidence,
    group_sizes,
    one_in,
)
from utils.views import timelines

__all__ = ["evidence_chart", "explore", "timeline_chart"]


@cache
def _template() -> dict:
    routes = alt.Scale(domain=["formal ties by consensus", "at least one ally, bilaterally"],
                       range=[charts.NATO_COLOR, charts.CSTO_COLOR])
    lines = alt.Chart(alt.NamedData(name="years")).mark_line(point=True).encode(
        x=alt.X("year:O", title="Year (NATO's membership that year)"),
        y=alt.Y("chance:Q", title="Chance (log scale)",
                scale=alt.Scale(type="log", domain=[1e-6, 1], clamp=True),
                axis=alt.Axis(values=[1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1], format="~%")),
        color=alt.Color("route:N", scale=routes, title=None, legend=alt.Legend(orient="top")),
        tooltip=["year:O", "allies:Q", "route:N", alt.Tooltip("chance:Q", format=".2%")])
    groups = alt.Chart(alt.NamedData(name="groups")).mark_bar().encode(
        x=alt.X("no_objection:Q", title="Chance the group raises no objection",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=alt.Y("group:N", title=None, sort=list(GROUP_NAMES)),
        color=alt.value(charts.NATO_COLOR),
        tooltip=["group:N", "allies:Q", alt.Tooltip("willingness:Q", format=".0%"),
                 alt.Tooltip("no_objection:Q", format=".2%")])
    labels = groups.mark_text(align="left", dx=4).encode(text="label:N", color=alt.value("black"))
    return charts.themed(alt.vconcat(
        lines.properties(width=520, height=220,
                         title="Formal ties need everyone; bilateral ties need one ally"),
        (groups + labels).properties(width=420, height=150,
                                     title="Where the reluctance comes from, in the chosen year"),
    ))


def _chart(willingness: dict[str, float], year: int) -> charts.VegaLite:
    """Both chances by year, and each group's share of the reluctance in `year`."""
    years = by_year(willingness)
    long = years.melt(id_vars=["year", "allies"], value_vars=["consensus", "bilateral"],
                      var_name="route", value_name="chance")
    long["route"] = long["route"].map({"consensus": "formal ties by consensus",
                                       "bilateral": "at least one ally, bilaterally"})
    sizes = group_sizes(year)
    groups = pd.DataFrame({"group": list(GROUP_NAMES),
                           "allies": [sizes[g] for g in GROUP_NAMES],
                           "willingness": [willingness[g] for g in GROUP_NAMES]})
    groups["no_objection"] = groups["willingness"] ** groups["allies"]
    groups["label"] = [f"{n} all{'y' if n == 1 else 'ies'} × {w:.0%} → {one_in(p)}"
                       for n, w, p in zip(groups["allies"], groups["willingness"],
                                          groups["no_objection"], strict=True)]
    consensus_now = consensus_probability(sizes, willingness)
    return charts.fill(
        _template(), {"years": long, "groups": groups},
        title={"text": "The CSTO question: consensus against bilateral cooperation",
               "subtitle": f"{year}: {sum(sizes.values())} allies; formal ties "
                           f"{one_in(consensus_now)}, bilateral "
                           f"{one_in(bilateral_probability(sizes, willingness))}"},
        description=(f"Lines: the chance of formal NATO–CSTO ties by consensus falls from "
                     f"{one_in(years['consensus'].iloc[0])} with {years['allies'].iloc[0]} "
                     f"allies in {FIRST_YEAR} to {one_in(years['consensus'].iloc[-1])} with "
                     f"{years['allies'].iloc[-1]}; the chance that at least one ally "
                     f"cooperates bilaterally stays at {one_in(years['bilateral'].iloc[-1])}. "
                     f"Bars: each group's chance of raising no objection in {year}."))


def _summary(willingness: dict[str, float], year: int) -> Markdown:
    """Both chances for one year, in words."""
    sizes = group_sizes(year)
    consensus = consensus_probability(sizes, willingness)
    bilateral = bilateral_probability(sizes, willingness)
    blocker = min(GROUP_NAMES, key=lambda g: willingness[g] ** sizes[g])
    willing = sum(willingness[g] * n for g, n in sizes.items())
    nobody = math.prod((1 - willingness[g]) ** n for g, n in sizes.items())
    return Markdown(
        f"**{year}, {sum(sizes.values())} allies.** Chance that NATO agrees to formal ties "
        f"with the CSTO by consensus: **{one_in(consensus)}**. Chance that at least one ally "
        f"cooperates with the CSTO or its members bilaterally: **{one_in(bilateral)}**: on "
        f"average {willing:.1f} of the {sum(sizes.values())} allies are willing, and the "
        f"chance that not one of them is: {one_in(nobody)}. "
        f"The group most likely to object: {blocker} "
        f"({sizes[blocker]} all{'y' if sizes[blocker] == 1 else 'ies'}, each willing "
        f"{willingness[blocker]:.0%}).")


def explore(us: float, poland_baltics: float, turkey: float, western_europe: float,
            others: float, year: int) -> tuple[charts.VegaLite, Markdown]:
    """The notebook's interactive: each group's willingness and a year in; chart and words out."""
    willingness = {"United States": us, "Poland and the Baltic states": poland_baltics,
                   "Türkiye": turkey, "Western Europe": western_europe, OTHERS: others}
    willingness, year = check_willingness(willingness), membership.check_year(year)
    return _chart(willingness, year), _summary(willingness, year)


def evidence_chart() -> alt.Chart:
    """How much of the evidence supports, qualifies or challenges each claim."""
    table = evidence()
    table["claim"] = table["reason"].map(REASONS)
    colours = alt.Scale(domain=list(DIRECTIONS),
                        range=[charts.GREEN, charts.ORANGE, charts.VERMILLION])
    return alt.Chart(table).mark_bar().encode(
        y=alt.Y("claim:N", sort=list(REASONS.values()), title=None,
                axis=alt.Axis(labelLimit=320)),
        x=alt.X("count():Q", title="Pieces of evidence in data/csto_evidence.csv"),
        color=alt.Color("direction:N", scale=colours, title=None,
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("direction:N"),
        tooltip=["claim:N", "direction:N", "count():Q"],
    ).properties(
        width=360, height=170,
        title=alt.Title("The commentary's argument, tested",
                        subtitle="Each bar counts sourced pieces of evidence by direction"),
        description=(f"{len(table)} pieces of evidence on the commentary's three reasons, its "
                     "forecast and the Sea Breeze example, split into those that support, "
                     "qualify or challenge each claim."))


def timeline_chart() -> alt.LayerChart:
    """Offers, answers and events between NATO and the CST/CSTO since 1992."""
    table = data.load("nato_csto_timeline")
    return timelines.events(
        table, date="date", label="event", lane="category", lane_names=TIMELINE_LANES,
        title="NATO and the CSTO, 1992 to today",
        subtitle="Each dot is numbered: the table below the chart says what happened",
        description=(f"{len(table)} dated events from {table['date'].min():%Y} to "
                     f"{table['date'].max():%Y}: CSTO and Russian offers of cooperation, "
                     "NATO's answers or silence, and the events that framed them."),
        tooltip=["actor", "description"])
