"""The model in view: each notebook's own lines agree with the library.

Notebooks 01-05 write the core of their argument in a few lines of plain Python, in cells
tagged ``model-core``, on a case small enough to check by hand. These tests run those
cells as they stand in the notebook and compare what they compute with the library and
with the values worked out by hand, on the case shown and on other cases (the tests swap
the case's inputs, e.g. ``year = 2011``, for others). So a change that makes either the
notebook's lines or the library wrong fails here. The exercise solutions that change
those lines (cells ``model-0N-solution``) are run and checked too.

The mutation tests at the end show that the checks can fail: each makes a plausible
mistake in one notebook's lines and expects the check to catch it.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import nbformat
import numpy as np
import pytest

from utils import consensus, csto, forecasting, operations, voting

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = {"01": "01-consensus-and-silence.ipynb", "02": "02-decision-rules-and-voting-power.ipynb",
         "03": "03-out-of-area.ipynb", "04": "04-csto-question.ipynb",
         "05": "05-scenarios-and-forecasts.ipynb"}
CLOSE = 1e-12


def read(number: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / NAMES[number], as_version=4)


def core(number: str) -> list[str]:
    """The notebook's import cell, then its ``model-core`` cells, in notebook order."""
    cells = read(number).cells
    imports = next(c.source for c in cells if c.cell_type == "code")
    model = [c.source for c in cells if "model-core" in c.metadata.get("tags", [])]
    assert model, f"notebook {number} has no cell tagged model-core"
    return [imports, *model]


def solution(number: str) -> str:
    cell = next(c for c in read(number).cells if c.get("id") == f"model-{number}-solution")
    assert "solution" in cell.metadata["tags"]
    return cell.source


def with_inputs(sources: list[str], inputs: dict[str, object]) -> list[str]:
    """The cells with each top-level assignment ``name = ...`` of an input replaced."""
    changed = list(sources)
    for name, value in inputs.items():
        found = 0
        for index, source in enumerate(changed):
            lines = source.splitlines()
            for node in reversed(ast.parse(source).body):
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name):
                    lines[node.lineno - 1:node.end_lineno] = [f"{name} = {value!r}"]
                    found += 1
            changed[index] = "\n".join(lines)
        assert found == 1, f"the input {name} is assigned {found} times in the cells"
    return changed


def run(sources: list[str], **inputs: object) -> dict[str, object]:
    """Run the cells (with other inputs, if given) and return what they defined, with
    what they printed under ``"printed"``."""
    namespace: dict[str, object] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for source in with_inputs(sources, inputs):
            exec(compile(source, "<notebook cell>", "exec"), namespace)
    return namespace | {"printed": printed.getvalue()}


@pytest.mark.parametrize("number", sorted(NAMES))
def test_a_question_before_each_model_cell_and_the_library_after(number: str) -> None:
    cells = read(number).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    for index, cell in enumerate(cells):
        if "model-core" in tags[index]:
            before = next(c for c in reversed(cells[:index]) if c.cell_type == "markdown"
                          and "answer-key" not in c.metadata.get("tags", []))
            assert "**Before you run this:**" in before.source, cell.get("id")
            after = next(t for t in tags[index + 1:] if "model-core" in t or "model-check" in t)
            assert after, cell.get("id")
    last = max(i for i, t in enumerate(tags) if "model-core" in t)
    assert any("model-check" in t for t in tags[last + 1:]), "no library check after the model"
    exercises = next(i for i, c in enumerate(cells) if c.source.startswith("## Exercises"))
    assert last < exercises


# 01: one round of the silence procedure.

