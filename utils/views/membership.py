"""Membership (:mod:`utils.membership`) shown: both alliances' sizes over the years, the
member lists of one year in words, and the start notebook's widget."""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts
from utils.membership import (
    CSTO_LABEL,
    CSTO_MEMBER_STATUSES,
    FIRST_YEAR,
    check_year,
    counts,
    csto_members,
    csto_status,
    last_year,
    nato_members,
)

__all__ = ["explore"]


@cache
def _chart_template() -> dict:
    colours = alt.Scale(domain=["NATO", CSTO_LABEL], range=[charts.NATO_COLOR, charts.CSTO_COLOR])
    lines = alt.Chart(alt.NamedData(name="counts")).mark_line(
        interpolate="step-after", strokeWidth=2.5).encode(
        x=alt.X("year:Q", title="Year", axis=alt.Axis(format="d"),
                scale=alt.Scale(domain=[FIRST_YEAR, last_year()], nice=False)),
        y=alt.Y("members:Q", title="Member states"),
        color=alt.Color("alliance:N", title=None, scale=colours,
                        legend=alt.Legend(orient="top-left")))
    marker = alt.Chart(alt.NamedData(name="year")).mark_rule(
        strokeDash=[4, 3], color=charts.GREY).encode(x="year:Q")
    points = alt.Chart(alt.NamedData(name="now")).mark_point(filled=True, size=80).encode(
        x="year:Q", y="members:Q", color=alt.Color("alliance:N", scale=colours, legend=None))
    return charts.themed(lines + marker + points)


def _chart(year: int) -> charts.VegaLite:
    """Members of NATO and of the CST/CSTO per year, with `year` marked."""
    table = counts()
    nato_now, csto_now = len(nato_members(year)), len(csto_members(year))
    return charts.fill(
        _chart_template(),
        {"counts": table, "year": pd.DataFrame({"year": [year]}),
         "now": table[table["year"] == year]},
        title={"text": f"Members of NATO and of the Collective Security Treaty, "
                       f"{FIRST_YEAR}–{last_year()}",
               "subtitle": f"End of {year}: NATO {nato_now}, CST/CSTO {csto_now}"},
        description=(f"Step lines of member states per year. NATO grows from 12 in 1949 to "
                     f"{len(nato_members(last_year()))} in {last_year()}; the Collective "
                     f"Security Treaty starts in 1992. In {year}: NATO {nato_now} members, "
                     f"CST/CSTO {csto_now}."))


def _member_list(year: int) -> Markdown:
    """The members of both alliances at the end of `year`, as text."""
    nato = nato_members(year)
    lines = [f"**NATO, end of {year}: {len(nato)} members.** " + ", ".join(nato["name"]) + "."]
    if year < 1992:
        lines.append("**Collective Security Treaty:** not yet signed (Tashkent, 15 May 1992).")
    else:
        status = csto_status(year)
        members = status[status["status"].isin(CSTO_MEMBER_STATUSES)]
        names = [f"{r.name} (participation frozen)" if r.status == "frozen" else r.name
                 for r in members.itertuples()]
        lines.append(f"**Collective Security Treaty (CSTO from 2002), end of {year}: "
                     f"{len(members)} members.** " + ", ".join(names) + ".")
        gone = status[~status["status"].isin(CSTO_MEMBER_STATUSES)]
        if len(gone):
            lines.append("Former or suspended parties: " + ", ".join(
                f"{r.name} ({r.status} {r.since.year})" for r in gone.itertuples()) + ".")
    return Markdown("\n\n".join(lines))


def explore(year: int) -> tuple[charts.VegaLite, Markdown]:
    """The start notebook's interactive: the chart and the member lists for one year."""
    year = check_year(year)
    return _chart(year), _member_list(year)
