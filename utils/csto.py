"""The CSTO question as a model: consensus multiplies reluctance, bilateral ties need one ally.

The 2011 commentary's third reason: because NATO decides by consensus, formal NATO–CSTO
ties need every ally, the United States included, to accept them; cooperation between one
ally and the CSTO or its members needs only that ally. The model makes this arithmetic.

Allies fall into groups (the United States, Poland and the Baltic states, Türkiye,
Western Europe, and the others). Every ally in a group is *willing* with the same
probability ``w``: it would accept formal ties, and it would cooperate bilaterally. Allies
decide independently. Then, for ``n_g`` allies in group ``g``,

* the chance that NATO agrees by consensus is ``Π_g w_g ** n_g`` (nobody objects);
* the chance that at least one ally cooperates bilaterally is ``1 - Π_g (1 - w_g) ** n_g``.

Adding an ally can only lower the first and raise the second. The grouping is the
course's own simplification for teaching, not a claim about any government's policy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

import pandas as pd

from utils import checks, data, membership, timelines
from utils.errors import CourseError

__all__ = ["DEFAULT_WILLINGNESS", "DIRECTIONS", "FIRST_YEAR", "GROUPS", "GROUP_NAMES",
           "OTHERS", "REASONS", "TIMELINE_LANES", "bilateral_probability", "by_year",
           "check_willingness", "consensus_probability", "csto_partners", "evidence",
           "formal_relation", "group_sizes", "one_in", "timeline_table"]

GROUPS: dict[str, tuple[str, ...]] = {
    "United States": ("USA",),
    "Poland and the Baltic states": ("POL", "EST", "LVA", "LTU"),
    "Türkiye": ("TUR",),
    "Western Europe": ("BEL", "DEU", "ESP", "FRA", "GBR", "ITA", "LUX", "NLD", "PRT"),
}
OTHERS = "Other allies"
GROUP_NAMES = (*GROUPS, OTHERS)
#: Illustrative defaults for classroom discussion, not estimates.
DEFAULT_WILLINGNESS = {"United States": 0.5, "Poland and the Baltic states": 0.3,
                       "Türkiye": 0.9, "Western Europe": 0.95, OTHERS: 0.95}
FIRST_YEAR = 2011  # the commentary's year: 28 allies
#: Most allies a group may have in the model (NATO has 32): a class never needs more.
_MAX_ALLIES = 1_000
_LIMIT = "(A class never needs more.)"


def check_willingness(willingness: Mapping[str, object]) -> dict[str, float]:
    """Each group's willingness as a probability, or a CourseError saying what is wrong."""
    willingness = _check_groups("The willingness", willingness)
    return {group: checks.probability(f"The willingness of {group}",
                                      willingness.get(group, DEFAULT_WILLINGNESS[group]))
            for group in GROUP_NAMES}


def _check_groups(name: str, values: object) -> Mapping[str, object]:
    """A dictionary keyed by the names of GROUPS (and OTHERS), or a CourseError."""
    values = checks.mapping(name, values)
    unknown = [checks.shown(g) for g in values if not isinstance(g, str) or g not in GROUP_NAMES]
    if unknown:
        raise CourseError(f"Unknown group(s): {checks.listing(sorted(unknown))}. The groups are: "
                          + ", ".join(GROUP_NAMES) + ".")
    return values


def group_sizes(year: int) -> dict[str, int]:
    """How many allies each group had at the end of `year`."""
    return dict(_group_sizes(membership.check_year(year)))


@cache
def _group_sizes(year: int) -> tuple[tuple[str, int], ...]:
    members = set(membership.nato_members(year)["iso3"])
    sizes = {group: len(members & set(codes)) for group, codes in GROUPS.items()}
    sizes[OTHERS] = len(members) - sum(sizes.values())
    return tuple(sizes.items())


def _check_sizes(sizes: Mapping[str, int]) -> dict[str, int]:
    """How many allies each group has, or a CourseError (unknown group, not a count)."""
    checked = {}
    for group, count in _check_groups("The group sizes", sizes).items():
        checked[group] = checks.whole(
            f"The number of allies in {group}", count, 0, _MAX_ALLIES, limit=_LIMIT,
            outside=f"The number of allies in {group} must be a whole number of 0 or more "
                    f"(at most {_MAX_ALLIES}); {{value}} is not.")
    return checked


