"""NATO's operations and missions since 1990: when, where, and how far out of area.

``data/nato_operations`` codes every operation *in area* when it took place on the
territory, in the airspace or in the waters of NATO members as they were when it began,
and *out of area* otherwise (international waters count as out of area): the course's
coding, "members' territory". It also codes each operation by the area of Article 6 of the
North Atlantic Treaty, which adds the Mediterranean Sea and the North Atlantic north of the
Tropic of Cancer (:data:`CODINGS`).

* :func:`operations` and :func:`active`: every operation, and those active in a year;
* :func:`out_of_area_share`: the "how far out of area" measure: of the operations active in
  a year, the share out of area, under either coding (:func:`codings_compared` puts the two
  side by side); :func:`share_by_time` weighs each operation by the part of the year it was
  active instead of counting it once;
* :func:`statuses`: for a chosen year, each country's relation to NATO and whether a NATO
  operation was active there.

:mod:`utils.views.operations` draws them: the operations on a timeline, the share by year,
and the map of one year.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from utils import checks, data, membership

__all__ = ["AREAS", "CODINGS", "FRAMEWORKS", "STATUSES", "TYPES", "active", "codings_compared",
           "markers", "operations", "out_of_area_share", "share_by_time", "statuses"]

TYPES = {"combat": "combat", "peace_support": "peace support", "maritime": "maritime",
         "air_policing": "air policing and air defence", "surveillance": "surveillance",
         "training": "training", "disaster_relief": "disaster relief",
         "deterrence": "deterrence and assurance"}
AREAS = {"in_area": "In area (members' territory)", "out_of_area": "Out of area"}
#: What "in area" can mean: each coding's column in the data and its short name. The
#: course's own is members' territory: the question of notebook 03 is how far NATO went from
#: the members it defends. Article 6 is the Treaty's area, the one the "out of area" debate of
#: the 1990s argued about.
CODINGS = {"territory": ("area", "territory"), "article_6": ("area_article_6", "Article 6")}
FRAMEWORKS = {"pfp": "Partnership for Peace", "mediterranean_dialogue": "Mediterranean Dialogue",
              "istanbul_cooperation_initiative": "Istanbul Cooperation Initiative",
              "partners_across_the_globe": "Partners across the globe"}
STATUSES = {"member": "NATO member", **{k: f"Partner: {v}" for k, v in FRAMEWORKS.items()},
            "none": "Neither"}


def operations() -> pd.DataFrame:
    """The operations, with each one's last active year (its start year if the end is
    unknown, the data's year if it is ongoing)."""
    table = data.load("nato_operations")
    checked = table["as_of"].max().year
    ongoing = table["status"] == "ongoing"
    table["last_year"] = table["end_date"].dt.year.where(table["end_date"].notna(),
                                                         table["start_date"].dt.year)
    table.loc[ongoing, "last_year"] = checked
    table["last_year"] = table["last_year"].astype(int)
    table["first_year"] = table["start_date"].dt.year.astype(int)
    table["type_name"] = table["type"].map(TYPES)
    table["area_name"] = table["area"].map(AREAS)
    return table


def active(year: int) -> pd.DataFrame:
    """The operations active at some time during `year`."""
    table = operations()
    year = membership.check_year(year)
    return table[(table["first_year"] <= year) & (table["last_year"] >= year)]


def out_of_area_share(coding: str = "territory") -> pd.DataFrame:
    """Per year since 1990: the operations active at some time in the year, in area and out
    of area, and the share of them out of area, where "in area" means what `coding` says:

    * ``"territory"`` (the course's coding, column ``area``): on the territory, in the
      airspace or in the waters of the members as they were when the operation began;
      international waters, most of the Mediterranean's included, are out of area;
    * ``"article_6"`` (column ``area_article_6``): the area of Article 6 of the North
      Atlantic Treaty: the members' territory and, in its words, "the Mediterranean Sea or
      the North Atlantic area north of the Tropic of Cancer". The embargo patrols in the
      Adriatic, Active Endeavour and Sea Guardian are in area under it.

    Each operation counts once, whatever its size: a relief flight weighs as much as ISAF.
    """
    column = CODINGS[checks.one_of("The coding", coding, CODINGS)][0]
    table = operations()
    rows = []
    for year in range(int(table["first_year"].min()), int(table["last_year"].max()) + 1):
        now = table[(table["first_year"] <= year) & (table["last_year"] >= year)]
        outside = int((now[column] == "out_of_area").sum())
        rows.append({"year": year, "in_area": len(now) - outside, "out_of_area": outside,
                     "share_out": outside / len(now) if len(now) else 0.0})
    return pd.DataFrame(rows)