def check_01(sources: list[str]) -> None:
    shown = run(sources)
    assert shown["objectors"] == [0]  # ally 1 (0.2, accepts up to 0.4) objects to 0.5
    assert shown["target"] == pytest.approx(0.4, abs=CLOSE)
    assert shown["new_draft"] == pytest.approx(0.45, abs=CLOSE)
    trio = consensus.make_allies(shown["ideal"], shown["accepts_within"], 0)
    rounds = consensus.negotiate(trio, "median").rounds
    assert shown["draft"] == rounds[0].text
    assert tuple(shown["objectors"]) == rounds[0].objectors
    assert shown["new_draft"] == pytest.approx(rounds[1].text, abs=CLOSE)
    # The exercise's tweak: the most reluctant ally's draft; two allies want more.
    tweak = run(sources, draft=0.2)
    library = consensus.negotiate(trio, "most_reluctant").rounds
    assert tuple(tweak["objectors"]) == library[0].objectors == (1, 2)
    assert tweak["new_draft"] == pytest.approx(library[1].text, abs=CLOSE)
    assert tweak["new_draft"] == pytest.approx(0.25, abs=CLOSE)
    # Two objectors who want less, the nearer within a step; then random alliances,
    # objectors on one side or both: the same round as the library.
    two = consensus.make_allies([0.1, 0.2, 0.5, 0.55, 0.6], [0.36, 0.28, 0.1, 0.1, 0.1], 0)
    cases = [two] + [consensus.draw_allies(3 + seed % 5, 0.05 + 0.2 * (seed % 3), 0.05, 0.05,
                                           seed) for seed in range(60)]
    both_sides = 0
    for seed, allies in enumerate(cases):
        ideal, within = allies.ideal.tolist(), allies.threshold.tolist()
        draft = float(np.median(allies.ideal))
        ours = run(sources, ideal=ideal, accepts_within=within, draft=draft)
        rounds = consensus.negotiate(allies, "median", rounds=2).rounds
        assert tuple(ours["objectors"]) == rounds[0].objectors, seed
        if ours["objectors"]:
            both_sides += bool(ours["want_less"] and ours["want_more"])
            assert ours["new_draft"] == pytest.approx(rounds[1].text, abs=CLOSE), seed
        else:
            assert ours["new_draft"] == draft == rounds[0].text, seed
    assert both_sides >= 5  # the midway branch was exercised


def test_01_one_round_of_the_silence_procedure() -> None:
    check_01(core("01"))


def test_01_solution_the_ambitious_never_object() -> None:
    ours = run([*core("01"), solution("01")])
    draft, objects, ideal, within = (ours[k] for k in ("draft", "objects", "ideal",
                                                        "accepts_within"))
    assert [a + 1 for a in range(3) if abs(draft - ideal[a]) > within[a]] == [2, 3]
    assert [a + 1 for a in range(3) if objects(a, draft)] == []
    assert [a + 1 for a in range(3) if objects(a, 0.75)] == [1, 2]  # too ambitious for both


# 02: Banzhaf and Shapley-Shubik by listing every group and every order.

def check_02(sources: list[str]) -> None:
    shown = run(sources)
    assert shown["swings"] == {"France": 10, "Germany": 10, "Italy": 10, "Belgium": 6,
                               "Netherlands": 6, "Luxembourg": 0}
    assert shown["shapley"]["France"] == Fraction(7, 30)
    assert shown["shapley"]["Belgium"] == Fraction(3, 20)
    assert shown["shapley"]["Luxembourg"] == 0
    assert shown["raw"]["France"] == Fraction(5, 16)
    assert shown["normalized"]["Belgium"] == Fraction(1, 7)
    assert "32 members: 4,294,967,296 groups" in shown["printed"]
    assert "27 members: 134,217,728 groups" in shown["printed"]
    rng = random.Random(2)
    cases = [dict(zip(shown["votes"], voting.EEC_1958_WEIGHTS, strict=True))]
    while len(cases) < 16:  # random weights that can reach the quota of 12
        votes = {f"member {i}": rng.randint(0, 7) for i in range(rng.randint(3, 6))}
        if sum(votes.values()) >= 12:
            cases.append(votes)
    for votes in cases:
        ours = run(sources, votes=votes)
        rule = voting.Weighted(list(votes.values()), 12)
        counts = voting.counts(rule)
        swings = list(ours["swings"].values())
        assert swings == list(counts.swings), votes
        assert list(ours["shapley"].values()) == list(counts.shapley_shubik), votes
        assert [float(x) for x in ours["raw"].values()] == voting.banzhaf_raw(rule).tolist()
        if sum(swings):
            normalized = [float(x) for x in ours["normalized"].values()]
            assert normalized == voting.banzhaf_normalized(rule).tolist(), votes


