"""The class poll's rules (council/poll.py): pure functions, checked by hand.

The league's figures are computed by hand below each test's data: a Brier score is
(p - o)², a log score -ln of the chance given to what happened.
"""

from __future__ import annotations

import json
import math

import pytest

import editions.student
from council import poll
from council.poll import Question, Refusal
from utils.errors import CourseError

CHOICE = Question("pick", "Which?", "choice", ("A", "B", "C"), answer="B", why="B is right.")
NUMBER = Question("count", "How many?", "number", low=1, high=10, unit="rounds", step=1,
                  answer=6)
F1 = Question("f1", "Will it rain?", "probability")
F2 = Question("f2", "Will it snow?", "probability")


def played(*steps: tuple[str | int, dict]) -> poll.State:
    """A poll of the four questions, three phones joined, then `steps` (actor, request),
    each applied at one second intervals."""
    state = poll.replay([poll.start("01", "Test", [CHOICE, NUMBER, F1, F2], 0.0, 5)])
    for name in ("Ana", "Ben", "Cy"):
        poll.apply(state, poll.join(state, name, 1.0))
    for at, (actor, request) in enumerate(steps, start=2):
        entry = poll.decide(state, actor, request, float(at))
        if entry is not None:
            poll.apply(state, entry)
    return state


def answer(question: str, vote: int, value: float) -> dict:
    return {"type": "answer", "question": question, "vote": vote, "value": value}


FORECASTS = [("host", {"type": "open", "question": poll.FORECASTS}),
             (1, answer("f1", 1, 80)), (1, answer("f2", 1, 30)),
             (2, answer("f1", 1, 50)),
             (3, answer("f1", 1, 0)), (3, answer("f2", 1, 100)),
             ("host", {"type": "close"}),
             ("host", {"type": "resolve", "question": "f1", "outcome": True}),
             ("host", {"type": "resolve", "question": "f2", "outcome": False})]


def test_the_league_ranks_by_mean_brier_score_computed_by_hand() -> None:
    table = poll.league(played(*FORECASTS))
    assert [(r["rank"], r["name"]) for r in table] == [(1, "Ana"), (2, "Ben"), (3, "Cy")]
    ana, ben, cy = table
    # Ana: 80% on f1 (happened): 0.2² = 0.04; 30% on f2 (did not): 0.3² = 0.09.
    assert ana["brier"] == pytest.approx((0.04 + 0.09) / 2, abs=1e-12)
    assert ana["log"] == pytest.approx((0.2231435513 + 0.3566749439) / 2, abs=1e-9)
    # Ben: 50% on f1, and no forecast on f2, which counts as 50%: 0.25 each; ln 2 each.
    assert (ben["brier"], ben["forecast"], ben["resolved"]) == (0.25, 1, 2)
    assert ben["log"] == pytest.approx(0.6931471806, abs=1e-9)
    # Cy: 0% on what happened and 100% on what did not: Brier 1, log infinite.
    assert cy["brier"] == 1.0 and math.isinf(cy["log"])


def test_a_phone_sees_its_own_scores_and_calibration() -> None:
    view = poll.seat_view(played(*FORECASTS), 1)
    assert [(s["forecast"], s["happened"], s["brier"], s["log"]) for s in view["scores"]] == [
        (80, True, "0.040", "0.223"), (30, False, "0.090", "0.357")]
    assert view["rank"] == {"rank": 1, "of": 3, "brier": "0.065", "log": "0.290"}
    # Bands of 20 points: 30% in 20–40% (did not happen), 80% in 80–100% (happened).
    assert [(b["band"], b["forecast"], b["happened"], b["count"])
            for b in view["calibration"]] == [("20–40%", 0.3, 0.0, 1), ("80–100%", 0.8, 1.0, 1)]
    assert poll.public_view(played(*FORECASTS))["league"][2]["log"] == "∞"


