"""Hostile input for every function a notebook calls and every widget's compute function.

For each function, one valid call is written out below. Hypothesis then replaces one
argument at a time with something hostile (empty, NaN, infinities, negative or huge
numbers, wrong types, unicode strings, containers) and checks that the function either
returns or raises the course's own CourseError: never another exception, never a hang
(each call has a deadline), and never a change to the course's data in memory or on disk.
`test_every_notebook_call_is_covered` keeps the list complete: a function a notebook
starts to call must be added here. The number of cases run is printed at the end of the
test session.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from utils import (
    consensus,
    council,
    csto,
    data,
    feedback,
    forecasting,
    membership,
    operations,
    reveal,
    rules,
    scenario,
    views,
    voting,
    widgets,
)
from utils.errors import CourseError

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

#: Not traced for coverage (see conftest.py): the gate counts what the deliberate tests reach,
#: and tracing Hypothesis's hundreds of calls per function made this file about 60% slower.
NOT_TRACED = True

ROOT = Path(__file__).resolve().parent.parent
CASES = {"count": 0}

HOSTILE = st.one_of(
    st.none(), st.just(""), st.just(math.nan), st.just(math.inf), st.just(-math.inf),
    st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.text(max_size=20), st.just("💥 ünïcödé ∞"), st.just([]), st.just({}),
    st.lists(st.integers(-5, 5), max_size=4), st.just(object()), st.just(b"bytes"),
    st.just(-1), st.just(0), st.just(10**9),
)

def hand_in_elsewhere(name: object) -> None:
    """feedback.hand_in, run in a folder of its own (it writes the hand-in where it runs)."""
    import os
    import tempfile

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            feedback.hand_in(name)  # type: ignore[arg-type]
        finally:
            os.chdir(here)


ALLIES = consensus.make_allies([0.25, 0.75], 0.125, 0.125)
FORECASTS = dict.fromkeys(forecasting.outcomes(), 50)

#: One valid call per function: (function, keyword arguments).
CALLS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "membership.nato_members": (membership.nato_members, {"year": 1999}),
    "membership.csto_members": (membership.csto_members, {"year": 1999}),
    "views.membership.explore": (views.membership.explore, {"year": 1999}),
    "data.load": (data.load, {"name": "nato_members"}),
    "consensus.make_allies": (consensus.make_allies,
                              {"ideal": [0.2, 0.8], "tolerance": 0.1, "cost": 0.1}),
    "consensus.negotiate": (consensus.negotiate, {"allies": ALLIES, "strategy": "median",
                                                  "rounds": 5, "step": 0.05}),
    "views.consensus.summary": (views.consensus.summary, {"result": consensus.negotiate(ALLIES)}),
    "consensus.sweep": (consensus.sweep, {"spread": 0.08, "tolerance": 0.05, "cost": 0.1,
                                          "strategy": "median", "rounds": 5, "seed": 0,
                                          "trials": 50}),
    "views.consensus.explore": (views.consensus.explore,
                                {"n_allies": 12, "spread": 0.08, "tolerance": 0.05,
                                 "cost": 0.1, "strategy": "median", "rounds": 5, "seed": 3,
                                 "trials": 50}),
    "council.load_session": (council.load_session, {"path": None}),
    "council.compare": (council.compare, {"session": council.load_session()}),
    "council.verdict": (council.verdict, {"session": council.load_session(),
                                          "strategy": "median"}),
    "council.chart": (council.chart, {"session": council.load_session()}),
    "csto.consensus_probability": (csto.consensus_probability,
                                   {"sizes": {csto.OTHERS: 3},
                                    "willingness": {csto.OTHERS: 0.9}}),
    "csto.bilateral_probability": (csto.bilateral_probability,
                                   {"sizes": {csto.OTHERS: 3},
                                    "willingness": {csto.OTHERS: 0.1}}),
    "csto.group_sizes": (csto.group_sizes, {"year": 2024}),
    "csto.evidence": (csto.evidence, {"reason": "organizations"}),
    "csto.one_in": (csto.one_in, {"probability": 0.001}),
    "views.csto.explore": (views.csto.explore, {"us": 0.5, "poland_baltics": 0.3, "turkey": 0.9,
                                    "western_europe": 0.95, "others": 0.95, "year": 2024}),
    "forecasting.brier": (forecasting.brier, {"probability": 0.8, "outcome": True}),
    "forecasting.log_score": (forecasting.log_score, {"probability": 0.8, "outcome": True}),
    "forecasting.calibration": (forecasting.calibration, {"forecasts": [0.7, 0.2],
                                                          "happened": [True, False]}),
    "views.forecasting.explore": (views.forecasting.explore, FORECASTS),
    "views.forecasting.forecast_sheet": (views.forecasting.forecast_sheet, FORECASTS),
    "forecasting.score_table": (forecasting.score_table, {"forecasters": {"You": FORECASTS}}),
    "feedback.check": (feedback.check, {"key": "01-1"}),
    "feedback.hand_in": (hand_in_elsewhere, {"name": "Ana"}),
    "views.forecasting.explore_class": (views.forecasting.explore_class,
                                  {"text": "name,new_member_2025\nAna,50"}),
    "operations.active": (operations.active, {"year": 2011}),
    "views.operations.explore": (views.operations.explore, {"year": 2011}),
    "operations.out_of_area_share": (operations.out_of_area_share, {"coding": "article_6"}),
    "operations.codings_compared": (operations.codings_compared, {"years": [1999, 2011, 2025]}),
    "operations.share_by_time": (operations.share_by_time, {"coding": "article_6"}),
    "rules.power": (rules.power, {"kind": "population", "year": 1999, "quota": 0.5}),
    "views.rules.explore": (views.rules.explore,
                            {"kind": "population", "quota": 0.5, "year": 1999}),
    "scenario.claims": (scenario.claims, {"seed": "scenario_2010"}),
    "scenario.quiz": (scenario.quiz, {"seed": "scenario_2010"}),
    "voting.Weighted": (voting.Weighted, {"weights": [4, 4, 4, 2, 2, 1], "quota": 12}),
    "voting.power_table": (voting.power_table, {"rule": voting.eec_council_1958(),
                                                "names": list(voting.EEC_1958_MEMBERS)}),
    "voting.shapley_shubik": (voting.shapley_shubik, {"rule": voting.Weighted([3, 3, 1], 6)}),
    "voting.dummy_players": (voting.dummy_players, {"rule": voting.Weighted([3, 3, 1], 6)}),
    "widgets.year_slider": (widgets.year_slider, {"start": 1949, "end": 2026, "value": 1999,
                                                  "description": "Year"}),
    "widgets.int_slider": (widgets.int_slider, {"description": "Allies", "low": 2,
                                                "high": 40, "value": 32}),
    "widgets.float_slider": (widgets.float_slider, {"description": "Spread", "low": 0,
                                                    "high": 0.3, "value": 0.08, "step": 0.01}),
    "widgets.choice": (widgets.choice, {"description": "Rule", "options": rules.KINDS,
                                        "value": "consensus"}),
    "widgets.text_area": (widgets.text_area, {"description": "CSV", "value": "name"}),
    "reveal.after_prediction": (reveal.after_prediction,
                                {"prompt": "Your verdict?", "answer": "**Supported.**",
                                 "choices": ["yes", "no"]}),
}
#: Called by notebooks without arguments (nothing to make hostile), or only ever with the
#: fixed values a notebook's own code gives them.
NO_ARGUMENTS = {"membership.last_year", "views.episodes.chart", "episodes.table",
                "views.csto.evidence_chart", "views.csto.timeline_chart", "csto.timeline_table",
                "csto.formal_relation", "csto.csto_partners", "scenario.events",
                "forecasting.questions", "forecasting.outcomes", "views.forecasting.sliders",
                "views.operations.gantt", "operations.operations", "views.operations.share_chart",
                "rules.bodies", "views.rules.passage_chart", "views.scenario.chart",
                "scenario.verdict_counts", "voting.eec_council_1958", "voting.un_security_council",
                "widgets.show"}


def notebook_calls() -> set[str]:
    """Every `module.function(` a notebook's code calls, and every widget's compute."""
    found = set()
    pattern = re.compile(r"\b((?:views\.)?(?:membership|data|consensus|episodes|rules|voting|"
                         r"operations|scenario|csto|forecasting|widgets|reveal|feedback))"
                         r"\.(\w+)\(")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                found |= {f"{m}.{f}" for m, f in pattern.findall(source)}
                found |= {f"{m}.{f}" for m, f in re.findall(
                    r"widgets\.show\(\s*((?:views\.)?\w+)\.(\w+)", source)}
    return found


def test_every_notebook_call_is_covered() -> None:
    missing = notebook_calls() - set(CALLS) - NO_ARGUMENTS
    assert not missing, f"add hostile-input cases for {sorted(missing)}"


def data_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def untouched() -> Any:
    before_disk = data_fingerprint()
    before_memory = {name: data.load(name) for name in data.names()}
    yield
    assert data_fingerprint() == before_disk, "a function changed a file in data/"
    for name, table in before_memory.items():
        assert data.load(name).equals(table), f"a function changed the loaded table {name}"


def outcome(function: Callable[..., Any], arguments: dict[str, Any]) -> None:
    """Call the function; a CourseError is a fine answer, any other exception is not."""
    CASES["count"] += 1
    try:
        result = function(**arguments)
        if isinstance(result, tuple):
            for item in result:
                if hasattr(item, "_repr_mimebundle_") and hasattr(item, "spec"):
                    json.dumps(item.spec)  # a chart must be valid JSON (no NaN leaks)
    except CourseError as error:
        assert str(error) and len(str(error)) < 600 and "Traceback" not in str(error)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_valid_call_works(name: str) -> None:
    function, arguments = CALLS[name]
    function(**arguments)


@pytest.mark.parametrize("name", sorted(CALLS))
@settings(max_examples=100, deadline=timedelta(seconds=5),
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_draw=st.data())
def test_hostile_arguments_get_a_result_or_a_course_error(name: str, data_draw: st.DataObject,
                                                          untouched: Any) -> None:
    function, arguments = CALLS[name]
    parameter = data_draw.draw(st.sampled_from(sorted(arguments)), label="parameter")
    value = data_draw.draw(HOSTILE, label="value")
    outcome(function, arguments | {parameter: value})


class Unequal:
    """Hashes like a word the course knows, and fails when compared with it."""

    def __eq__(self, other: object) -> bool:
        raise KeyError("no ==")

    def __hash__(self) -> int:
        return hash("median")


class HugeRepr:
    """Describes itself in a million characters."""

    def __repr__(self) -> str:
        return "x" * 1_000_000


class NoRepr:
    """Cannot describe itself at all."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


