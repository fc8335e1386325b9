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

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts, checks, data, display, membership, voting
from utils.errors import CourseError

KINDS = {
    "consensus": "Consensus (NATO's rule)",
    "majority": "Share of allies (one ally, one vote)",
    "population": "Weighted by population",
    "gdp": "Weighted by GDP",
    "defence": "Weighted by defence spending",
    "double": "Double majority: allies and population",
}
MEASURES = {"population": "population", "gdp": "gdp", "defence": "defence_expenditure"}


@cache
def _weights(measure: str) -> dict[str, int]:
    table = data.load("nato_weights")
    rows = table[table["measure"] == measure]
    scale = 1 if measure == "population" else 10
    return {code: round(value * scale) for code, value in zip(rows["iso3"], rows["value"],
                                                               strict=True)}


def weights(kind: str, allies: list[str]) -> list[int]:
    """Each ally's whole-number weight for a weighted rule (0 where no figure exists)."""
    table = _weights(MEASURES[checks.one_of("The kind of weight", kind, MEASURES)])
    return [table.get(code, 0) for code in check_allies(allies)]


def check_share(quota: object) -> Fraction:
    """A quota as a share of the total, from just over 0 to 1, or a CourseError."""
    return checks.share("The quota", quota, "The quota must be a share above 0 and at most 1 "
                        f"(e.g. 0.5 for half, 2/3 for two thirds); {checks.shown(quota)} is not.")


def check_allies(allies: object) -> list[str]:
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
    checks.one_of("The rule", kind, KINDS)
    share = check_share(quota)
    allies = check_allies(allies)
    n = len(allies)
    if kind == "consensus":
        return voting.consensus(n)
    heads = voting.majority(n, share)
    if kind == "majority":
        return heads
    people = weights("population", allies)
    if kind == "double":
        return heads & voting.Weighted(people, checks.quota(share, sum(people)))
    chosen = weights(kind, allies)
    return voting.Weighted(chosen, checks.quota(share, sum(chosen)))


def power(kind: str, year: int, quota: float) -> tuple[pd.DataFrame, float]:
    """Each ally's power under a rule in `year`, and the rule's passage probability."""
    allies = membership.nato_members(year)
    rule = nato_rule(kind, list(allies["iso3"]), quota)
    table = voting.power_table(rule, list(allies["name"]))
    return table, voting.passage_probability(rule)