def _checked_pair(sizes: Mapping[str, int], willingness: Mapping[str, float]
                  ) -> tuple[dict[str, int], dict[str, float]]:
    """Sizes and willingness, with a willingness given for every group that has allies.

    A group left out would silently take the course's default, so that a student who
    gives one group gets an answer about assumptions they never made: it is an error.
    """
    sizes = _check_sizes(sizes)
    checked = check_willingness(willingness)
    missing = [g for g, n in sizes.items() if n and g not in willingness]
    if missing:
        raise CourseError(
            "Give a willingness for every group that has allies; missing: "
            + ", ".join(missing) + ". To change only some groups, start from all of them, "
            "e.g. `{group: 1.0 for group in csto.GROUP_NAMES} | {\"Türkiye\": 0.9}`, or "
            "from the course's defaults, `csto.DEFAULT_WILLINGNESS | {...}`.")
    return sizes, checked


def _consensus(sizes: dict[str, int], willingness: dict[str, float]) -> float:
    return math.prod(willingness[g] ** n for g, n in sizes.items())


def _bilateral(sizes: dict[str, int], willingness: dict[str, float]) -> float:
    return 1 - math.prod((1 - willingness[g]) ** n for g, n in sizes.items())


def consensus_probability(sizes: Mapping[str, int], willingness: Mapping[str, float]) -> float:
    """The chance that no ally objects: every group's willingness, once per ally, multiplied."""
    return _consensus(*_checked_pair(sizes, willingness))


def bilateral_probability(sizes: Mapping[str, int], willingness: Mapping[str, float]) -> float:
    """The chance that at least one ally is willing to cooperate bilaterally."""
    return _bilateral(*_checked_pair(sizes, willingness))


def by_year(willingness: Mapping[str, float], first: int = FIRST_YEAR,
            last: int | None = None) -> pd.DataFrame:
    """Both chances for each year's membership, from 2011 (28 allies) to today."""
    willingness = check_willingness(willingness)
    first = membership.check_year(first)
    last = membership.last_year() if last is None else membership.check_year(last)
    rows = []
    for year in range(first, last + 1):
        sizes = dict(_group_sizes(year))
        rows.append({"year": year, "allies": sum(sizes.values()),
                     "consensus": _consensus(sizes, willingness),
                     "bilateral": _bilateral(sizes, willingness)})
    return pd.DataFrame(rows)


def one_in(probability: float) -> str:
    """A probability in words a class can picture: '1 in 2,300' or '37%'."""
    probability = checks.probability("The probability", probability)
    if probability <= 0:
        return "0 (impossible)"
    if probability >= 0.9995:
        return "more than 99.9%"
    if probability >= 0.01:
        return f"{probability:.0%}" if probability < 0.995 else f"{probability:.1%}"
    if probability < 1e-12:
        return "less than 1 in a trillion"
    return f"1 in {round(1 / probability):,}"


# The record: what the data says about the commentary's reasons and forecast.

REASONS = {
    "organizations": "1. NATO deals with countries, not organizations",
    "purpose": "2. NATO is absorbed by its own purpose",
    "us_veto": "3. The US can block through consensus",
    "forecast": "Forecast: formal ties very unlikely",
    "sea_breeze": "Aside: who calls an exercise a NATO exercise",
}
DIRECTIONS = {"supports": "supports", "qualifies": "qualifies", "challenges": "challenges"}
TIMELINE_LANES = {"founding": "CSTO founded", "membership": "membership",
                  "proposal": "offers of NATO–CSTO cooperation",
                  "response": "NATO's (non-)responses", "deployment": "CSTO deployment",
                  "nato_russia": "NATO–Russia", "other": "other"}


def evidence(reason: str | None = None) -> pd.DataFrame:
    """The evidence table (data/csto_evidence), optionally for one of REASONS."""
    return data.load_where("csto_evidence", "reason", reason, REASONS, "The reason")


def timeline_table() -> pd.DataFrame:
    """The events of :func:`timeline_chart`, numbered as on the chart, in words."""
    table = timelines.numbered(data.load("nato_csto_timeline"), "date")
    table["kind"] = table["category"].map(TIMELINE_LANES)
    return table[["n", "date", "kind", "event", "description", "source_url"]].set_index("n")


def csto_partners() -> pd.DataFrame:
    """Each state that was ever a CSTO party, with its NATO partnership frameworks."""
    parties = data.load("csto_members")[["iso3", "name"]].drop_duplicates("iso3")
    partnerships = data.load("partnerships")
    joined = parties.merge(partnerships[["iso3", "framework", "joined", "left", "change"]],
                           on="iso3", how="left")
    return joined.sort_values(["name", "joined"]).reset_index(drop=True)


def formal_relation() -> pd.Series:
    """The row of data/nato_org_relations for the CSTO: NATO's relation to it, if any."""
    relations = data.load("nato_org_relations").set_index("organization")
    return relations.loc["CSTO"]
