"""Decision rules for notebook 02: hand-computed powers and passage probabilities."""

from __future__ import annotations

import math
from fractions import Fraction

import altair as alt
import pytest

from utils import rules, views, voting, widgets
from utils.errors import CourseError


def test_consensus_is_unanimity_in_power_terms() -> None:
    table, passage = rules.power("consensus", 1949, 0.5)
    assert len(table) == 12 and passage == 2**-12
    assert table["shapley_shubik"].tolist() == pytest.approx([1 / 12] * 12)
    assert table["veto"].all()


def test_majority_of_twelve_by_hand() -> None:
    # Half of 12 allies is 6: a proposal passes when 6 or more of 12 coin flips say yes.
    passes = sum(math.comb(12, k) for k in range(6, 13))
    _, passage = rules.power("majority", 1949, 0.5)
    assert passage == Fraction(passes, 4096) == 2510 / 4096


def test_defence_weighted_two_thirds_makes_the_us_a_dictator() -> None:
    table, passage = rules.power("defence", 2024, 2 / 3)
    by_ally = table.set_index("player")["shapley_shubik"]
    assert by_ally["United States"] == 1 and by_ally.drop("United States").eq(0).all()
    assert passage == 0.5


def test_iceland_has_no_defence_weight() -> None:
    assert rules._weights("defence", ["ISL", "USA"])[0] == 0
    assert rules._weights("population", ["ISL"])[0] > 300_000


def test_double_majority_needs_both() -> None:
    allies = ["USA", "ISL", "LUX"]
    rule = rules.nato_rule("double", allies, 0.5)
    assert rule.wins([0, 1]) and not rule.wins([1, 2])  # 2 of 3 allies but little population


def test_passage_under_consensus_halves_with_each_ally() -> None:
    table = rules.passage_by_year()
    consensus = table[table["rule"] == rules.KINDS["consensus"]]
    assert all(p == 2.0 ** -n for n, p in zip(consensus["allies"], consensus["passage"],
                                              strict=True))


def test_real_bodies() -> None:
    table = rules.bodies().set_index("body")
    assert table.loc["UN Security Council", "largest_shapley_shubik"] == pytest.approx(421 / 2145)
    assert table.loc["UN Security Council", "veto_players"] == 5
    assert table.loc["EEC Council, 1958", "dummies"] == 1
    assert table.loc["NATO (consensus)", "largest_shapley_shubik"] == pytest.approx(1 / 32)
    assert table.loc["EU Council since 2014", "members"] == 27


@pytest.mark.parametrize(("kind", "quota", "message"), [
    ("lottery", 0.5, "The rule must be one of consensus"),
    ("majority", 0, "The quota must be a share above 0 and at most 1"),
    ("majority", 1.5, "The quota must be a share above 0 and at most 1"),
    ("majority", math.nan, "The quota must be a share"),
    ("gdp", "half", "The quota must be a share"),
])
def test_bad_rules_get_a_plain_message(kind: str, quota: object, message: str) -> None:
    with pytest.raises(CourseError, match=message):
        views.rules.explore(kind, quota, 2024)
    (shown,) = widgets.outputs(views.rules.explore, {"kind": kind, "quota": quota, "year": 2024},
                               live=True)
    assert message in shown.data


def test_explore_chart_and_words() -> None:
    chart, words = views.rules.explore("consensus", 0.5, 2024)
    alt.LayerChart.from_dict(chart.to_dict(), validate=True)
    assert "every ally has the same share, 1/32" in words.data
    assert "Veto players: 32 of 32 (every ally)." in words.data
    chart, words = views.rules.explore("population", 2 / 3, 2024)
    assert "Largest share of power: United States" in words.data
    assert views.rules.passage_chart().to_dict()["description"].startswith("Passage probability")


def test_voting_module_is_what_rules_use() -> None:
    rule = rules.nato_rule("majority", ["BEL", "NLD", "LUX"], 2 / 3)
    assert isinstance(rule, voting.Weighted) and rule.wins([0, 1]) and not rule.wins([0])


# The double majority at 32 allies, pinned: computed by the library before its counting
# was made faster (sparse count tables, merged states), so a change that alters any
# value fails here. Swings are exact integers; the raw Banzhaf index is swings / 2^31 and
# the passage probability winning / 2^32, both exact in binary.
DOUBLE_2024 = {
    0.3: (3442137253, [
        57537087, 181977143, 32444043, 313662217, 8535301, 268603729, 9744189, 83786337,
        30604975, 52364835, 314246971, 829908145, 51629965, 401217185, 390223443, 219444061,
        53594591, 48121093, 167839925, 34590683, 12767591, 14975349, 19223003, 88878971,
        30205757, 15993071, 17254501, 23469525, 9559961, 14734907, 30881627, 52186489], [
        0.019182149386462677, 0.04063771232783207, 0.01494450699937484, 0.06352850725858825,
        0.010938405461414417, 0.05566952921140547, 0.011140384781462662, 0.023651555965326736,
        0.014634922765343287, 0.018305672300976718, 0.06363225588814614, 0.18399508973987694,
        0.018181376389869705, 0.0787859594582401, 0.07685062368624619, 0.04696599515430332,
        0.018513809552559067, 0.017587762359492207, 0.03801169614369145, 0.015305883611378635,
        0.011645285251049594, 0.012014609464708632, 0.012725297045239404, 0.02452439614492308,
        0.01456789809557542, 0.012184828140589212, 0.012395809799513133, 0.013437105062426739,
        0.011109633888863282, 0.011974322214281444, 0.014681578587426585, 0.01827543786341259]),
    0.65: (154335939, [
        51785071, 54291343, 51344411, 57099805, 50952089, 56099373, 50971469, 52276211,
        51313351, 51692079, 57112165, 154335799, 51678889, 58703027, 58517561, 55038625,
        51713945, 51616817, 53993263, 51381285, 51019483, 51055169, 51124289, 52374847,
        51306603, 51071629, 51092181, 51194069, 50968499, 51051313, 51317927, 51688869], [
        0.02138002685259299, 0.02354153004035724, 0.021027309662085016, 0.0259894313461683,
        0.01890744446246937, 0.0251319093929845, 0.018946504974035563, 0.021782647684192878,
        0.021002553555934125, 0.021304852241702366, 0.02599935619407738, 0.3283582422321722,
        0.02129444323675837, 0.02735886177566547, 0.027206854495206288, 0.024176223417711546,
        0.021322548824181074, 0.021244741747534705, 0.023264763205337272, 0.02105621640400622,
        0.019094294479323738, 0.019220287210384903, 0.019538685412663747, 0.02186426108350227,
        0.02099722404390635, 0.019257190645024954, 0.019429536609797286, 0.019832193292620336,
        0.018944191322014508, 0.01921727271034472, 0.021006069749419848, 0.021302331695824465]),
}


@pytest.mark.parametrize("quota", sorted(DOUBLE_2024))
def test_double_majority_of_32_allies_is_pinned(quota: float) -> None:
    winning, swings, shapley = DOUBLE_2024[quota]
    voting.clear_cache()
    table, passage = rules.power("double", 2024, quota)
    assert passage == Fraction(winning, 2**32)
    assert table.attrs["passage_probability"] == passage
    assert table["banzhaf_raw"].tolist() == [Fraction(s, 2**31) for s in swings]
    assert table["banzhaf_normalized"].tolist() == [s / sum(swings) for s in swings]
    assert table["shapley_shubik"].tolist() == shapley
    assert table["player"].iloc[11] == "United States" and table["veto"].sum() == 0
