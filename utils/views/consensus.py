"""The consensus model (:mod:`utils.consensus`) shown: one negotiation as a chart and in
words, the Monte Carlo as a curve, and the notebook's widget that draws all three."""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd
from IPython.display import Markdown

from utils import charts, checks
from utils.consensus import (
    OUTCOMES,
    STRATEGIES,
    Negotiation,
    draw_allies,
    negotiate,
    sweep,
)

__all__ = ["explore", "negotiation_chart", "summary"]

#: The widget's Monte Carlo always uses the same random alliances as
#: :func:`utils.consensus.sweep`'s defaults, so its figures match the exercises and do not
#: move with the seed slider (which picks only the one negotiation drawn above it).
_MONTE_CARLO_SEED = 0
_MONTE_CARLO_TRIALS = 2_000


@cache
def _negotiation_template() -> dict:
    scale = alt.Scale(domain=[-0.25, 1.25], nice=False)
    ticks = alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".2~f")
    colours = alt.Scale(domain=["broke silence", "stayed silent"],
                        range=[charts.VERMILLION, charts.BLUE])
    allies = alt.Chart(alt.NamedData(name="allies"))
    y = alt.Y("ally:N", sort=alt.EncodingSortField("ideal"), title=None,
              axis=alt.Axis(labelFontSize=12))
    ranges = allies.mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=alt.X("low:Q", scale=scale, axis=ticks, title="Policy scale (0 = status quo)"),
        x2="high:Q",
        y=y, color=alt.Color("silence:N", scale=colours, title=None,
                             legend=alt.Legend(orient="top")))
    points = allies.mark_point(filled=True, size=40, color="black").encode(
        x="ideal:Q", y=y, tooltip=["ally:N", "ideal:Q", "low:Q", "high:Q", "silence:N"])
    final = alt.Chart(alt.NamedData(name="final")).mark_rule(
        strokeDash=[5, 3], color="black").encode(x="text:Q")
    drafts = alt.Chart(alt.NamedData(name="drafts")).encode(
        x=alt.X("text:Q", scale=scale, axis=ticks, title="Draft on the policy scale"),
        y=alt.Y("round:O", title="Round"))
    path = drafts.mark_line(point=True, color="black") + drafts.mark_text(
        align="left", dx=8).encode(text="label:N")
    return charts.themed(alt.vconcat(
        (ranges + points + final).properties(
            title=alt.Title("Each ally: ideal point (dot) and the texts it accepts in silence",
                            subtitle="Dashed line: the final text")),
        path.properties(title="The draft, round by round"),
    ))


def negotiation_chart(result: Negotiation) -> charts.VegaLite:
    """The allies and what each accepts, above the draft round by round."""
    return _negotiation_chart(checks.instance("The result", result, Negotiation,
                                              "consensus.negotiate"))


def _negotiation_chart(result: Negotiation) -> charts.VegaLite:
    allies = result.allies
    broke = {i for r in result.rounds for i in r.objectors}
    table = pd.DataFrame({
        "ally": [f"Ally {i + 1}" for i in range(len(allies))],
        "ideal": allies.ideal, "low": allies.ideal - allies.threshold,
        "high": allies.ideal + allies.threshold,
        "silence": ["broke silence" if i in broke else "stayed silent"
                    for i in range(len(allies))]})
    drafts = pd.DataFrame({"round": [r.number for r in result.rounds],
                           "text": [r.text for r in result.rounds],
                           "label": ["silence holds" if not r.objectors
                                     else f"{len(r.objectors)} broke silence"
                                     for r in result.rounds]})
    spec = charts.fill(
        _negotiation_template(),
        {"allies": table, "drafts": drafts,
         "final": pd.DataFrame({"text": [result.final_text]})},
        title={"text": f"{len(allies)} allies, first draft at {STRATEGIES[result.strategy]}",
               "subtitle": OUTCOMES[result.outcome]},
        description=(f"{len(allies)} allies on a policy scale from 0 to 1. First draft "
                     f"{result.first_text:.2f}, final text {result.final_text:.2f} after "
                     f"{result.rounds_used} round(s); {len(broke)} allies broke silence at "
                     f"least once. Outcome: {OUTCOMES[result.outcome]}."))
    spec.spec["vconcat"][0]["height"] = 16 * len(allies)
    spec.spec["vconcat"][1]["height"] = 22 * len(drafts) + 10
    return spec


