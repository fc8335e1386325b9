"""Reading a class poll's export in a notebook (utils/poll.py), checked by hand against the
committed example (data/poll_example.csv, played by tests/test_poll_logic.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from utils import data, poll
from utils.errors import CourseError


def test_results_put_the_first_vote_beside_the_second() -> None:
    shown = poll.results()
    assert shown.table.values.tolist() == [["Nobody ✓", 7, 17], ["The ally at 0.25", 3, 1],
                                           ["The ally at 0.75", 4, 1], ["Both", 10, 5]]
    spec = shown.chart.spec
    assert spec["title"]["subtitle"] == "The class's answers, vote by vote"
    assert "Nobody ✓: vote 1 7, vote 2 17" in spec["description"]


def test_the_league_is_scored_with_the_course_functions() -> None:
    table = poll.league().table
    assert list(table["student"][:3]) == ["Elif", "Farid", "Dmitri"]
    elif_ = table.iloc[0]
    # Elif gave 10, 10, 50% to three events that did not happen and 40, 90, 90, 60, 40,
    # 50, 40% to seven that did: (0.01 + 0.01 + 0.25 + 0.36 + 0.01 + 0.01 + 0.16 + 0.36
    # + 0.25 + 0.36) / 10 = 0.178.
    assert elif_["mean Brier"] == pytest.approx(0.178, abs=1e-12)
    farid = table.iloc[1]  # 50% on everything: 0.25 and ln 2, as the baseline below
    assert (farid["mean Brier"], farid["forecasts scored"]) == (0.25, 10)
    assert farid["mean log"] == pytest.approx(math.log(2), abs=1e-12)
    assert table.iloc[-1]["student"] == "Always 50% (for comparison)"
    assert table.iloc[-1]["mean Brier"] == 0.25


def test_a_students_calibration() -> None:
    bands = poll.calibration("Hana")
    # Hana's seven forecasts of 1-5% include five events that happened; 95% twice, one
    # happened; 40% once, it happened.
    assert bands[["band", "count"]].values.tolist() == [["0–20%", 7], ["40–60%", 1],
                                                        ["80–100%", 2]]
    assert bands["happened"].round(4).tolist() == [0.7143, 1.0, 0.5]
    assert bands["forecast"].round(4).tolist() == [0.0357, 0.4, 0.95]


def test_bad_input_gets_a_course_message(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match=r"There is no file 'nowhere\.csv'"):
        poll.results("nowhere.csv")
    with pytest.raises(CourseError, match="Give the path of an exported poll"):
        poll.league(42)
    with pytest.raises(CourseError, match="The question"):
        poll.results(question="nope")
    with pytest.raises(CourseError, match="The student"):
        poll.calibration("Nobody at all")
    text = (data.DATA_DIR / "poll_example.csv").read_text("utf-8").splitlines()
    only_01 = tmp_path / "poll-01.csv"
    only_01.write_text("\n".join(line for line in text if not line.startswith("example-05"))
                       + "\n", "utf-8")
    with pytest.raises(CourseError, match=r"holds no forecasts: read it with poll\.results"):
        poll.league(only_01)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join([text[0], text[1].replace(",choice,", ",guess,")]) + "\n",
                      "utf-8")
    with pytest.raises(CourseError, match=r"is not an exported poll: broken\.csv, line 2, "
                                          r"column kind: 'guess' is not one of choice, number, "
                                          r"probability\."):
        poll.results(broken)
    with pytest.raises(CourseError) as caught:  # a huge path is named by its ends
        poll.league("x" * 100_000)
    assert len(str(caught.value)) < 300
