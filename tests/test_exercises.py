"""The exercises' checks: right answers of any form pass, each kind of mistake gets its hint.

Every case is worked by hand from the exercise's text: the cost that just makes a draft pass
(0.25 - 0.0625), a counterexample other than the solution's, a rule other than the
solution's with a dummy, a willingness written as a percentage. A second wrong try gets the
second hint, and no check accepts an answer that only looks right.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import nbformat
import pytest

import editions.guide
import editions.notebooks
import editions.student
from utils import consensus, csto, exercises, forecasting, membership, operations, voting
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def judged_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The judges run in this process, not in a forked copy of it, so that coverage sees
    them (the fork itself is tested in tests/test_kernel_limits.py)."""
    monkeypatch.setattr(exercises, "FORK_CHECKS", False)


def verdict(key: str, tries: int = 0, **values: object) -> exercises.Verdict:
    return exercises.judge(key, values, tries)


def test_every_exercise_of_every_notebook_has_a_check() -> None:
    found = set()
    for path in editions.notebooks.course_notebooks():
        for cell in nbformat.read(path, as_version=4).cells:
            if "solution" in cell.metadata.get("tags", []):
                found.add(cell.metadata["exercise"])
    assert found == set(exercises.EXERCISES)
    assert len(found) == 23


def test_a_missing_answer_says_what_to_run_and_is_a_course_message() -> None:
    with pytest.raises(exercises.Missing, match="Run your answer cell first: it sets `cost`"):
        exercises.judge("01-1", {})
    assert issubclass(exercises.Missing, CourseError)
    with pytest.raises(CourseError, match="There is no exercise '9-9'"):
        exercises.judge("9-9", {})


# --- 00 ---------------------------------------------------------------------------------------

def test_00_1_the_year_spain_joined_and_hints_either_side() -> None:
    assert verdict("00-1", year=1982).right
    assert "16 members" in verdict("00-1", year=1982).message
    assert "not yet a member: try a later year" in verdict("00-1", year=1981).message
    assert "(hint 1 of 2)" in verdict("00-1", year=1999).message
    assert "accession_date" in verdict("00-1", 1, year=1999).message  # the second hint
    assert "without quotes" in verdict("00-1", year="1982").message
    assert not verdict("00-1", year=1982.5).right


def test_00_2_the_counts_in_either_order() -> None:
    assert verdict("00-2", counts=(9, 6)).right and verdict("00-2", counts=(6, 9)).right
    assert "still the counts for 2001 and 2011" in verdict("00-2", counts=(6, 7)).message
    assert "not the treaty's parties" in verdict("00-2", counts=(9, 9)).message
    assert not verdict("00-2", counts=6).right


def test_00_3_a_country_that_joined_after_1999_spelt_as_in_the_table() -> None:
    assert verdict("00-3", country="Latvia").right
    assert "did you mean 'Latvia'" in verdict("00-3", country="Latvija").message
    assert "joined in 1999" in verdict("00-3", country="Poland").message
    assert "between the quotes" in verdict("00-3", country="____").message


# --- 01 ---------------------------------------------------------------------------------------

def test_01_1_only_the_smallest_cost_is_right() -> None:
    assert verdict("01-1", cost=0.25 - 0.0625).right
    assert "a smaller one works too" in verdict("01-1", cost=0.2).message
    assert "still does not pass" in verdict("01-1", cost=0.1).message
    assert "18.75% is written 0.1875" in verdict("01-1", cost=18.75).message
    assert "0.0625: how much must the cost add" in verdict("01-1", 1, cost=0.1).message


def sweep(**change: object):
    return consensus.sweep(**({"spread": 0.08, "tolerance": 0.05, "cost": 0.10,
                               "trials": 2_000} | change))


def test_01_2_three_monte_carlos_told_apart_by_their_dilution_too() -> None:
    right = {"tweak": sweep(cost=0.2), "twiddle": sweep(spread=0.04),
             "frob": sweep(strategy="most_reluctant", rounds=20)}
    assert verdict("01-2", **right).right
    # The frob's chance of consensus equals the defaults'; only its dilution differs.
    assert "`frob` is still the defaults" in verdict("01-2", **(right | {"frob": sweep()})).message
    assert "`tweak` is not the Monte Carlo" in verdict(
        "01-2", **(right | {"tweak": sweep(cost=0.3)})).message


