"""The attack on utils, run by tests/test_attack.py in a process of its own.

Every callable a ``utils`` module declares in its ``__all__`` (its public surface: what
notebooks, the editions and the council may call) is attacked, so a function added to a
surface tomorrow is attacked tomorrow; a module that declares no ``__all__`` offers every
name without a leading underscore. For each, one valid call is built (its defaults, plus a
valid value per required parameter from VALID), then each parameter in turn is replaced by
hostile values and, once per callable, all parameters at once. A fixed seed samples the
pairs, so the attack is the same on every run. Each call may use at most LIMIT_SECONDS of
CPU and the process at most LIMIT_MEMORY more memory than at the start; a call that
exceeds either, or raises anything but the course's own CourseError or DataError, is a
finding. A crash of the whole process (a dead kernel) is caught by the test that started it.

Output, one line per call on stdout: ``start <id> <description>`` before and
``done <id> <outcome> <detail>`` after, so the parent knows which call killed it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import itertools
import json
import math
import pkgutil
import random
import resource
import signal
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

import utils
from utils import consensus, council, data, voting, widgets
from utils.errors import CourseError, DataError

LIMIT_SECONDS = 3.0
LIMIT_MEMORY = 1_500_000_000
SEED = 14
#: Left out, with the reason.
SKIPPED_MODULES = {"charts": "no notebook calls it: every chart function that does is "
                             "attacked, and tests/test_charts.py gives it hostile chart text",
                   "handin": "the instructor's command over a folder of files (it writes the "
                             "class's CSV): tests/test_handin.py gives it broken and hostile "
                             "files"}
# Modules whose name starts with an underscore are helpers of the package, never called
# with a student's values: _rubrics (generated data) and _draw_svg (a script utils.charts
# runs in a process of its own; tests/test_charts.py runs it). They are not attacked.

SKIPPED_CALLABLES = {
    # It writes the student's hand-in where the kernel runs: test_hostile_input.py attacks it
    # in a folder of its own.
    "feedback.hand_in",
    # A record the module builds for itself, with its own judge functions.
    "exercises.Exercise",
    # The class poll's league arithmetic: called by poll.league on an export checked against
    # its schema, and by the poll server on answers council/poll.py checked (hostile phones
    # are played against it in tests/test_poll_logic.py and test_poll_server.py).
    "forecasting.league_scores"}
#: Parameters that only course code passes, never a student: the bounds and wording of a
#: check (the value checked is attacked). Their callers are attacked instead.
TRUSTED = {"checks": {"name", "low", "high", "options", "kind", "made_by", "largest",
                      "longest", "most", "limit", "hint", "outside", "message", "total",
                      "expected", "example", "columns"},
           }


class Timeout(BaseException):
    """A call ran past its CPU limit (a BaseException, so no `except Exception` eats it)."""


class Weird:
    """An object that fails at everything it is asked."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    def __len__(self) -> int:
        raise RuntimeError("no len")

    def __iter__(self) -> Any:
        raise RuntimeError("no iter")

    def __bool__(self) -> bool:
        raise RuntimeError("no bool")


def hostile_values() -> list[Any]:
    """What a student, a slider, a table or a careless caller may pass."""
    return [
        None, True, False, np.bool_(True), 0, 1, -1, 2, 7, 10**9, 2**63, 10**100, -10**100,
        np.int64(1992), np.int8(-3), np.uint64(2**64 - 1), 0.5, -0.0, 1e-300, 5e-324, 0.1 * 3,
        math.nan, math.inf, -math.inf, 1e308, np.float32(3), np.float64(math.nan),
        np.float16(0.5), Fraction(1, 3), Decimal("1.5"), complex(1, 1), "", " ", "a",
        "False", "0.5", "1999", "nato_members", "median", "\x00\x0c\x1b\x08\ufffe",
        "💥 ünïcödé ∞", "x" * 100_000, "name,new_member_2025\nA\x0cB,10", "\ud800", b"bytes",
        bytearray(b"x"), [], [None], [1, 2, 3], [0.5, "a"], [[1, 2], [3]], list(range(5000)),
        (), (1,), {}, {None: None}, {"a": 1}, {"Others": 3}, {"United States": math.nan},
        set(), frozenset({1}), range(10**12), range(0), itertools.count(), iter([1, 2]),
        np.array([]), np.array([1.0, np.nan]), np.zeros((2, 2)), np.array(["a"]),
        np.array(5), pd.DataFrame(), pd.DataFrame({"x": [1]}), pd.Series(dtype=float),
        pd.NA, pd.NaT, pd.Timestamp("2099-01-01"), date(2024, 1, 1), Path("/"),
        Path("/nonexistent/file.csv"), object(), Weird(), print, lambda *a, **k: None,
        type, CourseError("x"), voting.majority(3),
    ]


