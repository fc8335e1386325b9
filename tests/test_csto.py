"""The CSTO-question model: hand-computed chances, properties, group sizes, bad input."""

from __future__ import annotations

import math

import altair as alt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils import csto, views, widgets
from utils.errors import CourseError

probability = st.floats(0, 1, allow_nan=False)
willingness = st.fixed_dictionaries({g: probability for g in csto.GROUP_NAMES})
sizes = st.fixed_dictionaries({g: st.integers(0, 20) for g in csto.GROUP_NAMES})


def test_three_allies_each_objecting_one_time_in_ten() -> None:
    three = {csto.OTHERS: 3}
    assert csto.consensus_probability(three, {csto.OTHERS: 0.9}) == pytest.approx(0.729)
    assert csto.bilateral_probability(three, {csto.OTHERS: 0.1}) == pytest.approx(0.271)


def test_one_unwilling_ally_blocks_consensus_but_not_bilateral_ties() -> None:
    groups = {"United States": 1, csto.OTHERS: 27}
    chances = {"United States": 0.0, csto.OTHERS: 1.0}
    assert csto.consensus_probability(groups, chances) == 0
    assert csto.bilateral_probability(groups, chances) == 1


def test_groups_by_year_match_the_membership() -> None:
    assert csto.group_sizes(2011) == {"United States": 1, "Poland and the Baltic states": 4,
                                      "Türkiye": 1, "Western Europe": 9, csto.OTHERS: 13}
    assert sum(csto.group_sizes(2024).values()) == 32
    assert csto.group_sizes(2024)[csto.OTHERS] == 17


def test_by_year_runs_from_28_to_32_allies() -> None:
    table = csto.by_year(csto.DEFAULT_WILLINGNESS)
    assert table["year"].iloc[0] == 2011 and table["allies"].iloc[0] == 28
    assert table.set_index("year").loc[2024, "allies"] == 32
    assert table["consensus"].is_monotonic_decreasing
    assert table["bilateral"].is_monotonic_increasing


@given(sizes, willingness, st.sampled_from(csto.GROUP_NAMES))
def test_adding_an_ally_never_raises_consensus_nor_lowers_bilateral(
        groups: dict, chances: dict, group: str) -> None:
    bigger = groups | {group: groups[group] + 1}
    assert csto.consensus_probability(bigger, chances) <= csto.consensus_probability(
        groups, chances)
    assert csto.bilateral_probability(bigger, chances) >= csto.bilateral_probability(
        groups, chances)


@given(sizes, willingness)
def test_chances_are_probabilities(groups: dict, chances: dict) -> None:
    assert 0 <= csto.consensus_probability(groups, chances) <= 1
    assert 0 <= csto.bilateral_probability(groups, chances) <= 1


@pytest.mark.parametrize(("p", "words"), [
    (0.5, "50%"), (0.999, "99.9%"), (0.001, "1 in 1,000"), (1 / 2345, "1 in 2,345"),
    (0, "0 (impossible)"), (1e-300, "less than 1 in a trillion"),
    (1.0, "more than 99.9%"), (0.9996, "more than 99.9%"),  # was "100.0%" for both
])
def test_one_in(p: float, words: str) -> None:
    assert csto.one_in(p) == words


@pytest.mark.parametrize(("change", "message"), [
    ({"United States": 1.5}, "willingness of United States must be between 0 and 1; 1.5 is"),
    ({"Türkiye": math.nan}, "willingness of Türkiye must be between 0 and 1; nan is not"),
    ({"Western Europe": "high"}, "willingness of Western Europe must be a number, not 'high'"),
    ({"France": 0.5}, "Unknown group"),
])
def test_bad_willingness_gets_a_plain_message(change: dict, message: str) -> None:
    with pytest.raises(CourseError, match=message):
        csto.by_year(csto.DEFAULT_WILLINGNESS | change)


def test_bad_sizes_and_years_get_a_plain_message() -> None:
    with pytest.raises(CourseError, match="must be a whole number of 0 or more"):
        csto.consensus_probability({csto.OTHERS: -1}, {})
    values = dict(us=0.5, poland_baltics=0.3, turkey=0.9, western_europe=0.95, others=0.95,
                  year=1900)
    (shown,) = widgets.outputs(views.csto.explore, values, live=True)
    assert "Choose a year from 1949" in shown.data


def test_explore_chart_and_words() -> None:
    chart, words = views.csto.explore(0.5, 0.3, 0.9, 0.95, 0.95, 2024)
    spec = chart.to_dict()
    alt.VConcatChart.from_dict(spec, validate=True)
    assert spec["title"]["subtitle"].startswith("2024: 32 allies; formal ties 1 in ")
    assert len(spec["datasets"]["groups"]) == 5
    assert "**2024, 32 allies.**" in words.data
    assert "Poland and the Baltic states" in words.data