def test_a_second_answer_replaces_the_first_and_never_counts_twice() -> None:
    state = played(("host", {"type": "open", "question": "pick"}),
                   (1, answer("pick", 1, 0)), (1, answer("pick", 1, 2)), (1, answer("pick", 1, 2)),
                   (2, answer("pick", 1, 2)))
    counts = poll.tally(state, CHOICE, 1)
    assert counts["count"] == 2
    assert [b["count"] for b in counts["bars"]] == [0, 0, 2]
    assert poll.seat_view(state, 1)["answers"] == {"pick": 2}


def test_peer_instruction_keeps_the_first_vote_beside_the_second() -> None:
    state = played(("host", {"type": "open", "question": "pick"}),
                   (1, answer("pick", 1, 0)), (2, answer("pick", 1, 0)), (3, answer("pick", 1, 1)),
                   ("host", {"type": "close"}), ("host", {"type": "again"}),
                   (1, answer("pick", 2, 1)), (2, answer("pick", 2, 1)), (3, answer("pick", 2, 1)),
                   ("host", {"type": "close"}), ("host", {"type": "reveal"}))
    view = poll.public_view(state)["question"]
    assert [[b["count"] for b in v["bars"]] for v in view["votes"]] == [[2, 1, 0], [0, 3, 0]]
    assert (view["revealed"], view["answer"], view["why"]) == (True, "B", "B is right.")
    assert poll.seat_view(state, 1)["mine"] == {"1": 0, "2": 1}
    with pytest.raises(Refusal, match="answer is shown"):
        poll.decide(state, "host", {"type": "again"}, 99.0)


def test_numbers_are_counted_in_bands_a_projector_can_show() -> None:
    state = played(("host", {"type": "open", "question": "count"}),
                   (1, answer("count", 1, 6)), (2, answer("count", 1, 10)),
                   (3, answer("count", 1, 6)), ("host", {"type": "close"}),
                   ("host", {"type": "reveal"}))
    view = poll.public_view(state)["question"]
    assert [(b["label"], b["count"]) for b in view["votes"][0]["bars"] if b["count"]] == [
        ("6", 2), ("10", 1)]
    assert (view["votes"][0]["median"], view["answer"], view["answer_band"]) == (
        6.0, "6 rounds", "6")
    wide = Question("w", "?", "number", low=1, high=40, step=1)
    assert poll.bands(wide)[:2] == ["1–4", "5–8"] and poll.band_of(wide, 40) == "37–40"
    scale = Question("s", "?", "number", low=0, high=1)
    assert poll.bands(scale)[4] == "0.4–0.5" and poll.band_of(scale, 1.0) == "0.9–1"


def test_the_answer_is_hidden_until_revealed_and_not_during_a_vote() -> None:
    state = played(("host", {"type": "open", "question": "pick"}))
    assert "answer" not in poll.public_view(state)["question"]
    with pytest.raises(Refusal, match="Close the vote first"):
        poll.decide(state, "host", {"type": "reveal"}, 9.0)


@pytest.mark.parametrize(("question", "value", "problem"), [
    ("count", 0, "from 1 to 10 rounds"), ("count", 11, "from 1 to 10"),
    ("count", -3.5, "whole number from 1 to 10"), ("count", 5.5, "whole number"),
    ("count", -3, "from 1 to 10 rounds"), ("count", 1e999, "not a number"),
    ("pick", 3, "Pick one of the 3"), ("pick", -1, "Pick one"), ("pick", 1.0, "Pick one"),
])
def test_an_answer_out_of_range_is_refused_in_words(question: str, value: float,
                                                    problem: str) -> None:
    state = played(("host", {"type": "open", "question": question}))
    with pytest.raises(Refusal, match=problem):
        poll.decide(state, 1, answer(question, 1, value), 9.0)


