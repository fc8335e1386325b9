"""NATO's operations (:mod:`utils.operations`) shown: every operation on a timeline, the
share out of area each year, and the map of one year with the notebook's widget."""

from __future__ import annotations

import json
from functools import cache

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts, data, membership
from utils.operations import (
    AREAS,
    STATUSES,
    TYPES,
    active,
    markers,
    operations,
    out_of_area_share,
    statuses,
)

__all__ = ["explore", "gantt", "share_chart"]

_MAP_FILE = data.DATA_DIR / "maps" / "countries-110m.json"
#: Each relation to NATO's fill on the map; a country with none is a pale grey.
_STATUS_COLOURS = [charts.BLUE, charts.SKY_BLUE, charts.ORANGE, charts.PURPLE, charts.GREEN,
                  charts.EMPTY_GREY]
#: Black: distinct from every fill of the map (the Mediterranean Dialogue's orange too).
_OPERATION_STROKE = charts.BLACK
#: Europe, the Mediterranean and the Middle East, where most operations were: the map's
#: large panel (longitude and latitude of its centre, and its zoom).
_REGION_CENTRE, _REGION_SCALE = (15, 50), 330


def gantt() -> alt.VConcatChart:
    """Every operation as a bar from start to end, split in area / out of area."""
    table = operations()
    checked = table["as_of"].max()
    table["drawn_end"] = table["end_date"]
    table.loc[table["status"] == "ongoing", "drawn_end"] = checked
    table["drawn_end"] = table["drawn_end"].fillna(table["start_date"])
    table["period"] = [f"{s:%b %Y} – " + ("ongoing" if st == "ongoing" else
                                           f"{e:%b %Y}" if pd.notna(e) else "end not found")
                       for s, e, st in zip(table["start_date"], table["end_date"],
                                           table["status"], strict=True)]
    marks = markers()
    # Yellow bars vanish on white; a mid grey takes its place, for the eighth type.
    types = alt.Scale(domain=list(TYPES.values()),
                      range=[*charts.ON_WHITE, charts.LIGHT_GREY][: len(TYPES)])
    x = alt.X("start_date:T", title=None, axis=alt.Axis(format="%Y"),
              scale=alt.Scale(domain=[pd.Timestamp("1990-01-01"), checked]))

    def panel(area: str) -> alt.LayerChart:
        rows = table[table["area"] == area].sort_values("start_date")
        base = alt.Chart(rows).encode(
            y=alt.Y("name:N", sort=list(rows["name"]), title=None,
                    axis=alt.Axis(labelLimit=260, labelFontSize=10)),
            color=alt.Color("type_name:N", scale=types, title="Type",
                            legend=alt.Legend(orient="bottom", columns=4)),
            tooltip=["name", "period", "type_name", "legal_basis", "countries"])
        bars = base.mark_bar(height=7).encode(x=x, x2="drawn_end:T")
        dots = base.mark_point(filled=True, size=30).encode(x=x)
        rules = alt.Chart(marks).mark_rule(strokeDash=[3, 3], color=charts.GREY).encode(
            x="date:T", tooltip=["label:N", "date:T"])
        return alt.layer(rules, bars, dots).properties(
            width=520, height=13 * len(rows), title=AREAS[area])

    labels = alt.Chart(marks).mark_text(angle=270, align="left", dx=2, fontSize=10,
                                        color=charts.GREY).encode(
        x=alt.X("date:T", scale=alt.Scale(domain=[pd.Timestamp("1990-01-01"), checked]),
                axis=None), text="label:N")
    return alt.vconcat(
        labels.properties(width=520, height=80), panel("in_area"), panel("out_of_area"),
        spacing=6,
    ).properties(
        title=alt.Title(f"NATO's operations and missions, 1990 to {checked:%Y}",
                        subtitle="Dashed lines: strategic concepts and the invocation of "
                                 "Article 5"),
        description=(f"{len(table)} operations: {int((table['area'] == 'in_area').sum())} in "
                     f"area and {int((table['area'] == 'out_of_area').sum())} out of area, "
                     "each a bar from start to end, coloured by type; dashed lines mark the "
                     "1991, 1999, 2010 and 2022 strategic concepts and 12 September 2001."))


def _span(years: pd.Series) -> str:
    """Years as a reader says them: '1992', '1992–2000' when consecutive, else listed."""
    years = sorted(int(y) for y in years)
    if len(years) == 1:
        return str(years[0])
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(map(str, years[:-1])) + f" and {years[-1]}"