ALLIES = consensus.make_allies([0.25, 0.75], 0.125, 0.125)
SESSION = council.load_session()
SPEC = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "mark": "point",
        "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x", "type": "quantitative"}},
        "title": "T"}


def valid_values() -> dict[str, Any]:
    """A valid value for each required parameter, by name (OVERRIDES by callable)."""
    return {
        "year": 1999, "n": 5, "rule": voting.majority(5), "kind": "population", "quota": 0.5,
        "allies": ["BEL", "NLD", "LUX"], "name": "The value", "value": 0.5, "low": 0,
        "high": 1, "options": ["median", "most_reluctant"], "made_by": "a function",
        "largest": 10, "fraction": Fraction(1, 2), "total": 10, "sizes": {"Other allies": 3},
        "willingness": {"Other allies": 0.9}, "values": {"Other allies": 3},
        "probability": 0.5, "outcome": True, "reason": "organizations", "seed": 0,
        "ideal": [0.2, 0.8], "tolerance": 0.1, "cost": 0.1, "spread": 0.1, "n_allies": 12,
        "strategy": "median", "rounds": 5, "result": consensus.negotiate(ALLIES),
        "table": consensus.sweep(0.1, 0.05, 0.1, trials=50), "trials": 50,
        "field": {"name": "iso3", "type": "string"}, "text": "BEL", "column": "reason",
        "allowed": ["organizations"], "label": "The reason", "path": data.PACKAGE,
        "rows": data.read_rows("milestones"), "error": CourseError("x"), "tb": None,
        "names": ["Player 0"], "words": ["year", "name"], "word": "yeer", "known": ["year"],
        "forecasts": [50, 10],
        "happened": [True, False], "scores": None, "title": "T", "where": "question q",
        "outcomes": {"q": True}, "forecasters": {"You": {}}, "us": 0.5,
        "poland_baltics": 0.3, "turkey": 0.9, "western_europe": 0.95, "others": 0.95,
        "weights": [4, 4, 4, 2, 2, 1], "populations": [10, 20, 30, 40, 50, 60, 70, 80, 90,
                                                        100, 110, 120, 130, 140, 150, 160],
        "winning_by_size": (0, 1), "swings_by_size": ((1,),), "on_commission_proposal": True,
        "description": "Year", "start": 1949, "end": 2026, "step": 0.1, "live": True,
        "compute": lambda year: (f"{year}",), "controls": {}, "note": "Move it.",
        "first": [], "spec": SPEC, "template": SPEC, "datasets": {},
        "chart": alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"),
        "number": 1, "objectors": (), "final_text": 0.5,
        "date": "date", "lane": "category", "lane_names": {"proposal": "offers"},
        "subtitle": "S", "start_date": "start_date", "until": pd.Timestamp("2026-12-02"),
        "colour": "model_parameter", "colour_names": {"tolerance": "tolerance"},
        "key": "01-1", "notebook": {"cells": []}, "tries": 0, "rubrics": {"01-1": "a point"},
        "right": True, "message": "a message",
    }