#: Values an independent attack found failing: whole numbers beyond every float (from
#: 2**1024 on), a date or a text where a number is asked, and objects that break a message.
EXTREME = [2**1024, -(2**1024), 10**400, [2**1024, 0.5], np.datetime64("1999-01-01"), "1999",
           Unequal(), {Unequal(): 1}, HugeRepr(), [HugeRepr()], NoRepr()]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_extreme_values_get_a_result_or_a_short_message(name: str, untouched: Any) -> None:
    function, arguments = CALLS[name]
    for parameter in sorted(arguments):
        for value in EXTREME:
            began = time.process_time()
            outcome(function, arguments | {parameter: value})
            assert time.process_time() - began < 5, (parameter, type(value).__name__)


# The reproducers of an earlier attack, each with its right answer: a result or a short message.

#: 40 players with weights in the millions: 14.6 million states, 50 s and 8 GB before.
WEIGHTS_40 = [random.Random(k).randrange(10**6, 10**7) for k in range(40)]

REFUSED = [
    (lambda: csto.consensus_probability({"Others": 3}, {csto.OTHERS: 0.9}), "Unknown group"),
    (lambda: csto.bilateral_probability({"Others": 3}, {csto.OTHERS: 0.9}), "Unknown group"),
    (lambda: consensus.sweep(0.1, 0.1, 0.05, sizes=None), "must be a list"),
    (lambda: consensus.sweep(0.1, 0.1, 0.05, sizes=[]), "at least one size"),
    (lambda: consensus.sweep(0.1, 0.1, 0.05, sizes=[0, 1]), "from 1 to 100; 0 is not"),
    (lambda: consensus.sweep(0.1, 0.1, 0.05, sizes=[-5, 32]), "from 1 to 100; -5 is not"),
    (lambda: voting.eec_council_1958(np.array([])), "must be True or False"),
    (lambda: voting.eec_council_1958("False"), "must be True or False, not 'False'"),
    (lambda: widgets.show(None, {}, "Move it."), "Give a function"),
    (lambda: widgets.show(lambda year: (), None, "Move it."), "controls must be a dictionary"),
    (lambda: widgets.choice("d", {None: None}, "a"), "options must map words to words"),
    (lambda: widgets.choice("d", {None: None}, "None"), "options must map words to words"),
    (lambda: voting.power_table(voting.majority(600)), "too large to compute"),
    (lambda: voting.majority(10**8), "at most 600; got 100000000"),
    (lambda: voting.majority(10**100), "at most 600; got 1e+100"),
    (lambda: views.consensus.explore(12, 0.1, 0.1, 0.05, "median", 5, 0, trials=1_000_000),
     "too many draws"),
    (lambda: views.forecasting.explore_class("name,new_member_2025\n" + "x" * 100_000 + ",50"),
     "at most 100,000"),
    (lambda: views.forecasting.explore_class("name,new_member_2025\n" + "x" * 1_000 + ",50"),
     "a name of at most 100 characters"),
    (lambda: voting.Weighted(WEIGHTS_40, sum(WEIGHTS_40) // 2 + 1), None),
]


@pytest.mark.parametrize(("make", "message"), REFUSED)
def test_reproducers_of_an_attack_get_a_short_message(make: Callable[[], Any],
                                                  message: str | None) -> None:
    if message is None:  # a rule too large for its power, refused within a second
        rule = make()
        with pytest.raises(CourseError, match="too large to compute"):
            voting.shapley_shubik(rule)
        return
    with pytest.raises(CourseError, match=re.escape(message)) as caught:
        make()
    assert len(str(caught.value)) < 400


def test_numpy_scalars_are_numbers() -> None:
    year = operations.out_of_area_share().loc[2, "year"]  # what a student gets: np.int64(1992)
    assert isinstance(year, np.integer) and year == 1992
    assert len(membership.nato_members(year)) == len(membership.nato_members(1992)) == 16
    assert len(operations.active(np.int64(2011))) == len(operations.active(2011))
    assert csto.group_sizes(np.int64(2024)) == csto.group_sizes(2024)
    assert csto.consensus_probability({csto.OTHERS: np.int64(3)}, {csto.OTHERS: 0.5}) == 0.125
    assert forecasting.brier(0.5, np.bool_(True)) == 0.25
    assert voting.majority(np.float32(3)) == voting.majority(3)
    assert membership.nato_members(1992.0).equals(membership.nato_members(1992))


def test_minus_zero_is_zero() -> None:
    table = consensus.sweep(-0.0, 0.1, 0.05, trials=100)
    assert table.equals(consensus.sweep(0.0, 0.1, 0.05, trials=100))
    words = views.consensus.explore(12, -0.0, 0.1, 0.05, "median", 5, 0, trials=100)[2]
    assert words.data.startswith("**Outcome: consensus on the first draft**")


@pytest.mark.parametrize("n", range(1, 41))
def test_one_rounding_of_a_quota(n: int) -> None:
    # 0.1 * 3 is 0.30000000000000004: both rules read it as 3/10, as a student means it.
    for share in (0.1 * 3, 2 / 3, 0.55, 0.5, 1.0, 0.7 * 0.5, 1 / 3):
        assert rules.nato_rule("majority", ["BEL"] * n, share).quota == \
            voting.majority(n, share).quota
    assert voting.majority(10, 0.1 * 3).quota == 3
    assert voting.majority(n, 2 / 3).quota == -(-2 * n // 3)


def test_this_file_runs_untraced() -> None:
    """NOT_TRACED above takes effect (conftest.py): no coverage tracer slows these calls."""
    assert sys.gettrace() is None


def test_a_table_name_whose_comparison_fails_gets_the_table_or_a_message() -> None:
    class Sly(str):
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparing")

        __hash__ = str.__hash__

    assert len(data.load(Sly("nato_members"))) == 32
    with pytest.raises(CourseError, match="There is no table called"):
        data.load(Sly("nato_memberz"))