def test_02_power_by_listing_every_group_and_order() -> None:
    check_02(core("02"))


def test_02_solution_four_members_needed() -> None:
    ours = run([*core("02"), solution("02")])
    counts = voting.counts(voting.eec_council_1958(on_commission_proposal=False))
    assert list(ours["swings"].values()) == list(counts.swings)
    assert list(ours["shapley"].values()) == list(counts.shapley_shubik)
    assert ours["shapley"]["Luxembourg"] == Fraction(1, 60)


# 03: the out-of-area share of one year.

def check_03(sources: list[str]) -> None:
    shown = run(sources)
    assert (shown["active"], shown["out_of_area"]) == (8, 6)  # 2011: the map's 8 operations
    assert shown["share"] == 0.75
    library = operations.out_of_area_share().set_index("year")
    for year in range(1990, int(library.index.max()) + 1):
        ours = run(sources, year=year)
        row = library.loc[year]
        assert ours["active"] == row["in_area"] + row["out_of_area"], year
        assert ours["out_of_area"] == row["out_of_area"], year
        assert ours["share"] == pytest.approx(row["share_out"], abs=CLOSE), year


def test_03_out_of_area_share_year_by_year() -> None:
    check_03(core("03"))


def test_03_solution_article_5_in_area_and_troops() -> None:
    ours = run([*core("03"), solution("03")])
    running = operations.active(2011)
    outside = running[running["area"] == "out_of_area"]
    assert ours["out_of_area"] == int((outside["legal_basis"] != "article_5").sum()) == 5
    assert ours["troops"] == int(running["peak_personnel"].sum()) == 180_000
    assert ours["troops_out"] == int(outside["peak_personnel"].sum())


# 04: consensus as a product over allies, bilateral cooperation as its complement.

def check_04(sources: list[str]) -> None:
    shown = run(sources)
    chances = shown["chances"]
    three = chances(shown["three"])
    assert three[0] == pytest.approx(0.5 * 0.3 * 0.9, abs=CLOSE)
    assert three[1] == pytest.approx(1 - 0.5 * 0.7 * 0.1, abs=CLOSE)
    one_each = {"United States": 1, "Poland and the Baltic states": 1, "Türkiye": 1}
    assert three[0] == pytest.approx(
        csto.consensus_probability(one_each, csto.DEFAULT_WILLINGNESS), abs=CLOSE)
    sizes = csto.group_sizes(2024)
    assert len(shown["allies"]) == sum(sizes.values()) == 32
    assert shown["consensus"] == pytest.approx(
        csto.consensus_probability(sizes, csto.DEFAULT_WILLINGNESS), rel=CLOSE)
    assert shown["bilateral"] == pytest.approx(
        csto.bilateral_probability(sizes, csto.DEFAULT_WILLINGNESS), rel=CLOSE)
    rng = random.Random(4)
    for _ in range(50):
        willing = {g: rng.choice([0.0, 1.0, rng.random()]) for g in csto.GROUP_NAMES}
        sizes = {g: rng.randint(0, 5) for g in csto.GROUP_NAMES}
        allies = {f"{g} {i}": willing[g] for g, n in sizes.items() for i in range(n)}
        ours = chances(allies)
        assert ours[0] == pytest.approx(csto.consensus_probability(sizes, willing), abs=CLOSE)
        assert ours[1] == pytest.approx(csto.bilateral_probability(sizes, willing), abs=CLOSE)


def test_04_consensus_multiplies_willingness() -> None:
    check_04(core("04"))


def test_04_solution_groups_that_coordinate() -> None:
    ours = run([*core("04"), solution("04")])
    once = dict.fromkeys(csto.GROUP_NAMES, 1)
    assert ours["together"][0] == pytest.approx(
        csto.consensus_probability(once, csto.DEFAULT_WILLINGNESS), rel=CLOSE)
    assert ours["together"][0] > 100 * ours["alone"][0]


# 05: the Brier and log scores of one forecast, and one calibration band.

