"""Decision rules side by side, and "what if NATO voted?" (notebook 02).

Real rules (the UN Security Council, the 1958 EEC Council, today's EU Council and NATO's
consensus) and hypothetical rules for NATO's allies in any year: a simple or qualified
majority of allies, votes weighted by population, GDP or defence spending, or a double
majority of allies and population. All power figures come from :mod:`utils.voting`.

The weights are 2023 figures (``data/nato_weights``: World Bank population and GDP, SIPRI
military expenditure) for every year: "what if the members of that year had voted with
today's weights", a simplification the notebook states. GDP and spending, given in US$
million to one decimal, are counted in tenths so that the weights are whole numbers.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import pandas as pd

from utils import checks, data, membership, voting
from utils.errors import CourseError

__all__ = ["KINDS", "bodies", "check_share", "nato_rule", "passage_by_year", "power"]

KINDS = {
    "consensus": "Consensus (NATO's rule)",
    "majority": "Share of allies (one ally, one vote)",
    "population": "Weighted by population",
    "gdp": "Weighted by GDP",
    "defence": "Weighted by defence spending",
    "double": "Double majority: allies and population",
}
_MEASURES = {"population": "population", "gdp": "gdp", "defence": "defence_expenditure"}


@cache
def _weights_by_code(measure: str) -> dict[str, int]:
    table = data.load("nato_weights")
    rows = table[table["measure"] == measure]
    scale = 1 if measure == "population" else 10
    return {code: round(value * scale) for code, value in zip(rows["iso3"], rows["value"],
                                                               strict=True)}


def _weights(kind: str, allies: list[str]) -> list[int]:
    """Each ally's whole-number weight for a weighted rule (0 where no figure exists)."""
    table = _weights_by_code(_MEASURES[kind])
    return [table.get(code, 0) for code in allies]


def check_share(quota: object) -> Fraction:
    """A quota as a share of the total, from just over 0 to 1, or a CourseError."""
    return checks.share("The quota", quota, "The quota must be a share above 0 and at most 1 "
                        f"(e.g. 0.5 for half, 2/3 for two thirds); {checks.shown(quota)} is not.")


def _check_allies(allies: object) -> list[str]:
    """Allies as a list of country codes (at least one, at most voting.MAX_PLAYERS)."""
    allies = checks.items("The list of allies", allies, voting.MAX_PLAYERS,
                          "a list such as ['BEL', 'NLD']")
    if not allies or not all(isinstance(code, str) for code in allies):
        raise CourseError(f"The allies must be a non-empty list of country codes such as "
                          f"['BEL', 'NLD'], not {checks.shown(allies)}.")
    return allies


def nato_rule(kind: str, allies: list[str], quota: float) -> voting.Rule:
    """A decision rule for these allies: `kind` from KINDS, `quota` the share needed.

    For the double majority, `quota` applies to both the number of allies and population.
    Consensus ignores the quota: every ally must agree.
    """
    kind = checks.one_of("The rule", kind, KINDS)
    share = check_share(quota)
    allies = _check_allies(allies)
    n = len(allies)
    if kind == "consensus":
        return voting.consensus(n)
    heads = voting.majority(n, share)
    if kind == "majority":
        return heads
    people = _weights("population", allies)
    if kind == "double":
        return heads & voting.Weighted(people, checks.quota(share, sum(people)))
    chosen = _weights(kind, allies)
    return voting.Weighted(chosen, checks.quota(share, sum(chosen)))


def power(kind: str, year: int, quota: float) -> tuple[pd.DataFrame, float]:
    """Each ally's power under a rule in `year`, and the rule's passage probability."""
    allies = membership.nato_members(year)
    rule = nato_rule(kind, list(allies["iso3"]), quota)
    table = voting.power_table(rule, list(allies["name"]))
    return table, voting.passage_probability(rule)


_ENLARGEMENT_YEARS = (1949, 1952, 1955, 1982, 1999, 2004, 2009, 2017, 2020, 2023, 2024)


def passage_by_year(quota: float = 2 / 3) -> pd.DataFrame:
    """The passage probability of each rule after each enlargement (long format)."""
    rows = []
    for year in _ENLARGEMENT_YEARS:
        allies = list(membership.nato_members(year)["iso3"])
        for kind in KINDS:
            rule = (voting.majority(len(allies)) if kind == "majority"
                    else nato_rule(kind, allies, quota))
            rows.append({"year": year, "allies": len(allies), "rule": KINDS[kind],
                         "passage": voting.passage_probability(rule)})
    return pd.DataFrame(rows)


def bodies() -> pd.DataFrame:
    """Four real rules side by side: members, passage probability, vetoes, and the largest
    and smallest member's Shapley–Shubik index."""
    eu = data.load("eu_council_population")
    rules = {
        "UN Security Council": voting.un_security_council(),
        "EEC Council, 1958": voting.eec_council_1958(),
        "EU Council since 2014": voting.eu_council([int(p) for p in eu["population"]]),
        "NATO (consensus)": voting.consensus(len(membership.nato_members(
            membership.last_year()))),
    }
    rows = []
    for name, rule in rules.items():
        shapley = voting.shapley_shubik(rule)
        rows.append({"body": name, "members": len(shapley),
                     "passage_probability": voting.passage_probability(rule),
                     "veto_players": len(voting.veto_players(rule)),
                     "dummies": len(voting.dummy_players(rule)),
                     "largest_shapley_shubik": float(shapley.max()),
                     "smallest_shapley_shubik": float(shapley.min())})
    return pd.DataFrame(rows)
