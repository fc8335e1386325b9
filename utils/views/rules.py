"""Decision rules (:mod:`utils.rules`) shown: each ally's power under a rule, in a chart and
in words, with the notebook's widget; the power to act as NATO grew, rule by rule."""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts, display, membership
from utils.rules import KINDS, check_share, passage_by_year, power

__all__ = ["explore", "passage_chart"]


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
        strokeDash=[4, 3], color=charts.GREY).encode(x="share:Q")
    return charts.themed((bars + equal).properties(width=460))


def explore(kind: str, quota: float, year: int) -> tuple[charts.VegaLite, Markdown]:
    """The notebook's interactive: a rule, a quota and a year in; each ally's Shapley–Shubik
    power under the rule, with the equal share marked, and the same in words."""
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