def test_01_3_any_counterexample_is_right() -> None:
    # Not the solution's allies: a pair whose common ground sits at the reluctant end.
    pair = consensus.make_allies([0.0, 0.6], tolerance=[0.1, 0.55], cost=0)
    assert consensus.negotiate(pair, "median", rounds=2).outcome == "deadlock"
    assert verdict("01-3", counterexample=pair, rounds=2).right
    assert "Both drafts reach agreement" in verdict("01-3", counterexample=pair,
                                                     rounds=20).message
    assert "should be allies" in verdict("01-3", counterexample=[0.0, 0.6], rounds=2).message


def test_01_4_the_new_rule_as_any_equivalent_function() -> None:
    ideal, within = [0.2, 0.5, 0.6], [0.2, 0.2, 0.2]
    section = {"ideal": ideal, "accepts_within": within}

    def new_rule(ally, draft):
        return draft - ideal[ally] > within[ally]

    def written_otherwise(a, d):
        return not (d <= ideal[a] + within[a])

    def old_rule(ally, draft):
        return abs(draft - ideal[ally]) > within[ally]

    assert verdict("01-4", draft=0.2, objects=new_rule, **section).right
    assert verdict("01-4", draft=0.2, objects=written_otherwise, **section).right
    assert "still the old rule" in verdict("01-4", draft=0.2, objects=old_rule,
                                           **section).message
    assert "most reluctant" in verdict("01-4", draft=0.5, objects=new_rule, **section).message
    broken = verdict("01-4", draft=0.2, objects=lambda a, d: 1 / 0, **section).message
    assert "stops with ZeroDivisionError" in broken


# --- 02 ---------------------------------------------------------------------------------------

def test_02_1_any_year_with_16_allies() -> None:
    assert verdict("02-1", year=1982).right and verdict("02-1", year=1990).right
    assert "In 2024 NATO had 32 allies, not 16." in verdict("02-1", year=2024).message


def test_02_2_one_weighted_vote_with_the_charters_powers() -> None:
    assert verdict("02-2", one_vote=voting.Weighted([7] * 5 + [1] * 10, 39)).right
    # Any weights that give the same winning groups are right too.
    assert verdict("02-2", one_vote=voting.Weighted([14] * 5 + [2] * 10, 77)).right
    assert "another order" in verdict(
        "02-2", one_vote=voting.Weighted([1] * 10 + [7] * 5, 39)).message
    assert "15 members" in verdict("02-2", one_vote=voting.Weighted([7] * 5, 35)).message


def test_02_3_any_three_member_rule_with_a_voting_dummy() -> None:
    assert verdict("02-3", rule=voting.Weighted([3, 3, 1], 6)).right
    assert verdict("02-3", rule=voting.Weighted([5, 1, 4], 9)).right  # member 2 a dummy
    assert "has some power" in verdict("02-3", rule=voting.Weighted([2, 2, 1], 3)).message
    assert "also has no vote" in verdict("02-3", rule=voting.Weighted([3, 3, 0], 6)).message


def test_02_4_wins_as_a_function_tried_on_every_group() -> None:
    votes = {"France": 4, "Germany": 4, "Italy": 4, "Belgium": 2, "Netherlands": 2,
             "Luxembourg": 1}

    def treaty(group):
        return sum(votes[m] for m in group) >= 12 and len(group) >= 4

    assert verdict("02-4", wins=treaty, votes=votes).right
    old = verdict("02-4", wins=lambda g: sum(votes[m] for m in g) >= 12, votes=votes)
    assert "France, Germany and Italy win on their own" in old.message
    five = verdict("02-4", wins=lambda g: sum(votes[m] for m in g) >= 12 and len(g) >= 5,
                   votes=votes)
    assert "at least 5 members" in five.message


# --- 03 ---------------------------------------------------------------------------------------

