"""Forecast scoring: hand-computed scores, proper-scoring properties, the class CSV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils import forecasting as f
from utils import scenario, views, widgets
from utils.errors import CourseError

fraction = st.floats(0, 1, allow_nan=False)


def test_hand_computed_scores() -> None:
    assert f.brier(0.8, True) == pytest.approx(0.04)
    assert f.brier(0.8, False) == pytest.approx(0.64)
    assert f.brier(0.5, True) == 0.25
    assert f.log_score(0.5, False) == pytest.approx(math.log(2))
    assert f.log_score(0.8, True) == pytest.approx(-math.log(0.8))
    assert f.log_score(0.0, True) == math.inf
    assert f.log_score(1.0, True) == 0


def test_mean_scores_over_questions() -> None:
    scores = f._score({"a": 80, "b": 20}, {"a": True, "b": True})
    assert scores["brier"] == pytest.approx((0.04 + 0.64) / 2)
    assert scores["log"] == pytest.approx((-math.log(0.8) - math.log(0.2)) / 2)
    assert scores["questions"] == 2


@given(fraction, fraction)
def test_scores_lie_in_their_ranges(p: float, q: float) -> None:
    assert 0 <= f.brier(p, q > 0.5) <= 1
    assert f.log_score(p, q > 0.5) >= 0


@given(st.floats(0.01, 0.99), st.floats(0, 1))
def test_reporting_the_true_probability_minimises_the_expected_score(truth: float,
                                                                     report: float) -> None:
    def expected(score, p: float) -> float:
        return truth * score(p, True) + (1 - truth) * score(p, False)

    assert expected(f.brier, truth) <= expected(f.brier, report) + 1e-12
    assert expected(f.log_score, truth) <= expected(f.log_score, report) + 1e-12


def test_baselines_score_as_expected() -> None:
    table = f.score_table({}).set_index("forecaster")
    assert table.loc["Always 50%", "brier"] == 0.25
    assert table.loc["Always 50%", "log"] == pytest.approx(math.log(2))
    outcomes = f.outcomes()
    happened = sum(outcomes.values())
    expected = (happened * 0.81 + (len(outcomes) - happened) * 0.01) / len(outcomes)
    assert table.loc["Nothing changes (10%)", "brier"] == pytest.approx(expected)


def test_the_questions_are_resolved_with_sources() -> None:
    questions = f.questions()
    assert len(questions) >= 8
    assert (questions["resolves_by"] > questions["asked_on"]).all()
    happened = questions[questions["outcome"]]
    assert happened["resolved_on"].notna().all()
    assert (happened["resolved_on"] <= happened["resolves_by"]).all()
    assert questions[~questions["outcome"]]["resolved_on"].isna().all()


def test_calibration_bands() -> None:
    table = f.calibration([10, 15, 90, 95], [False, True, True, True], bins=5)
    assert table["band"].tolist() == ["0–20%", "80–100%"]
    assert table["happened"].tolist() == [0.5, 1.0]
    assert table["count"].tolist() == [2, 2]
    assert f.calibration([100], [True])["band"].tolist() == ["80–100%"]


def test_windows_and_old_mac_line_ends_are_read() -> None:
    text = "name,new_member_2025\r\nAna,50\rBo,60"
    assert f.parse_class_csv(text)["name"].tolist() == ["Ana", "Bo"]


def test_class_csv_is_read_and_scored() -> None:
    text = "name,nato_csto_ties_2020,new_member_2025\nAna,5,80\nBo, 50% ,60\n\n"
    forecasts = f.parse_class_csv(text)
    assert forecasts["probability"].tolist() == [5, 80, 50, 60]
    scores = f.class_scores(text).set_index("forecaster")
    assert scores.loc["Ana", "brier"] == pytest.approx((0.05**2 + 0.2**2) / 2)
    assert scores.loc["Class average", "brier"] == pytest.approx((0.275**2 + 0.3**2) / 2)


@pytest.mark.parametrize(("text", "message"), [
    ("", "Paste the class's forecasts"),
    ("student,new_member_2025\nAna,50", "Line 1 must be the header and start with 'name'"),
    ("name,new_member_2030\nAna,50", "Line 1: unknown question id"),
    ("name,new_member_2025\nAna,50,60", "Line 2: 3 values, but the header has 2 columns"),
    ("name,new_member_2025\nAna,50\nBo,abc", r"Line 3 \(Bo\), question new_member_2025: 'abc' "
                                              "is not a number from 0 to 100"),
    ("name,new_member_2025\nAna,150", "Line 2 .* '150' is not a number from 0 to 100"),
    ("name,new_member_2025\nAna,nan", "'nan' is not a number from 0 to 100"),
    ("name,new_member_2025\nAna,50\nAna,60", "Line 3: each student needs a name of their own"),
    ("name,new_member_2025\n", "no students' lines"),
    ('name,new_member_2025\nAna,"50', "not readable as CSV"),
])
def test_malformed_class_csv_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(CourseError, match=message):
        f.parse_class_csv(text)


def test_a_bad_class_csv_in_the_widget_is_a_message_and_the_text_stays() -> None:
    box = widgets.text_area("Class CSV", "name,new_member_2025\nAna,abc")
    (shown,) = widgets.outputs(views.forecasting.explore_class, {"text": box.value}, live=True)
    assert shown.data.startswith("**Cannot do that:** Line 2 (Ana)")
    assert box.value == "name,new_member_2025\nAna,abc"


def test_explore_scores_your_forecasts() -> None:
    chart, words, line = views.forecasting.explore(**dict.fromkeys(f.outcomes(), 50))
    spec = chart.to_dict()
    scores = {row["forecaster"]: row["brier"] for row in spec["datasets"]["scores"]}
    assert scores["You"] == 0.25 and scores["Always 50%"] == 0.25
    assert "**Your mean Brier score: 0.250**" in words.data
    # A tie is a tie (it was "place 2 of 3"), and the forecasts can go to the class box.
    assert "tied for place 1 of 3, with Always 50%" in words.data
    csv_lines = line.data.split("```")[1].strip()
    assert f.parse_class_csv(csv_lines)["probability"].tolist() == [50.0] * 10
    with pytest.raises(CourseError, match="No forecast for"):
        f._score({}, {"a": True})


def test_the_forecast_sheet_shows_forecasts_and_no_outcome() -> None:
    sliders = views.forecasting.sliders()
    assert list(sliders) == list(f.outcomes()) and {s.value for s in sliders.values()} == {50}
    sheet, box = views.forecasting.forecast_sheet(**dict.fromkeys(f.outcomes(), 30))
    assert sheet.data.count("| 30% |") == 10 and "happened" not in sheet.data
    assert "Your name,30,30" in box.data


def test_the_forecast_sheet_names_a_missing_forecast() -> None:
    # The sheet and the scores share one check: a forecast left out is named, in words.
    given = dict.fromkeys(f.outcomes(), 30)
    del given["new_member_2025"]
    with pytest.raises(CourseError, match="No forecast for: 'new_member_2025'"):
        views.forecasting.forecast_sheet(**given)
    with pytest.raises(CourseError, match="question 'new_member_2025': 'many' is not a number"):
        views.forecasting.forecast_sheet(**given, new_member_2025="many")


def test_the_class_box_scores_the_class() -> None:
    chart, table = views.forecasting.explore_class(
        "name,nato_csto_ties_2020,new_member_2025\nAna,5,80\nBo,50,60")
    assert set(table["forecaster"]) >= {"Ana", "Bo", "Class average", "Always 50%"}
    assert chart.to_dict()["title"]["text"] == "The class's forecasts, scored"


def test_standing_says_places_and_ties() -> None:
    table = pd.DataFrame({"forecaster": ["A", "You", "B", "C"],
                            "brier": [0.1, 0.2, 0.2004, 0.3]})
    assert views.forecasting._standing(table, "You") == "tied for place 2 of 4, with B"
    assert views.forecasting._standing(table, "C") == "place 4 of 4"


def test_every_scenario_event_points_to_a_claim() -> None:
    claims = set(scenario.claims()["id"])
    events = scenario.data.load("scenario_events")
    linked = events["seed_claim"].dropna()
    assert set(linked) <= claims
    assert (events["date"] < np.datetime64("2014-01-01")).all()


def test_scenario_claims_and_chart() -> None:
    assert set(scenario.claims("scenario_2010")["seed"]) == {"scenario_2010"}
    assert "verdict" not in scenario.quiz("commentary_2011")
    counts = scenario.verdict_counts()
    assert counts.loc["the 2010 scenario", "did_not_happen"] == 2
    spec = views.scenario.chart().to_dict()
    assert spec["title"]["text"].startswith("The scenario against the record")
    with pytest.raises(CourseError, match="The seed text must be one of commentary_2011"):
        scenario.claims("novel")


def test_notebook_05s_little_change_forecaster_scores_as_computed_by_hand():
    # 10% on the seven surprises (five happened: 0.9² each; two did not: 0.1² each), 60% on
    # ISAF ending and on a new member (both happened: 0.4² each), 80% on a 2013 summit (it
    # did not: 0.8²): (5 × 0.81 + 2 × 0.01 + 2 × 0.16 + 0.64) / 10 = 0.503.
    little_change = dict.fromkeys(f.outcomes(), 10) | {
        "isaf_ends_2015": 60, "new_member_2025": 60, "nato_summit_2013": 80}
    table = f.score_table({"Little change (2011)": little_change})
    row = table.set_index("forecaster").loc["Little change (2011)"]
    assert row["brier"] == pytest.approx(0.503)
    assert table["forecaster"].tolist()[:2] == ["Always 50%", "Little change (2011)"]
