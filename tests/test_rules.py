"""Decision rules for notebook 02: hand-computed powers and passage probabilities."""

from __future__ import annotations

import math
from fractions import Fraction

import altair as alt
import pytest

from utils import rules, voting, widgets
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
    assert rules.weights("defence", ["ISL", "USA"])[0] == 0
    assert rules.weights("population", ["ISL"])[0] > 300_000


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
        rules.explore(kind, quota, 2024)
    (shown,) = widgets.outputs(rules.explore, {"kind": kind, "quota": quota, "year": 2024},
                               live=True)
    assert message in shown.data


def test_explore_chart_and_words() -> None:
    chart, words = rules.explore("consensus", 0.5, 2024)
    alt.LayerChart.from_dict(chart.to_dict(), validate=True)
    assert "every ally has the same share, 1/32" in words.data
    assert "Veto players: 32 of 32 (every ally)." in words.data
    chart, words = rules.explore("population", 2 / 3, 2024)
    assert "Largest share of power: United States" in words.data
    assert rules.passage_chart().to_dict()["description"].startswith("Passage probability")


def test_voting_module_is_what_rules_use() -> None:
    rule = rules.nato_rule("majority", ["BEL", "NLD", "LUX"], 2 / 3)
    assert isinstance(rule, voting.Weighted) and rule.wins([0, 1]) and not rule.wins([0])