def test_03_answers_as_tables_and_counts() -> None:
    table = operations.operations()
    assert verdict("03-1", when=1999).right
    with_peaks = table[table["peak_personnel"].notna()]
    totals = with_peaks.groupby("area")["peak_personnel"].sum()
    assert verdict("03-2", with_peaks=with_peaks, totals=totals).right
    assert "still holds operations with no figure" in verdict(
        "03-2", with_peaks=table, totals=totals).message
    assert verdict("03-3", article5=table[table["legal_basis"] == "article_5"]).right
    running = operations.active(2011)
    old_count = int((running["area"] == "out_of_area").sum())
    assert "still includes the Article 5 operation" in verdict(
        "03-4", year=2011, active=len(running), out_of_area=old_count, troops=0,
        troops_out=0).message


# --- 04 ---------------------------------------------------------------------------------------

def test_04_2_the_fourth_root_of_a_half_and_the_usual_slips() -> None:
    assert verdict("04-2", w=0.5 ** 0.25).right and verdict("04-2", w=0.84).right
    assert "84% is written 0.84" in verdict("04-2", w=84).message
    assert "multiplies, it does not add up" in verdict("04-2", w=0.125).message
    assert "too low; try a higher w" in verdict("04-2", w=0.5).message


def test_04_3_any_willingness_above_a_half_that_makes_ties_unlikely() -> None:
    assert verdict("04-3", everyone=dict.fromkeys(csto.GROUP_NAMES, 0.9)).right
    assert verdict("04-3", everyone=dict.fromkeys(csto.GROUP_NAMES, 0.97)).right  # 0.97**32
    assert "still more likely than not" in verdict(
        "04-3", everyone=dict.fromkeys(csto.GROUP_NAMES, 0.99)).message
    assert "above 0.5" in verdict("04-3", everyone=dict.fromkeys(csto.GROUP_NAMES, 0.5)).message


def test_04_a_partial_willingness_is_an_explained_error_not_a_default() -> None:
    sizes = csto.group_sizes(2024)
    with pytest.raises(CourseError, match="missing: United States, Türkiye"):
        csto.consensus_probability(sizes, {"Poland and the Baltic states": 0.84})
    assert csto.consensus_probability({csto.OTHERS: 3}, {csto.OTHERS: 0.9}) == \
        pytest.approx(0.729)


# --- 05 ---------------------------------------------------------------------------------------

def test_05_functions_checked_on_every_report() -> None:
    assert verdict("05-1", her_forecast=0.7).right
    assert "*not* happening" in verdict("05-1", her_forecast=0.3).message
    assert verdict("05-2", expected_brier=lambda p: 0.3 * (1 - p) ** 2 + 0.7 * p * p).right
    assert verdict("05-3", my_log_score=lambda p, h: forecasting.log_score(p, h)).right
    buggy = verdict("05-3", my_log_score=lambda p, h: -math.log(p))
    assert "gives 2.303" in buggy.message
    assert verdict("05-4", expected_abs=lambda p: 0.3 * (1 - p) + 0.7 * p).right
    assert "For p = 0," in verdict("05-4", expected_abs=lambda p: p).message


def test_every_check_answers_in_well_under_a_second() -> None:
    """The slowest checks (three Monte Carlos; 64 groups) stay far under the 1 s the
    browser edition allows (Pyodide is a few times slower than this)."""
    tables = {"tweak": sweep(cost=0.2), "twiddle": sweep(spread=0.04),
              "frob": sweep(strategy="most_reluctant", rounds=20)}
    exercises._sweep.cache_clear()
    start = time.process_time()  # CPU time: a busy machine does not inflate it
    assert verdict("01-2", **tables).right
    assert time.process_time() - start < 0.5