@pytest.mark.parametrize("value", [-0.5, 100.01, 1e999, -1e999])
def test_a_probability_outside_0_to_100_percent_is_refused(value: float) -> None:
    state = played(("host", {"type": "open", "question": poll.FORECASTS}))
    with pytest.raises(Refusal, match=r"probability must be from 0 to 100%|not a number"):
        poll.decide(state, 1, answer("f1", 1, value), 9.0)


@pytest.mark.parametrize(("raw", "problem"), [
    ('{"type":"answer","question":"f1","vote":1,"value":NaN}', "not valid JSON"),
    ('{"type":"answer","question":"f1","vote":1,"value":Infinity}', "not valid JSON"),
    ('{"type":"answer","question":"f1","vote":1,"value":true}', "'value' as int"),
    ('{"type":"answer","question":"f1","vote":1,"value":"50"}', "'value' as int"),
    ('{"type":"answer","question":"f1","vote":1,"value":50,"seat":2}', "Unexpected fields"),
    ("[" * 5000 + "]" * 5000, "too long"),
    ("[" * 500 + "]" * 500, "Unknown kind"),
    ('{"type":"answer"' + " " * 2000 + "}", "too long"),
    ('{"type":"delete"}', "Unknown kind"),
])
def test_hostile_messages_get_a_short_answer(raw: str, problem: str) -> None:
    with pytest.raises(Refusal, match=problem):
        poll.parse_message(raw)


def test_roles_cannot_do_each_others_work() -> None:
    state = played(("host", {"type": "open", "question": "pick"}))
    with pytest.raises(Refusal, match="Only the instructor"):
        poll.decide(state, 1, {"type": "close"}, 9.0)
    with pytest.raises(Refusal, match="Only a student's phone"):
        poll.decide(state, "host", answer("pick", 1, 0), 9.0)
    with pytest.raises(Refusal, match="has not joined"):
        poll.decide(state, 4, answer("pick", 1, 0), 9.0)


def test_a_late_answer_is_refused_not_counted_for_another_vote() -> None:
    state = played(("host", {"type": "open", "question": "pick"}), ("host", {"type": "close"}),
                   ("host", {"type": "again"}))
    with pytest.raises(Refusal, match="This is vote 2"):
        poll.decide(state, 1, answer("pick", 1, 0), 9.0)
    poll.apply(state, poll.decide(state, "host", {"type": "close"}, 9.0))
    with pytest.raises(Refusal, match="closed"):
        poll.decide(state, 1, answer("pick", 2, 0), 10.0)


def test_a_resolved_question_stays_resolved_and_forecasts_close_first() -> None:
    state = played(("host", {"type": "open", "question": poll.FORECASTS}))
    with pytest.raises(Refusal, match="Close the forecasts first"):
        poll.decide(state, "host", {"type": "resolve", "question": "f1", "outcome": True}, 9.0)
    state = played(*FORECASTS)
    assert poll.decide(state, "host", {"type": "resolve", "question": "f1", "outcome": True},
                       20.0) is None
    with pytest.raises(Refusal, match="already resolved"):
        poll.decide(state, "host", {"type": "resolve", "question": "f1", "outcome": False}, 20.0)
    with pytest.raises(Refusal, match="Every forecast question is resolved"):
        poll.decide(state, "host", {"type": "open", "question": poll.FORECASTS}, 20.0)


def test_names_are_cleaned_and_seats_are_capped() -> None:
    state = poll.replay([poll.start("01", "Test", [CHOICE], 0.0, 2)])
    assert poll.join(state, "  =Ana\u0000 \n Lee ", 1.0)["data"] == {"name": "Ana Lee"}
    for name in ("A", "B"):
        poll.apply(state, poll.join(state, name, 1.0))
    with pytest.raises(Refusal, match="All 2 seats are taken"):
        poll.join(state, "C", 1.0)
    with pytest.raises(Refusal, match="40 characters"):
        poll.clean_name("x" * 41)


