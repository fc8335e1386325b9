"""The consensus model: hand-computed negotiations, properties, and the Monte Carlo.

Hand-computed cases use dyadic numbers (0.25, 0.125, ...), which floating point holds
exactly, so texts can be compared with ==.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils import consensus as c
from utils import widgets
from utils.errors import CourseError
from utils.views import consensus as view

points = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=12)
thresholds = st.floats(0, 0.5, allow_nan=False)


# Hand-computed negotiations.

def test_two_allies_too_far_apart_deadlock_at_the_midpoint() -> None:
    # Accepted intervals [0.125, 0.375] and [0.625, 0.875] do not overlap. The median draft
    # 0.5 is refused by both; the Secretary General aims midway between what each side
    # accepts, (0.375 + 0.625) / 2 = 0.5, so the draft never moves.
    allies = c.make_allies([0.25, 0.75], tolerance=0.0625, cost=0.0625)
    result = c.negotiate(allies, "median", rounds=3)
    assert result.outcome == "deadlock"
    assert [(r.text, r.objectors) for r in result.rounds] == [(0.5, (0, 1))] * 3
    assert result.final_text == 0.5


def test_median_draft_inside_the_overlap_passes_in_silence() -> None:
    allies = c.make_allies([0.25, 0.75], tolerance=0.125, cost=0.125)  # both accept 0.5
    result = c.negotiate(allies, "median", rounds=5)
    assert result.outcome == "consensus"
    assert result.rounds_used == 1 and result.final_text == 0.5
    assert result.distance_from_median == 0 and result.dilution == 0


def test_most_reluctant_draft_is_reworded_step_by_step() -> None:
    # First draft at the most reluctant ally, 0.25. Ally 2 accepts [0.5, 1.0] and breaks
    # silence; the draft moves one step of 0.125 per round: 0.25 -> 0.375 -> 0.5.
    allies = c.make_allies([0.25, 0.75], tolerance=0.125, cost=0.125)
    result = c.negotiate(allies, "most_reluctant", rounds=5, step=0.125)
    assert result.outcome == "watered_down"
    assert [(r.text, r.objectors) for r in result.rounds] == [
        (0.25, (1,)), (0.375, (1,)), (0.5, ())]
    assert result.dilution == 0.25 and result.distance_from_status_quo == 0.5
    assert result.distance_from_median == 0


def test_too_few_rounds_turn_the_same_case_into_deadlock() -> None:
    allies = c.make_allies([0.25, 0.75], tolerance=0.125, cost=0.125)
    result = c.negotiate(allies, "most_reluctant", rounds=2, step=0.125)
    assert result.outcome == "deadlock"
    assert [r.text for r in result.rounds] == [0.25, 0.375] and result.final_text == 0.375


def test_a_cost_of_breaking_silence_buys_consensus() -> None:
    silent = c.make_allies([0.25, 0.75], tolerance=0.0625, cost=0.1875)
    assert c.negotiate(silent, "median").outcome == "consensus"


def test_per_ally_tolerances_and_costs() -> None:
    allies = c.make_allies([0.0, 0.5, 1.0], tolerance=[0.5, 0.0, 0.5], cost=[0, 0.125, 0])
    assert allies.threshold.tolist() == [0.5, 0.125, 0.5]
    assert c.negotiate(allies, "median").outcome == "consensus"


# Properties.

@given(points)
def test_with_no_tolerance_and_no_cost_consensus_needs_identical_points(ideal: list) -> None:
    result = c.negotiate(c.make_allies(ideal, 0, 0), "median", rounds=20)
    assert (result.outcome != "deadlock") == (len(set(ideal)) == 1)


@given(points, thresholds, st.floats(0, 0.5), st.sampled_from(list(c.STRATEGIES)),
       st.integers(1, 8))
def test_raising_tolerance_never_breaks_a_consensus(ideal: list, tolerance: float,
                                                     extra: float, strategy: str,
                                                     rounds: int) -> None:
    before = c.negotiate(c.make_allies(ideal, tolerance, 0.05), strategy, rounds)
    after = c.negotiate(c.make_allies(ideal, tolerance + extra, 0.05), strategy, rounds)
    if before.outcome != "deadlock":
        assert after.outcome != "deadlock"
        assert after.rounds_used <= before.rounds_used


@settings(max_examples=50)
@given(st.floats(0, 0.3), st.floats(0, 0.2), st.floats(0, 0.2), st.integers(0, 10_000))
def test_monte_carlo_chance_never_falls_when_tolerance_rises(spread: float, tolerance: float,
                                                             extra: float, seed: int) -> None:
    low = c.sweep(spread, tolerance, 0.05, seed=seed, trials=200)
    high = c.sweep(spread, tolerance + extra, 0.05, seed=seed, trials=200)
    assert (high["consensus"] >= low["consensus"]).all()


@settings(max_examples=30)
@given(st.integers(2, 40), st.floats(0, 0.5), st.integers(0, 2**32 - 1))
def test_same_seed_same_allies(n: int, spread: float, seed: int) -> None:
    first = c.draw_allies(n, spread, 0.05, 0.1, seed)
    again = c.draw_allies(n, spread, 0.05, 0.1, seed)
    assert np.array_equal(first.ideal, again.ideal)
    assert ((first.ideal >= 0) & (first.ideal <= 1)).all()


def test_same_seed_same_monte_carlo() -> None:
    assert c.sweep(0.1, 0.05, 0.1, seed=7, trials=500).equals(
        c.sweep(0.1, 0.05, 0.1, seed=7, trials=500))


@settings(max_examples=40)
@given(st.integers(2, 32), st.floats(0, 0.4), thresholds,
       st.sampled_from(list(c.STRATEGIES)), st.integers(1, 12), st.integers(0, 10_000),
       st.sampled_from([c.STEP, 0.125, 0.01]))
def test_closed_form_agrees_with_the_rounds_exactly(n: int, spread: float, threshold: float,
                                                     strategy: str, rounds: int, seed: int,
                                                     step: float) -> None:
    rng = np.random.default_rng(seed)
    ideal = np.clip(rng.normal(0.5, spread, (30, n)), 0, 1)
    agreed, used, final = c._agreements(*c._summarize(ideal, np.full_like(ideal, threshold),
                                                    strategy), rounds, step)
    for trial in range(len(ideal)):
        result = c.negotiate(c.make_allies(ideal[trial], threshold, 0), strategy, rounds, step)
        assert agreed[trial] == (result.outcome != "deadlock")
        assert used[trial] == result.rounds_used
        if agreed[trial]:
            assert final[trial] == result.final_text


def test_monte_carlo_against_hand_counted_draws() -> None:
    # With no spread every ally sits at 0.5: consensus always, on the first draft.
    table = c.sweep(0, 0, 0, trials=100)
    assert (table["consensus"] == 1).all() and (table["first_draft"] == 1).all()
    assert (table["dilution"] == 0).all() and table["allies"].tolist() == list(range(12, 33))
    # With an enormous threshold too.
    assert (c.sweep(0.3, 1, 0, trials=100)["consensus"] == 1).all()


def test_more_allies_lower_the_chance_of_consensus() -> None:
    table = c.sweep(0.08, 0.05, 0.1, seed=0, trials=10_000)
    assert table["consensus"].is_monotonic_decreasing
    assert 0.70 < table["consensus"].iloc[0] < 0.80 and 0.25 < table["consensus"].iloc[-1] < 0.35


# Bad input: a message, never a traceback.

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_allies": 0}, "number of allies must be from 2 to 40"),
    ({"n_allies": 41}, "number of allies must be from 2 to 40"),
    ({"n_allies": 2.5}, "number of allies must be a whole number"),
    ({"cost": -0.1}, "cost of breaking silence must be between 0 and 1"),
    ({"cost": math.nan}, "cost of breaking silence must be between 0 and 1"),
    ({"spread": math.inf}, "spread of preferences must be between 0 and 1"),
    ({"tolerance": "high"}, "tolerance must be a number"),
    ({"strategy": "loudest"}, "drafting strategy must be one of median, most_reluctant"),
    ({"rounds": 0}, "number of rounds allowed must be from 1 to 100"),
    ({"seed": -1}, "random seed must be from 0"),
])
def test_bad_widget_input_gets_a_plain_message(kwargs: dict, message: str) -> None:
    values = {"n_allies": 12, "spread": 0.1, "tolerance": 0.05, "cost": 0.1,
              "strategy": "median", "rounds": 5, "seed": 0} | kwargs
    with pytest.raises(CourseError, match=message):
        view.explore(**values)
    (shown,) = widgets.outputs(view.explore, values, live=True)
    assert shown.data.startswith("**Cannot do that:**") and message in shown.data


def test_bad_allies_get_a_plain_message() -> None:
    with pytest.raises(CourseError, match="ideal point must be between 0 and 1; nan is not"):
        c.make_allies([0.1, math.nan], 0, 0)
    with pytest.raises(CourseError, match="one tolerance for all allies, or one per ally"):
        c.make_allies([0.1, 0.2], [0.1, 0.2, 0.3], 0)
    with pytest.raises(CourseError, match="tolerance must be between 0 and 1; -1 is not"):
        c.make_allies([0.1, 0.2], -1, 0)


@pytest.mark.parametrize(("ideal", "tolerance", "message"), [
    ([5, 0.5], 0.1, "Every ideal point must be between 0 and 1; 5 is not."),
    ([-0.5, 0.5], 0.1, "Every ideal point must be between 0 and 1; -0.5 is not."),
    (["1999", 0.5], 0.1, "Every ideal point must be a number, not '1999'."),
    ("0.5", 0.1, "Every ideal point must be a number, not '0.5'."),
    ([np.datetime64("1999-03-12"), 0.5], 0.1, "datetime64('1999-03-12')."),
    ([2**1024, 0.5], 0.1, "Every ideal point must be between 0 and 1; 1.80e+308 is not."),
    ([0.5], 2**1024, "Every tolerance must be between 0 and 1; 1.80e+308 is not."),
    ([0.5], [0.1, 0.2], "Give one tolerance for all allies, or one per ally: 1 allies, 2 "
                        "tolerances."),
    ([[0.1, 0.2]], 0.1, "Every ideal point must be a number, not [0.1, 0.2]."),
], ids=["above", "below", "text", "one_text", "date", "huge", "huge_tolerance", "too_many",
        "nested"])
def test_allies_off_the_scale_or_not_numbers_are_refused(ideal: object, tolerance: object,
                                                         message: str) -> None:
    with pytest.raises(CourseError) as caught:
        c.make_allies(ideal, tolerance, 0)
    assert message in str(caught.value) and len(str(caught.value)) < 200


def test_allies_from_numpy_and_pandas_values() -> None:
    allies = c.make_allies(np.array([0.25, 0.75]), np.float32(0.125), pd.Series([0.0, 0.125]))
    assert allies.ideal.tolist() == [0.25, 0.75] and allies.threshold.tolist() == [0.125, 0.25]
    assert c.make_allies(0.5, 0, 0).ideal.tolist() == [0.5]


# The charts and the text.

def test_explore_shows_one_negotiation_and_the_curve() -> None:
    curve, negotiation, text = view.explore(12, 0.08, 0.05, 0.1, "median", 5, 0, trials=500)
    spec = negotiation.to_dict()
    assert len(spec["datasets"]["allies"]) == 12
    assert spec["title"]["text"] == "12 allies, first draft at the median ally"
    assert spec["description"].startswith("12 allies on a policy scale from 0 to 1.")
    assert "**Outcome:" in text.data and "Round 1: draft at" in text.data
    curve_spec = curve.to_dict()
    assert [row["allies"] for row in curve_spec["datasets"]["sweep"]] == list(range(12, 33))
    assert curve_spec["datasets"]["highlight"] == [{"allies": 12.0}]
    assert curve_spec["title"]["subtitle"] == "Monte Carlo: 500 random alliances per size"


def test_chart_specs_are_valid_vega_lite() -> None:
    import altair as alt

    curve, negotiation, _ = view.explore(32, 0.2, 0.05, 0.1, "most_reluctant", 3, 1, trials=200)
    alt.VConcatChart.from_dict(negotiation.to_dict(), validate=True)
    alt.HConcatChart.from_dict(curve.to_dict(), validate=True)


def test_a_recirculated_draft_is_explained_once() -> None:
    """Objectors on both sides with no common text: the midway draft comes back unchanged,
    and the words say why (before, rounds 2-5 repeated the same draft unexplained)."""
    trio = c.make_allies([0.2, 0.8], tolerance=0.1, cost=0.0)
    text = view.summary(c.negotiate(trio, "median", rounds=4)).data
    assert text.count("The same draft again") == 3
    assert text.count("allies object from both sides") == 1


def test_the_widget_monte_carlo_does_not_move_with_the_seed() -> None:
    one, *_ = view.explore(32, 0.08, 0.05, 0.1, "median", 5, 3, trials=300)
    other, *_ = view.explore(32, 0.08, 0.05, 0.1, "median", 5, 41, trials=300)
    assert one.to_dict()["datasets"]["sweep"] == other.to_dict()["datasets"]["sweep"]