def share_by_time(coding: str = "territory") -> pd.DataFrame:
    """Per year since 1990: the share out of area counted as in :func:`out_of_area_share`
    (``share_out``, each operation once) beside the share weighted by time
    (``share_out_by_time``): each operation weighs the part of the year it was active, in
    years (``years_in_area``, ``years_out_of_area``), so a three-week relief flight weighs
    about 0.06 and an operation active all year 1. `coding` is as in
    :func:`out_of_area_share`.

    The dates are those of the data: an operation dated to a month or a year starts on its
    first day; an ongoing one runs to the date the data were checked; an ended one whose end
    was not found runs to the end of its last year, an upper bound (in the data: the support
    to Poland in Iraq, 2003; the relief after Hurricane Katrina, 2005; the support to the
    African Union in Somalia, 2007). Time measures how long NATO was somewhere, not how much
    it did there: a patrol of a few ships weighs as much per day as ISAF.
    """
    column = CODINGS[checks.one_of("The coding", coding, CODINGS)][0]
    table = operations()
    checked = table["as_of"].max()
    year_ends = pd.to_datetime(table["last_year"].astype(str) + "-12-31")
    ends = table["end_date"].where(table["end_date"].notna(),
                                   year_ends.where(table["status"] != "ongoing", checked))
    counted = out_of_area_share(coding).set_index("year")
    rows = []
    for year in counted.index:
        first, last = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        days = ((ends.clip(upper=last) - table["start_date"].clip(lower=first)).dt.days + 1)
        share_of_year = days.clip(lower=0) / ((last - first).days + 1)
        outside = float(share_of_year[table[column] == "out_of_area"].sum())
        inside = float(share_of_year[table[column] != "out_of_area"].sum())
        rows.append({"year": year, "share_out": float(counted.loc[year, "share_out"]),
                     "years_in_area": round(inside, 4), "years_out_of_area": round(outside, 4),
                     "share_out_by_time": outside / (inside + outside) if inside + outside
                     else 0.0})
    return pd.DataFrame(rows)


def codings_compared(years: Iterable[int] = (1999, 2011, 2025)) -> pd.DataFrame:
    """For each of `years`: how many operations were active, how many of them were out of
    area under each coding of :data:`CODINGS`, and the share out of area under each, in whole
    per cent (as the notebook prints it: 62.5 shows as 62). The two codings differ only on
    operations at sea in the Mediterranean."""
    shares = {name: out_of_area_share(name).set_index("year") for name in CODINGS}
    first, last = (int(f(shares["territory"].index)) for f in (min, max))
    chosen = [checks.whole("A year", year, first, last,
                           outside=f"Choose years from {first} to {last}, the years of the "
                                   "operations table; {value} is not one of them.")
              for year in checks.items("The years", years, 100, "a list such as [1999, 2011]")]
    table = pd.DataFrame({"year": chosen})
    table["operations"] = [int(shares["territory"].loc[y, ["in_area", "out_of_area"]].sum())
                           for y in chosen]
    for name, (_, words) in CODINGS.items():
        table[f"out of area ({words})"] = [int(shares[name].loc[y, "out_of_area"])
                                           for y in chosen]
    for name, (_, words) in CODINGS.items():
        table[f"% out ({words})"] = [round(100 * float(shares[name].loc[y, "share_out"]))
                                     for y in chosen]
    return table


def markers() -> pd.DataFrame:
    """Dates to mark on timelines: the public strategic concepts and Article 5."""
    concepts = data.load("strategic_concepts")
    public = concepts[concepts["era"] == "post_cold_war_public"]
    rows = [{"date": d, "label": f"Strategic Concept {d:%Y}"} for d in public["adopted"]]
    rows += [{"date": r.date, "label": r.event} for r in data.load("milestones").itertuples()]
    return pd.DataFrame(rows).sort_values("date").reset_index(drop=True)


def statuses(year: int) -> pd.DataFrame:
    """Each country's relation to NATO at the end of `year`, and whether a NATO operation
    was active on its territory or in its waters during that year."""
    year = membership.check_year(year)
    countries = data.load("countries")
    members = set(membership.nato_members(year)["iso3"])
    partners = data.load("partnerships")
    partners = partners[partners["framework"].isin(FRAMEWORKS)
                        & (partners["joined"].dt.year <= year)
                        & (partners["left"].isna() | (partners["left"].dt.year > year))]
    first_framework = partners.sort_values("joined").drop_duplicates("iso3")
    framework = dict(zip(first_framework["iso3"], first_framework["framework"], strict=True))
    hosting = _outlined(active(year))
    table = countries[["iso3", "iso_numeric", "name"]].copy()
    table["status"] = [STATUSES["member"] if c in members
                       else STATUSES.get(framework.get(c, "none"), STATUSES["none"])
                       for c in table["iso3"]]
    table["operation"] = table["iso3"].isin(hosting)
    table["map_id"] = table["iso_numeric"].where(table["iso3"] != "XKX", "Kosovo")
    return table


def _outlined(running: pd.DataFrame) -> set[str]:
    """The countries to outline on the map: where operations on land or in the air were.

    A maritime operation patrols a sea, not the states on its coasts: outlining every
    coastal state of the Mediterranean (Syria, Israel, Algeria…) for Active Endeavour
    would mark them as operation sites. Maritime operations are listed under the map.
    """
    checks.table("The operations", running, ["type", "countries"], "operations.active")
    on_land = running[running["type"] != "maritime"]
    return {code for codes in on_land["countries"] for code in codes.split(";")}