def test_words_count_only_once_written_and_rubrics_stay_sealed() -> None:
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {"exercise": "03-3"},
                           "source": editions.student.ANSWER_WORDS}]}
    assert exercises.written_words(notebook, "03-3") == ""
    notebook["cells"][0]["source"] = "Active Endeavour was an Article 5 operation at sea."
    assert exercises.written_words(notebook, "03-3").startswith("Active Endeavour")
    assert "Active Endeavour" in exercises.rubric("03-3")
    assert "Active Endeavour" not in (ROOT / "utils" / "_rubrics.py").read_text()
    assert (ROOT / "utils" / "_rubrics.py").read_text() == editions.guide.rubrics_module(), (
        "the sealed rubrics are stale: run `python3 course.py guide`")


def test_no_solution_is_readable_in_what_students_are_given() -> None:
    """The solutions' distinctive lines and the rubrics' words appear in no file a student
    gets: the package they import (the browser edition ships it whole), the student
    edition and the site."""
    shipped = "\n".join(p.read_text("utf-8") for p in (ROOT / "utils").rglob("*.py"))
    shipped += "\n".join(c.decode("utf-8", "replace")
                         for c in editions.student.student_files().values())
    lines = set()
    for path in editions.notebooks.course_notebooks():
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if "solution" in cell.metadata.get("tags", []):
                lines |= {line.strip() for line in cell.source.splitlines()
                          if len(line.strip()) > 25 and not line.strip().startswith(
                              ("# Solution to", 'print("Solution to'))}
    rubric_lines = {line for r in editions.guide.rubrics().values() for line in r.splitlines()}
    scaffolds = "\n".join(c.source for p in editions.notebooks.course_notebooks()
                          for c in nbformat.read(p, as_version=4).cells
                          if c.cell_type == "markdown" or "solution" not in c.metadata.get(
                              "tags", []))
    leaked = [line for line in lines | rubric_lines
              if line in shipped and line not in scaffolds]
    assert not leaked, leaked[:5]
    assert json.dumps("0.1875") not in shipped and "0.5 ** (1 / 4)" not in shipped


def test_membership_years_used_by_the_checks_are_the_records() -> None:
    """The checks read Spain's year and the treaty's parties from the tables."""
    assert len(membership.nato_members(1982)) == 16
    assert (len(membership.csto_members(1998)), len(membership.csto_members(2001))) == (9, 6)


# --- in a notebook: the check cell and the hand-in --------------------------------------------

@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An IPython shell whose namespace is the notebook's, working in a folder of its own."""
    from IPython.core.interactiveshell import InteractiveShell

    from utils import feedback

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(feedback, "_TRIES", {})
    monkeypatch.setattr(feedback, "_CHECKED", {})
    ipython = InteractiveShell.instance()
    saved = dict(ipython.user_ns)
    yield ipython
    ipython.user_ns.clear()
    ipython.user_ns.update(saved)


def words_notebook(folder: Path, key: str, words: str) -> Path:
    path = folder / f"{key[:2]}-a-notebook.ipynb"
    cell = nbformat.v4.new_markdown_cell(words, metadata={"exercise": key, "tags": ["answer"]})
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[cell])))
    return path


def test_a_check_reads_the_notebook_gives_hints_in_turn_then_right(shell, capsys) -> None:
    from utils import feedback

    feedback.check("01-1")
    assert "Run your answer cell first: it sets `cost`" in capsys.readouterr().out
    shell.user_ns["cost"] = 0.1
    feedback.check("01-1")
    assert "(hint 1 of 2)" in capsys.readouterr().out
    feedback.check("01-1")
    assert "(hint 2 of 2)" in capsys.readouterr().out
    shell.user_ns["cost"] = 0.1875
    feedback.check("01-1")
    assert "Right: 0.0625 + 0.1875 = 0.25" in capsys.readouterr().out


def test_the_rubric_appears_only_once_words_are_written_and_saved(shell, capsys,
                                                                   tmp_path: Path) -> None:
    from utils import feedback

    table = operations.operations()
    shell.user_ns["article5"] = table[table["legal_basis"] == "article_5"]
    path = words_notebook(tmp_path, "03-3", editions.student.ANSWER_WORDS)
    feedback.check("03-3")
    out = capsys.readouterr().out
    assert "Right:" in out and "**Now the words:**" in out and "Active Endeavour (2001" not in out
    words_notebook(tmp_path, "03-3", "Active Endeavour is an Article 5 operation at sea.")
    assert path.exists()
    feedback.check("03-3")
    assert "Active Endeavour (2001–2016) was launched" in capsys.readouterr().out