@cache
def _sweep_template() -> dict:
    x = alt.X("allies:Q", title="Number of allies", scale=alt.Scale(domain=[12, 32]),
              axis=alt.Axis(values=list(range(12, 33, 4))))
    data = alt.Chart(alt.NamedData(name="sweep"))
    rule = alt.Chart(alt.NamedData(name="highlight")).mark_rule(
        strokeDash=[4, 3], color=charts.GREY).encode(x="allies:Q")
    chance = data.mark_line(point={"color": charts.BLUE}, color=charts.BLUE).encode(
        x=x, y=alt.Y("consensus:Q", title="Chance of consensus",
                     scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        tooltip=["allies:Q", alt.Tooltip("consensus:Q", format=".1%")])
    dilution = data.mark_line(point={"color": charts.ORANGE}, color=charts.ORANGE).encode(
        x=x, y=alt.Y("dilution:Q", title="Mean move from the first draft"),
        tooltip=["allies:Q", alt.Tooltip("dilution:Q", format=".3f")])
    return charts.themed(alt.hconcat(
        (chance + rule).properties(width=250, height=200, title="Chance of consensus"),
        (dilution + rule).properties(width=250, height=200, title="Dilution of agreed texts"),
    ))


def _sweep_chart(table: pd.DataFrame, trials: int, highlight: int) -> charts.VegaLite:
    """The chance of consensus and the dilution as membership grows (a table from
    :func:`utils.consensus.sweep`), with `highlight` allies marked."""
    marked = [highlight] if 12 <= highlight <= 32 else []
    first, last = table.iloc[0], table.iloc[-1]
    return charts.fill(
        _sweep_template(),
        {"sweep": table[["allies", "consensus", "dilution"]],
         "highlight": pd.DataFrame({"allies": marked}, dtype=float)},
        title={"text": f"As the Alliance grows from {int(first['allies'])} to "
                       f"{int(last['allies'])} "
                       "allies", "subtitle": f"Monte Carlo: {trials:,} random alliances per size"},
        description=(f"Chance of consensus: {first['consensus']:.0%} with "
                     f"{int(first['allies'])} allies, {last['consensus']:.0%} with "
                     f"{int(last['allies'])}. The right panel shows how far agreed texts moved "
                     "from the first draft."))


def summary(result: Negotiation) -> Markdown:
    """The negotiation in words: outcome, rounds, who broke silence, where the text sits."""
    return _summary(checks.instance("The result", result, Negotiation, "consensus.negotiate"))


def _summary(result: Negotiation) -> Markdown:
    lines = [f"**Outcome: {OUTCOMES[result.outcome]}** after {result.rounds_used} "
             f"round(s) of silence procedure among {len(result.allies)} allies."]
    previous, explained = None, False
    for r in result.rounds:
        who = ", ".join(f"Ally {i + 1}" for i in r.objectors) or "nobody (silence holds)"
        again = ""
        if previous is not None and abs(r.text - previous) < 1e-12:
            again = (" The same draft again." if explained else
                     " The same draft again: allies object from both sides, and the text "
                     "midway between what the two sides accept does not move.")
            explained = True
        lines.append(f"- Round {r.number}: draft at {r.text:.3f}; broke silence: {who}.{again}")
        previous = r.text
    lines.append(f"\nFirst draft {result.first_text:.3f}; final text {result.final_text:.3f}. "
                 f"Distance from the median ally: {result.distance_from_median:.3f}; from "
                 f"the status quo: {result.distance_from_status_quo:.3f}.")
    return Markdown("\n".join(lines))


def explore(n_allies: int, spread: float, tolerance: float, cost: float, strategy: str,
            rounds: int, seed: int, trials: int = _MONTE_CARLO_TRIALS
            ) -> tuple[charts.VegaLite, charts.VegaLite, Markdown]:
    """The notebook's interactive: the Monte Carlo curve (first: the questions beside the
    widget are mostly about it), then one negotiation, in a chart and in words.

    `seed` picks the one negotiation; the Monte Carlo always draws the same alliances
    (:data:`_MONTE_CARLO_SEED`), so moving the seed does not move the curve.
    """
    result = negotiate(draw_allies(n_allies, spread, tolerance, cost, seed), strategy, rounds)
    table = sweep(spread, tolerance, cost, strategy, rounds, _MONTE_CARLO_SEED, trials)
    return (_sweep_chart(table, trials, len(result.allies)), _negotiation_chart(result),
            _summary(result))