def test_the_log_replayed_gives_the_same_poll() -> None:
    log = [poll.start("01", "Test", [CHOICE, NUMBER, F1, F2], 0.0, 5)]
    state = poll.replay(log)
    for name in ("Ana", "Ben", "Cy"):
        log.append(poll.join(state, name, 1.0))
        poll.apply(state, log[-1])
    for at, (actor, request) in enumerate(FORECASTS, start=2):
        entry = poll.decide(state, actor, request, float(at))
        log.append(entry)
        poll.apply(state, entry)
    again = poll.replay(json.loads(json.dumps(log)))  # as stored: JSON text
    assert poll.public_view(again) == poll.public_view(state)
    assert poll.league(again) == poll.league(state)


def test_the_notebooks_questions_come_from_metadata_with_answers_from_answer_keys() -> None:
    first = {q.id: q for q in poll.questions("01")}
    median = first["01-pair-median"]
    assert (median.kind, median.options, median.answer) == (
        "choice", ("Nobody", "The ally at 0.25", "The ally at 0.75", "Both"), "Nobody")
    assert (first["01-pair-reluctant"].kind, first["01-pair-reluctant"].answer) == ("number", 6)
    forecasts = [q for q in poll.questions("05") if q.kind == "probability"]
    assert len(forecasts) == 10
    known = {q.id: q.answer for q in forecasts}
    assert known["suspend_russia_2015"] is True and known["nato_summit_2013"] is False


def test_every_polled_question_is_well_formed() -> None:
    for number in ("00", "01", "02", "03", "04", "05"):
        for q in poll.questions(number):
            assert q.kind in poll.KINDS and len(q.text) <= 200, q
            if q.kind == "choice":
                assert 2 <= len(q.options) <= 6 and (q.answer is None or q.answer in q.options)
            if q.kind == "number" and q.answer is not None:
                assert q.low <= q.answer <= q.high, q


def test_an_unknown_notebook_is_named_with_the_real_ones() -> None:
    with pytest.raises(CourseError, match="There is no notebook '7': give its number, "
                                               "one of 00, 01, 02, 03, 04, 05"):
        poll.notebook_path("7")


def test_the_export_has_one_row_per_answer_with_the_answer_in_words() -> None:
    state = played(("host", {"type": "open", "question": "pick"}),
                   (1, answer("pick", 1, 0)), (1, answer("pick", 1, 1)),
                   ("host", {"type": "close"}), *FORECASTS)
    rows = poll.export_rows(state, "s", "2026-12-07", "n", ("Src", "https://example.org/"))
    assert [(r["question"], r["seat"], r["answer"], r["correct"], r["outcome"]) for r in rows] \
        == [("pick", 1, "B", "B", ""), ("f1", 1, "80%", "", "true"),
            ("f1", 2, "50%", "", "true"), ("f1", 3, "0%", "", "true"),
            ("f2", 1, "30%", "", "false"), ("f2", 3, "100%", "", "false")]
    assert {r["source_url"] for r in rows} == {"https://example.org/"}


# --------------------------------------------------------------------------- the example

#: The example poll committed as data/poll_example.csv: a script's class, not a real one.
EXAMPLE_NOTE = ("An example poll played by a script (tests/test_poll_logic.py), not by a "
                "real class")
EXAMPLE_DAY = "2026-12-07"
START = 1_796_634_000.0  # 2026-12-07 09:00 UTC
#: Notebook 01, "Who breaks silence?": vote 1, then vote 2 after pairs discussed (option
#: numbers: 0 Nobody, 1 the ally at 0.25, 2 the ally at 0.75, 3 Both), one per student.
VOTE_1 = [3, 0, 3, 2, 3, 0, 1, 3, 0, 3, 2, 3, 0, 3, 1, 0, 3, 2, 0, 3, 1, 2, 3, 0]
VOTE_2 = [0, 0, 3, 0, 0, 0, 0, 3, 0, 0, 1, 0, 0, 3, 0, 0, 0, 2, 0, 3, 0, 0, 3, 0]
#: Notebook 05: eight students' forecasts (percent) of the ten questions, in table order.
FORECASTS_05 = {
    "Amira": [10, 5, 60, 20, 70, 60, 30, 10, 20, 10],
    "Bruno": [20, 10, 80, 10, 50, 70, 10, 5, 10, 5],
    "Chloé": [5, 2, 90, 30, 80, 80, 20, 20, 30, 20],
    "Dmitri": [30, 20, 70, 50, 60, 50, 40, 30, 40, 30],
    "Elif": [10, 10, 50, 40, 90, 90, 60, 40, 50, 40],
    "Farid": [50, 50, 50, 50, 50, 50, 50, 50, 50, 50],
    "Greta": [15, 5, 85, 25, 75, 65, 25, 15, 25, 15],
    "Hana": [2, 1, 95, 5, 95, 40, 5, 5, 5, 2],
}