def share_chart() -> alt.LayerChart:
    """Operations active each year, in area and out of area, with the share out of area."""
    table = out_of_area_share()
    long = table.melt(id_vars="year", value_vars=["in_area", "out_of_area"],
                      var_name="area", value_name="operations")
    long["area"] = long["area"].map(AREAS)
    bars = alt.Chart(long).mark_bar().encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=-90, values=list(
            range(1990, int(table["year"].max()) + 1, 5)))),
        y=alt.Y("operations:Q", title="Operations active in the year"),
        color=alt.Color("area:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(AREAS.values()),
                                        range=[charts.NATO_COLOR, charts.ORANGE])),
        tooltip=["year:O", "area:N", "operations:Q"])
    peak = table.loc[table["share_out"].idxmax()]
    peak_years = _span(table.loc[table["share_out"] == peak["share_out"], "year"])
    last = table.iloc[-1]
    return bars.properties(
        width=520, height=220,
        title=alt.Title("How far out of area? Operations active each year",
                        subtitle=f"Share out of area: highest {peak['share_out']:.0%} "
                                 f"({peak_years}); {last['share_out']:.0%} in "
                                 f"{int(last['year'])}"),
        description=(f"Stacked bars of operations active each year from "
                     f"{int(table['year'].min())} to {int(last['year'])}, in area and out of "
                     f"area. The share out of area is highest, {peak['share_out']:.0%}, in "
                     f"{peak_years} and is {last['share_out']:.0%} in "
                     f"{int(last['year'])}."))


@cache
def _topology() -> dict:
    """The world map (TopoJSON, Natural Earth 1:110m via world-atlas), read once."""
    return json.loads(_MAP_FILE.read_text(encoding="utf-8"))


@cache
def _topology_text() -> str:
    """The world map as one JSON text, as the map chart carries it: Vega parses it, and a
    redraw neither walks nor copies a million small Python objects (nor does the garbage
    collector, whose pauses of a fifth of a second made the slider stutter)."""
    return json.dumps(json.loads(_MAP_FILE.read_text(encoding="utf-8")),
                      separators=(",", ":"), ensure_ascii=False)


@cache
def _map_template() -> dict:
    world = alt.NamedData(name="world", format=alt.DataFormat(type="topojson",
                                                              feature="countries"))
    lookup = alt.LookupData(alt.NamedData(name="status"), key="map_id",
                            fields=["name", "status", "operation"])
    colours = alt.Scale(domain=list(STATUSES.values()), range=_STATUS_COLOURS)
    fill = alt.Chart(world).mark_geoshape(
        stroke="white", strokeWidth=0.3, clip=True).transform_calculate(
        map_id="datum.id ? datum.id : datum.properties.name").transform_lookup(
        lookup="map_id", from_=lookup).encode(
        color=alt.Color("status:N", scale=colours, title=None,
                        legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=[alt.Tooltip("name:N", title="Country"), "status:N",
                 alt.Tooltip("operation:N", title="NATO operation")])
    operations_layer = alt.Chart(world).mark_geoshape(
        fill=None, stroke=_OPERATION_STROKE, strokeWidth=2, clip=True).transform_calculate(
        map_id="datum.id ? datum.id : datum.properties.name").transform_lookup(
        lookup="map_id", from_=lookup).transform_filter("datum.operation == true")
    layers = fill + operations_layer
    region = layers.project("mercator", center=list(_REGION_CENTRE),
                            scale=_REGION_SCALE).properties(
        width=620, height=400, title="Europe, the Mediterranean and the Middle East")
    world_view = layers.project("equalEarth").properties(
        width=620, height=320, title="The whole world")
    return charts.themed(alt.vconcat(region, world_view, spacing=12))


def _world_map(year: int, running: pd.DataFrame) -> charts.VegaLite:
    """Members, partners by framework and active operations (outlined) in `year`, when
    `running` were active."""
    table = statuses(year)
    counts = table["status"].value_counts()
    hosts = table[table["operation"]].sort_values("name")
    at_sea = running[running["type"] == "maritime"]
    sea = (f"; {len(at_sea)} maritime operation{'s' if len(at_sea) != 1 else ''} at sea, "
           "listed below, not outlined" if len(at_sea) else "")
    return charts.fill(
        _map_template(),
        {"world": _topology_text(), "status": table[["map_id", "name", "status", "operation"]]},
        title={"text": f"NATO, its partners and its operations in {year}",
               "subtitle": [f"{counts.get(STATUSES['member'], 0)} members; "
                            f"{len(running) - len(at_sea)} operations on land or in the air, "
                            f"in the countries outlined in black{sea}",
                            "Small states such as Bahrain and Malta do not show at this scale"]},
        description=(f"Map for {year}, of Europe and its neighbours and of the world: "
                     f"{counts.get(STATUSES['member'], 0)} NATO members, "
                     f"{int(table['status'].str.startswith('Partner').sum())} partners; NATO "
                     f"operations on land or in the air in: "
                     f"{', '.join(hosts['name']) or 'none'}"
                     + (f"; at sea: {', '.join(at_sea['name'])}" if len(at_sea) else "")
                     + "."))


def explore(year: int) -> tuple[charts.VegaLite, Markdown, pd.DataFrame]:
    """The map for one year, and the operations active that year, in words and as a table."""
    year = membership.check_year(year)
    running = active(year)
    outside = int((running["area"] == "out_of_area").sum())
    words = Markdown(f"**{len(running)} NATO operations active in {year}**, {outside} of them "
                     "out of area.")
    table = running[["name", "type_name", "area", "countries"]].rename(
        columns={"type_name": "type", "countries": "where"}).reset_index(drop=True)
    table["where"] = table["where"].map(membership.country_names).where(
        table["type"] != TYPES["maritime"], "at sea, off " + table["where"].map(
            membership.country_names))
    return _world_map(year, running), words, table