@cache
def _power_template() -> dict:
    bars = alt.Chart(alt.NamedData(name="power")).mark_bar(color=charts.NATO_COLOR).encode(
        x=alt.X("shapley_shubik:Q", title="Shapley–Shubik index (share of power)",
                axis=alt.Axis(format="%")),
        y=alt.Y("player:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=12)),
        tooltip=["player:N", alt.Tooltip("shapley_shubik:Q", format=".2%"),
                 alt.Tooltip("banzhaf_normalized:Q", format=".2%"),
                 alt.Tooltip("banzhaf_raw:Q", format=".4f"), "veto:N"])
    equal = alt.Chart(alt.NamedData(name="equal")).mark_rule(
        strokeDash=[4, 3], color="#555555").encode(x="share:Q")
    return charts.themed((bars + equal).properties(width=460))


def power_chart(kind: str, year: int, quota: float) -> tuple[charts.VegaLite, Markdown]:
    """Each ally's Shapley–Shubik power under a rule, with the equal share marked."""
    table, passage = power(kind, year, quota)
    year, quota = membership.check_year(year), float(check_share(quota))
    n = len(table)
    top = table.sort_values("shapley_shubik", ascending=False).iloc[0]
    vetoes = list(table.loc[table["veto"], "player"])
    dummies = list(table.loc[table["dummy"], "player"])
    equal = table["shapley_shubik"].max() - table["shapley_shubik"].min() < 1e-12
    largest = (f"every ally has the same share, 1/{n}" if equal else
               f"{top['player']} ({top['shapley_shubik']:.1%})")
    spec = charts.fill(
        _power_template(),
        {"power": table, "equal": pd.DataFrame({"share": [1 / n]})},
        title={"text": f"{KINDS[kind]}, {n} allies ({year})",
               "subtitle": (f"Quota {quota:.0%}; " if kind != "consensus"
                            else "The quota does not apply: every ally must agree; ")
               + f"chance a random proposal passes: {display.number(passage)}; dashed line: "
                 f"equal share 1/{n}"},
        description=(f"Shapley–Shubik power of each of {n} allies under the rule "
                     f"'{KINDS[kind]}'; largest share: {largest}. Passage probability "
                     f"{display.number(passage)}."))
    spec.spec["height"] = 16 * n
    ignored = (f" (The quota, {quota:.0%}, does not matter here: under consensus every "
               "ally must agree.)" if kind == "consensus" else "")
    words = [f"**{KINDS[kind]}, {n} allies in {year}.** Chance that a random proposal "
             f"passes (Coleman's power to act): **{display.number(passage)}**. Largest share "
             f"of power: {largest}."]
    if vetoes:
        words.append(f"Veto players: {len(vetoes)} of {n}"
                     + (" (every ally)." if len(vetoes) == n else f": {', '.join(vetoes)}."))
    if dummies:
        words.append(f"Allies with no power at all: {', '.join(dummies)}.")
    return spec, Markdown(" ".join(words) + ignored)


def explore(kind: str, quota: float, year: int) -> tuple[charts.VegaLite, Markdown]:
    """The notebook's interactive: a rule, a quota and a year in; power chart and words out."""
    return power_chart(kind, membership.check_year(year), quota)


def simple_majority(n: int) -> voting.Weighted:
    """More than half of `n` allies, one vote each (a tie fails): 7 of 12, 17 of 32."""
    n = checks.whole("The number of allies", n, 1, 1_000)
    return voting.Weighted([1] * n, n // 2 + 1)


ENLARGEMENT_YEARS = (1949, 1952, 1955, 1982, 1999, 2004, 2009, 2017, 2020, 2023, 2024)


def passage_by_year(quota: float = 2 / 3) -> pd.DataFrame:
    """The passage probability of each rule after each enlargement (long format)."""
    rows = []
    for year in ENLARGEMENT_YEARS:
        allies = list(membership.nato_members(year)["iso3"])
        for kind in KINDS:
            rule = (simple_majority(len(allies)) if kind == "majority"
                    else nato_rule(kind, allies, quota))
            rows.append({"year": year, "allies": len(allies), "rule": KINDS[kind],
                         "passage": voting.passage_probability(rule)})
    return pd.DataFrame(rows)


def passage_chart(quota: float = 2 / 3) -> alt.FacetChart:
    """How likely a random proposal is to pass, under each rule, as NATO grew: one panel
    per rule (the lines overlap when drawn together), each labelled with its last value."""
    table = passage_by_year(quota)
    quota = float(check_share(quota))
    table["label"] = ""
    last = table["allies"] == table["allies"].max()
    table.loc[last, "label"] = [f"{display.number(p)} at 32" for p in table.loc[last, "passage"]]
    consensus = table[table["rule"] == KINDS["consensus"]]
    names = {**KINDS, "majority": "Simple majority of allies (more than half)"}
    table["rule"] = table["rule"].map({KINDS[k]: names[k] for k in KINDS})
    base = alt.Chart().encode(
        x=alt.X("allies:Q", title="Number of allies", scale=alt.Scale(domain=[12, 32]),
                axis=alt.Axis(values=[12, 16, 20, 24, 28, 32])),
        y=alt.Y("passage:Q", title="Chance (log scale)",
                scale=alt.Scale(type="log", domain=[1e-10, 1]),
                axis=alt.Axis(values=[1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1], labelExpr=(
                    "datum.value >= 0.01 ? format(datum.value, '~g') : "
                    "'10^' + format(log(datum.value) / LN10, '.0f')"))),
        tooltip=["year:O", "allies:Q", "rule:N", alt.Tooltip("passage:Q", format=".3g")])
    lines = base.mark_line(point=True, color=charts.NATO_COLOR)
    labels = base.mark_text(align="right", dy=-10, fontSize=12).encode(text="label:N")
    return alt.layer(lines, labels, data=table).properties(width=200, height=150).facet(
        facet=alt.Facet("rule:N", sort=list(names.values()), title=None,
                        header=alt.Header(labelFontSize=12, labelLimit=240)),
        columns=3,
    ).properties(
        title=alt.Title("The power to act: how enlargement changed it, rule by rule",
                        subtitle=[f"Chance that a random proposal passes. Simple majority: more "
                                  f"than half of the allies; weighted and double-majority rules: "
                                  f"quota {quota:.0%}"]),
        description=(f"Passage probability after each enlargement, one panel per rule. Under "
                     f"consensus it falls as 2^-n, from "
                     f"{display.number(consensus['passage'].iloc[0])} with 12 allies to "
                     f"{display.number(consensus['passage'].iloc[-1])} with 32; a "
                     "simple majority stays near one half, weighted rules with a two-thirds "
                     "quota lower."))


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