def overrides() -> dict[str, dict[str, Any]]:
    """Valid calls that differ from the generic values, by callable."""
    timeline = data.load("nato_csto_timeline")
    episodes = data.load("consensus_episodes")
    every = dict.fromkeys(utils.forecasting.outcomes(), 50)
    return {
        "checks.whole": {"value": 3, "high": 10},
        "checks.exact": {"value": 3},
        "checks.one_of": {"value": "median"},
        "checks.instance": {"value": 3, "kind": int},
        "data.load_file": {"name": "council_example_session",
                           "path": data.DATA_DIR / "council_example_session.csv"},
        "display.date": {"value": pd.Timestamp("2001-09-12")},
        "forecasting.class_line": {"forecasts": {"new_member_2025": 60}},
        "texts.read": {"*": ["nat-art4"]},
        "timelines.numbered": {"table": data.load("nato_csto_timeline"), "date": "date"},
        "checks.table": {"value": pd.DataFrame({"x": [1]}), "columns": ["x"]},
        "checks.size": {"value": [1, 2]},
        "checks.items": {"values": [1, 2]},
        "checks.text": {"value": "words"},
        "checks.mapping": {"value": {"a": 1}},
        "checks.yes_no": {"value": True},
        "checks.share": {"value": 0.5},
        "consensus.Allies": {"ideal": np.array([0.2]), "tolerance": np.array([0.1]),
                             "cost": np.array([0.1])},
        "consensus.Negotiation": {"allies": ALLIES, "rounds": ()},
        "consensus.negotiate": {"allies": ALLIES},
        "consensus.sweep": {"trials": 50},
        "views.consensus.explore": {"trials": 50},
        "data.load": {"name": "milestones"},
        "data.resource": {"name": "milestones"},
        "data.columns": {"name": "milestones"},
        "data.read_rows": {"name": "milestones"},
        "data.validate": {"name": "milestones"},
        "data.load_where": {"name": "csto_evidence", "value": "organizations"},
        "forecasting.check_percent": {"value": 50},
        "forecasting.check_forecasts": {"forecasts": every},
        "forecasting.score_table": {"forecasters": {"You": every}},
        "views.forecasting.explore": {"**": every},
        "views.forecasting.forecast_sheet": {"**": every},
        "scenario.quiz": {"seed": "scenario_2010"},
        "widgets.year_slider": {"value": 1999},
        "forecasting.parse_class_csv": {"text": "name,new_member_2025\nAna,50"},
        "forecasting.class_scores": {"text": "name,new_member_2025\nAna,50"},
        "views.forecasting.explore_class": {"text": "name,new_member_2025\nAna,50"},
        "views.timelines.events": {"table": timeline, "label": "event", "description": "D"},
        "views.timelines.spells": {"table": episodes, "start": "start_date", "end": "end_date",
                             "label": "title", "description": "D"},
        "voting.Weighted": {"quota": 12},
        "voting.Counts": {"n": 1},
        "voting.power_table": {"names": None},
        "widgets.choice": {"description": "Rule", "options": {"a": "A", "b": "B"},
                           "value": "a"},
        "widgets.int_slider": {"description": "Allies", "low": 2, "high": 40, "value": 32},
        "widgets.float_slider": {"description": "Spread", "low": 0, "high": 1, "value": 0.5},
        "widgets.text_area": {"value": "name"},
        "widgets.Controls": {"controls": [widgets.year_slider(1949, 2026, 1999)]},
        "widgets.show": {"compute": lambda year: (f"{year}",),
                         "controls": {"year": widgets.year_slider(1949, 2026, 1999)}},
        "widgets.outputs": {"values": {"year": 1999}},
        "widgets.current": {"controls": {"year": widgets.year_slider(1949, 2026, 1999)}},
        "widgets.check_controls": {"controls": {"year": widgets.year_slider(1949, 2026, 1999)}},
        "widgets.check_values": {"values": {"year": 1999}},
        "errors.student_message": {"names": []},
        "membership.country_names": {"codes": ["BEL", "NLD"]},
        "display.html_table": {"frame": pd.DataFrame({"x": [1.5], "y": ["a"]})},
        "display.text_table": {"frame": pd.DataFrame({"x": [1.5], "y": ["a"]})},
        "reveal.after_prediction": {"prompt": "Your guess?", "answer": "The answer"},
        "council.chart": {"session": SESSION},
        "council.compare": {"session": SESSION},
        "council.verdict": {"session": SESSION},
        "council.in_words": {"session": SESSION},
        "errors.message_markdown": {"error": DataError("x")},
        "exercises.judge": {"key": "01-1", "values": {"cost": 0.1875}},
        "poll.calibration": {"student": "Hana"},
    }