def check_05(sources: list[str]) -> None:
    shown = run(sources)
    assert shown["brier"] == pytest.approx(0.01, abs=CLOSE)
    assert shown["log"] == pytest.approx(-math.log(0.9), abs=CLOSE)
    assert (shown["mean_forecast"], shown["share_happened"]) == (pytest.approx(0.7), 0.75)
    for p in (0.0, 0.01, 0.1, 0.37, 0.5, 0.8, 0.99, 1.0):  # 0% for what happened: infinity
        for happened in (True, False):
            ours = run(sources, p=p, happened=happened)
            assert ours["brier"] == pytest.approx(forecasting.brier(p, happened), abs=CLOSE)
            assert ours["log"] == pytest.approx(forecasting.log_score(p, happened), abs=CLOSE)
    rng = random.Random(5)
    for _ in range(40):
        forecasts = [rng.choice([60, 79, 80, rng.randint(0, 100)]) for _ in range(8)]
        outcomes = [rng.random() < 0.6 for _ in forecasts]
        if not any(60 <= f < 80 for f in forecasts):
            continue
        ours = run(sources, forecasts=forecasts, outcomes=outcomes)
        band = forecasting.calibration(forecasts, outcomes).set_index("band").loc["60–80%"]
        assert len(ours["band_forecasts"]) == band["count"], forecasts
        assert ours["mean_forecast"] == pytest.approx(band["forecast"], abs=CLOSE)
        assert ours["share_happened"] == pytest.approx(band["happened"], abs=CLOSE)


def test_05_brier_log_and_a_calibration_band() -> None:
    check_05(core("05"))


def test_05_solution_absolute_error_is_not_proper() -> None:
    expected_abs = run([*core("05"), solution("05")])["expected_abs"]
    expected = {p / 10: expected_abs(p / 10) for p in range(11)}
    assert min(expected, key=expected.get) == 0.0
    assert expected[0.3] == pytest.approx(0.3 * 0.7 + 0.7 * 0.3)


# The checks can fail: plausible mistakes in each notebook's lines are caught.

CHECKS: dict[str, Callable[[list[str]], None]] = {
    "01": check_01, "02": check_02, "03": check_03, "04": check_04, "05": check_05}
MUTANTS = [
    ("01", "if abs(draft - ideal[ally]) > accepts_within[ally]:",
     "if draft - ideal[ally] > accepts_within[ally]:"),  # only the ambitious are objected to
    ("01", "new_draft = draft - step", "new_draft = draft + step"),
    ("01", "target = min(want_less)", "target = max(want_less)"),
    ("01", "target = (min(want_less) + max(want_more)) / 2", "target = min(want_less)"),
    ("02", ">= 12", "> 12"),
    ("02", "if not wins(group) and wins(joined):", "if wins(joined):"),
    ("02", "2 ** (len(votes) - 1)", "2 ** len(votes)"),
    ("02", "            break", "            pass"),
    ("02", "wins(order[: place + 1])", "wins(order[:place])"),
    ("03", "<= year <= operation.last_year", "<= year < operation.last_year"),
    ("03", "share = out_of_area / active", "share = out_of_area / len(table)"),
    ("04", "nobody_willing * (1 - willing[ally])", "nobody_willing * willing[ally]"),
    ("04", "return consensus, 1 - nobody_willing", "return consensus, nobody_willing"),
    ("04", "range(1, count + 1)", "range(1, count)"),
    ("05", "brier = (p - o) ** 2", "brier = abs(p - o)"),  # exercise 4's rule
    ("05", "given = p if happened else 1 - p", "given = p"),
    ("05", "if given > 0 else math.inf", "if given > 0 else 0.0"),
    ("05", "60 <= forecast < 80", "60 <= forecast <= 80"),
    ("05", "sum(band_forecasts) / len(band_forecasts) / 100",
     "sum(band_forecasts) / len(forecasts) / 100"),
]


@pytest.mark.parametrize(("number", "old", "new"), MUTANTS,
                         ids=[f"{n}: {new.strip()}" for n, _, new in MUTANTS])
def test_a_wrong_line_in_the_notebook_is_caught(number: str, old: str, new: str) -> None:
    sources = core(number)
    assert sum(s.count(old) for s in sources) == 1, f"the line {old!r} is not in notebook {number}"
    mutated = [s.replace(old, new) for s in sources]
    with pytest.raises(AssertionError):
        CHECKS[number](mutated)