def test_hand_in_asks_to_save_checks_not_yet_saved(shell, capsys, tmp_path: Path) -> None:
    from utils import feedback

    words_notebook(tmp_path, "01-1", "")
    shell.user_ns["cost"] = 0.1875
    feedback.check("01-1")
    feedback.hand_in("Ana")
    out = capsys.readouterr().out
    assert "**Save first:** your latest checks of exercise 01-1" in out
    assert not (tmp_path / "hand-in-ana.zip").exists()


# --- what an independent attack found -----------------------------------------------------------

def test_slips_cost_no_hint_and_odd_answers_get_messages(shell, capsys) -> None:
    from utils import feedback

    shell.user_ns["cost"] = "0.1"
    feedback.check("01-1")
    assert "without quotes" in capsys.readouterr().out
    shell.user_ns["cost"] = 0.1
    feedback.check("01-1")
    assert "(hint 1 of 2)" in capsys.readouterr().out  # the slip did not use up hint 1


def test_a_function_that_forgets_return_loops_or_exits_gets_a_message() -> None:
    def forgot(p):
        0.3 * (p - 1) ** 2 + 0.7 * p ** 2

    def loops(p):
        while True:
            pass

    def leaves(p):
        raise SystemExit

    assert "did you forget `return`" in verdict("05-2", expected_brier=forgot).message
    start = time.monotonic()
    assert "loop for ever" in verdict("05-2", expected_brier=loops).message
    assert time.monotonic() - start < exercises.TIME_LIMIT + 1
    assert "stops with SystemExit" in verdict("05-2", expected_brier=leaves).message
    assert "True or False" in verdict(
        "01-4", draft=0.2, objects=lambda a, d: [True], ideal=[0.2, 0.5, 0.6],
        accepts_within=[0.2, 0.2, 0.2]).message
    assert "could not read your answer" in verdict("05-2",
                                                   expected_brier=lambda p: 10**400).message


def test_other_correct_forms_pass_and_a_rule_that_is_not_one_vote_does_not() -> None:
    assert verdict("00-2", counts=[9, 6]).right
    table = operations.operations()
    with_peaks = table[table["peak_personnel"].notna()]
    as_frame = with_peaks.groupby("area")[["peak_personnel"]].sum()
    as_dict = with_peaks.groupby("area")["peak_personnel"].sum().to_dict()
    assert verdict("03-2", with_peaks=with_peaks, totals=as_frame).right
    assert verdict("03-2", with_peaks=with_peaks, totals=as_dict).right
    import pandas as pd
    assert verdict("04-3", everyone=pd.Series(dict.fromkeys(csto.GROUP_NAMES, 0.9))).right
    assert not verdict("02-2", one_vote=voting.un_security_council()).right


def test_dates_in_messages_are_written_portably() -> None:
    """strftime's '%-d' printed itself in the browser edition ('%-d May 1982')."""
    assert "Spain joined on 30 May 1982" in verdict("00-1", year=1982).message
    assert "joined on 29 March 2004" in verdict("00-3", country="Latvia").message


def test_hand_in_waits_until_the_latest_checks_are_saved(shell, capsys, tmp_path: Path) -> None:
    """A wrong check saved, then a right one not saved: the hand-in would have said 'no'."""
    from utils import feedback, handin

    path = words_notebook(tmp_path, "01-1", "")
    notebook = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell('feedback.check("01-1")')
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        handin.CHECK_MIMETYPE: {"exercise": "01-1", "right": False, "wrong_tries": 1},
        "text/plain": "x"})]
    notebook.cells.append(cell)
    nbformat.write(notebook, path)
    shell.user_ns["cost"] = 0.1875
    feedback.check("01-1")
    feedback.hand_in("Ana")
    assert "**Save first:**" in capsys.readouterr().out
    assert not (tmp_path / "hand-in-ana.zip").exists()