def surface(module: Any) -> list[str]:
    """The names a module offers: its __all__, or every name without a leading underscore."""
    return list(getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")]))


def public_callables() -> dict[str, Callable[..., Any]]:
    """Every callable of every utils module's surface, by 'module.name' ('views.consensus.
    explore' for utils/views/consensus.py), defined in that module (not one it imports)."""
    found = {}
    for module_info in pkgutil.walk_packages(utils.__path__, "utils."):
        short = module_info.name.removeprefix("utils.")
        if short in SKIPPED_MODULES or short.split(".")[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        for name in surface(module):
            item = getattr(module, name)
            if callable(item) and getattr(item, "__module__", None) == module.__name__:
                found[f"{short}.{name}"] = item
    return dict(sorted((k, v) for k, v in found.items() if k not in SKIPPED_CALLABLES))


def _declared(qualified: str) -> bool:
    """Whether 'module.name' is a callable on a utils module's surface (attacked or not)."""
    module, _, name = qualified.rpartition(".")
    try:
        found = importlib.import_module(f"utils.{module}")
    except ImportError:
        return False
    return name in surface(found) and callable(getattr(found, name, None))


def stale_entries() -> list[str]:
    """Skips and valid calls that name nothing the attack could reach (a callable renamed,
    made private or removed, a module gone): each would silently stop meaning anything."""
    attacked = public_callables()
    return sorted([k for k in overrides() if k not in attacked]
                  + [k for k in SKIPPED_CALLABLES if not _declared(k)]
                  + [m for m in SKIPPED_MODULES
                     if importlib.util.find_spec(f"utils.{m}") is None])


def parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # a builtin-based class such as an exception: one argument
        return [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]


def base_call(qualified: str, function: Callable[..., Any], valid: dict[str, Any],
              special: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The valid call: positional values for *args, keyword values for the rest."""
    positional, keywords = [], {}
    for p in parameters(function):
        if p.kind is p.VAR_POSITIONAL:
            positional = special.get("*", [voting.majority(3), voting.majority(3)]
                                     if qualified.startswith("voting.") else ["message"])
        elif p.kind is p.VAR_KEYWORD:
            keywords.update(special.get("**", {}))
        elif p.name in special:
            keywords[p.name] = special[p.name]
        elif p.default is not p.empty:
            keywords[p.name] = p.default
        elif p.name in valid:
            keywords[p.name] = valid[p.name]
        else:
            raise LookupError(f"{qualified}: add a valid value for parameter {p.name!r} to "
                              "tests/attack.py (VALID or OVERRIDES)")
    return positional, keywords


def calls(per_parameter: int, combined: int) -> list[tuple[str, str, list, dict]]:
    """(callable, description, args, kwargs) for the whole attack, sampled with SEED."""
    rng = random.Random(SEED)
    hostile = hostile_values()
    valid, special = valid_values(), overrides()
    planned = []
    for qualified, function in public_callables().items():
        positional, keywords = base_call(qualified, function, valid,
                                         special.get(qualified, {}))
        planned.append((qualified, "valid call", positional, keywords))
        trusted = TRUSTED.get(qualified.split(".")[0], set())
        slots = [("*", k) for k in range(len(positional))] + [
            ("=", k) for k in keywords if k not in trusted]
        for kind, key in slots:
            for index in rng.sample(range(len(hostile)), min(per_parameter, len(hostile))):
                args, kwargs = list(positional), dict(keywords)
                if kind == "*":
                    args[key] = hostile[index]
                else:
                    kwargs[key] = hostile[index]
                planned.append((qualified, f"{key}=hostile[{index}]", args, kwargs))
        for _ in range(combined if slots else 0):
            picks = [rng.randrange(len(hostile)) for _ in slots]
            args, kwargs = list(positional), dict(keywords)
            for (kind, key), index in zip(slots, picks, strict=True):
                if kind == "*":
                    args[key] = hostile[index]
                else:
                    kwargs[key] = hostile[index]
            planned.append((qualified, "all hostile " + ",".join(map(str, picks)), args, kwargs))
    return planned


def check_result(result: Any) -> None:
    """A chart in a result must be valid JSON (no NaN or infinity leaking into it)."""
    items = result if isinstance(result, tuple) else (result,)
    for item in items:
        spec = getattr(item, "spec", None)
        if isinstance(spec, dict):
            json.dumps(spec, allow_nan=False)


def data_bytes() -> int:
    """This process's data segment, as RLIMIT_DATA counts it (from /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def on_timeout(signum: int, frame: Any) -> None:
    raise Timeout


def run(per_parameter: int, combined: int) -> int:
    warnings.simplefilter("ignore")
    # RLIMIT_DATA (private writable memory), not RLIMIT_AS: vl-convert's V8 reserves
    # gigabytes of address space it never uses, and dies when it cannot.
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    start_memory = data_bytes()
    resource.setrlimit(resource.RLIMIT_DATA, (start_memory + LIMIT_MEMORY, hard))
    signal.signal(signal.SIGPROF, on_timeout)
    planned = calls(per_parameter, combined)
    print(f"planned {len(planned)}", flush=True)
    findings = 0
    for number, (qualified, description, args, kwargs) in enumerate(planned):
        print(f"start {number} {qualified} {description}", flush=True)
        began = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, LIMIT_SECONDS)
        try:
            result = CALLABLES[qualified](*args, **kwargs)
            check_result(result)
            outcome, detail = "ok", ""
        except (CourseError, DataError) as error:
            text = str(error)
            outcome, detail = ("message", "") if text and len(text) <= 600 else (
                "finding", f"a message of {len(text)} characters")
        except Timeout:
            outcome, detail = "finding", f"over {LIMIT_SECONDS} s of CPU"
        except MemoryError:
            outcome, detail = "finding", "out of memory"
        except Exception as error:
            outcome, detail = "finding", f"{type(error).__name__}: {str(error)[:200]}"
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if description == "valid call" and outcome != "ok":
            outcome, detail = "finding", f"the valid call failed: {detail or 'a message'}"
        findings += outcome == "finding"
        seconds = time.process_time() - began
        print(f"done {number} {outcome} {seconds:.3f} {json.dumps(detail)}", flush=True)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    return findings


CALLABLES = public_callables()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-parameter", type=int, default=12)
    parser.add_argument("--combined", type=int, default=3)
    args = parser.parse_args()
    run(args.per_parameter, args.combined)
    return 0


if __name__ == "__main__":
    sys.exit(main())