def example_rows() -> list[dict]:
    """Both notebooks' example polls, played through the rules, as exported."""
    from council.poll_server import NOTEBOOK_SOURCE

    rows = []
    first = poll.replay([poll.start("01", "Consensus and silence", poll.questions("01"),
                                    START, 30)])
    log = [("host", {"type": "open", "question": "01-pair-median"})]
    log += [(s, answer("01-pair-median", 1, v)) for s, v in enumerate(VOTE_1, start=1)]
    log += [("host", {"type": "close"}), ("host", {"type": "again"})]
    log += [(s, answer("01-pair-median", 2, v)) for s, v in enumerate(VOTE_2, start=1)]
    log += [("host", {"type": "close"}), ("host", {"type": "reveal"})]
    for seat in range(1, len(VOTE_1) + 1):
        poll.apply(first, poll.join(first, f"Student {seat:02d}", START))
    for at, (actor, request) in enumerate(log, start=1):
        poll.apply(first, poll.decide(first, actor, request, START + 5 * at))
    rows += poll.export_rows(first, f"example-01-{EXAMPLE_DAY}", EXAMPLE_DAY, EXAMPLE_NOTE,
                             NOTEBOOK_SOURCE)
    fifth = poll.replay([poll.start("05", "Scenarios and forecasts", poll.questions("05"),
                                    START, 30)])
    for name in FORECASTS_05:
        poll.apply(fifth, poll.join(fifth, name, START))
    ids = [q.id for q in fifth.questions.values() if q.kind == "probability"]
    log = [("host", {"type": "open", "question": poll.FORECASTS})]
    log += [(seat, answer(q, 1, p)) for seat, given in enumerate(FORECASTS_05.values(), 1)
            for q, p in zip(ids, given, strict=True)]
    log += [("host", {"type": "close"})]
    log += [("host", {"type": "resolve", "question": q.id, "outcome": q.answer})
            for q in fifth.questions.values() if q.kind == "probability"]
    for at, (actor, request) in enumerate(log, start=1):
        poll.apply(fifth, poll.decide(fifth, actor, request, START + 5 * at))
    rows += poll.export_rows(fifth, f"example-05-{EXAMPLE_DAY}", EXAMPLE_DAY, EXAMPLE_NOTE)
    return rows


def example_csv() -> str:
    return poll.to_csv(example_rows())


def test_the_committed_example_is_what_the_rules_export() -> None:
    from utils import data

    assert (data.DATA_DIR / "poll_example.csv").read_text("utf-8") == example_csv()


def test_a_students_copy_keeps_the_questions_but_no_poll_answer() -> None:
    import nbformat


    for number in ("00", "01", "02", "03", "04", "05"):
        notebook = nbformat.read(poll.notebook_path(number), as_version=4)
        student = editions.student.student_edition(notebook)
        assert not [c.id for c in student.cells if "poll_answer" in c.metadata], number
        kept = [c.metadata["poll"].get("id") for c in student.cells if "poll" in c.metadata]
        assert kept == [c.metadata["poll"].get("id") for c in notebook.cells
                        if "poll" in c.metadata], number
