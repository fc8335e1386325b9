"""Checks for the course's exercises: is a student's answer right, and if not, what hint helps?

Each exercise names the variables a student's answer cell sets (``year``, ``rule``,
``my_log_score``…) and has a judge: a pure function of those values that recomputes what
the question asks with the course's own models and says *right* (with what the answer
shows) or gives hints aimed at the mistake made. The hints come in order: a second wrong
try gets the second, more specific one. No judge stores an expected answer: it tests the
student's value against the question itself (the smallest cost that passes, a rule whose
powers equal the Charter's, any counterexample that refutes the claim), so any correct
answer is accepted, written in any way.

Exercises that also ask for words end with a short rubric to compare with; it is shown only
once the student has written something (:func:`written_words`), and it is kept sealed in
:mod:`utils._rubrics`, so that no copy of the course shows it as text before then.

The notebook-facing shell is :func:`utils.feedback.check`.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import functools
import io
import itertools
import json
import math
import os
import pickle
import re
import signal
import sys
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from utils import checks, consensus, csto, forecasting, membership, operations, voting
from utils.errors import CourseError

__all__ = ["CHECK_TIME_LIMIT", "EXERCISES", "FORK_CHECKS", "TIME_LIMIT", "Exercise", "Missing",
           "Verdict", "exercise", "judge", "rubric", "seal_rubrics", "written_words"]

#: Placeholder texts of the student edition's answer cells; an answer still holding one
#: (or nothing else) has not been written yet.
_PLACEHOLDERS = ("*Your answer here, in words.*", "*Your answer here.*", "# Your answer here")
#: How many words make a written answer worth comparing with the rubric.
_MIN_WORDS = 5


@dataclass(frozen=True)
class Verdict:
    """A check's result: right, or not, with the message (Markdown) a student sees."""

    right: bool
    message: str
    slip: bool = False  # an answer of the wrong kind: it does not count as a wrong try


def _right(message: str) -> Verdict:
    return Verdict(True, message)


def _wrong(*hints: str) -> tuple[str, ...]:
    """Hints for one mistake, from the general to the specific."""
    return hints


class Missing(CourseError):
    """An answer cannot be judged yet: the message says what to do first."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its key ("01-3"), the names its answer sets, and how it is judged.

    ``judge`` takes the values of ``names`` and returns a Verdict when the answer is right,
    or the hints for the mistake found. ``words`` says whether the exercise also asks for an
    answer in words (judged by the student against a rubric).
    """

    key: str
    names: tuple[str, ...]
    judge: Callable[..., Verdict | tuple[str, ...]]
    words: bool = False


def _seal(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def _unseal(sealed: str) -> str:
    return zlib.decompress(base64.b64decode(sealed)).decode("utf-8")


def seal_rubrics(rubrics: Mapping[str, str]) -> str:
    """The sealed form of the rubrics (what :mod:`utils._rubrics` holds)."""
    rubrics = checks.mapping("The rubrics", rubrics, 100, "{'01-2': 'a point'}")
    texts = {checks.text("An exercise", k, 20): checks.text("A rubric", v, 10_000)
             for k, v in rubrics.items()}
    return _seal(json.dumps(dict(sorted(texts.items())), ensure_ascii=False))


def rubric(key: str) -> str:
    """The rubric of an exercise's answer in words ("" when it has none)."""
    from utils._rubrics import SEALED

    return json.loads(_unseal(SEALED)).get(exercise(key).key, "")


# --- reading a student's values -------------------------------------------------------------

def _number(value: object, what: str) -> float:
    """A student's number, or Missing-free hints when it is not one."""
    if isinstance(value, str):
        raise _Slip(f"{what} is text ({checks.shown(value)}): write the number itself, "
                    "without quotes.")
    if not checks.is_number(value):
        raise _Slip(f"{what} should be a number; it is {checks.shown(value)}.")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        raise _Slip(f"{what} is too large to be a sensible answer.") from None
    if not math.isfinite(number):
        raise _Slip(f"{what} must be an ordinary number, not {checks.shown(value)}.")
    return number


def _year(value: object, name: str = "year") -> int:
    number = _number(value, f"`{name}`")
    if number != int(number) or not 1900 <= number <= 2100:
        raise _Slip(f"`{name}` should be a year such as 1999; {checks.shown(value)} is not.")
    return int(number)


def _share(value: object, what: str) -> float:
    """A probability or cost on the 0-to-1 scale, with a hint for a percentage."""
    number = _number(value, what)
    if 1 < number <= 100:
        raise _Slip(f"{what} is {checks.shown(value)}: the course writes shares from 0 to 1, "
                    f"so {number:g}% is written {number / 100:g}.")
    if not 0 <= number <= 1:
        raise _Slip(f"{what} must be between 0 and 1; {checks.shown(value)} is not.")
    return number


class _Slip(Exception):
    """An answer of the wrong kind (text for a number, a percentage for a share)."""


def _calls(function: object, name: str, *args: object) -> object:
    """Call a student's function; a failure becomes a hint naming the arguments."""
    if not callable(function):
        raise _Slip(f"`{name}` should be a function (written with `def`); it is "
                    f"{checks.shown(function)}.")
    shown = ", ".join(checks.shown(a) for a in args)
    if time.monotonic() > _DEADLINE[0]:
        raise _Slip(_TOO_SLOW)
    try:
        with _time_limit(TIME_LIMIT):
            result = function(*args)
    except _TooLong:
        raise _Slip(f"`{name}({shown})` did not finish within {TIME_LIMIT:g} s: does it "
                    "loop for ever?") from None
    except (Exception, SystemExit) as error:  # a student's function may fail in any way
        raise _Slip(f"`{name}({shown})` stops with {type(error).__name__}: "
                    f"{checks.shown(str(error))}.") from None
    if result is None:
        raise _Slip(f"`{name}({shown})` gives nothing (None): did you forget `return`?")
    return result


#: How long a student's function may run for one call of a check.
TIME_LIMIT = 2.0
#: How long a whole check may take, all the calls of the student's functions together.
CHECK_TIME_LIMIT = 10.0
#: How many characters of what a student's functions print during a check are shown.
_OUTPUT_LIMIT = 2_000
#: How often the time limit is raised again once it has run out: a student's function
#: that catches the first one (``except BaseException``) meets the next.
_REPEAT = 0.05
#: When the running check must end (:func:`_captured` sets it): its calls stop there.
_DEADLINE = [math.inf]
_TOO_SLOW = (f"the check stopped after {CHECK_TIME_LIMIT:g} s. It calls your function many "
            "times, so each call must be quick: does it loop, wait (`time.sleep`) or print "
            "a lot?")


class _TooLong(BaseException):
    """A student's function ran past TIME_LIMIT. Not an Exception: a student's
    ``except Exception`` must not swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Stop the code inside after `seconds`, where the system can (an interval timer in
    the main thread, on Linux and macOS); elsewhere (Windows, the browser) the stop button
    still interrupts it. A loop inside C code (``sum(range(10**10))``) runs on past the
    timer: :func:`_isolated` is what stops that."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise _TooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Printed(io.TextIOBase):
    """Where a student's functions print during a check: the first _OUTPUT_LIMIT
    characters are kept, the rest only counted."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = text if isinstance(text, str) else str(text)
        room = _OUTPUT_LIMIT - sum(len(t) for t in self.kept) if self.size < _OUTPUT_LIMIT else 0
        if room > 0:
            self.kept.append(text[:room])
        self.size += len(text)
        return len(text)

    def text(self) -> str:
        """What was printed, with a note of how much more was not kept."""
        kept = "".join(self.kept)
        more = self.size - len(kept)
        return kept + (f"\n… ({more:,} more characters not shown)" if more > 0 else "")


def _captured(run: Callable[[], Any]) -> tuple[str, Any, str]:
    """Run the judge with the student's printing kept aside: ("ok", result, printed),
    or ("slip", message, printed) for an answer of the wrong kind."""
    printed = _Printed()
    _DEADLINE[0] = time.monotonic() + CHECK_TIME_LIMIT
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            return "ok", run(), printed.text()
        except _Slip as slip:
            return "slip", str(slip), printed.text()
        except Exception as error:  # an answer no judge foresaw: a message, never a traceback
            return ("error", f"{type(error).__name__}: {checks.shown(str(error))}",
                    printed.text())


#: Whether a check judges in a forked copy of the kernel (:func:`_isolated`): on Linux only.
FORK_CHECKS = sys.platform == "linux"


def _isolated(run: Callable[[], Any]) -> tuple[str, Any, str]:
    """:func:`_captured`, in a copy of this process (a fork) that is killed after
    CHECK_TIME_LIMIT: a student's code cannot hang the notebook, even in a loop inside C
    code that neither a timer nor the stop button can interrupt. Only on Linux: Windows
    and the browser have no fork, and on macOS the system's libraries are not safe in a
    forked copy of a process with threads (a kernel has several); there it runs here, each
    call under TIME_LIMIT."""
    if not FORK_CHECKS or threading.current_thread() is not threading.main_thread():
        return _captured(run)  # pragma: no cover - Windows, macOS and the browser edition
    import select  # here: the browser edition's Python may lack it, and has no fork

    readable, writable = os.pipe()
    try:
        with warnings.catch_warnings():  # the child touches no lock of the kernel's threads
            warnings.simplefilter("ignore", DeprecationWarning)
            child = os.fork()
    except OSError:  # a system that has the call but cannot fork (no memory, a sandbox)
        os.close(readable)
        os.close(writable)
        return _captured(run)
    if child == 0:  # pragma: no cover - the copy (coverage does not follow a fork)
        os.close(readable)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the notebook stops the copy
            # If the kernel dies first (a restart), a copy spinning in C code still ends:
            # past this much processor time the system stops it, whatever it runs.
            import resource  # here: Windows has no such module, and no fork either

            cpu = int(CHECK_TIME_LIMIT) + 5
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            outcome: Any = _captured(run)
        except BaseException as error:  # reported to the notebook, never raised in the copy
            outcome = ("error", f"{type(error).__name__}: {checks.shown(str(error))}", "")
        try:
            data = pickle.dumps(outcome)
        except Exception as error:  # a result that cannot be sent back
            data = pickle.dumps(("error", f"{type(error).__name__}", ""))
        with contextlib.suppress(OSError), os.fdopen(writable, "wb") as pipe:
            pipe.write(data)
        os._exit(0)  # no atexit handler of the kernel runs in the copy
    os.close(writable)
    chunks: list[bytes] = []
    deadline = time.monotonic() + CHECK_TIME_LIMIT
    try:
        with os.fdopen(readable, "rb") as pipe:
            while (left := deadline - time.monotonic()) > 0:
                if select.select([pipe], [], [], left)[0]:
                    chunk = os.read(pipe.fileno(), 1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
            else:
                return "slip", _TOO_SLOW, ""
    finally:  # done, too slow, or the stop button (KeyboardInterrupt): the copy goes
        with contextlib.suppress(OSError):
            os.kill(child, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(child, 0)
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # the copy died (out of memory, os.kill by the student's code)
        return "error", "the check's copy of your notebook stopped", ""


def _truth(value: object, name: str) -> bool:
    """A student's yes-or-no answer (True/False, or numpy's), or a slip."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _Slip(f"`{name}` should answer True or False; it gives {checks.shown(value)}.")


def _pair(value: object, name: str) -> tuple[float, float]:
    """Two numbers, written as a tuple, a list or an array."""
    try:
        items = list(value)  # type: ignore[call-overload]
    except Exception:
        items = []
    if len(items) != 2 or not all(checks.is_number(x) for x in items):
        raise _Slip(f"`{name}` should be two numbers, as the cell gives them; it is "
                    f"{checks.shown(value)}.")
    return float(items[0]), float(items[1])


def _table(value: object, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise _Slip(f"`{name}` should be a table; it is {checks.shown(value)}.")
    absent = [c for c in columns if c not in value.columns]
    if absent:
        raise _Slip(f"`{name}` has no column {absent[0]!r}: keep the columns of "
                    "`operations.operations()`.")
    return value


# --- notebook 00 -------------------------------------------------------------------------------

def _joined(name: str) -> pd.Timestamp:
    members = membership.nato_members(membership.last_year())
    return members.loc[members["name"] == name, "accession_date"].iloc[0]


def _day(when: pd.Timestamp) -> str:
    """A date as "30 May 1982" (strftime's "%-d" is not portable: Windows and the browser
    edition's C library do not have it)."""
    return f"{when.day} {when:%B %Y}"


def _00_1(year: object) -> Verdict | tuple[str, ...]:
    year = _year(year)
    spain = _joined("Spain").year
    count = membership.nato_members(year).shape[0]
    specific = ("Find Spain's row in `data.load(\"nato_members\")`, as in section 5: its "
                "`accession_date` gives the year.")
    if year < spain:
        return _wrong(f"At the end of {year}, Spain was not yet a member: try a later year.",
                     specific)
    if year > spain:
        return _wrong(f"Spain is in that list ({count} members), but so are countries that "
                     "joined after Spain: the question asks for the year Spain joined.",
                     specific)
    return _right(f"Right: Spain joined on {_day(_joined('Spain'))}, and at the end of "
                 f"{year} NATO had {count} members.")


def _00_2(counts: object) -> Verdict | tuple[str, ...]:
    counts = _pair(counts, "counts")
    old, new = (len(membership.csto_members(y)) for y in (1998, 2001))
    if counts in {(old, new), (new, old)}:
        return _right(f"Right: the treaty had {old} parties in 1998 and {new} in 2001.")
    if counts == tuple(len(membership.csto_members(y)) for y in (2001, 2011)):
        return _wrong("These are still the counts for 2001 and 2011: change the second year "
                     "so the cell compares 1998 with 2001.",
                     "Only one number changes: the 2011 becomes 1998 (or compare "
                     "`csto_members(1998)` with `csto_members(2001)`).")
    return _wrong("Those counts are not the treaty's parties in 1998 and 2001: check the two "
                 "years in the cell.",
                 "Each number should be `len(membership.csto_members(YEAR))`, once for 1998 "
                 "and once for 2001.")


def _00_3(country: object) -> Verdict | tuple[str, ...]:
    members = membership.nato_members(membership.last_year())
    names = list(members["name"])
    if not isinstance(country, str) or not country.strip() or country.strip("_ ") == "":
        raise _Slip("Write a country's name between the quotes, e.g. \"Latvia\".")
    if country not in names:
        close = difflib.get_close_matches(country, names, 1, 0.6)
        if close:
            return _wrong(f"There is no NATO member called {checks.shown(country)}; did you mean "
                         f"{close[0]!r}? Names must match the table exactly.")
        return _wrong(f"{checks.shown(country)} is not in `nato_members`: pick a country from "
                     "the table (its `name` column), spelt as there.")
    year = _joined(country).year
    if year <= 1999:
        return _wrong(f"{country} joined in {year}: the exercise asks for a country that "
                     "joined after 1999.",
                     "The countries that joined after 1999 are those with an "
                     "`accession_date` in 2004 or later.")
    return _right(f"Right: {country} joined on {_day(_joined(country))}. Now open its "
                 "`source_url` and compare.")


# --- notebook 01 -------------------------------------------------------------------------------

def _01_1(cost: object) -> Verdict | tuple[str, ...]:
    cost = _share(cost, "`cost`")

    def passes(c: float) -> bool:
        pair = consensus.make_allies([0.25, 0.75], tolerance=0.0625, cost=max(c, 0))
        return consensus.negotiate(pair, "median").outcome == "consensus"

    if not passes(cost):
        return _wrong("With this cost the median draft still does not pass: each ally must "
                     "accept a text 0.25 away from its ideal point.",
                     "An ally accepts a text as far away as its tolerance plus its cost. The "
                     "tolerance gives 0.0625: how much must the cost add to reach 0.25?")
    if passes(cost - 1e-6):
        return _wrong("That cost works, but a smaller one works too: the question asks for "
                     "the cost that *just* makes the draft pass.",
                     "Tolerance + cost must reach exactly the distance between each ally "
                     "and the draft, 0.25, and no more.")
    return _right(f"Right: 0.0625 + {cost:g} = 0.25, so both allies accept the median draft "
                 "and it passes in silence; any smaller cost and both break silence.")


def _same_sweep(table: pd.DataFrame, expected: pd.DataFrame) -> bool:
    """Whether two Monte Carlo tables agree (the chance of consensus and the dilution)."""
    columns = ["allies", "consensus", "dilution"]
    if len(table) != len(expected) or not set(columns) <= set(table.columns):
        return False
    try:
        ours = table[columns].to_numpy(dtype=float)
    except (TypeError, ValueError):
        return False
    return bool(np.allclose(ours, expected[columns].to_numpy(dtype=float), atol=1e-12,
                            equal_nan=True))


@functools.cache
def _sweep(**change: object) -> pd.DataFrame:
    """The exercise's Monte Carlo, with the defaults changed as given (kept: a second
    check of the same exercise is then instant)."""
    return consensus.sweep(**({"spread": 0.08, "tolerance": 0.05, "cost": 0.10,
                               "trials": 2_000} | change))


def _01_2(tweak: object, twiddle: object, frob: object) -> Verdict | tuple[str, ...]:
    cases = {"tweak": (tweak, {"cost": 0.20}, "the cost of breaking silence doubled"),
             "twiddle": (twiddle, {"spread": 0.04}, "the spread halved"),
             "frob": (frob, {"strategy": "most_reluctant", "rounds": 20},
                      "20 rounds, drafting for the most reluctant ally")}
    for name, (table, change, words) in cases.items():
        if not isinstance(table, pd.DataFrame) or "consensus" not in table:
            raise _Slip(f"`{name}` should be the table `consensus.sweep(...)` gives.")
        if _same_sweep(table, _sweep(**change)):
            continue
        if _same_sweep(table, _sweep()):
            return _wrong(f"`{name}` is still the defaults: it should be the Monte Carlo with "
                         f"{words}.",
                         f"Change only what the {name} asks for, and keep the other "
                         "arguments (spread 0.08, tolerance 0.05, cost 0.10, 2,000 trials).")
        return _wrong(f"`{name}` is not the Monte Carlo with {words}: check the arguments "
                     "you changed.",
                     f"Start from the defaults and change only what the {name} asks for; "
                     "`strategy` takes \"median\" or \"most_reluctant\".")
    at = {n: t.set_index("allies")["consensus"] for n, t in
          {"defaults": _sweep(), "tweak": tweak, "twiddle": twiddle, "frob": frob}.items()}
    lines = "; ".join(f"{n} {a[12]:.1%} at 12, {a[32]:.1%} at 32" for n, a in at.items())
    return _right(f"Right: all three tables are the ones asked for ({lines}).")


def _01_3(counterexample: object, rounds: object) -> Verdict | tuple[str, ...]:
    if not isinstance(counterexample, consensus.Allies):
        raise _Slip("`counterexample` should be allies made with `consensus.make_allies(...)`.")
    rounds = _number(rounds, "`rounds`")
    if rounds != int(rounds) or not 1 <= rounds <= 100:
        raise _Slip("`rounds` should be a whole number of rounds from 1 to 100.")
    median = consensus.negotiate(counterexample, "median", rounds=int(rounds))
    reluctant = consensus.negotiate(counterexample, "most_reluctant", rounds=int(rounds))
    specific = ("Make the texts that all allies accept lie close to the most reluctant ally "
                "and far from the median ally, and allow only a few rounds: the median draft "
                "then runs out of time.")
    if median.outcome != "deadlock" and reluctant.outcome != "deadlock":
        return _wrong("Both drafts reach agreement with these allies and rounds: the claim "
                     "holds in this case. Look for one where the median draft deadlocks.",
                     specific)
    if median.outcome == "deadlock" and reluctant.outcome == "deadlock":
        return _wrong("Both drafts deadlock here, so the claim is not refuted: the most "
                     "reluctant ally's draft must reach consensus.",
                     "Give the allies some text that all accept (tolerances wide enough to "
                     "overlap), then " + specific[0].lower() + specific[1:])
    if median.outcome != "deadlock":
        return _wrong("This is the opposite case: the median draft agrees and the most "
                     "reluctant ally's draft deadlocks.", specific)
    return _right(f"Right: with {int(rounds)} rounds the median draft deadlocks, while the "
                 f"most reluctant ally's draft is agreed in round {reluctant.rounds_used}: "
                 "a counterexample. The claim holds only when there is time to reword.")


def _01_4(draft: object, objects: object, ideal: object, accepts_within: object
          ) -> Verdict | tuple[str, ...]:
    try:
        points = [float(x) for x in ideal]  # type: ignore[union-attr]
        within = [float(x) for x in accepts_within]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise Missing("Run the cells of section 3 first: they set `ideal` and "
                      "`accepts_within`.") from None
    if len(points) != 3 or len(within) != 3:
        raise Missing("Run the cells of section 3 again: the exercise uses its three allies.")
    draft = _number(draft, "`draft`")
    # Drafts on a grid, leaving out those that sit exactly on an ally's limit, where two
    # right ways of writing the rule may round differently.
    grid = [d for d in (round(0.05 * i, 2) for i in range(21))
            if all(abs(abs(d - p) - w) > 1e-9 for p, w in zip(points, within, strict=True))]
    theirs = [[_truth(_calls(objects, "objects", a, d), "objects") for d in grid]
              for a in range(3)]
    rule = [[d - points[a] > within[a] for d in grid] for a in range(3)]
    old = [[abs(d - points[a]) > within[a] for d in grid] for a in range(3)]
    reverse = [[points[a] - d > within[a] for d in grid] for a in range(3)]
    if draft != min(points):
        return _wrong("For the tweak, `draft` should be the most reluctant ally's ideal point.",
                     "The most reluctant ally wants the least ambitious text: the smallest "
                     "number in `ideal`.")
    if theirs == old:
        return _wrong("Your `objects` is still the old rule: an ally who wants a *more* "
                     "ambitious text still objects. Drop `abs`.",
                     "Without `abs`, `draft - ideal[ally]` is large only when the draft is "
                     "more ambitious than the ally wants.")
    if theirs == reverse:
        return _wrong("Your rule makes allies object when the draft is *not ambitious "
                     "enough*: the opposite of the new rule.",
                     "Which way round is the difference large when the draft is too "
                     "ambitious: `draft - ideal[ally]` or `ideal[ally] - draft`?")
    if theirs != rule:
        ally, i = next((a, i) for a in range(3) for i in range(len(grid))
                       if theirs[a][i] != rule[a][i])
        should = "objects" if rule[ally][i] else "stays silent"
        return _wrong(f"Under the new rule, ally {ally + 1} {should} on a draft at "
                      f"{grid[i]:g}, but your `objects` says otherwise.",
                     "An ally objects only when the draft sits further *above* its ideal "
                     "point than it accepts.")
    silent = not any(draft - points[a] > within[a] for a in range(3))
    return _right("Right: `draft` is the most reluctant ally's ideal point and `objects` is "
                  "the new rule" + (" (nobody objects to that draft)." if silent else "."))


# --- notebook 02 -------------------------------------------------------------------------------

def _02_1(year: object) -> Verdict | tuple[str, ...]:
    year = _year(year)
    if not membership.FIRST_YEAR <= year <= membership.last_year():
        return _wrong(f"NATO's membership runs from {membership.FIRST_YEAR} to "
                     f"{membership.last_year()}: pick a year in that range.")
    count = membership.nato_members(year).shape[0]
    if count != 16:
        return _wrong(f"In {year} NATO had {count} allies, not 16.",
                     "`membership.nato_members(year)` lists the allies of a year, and "
                     "`len(...)` counts them; the text says which year it means.")
    return _right(f"Right: NATO had 16 allies in {year}. Under consensus each has the same "
                 "Shapley–Shubik power, 1/16 = 0.0625, and a random proposal passes with "
                 "chance 2⁻¹⁶.")


def _rule(value: object, name: str) -> voting.Rule:
    if not isinstance(value, voting.Rule):
        raise _Slip(f"`{name}` should be a rule made with `voting.Weighted(weights, quota)`; "
                    f"it is {checks.shown(value)}.")
    return value


def _02_2(one_vote: object) -> Verdict | tuple[str, ...]:
    rule = _rule(one_vote, "one_vote")
    if not isinstance(rule, voting.Weighted):
        raise _Slip("`one_vote` should be *one* weighted vote, "
                    "`voting.Weighted(weights, quota)`, not a combination of rules.")
    charter = voting.un_security_council()
    if rule.n != charter.n:
        return _wrong(f"The Security Council has 15 members (5 permanent, 10 elected); your "
                     f"rule has {rule.n}.")
    theirs, ours = voting.shapley_shubik(rule), voting.shapley_shubik(charter)
    if np.allclose(theirs, ours, atol=1e-12):
        return _right("Right: the one weighted vote gives every member exactly the power the "
                     f"Charter's rule gives (each permanent member {ours[0]:.4f}, each "
                     f"elected member {ours[-1]:.4f}).")
    if np.allclose(sorted(theirs), sorted(ours), atol=1e-12):
        return _wrong("The same powers, in another order: list the five permanent members "
                     "first, as `voting.un_security_council()` does.")
    return _wrong(f"Your rule gives the first member {theirs[0]:.4f} of the power; the "
                 f"Charter's rule gives each permanent member {ours[0]:.4f}. Check the "
                 "weights and the quota.",
                 "Five weights of 7 come first, then ten of 1; the quota is a number of "
                 "votes (out of 45), not a share.")


def _02_3(rule: object) -> Verdict | tuple[str, ...]:
    rule = _rule(rule, "rule")
    if not isinstance(rule, voting.Weighted):
        raise _Slip("`rule` should be one weighted vote: `voting.Weighted(weights, quota)`.")
    if rule.n != 3:
        return _wrong(f"Your rule has {rule.n} members; the exercise asks for three.")
    dummies = {int(i) for i in voting.dummy_players(rule)}
    with_vote = [i for i in sorted(dummies) if rule.weights[i] > 0]
    if with_vote:
        power = voting.shapley_shubik(rule)
        return _right(f"Right: member {with_vote[0] + 1} has {rule.weights[with_vote[0]]} "
                     f"vote(s) but no power (Shapley–Shubik {power[with_vote[0]]:g}): it never "
                     "turns a losing group into a winning one.")
    if any(dummies):
        return _wrong("The member without power also has no vote: the claim is about a member "
                     "*with* at least one vote.")
    return _wrong("Every member of your rule has some power: each can turn a losing group "
                 "into a winning one.",
                 "Give two members enough votes to reach the quota together, and make the "
                 "third member's votes too few ever to make the difference.")


def _02_4(wins: object, votes: object) -> Verdict | tuple[str, ...]:
    if not isinstance(votes, Mapping) or len(votes) != 6:
        raise Missing("Run the cell of section 2 first: it sets `votes`, the six members' "
                      "votes.")
    members = list(votes)
    groups = [g for size in range(7) for g in itertools.combinations(members, size)]
    total = {g: sum(votes[m] for m in g) for g in groups}
    theirs = {g: _truth(_calls(wins, "wins", g), "wins") for g in groups}
    if theirs == {g: total[g] >= 12 and len(g) >= 4 for g in groups}:
        return _right("Right: `wins` now asks for 12 votes cast by at least four members. "
                     "Compare your swings with the library's `power_table`.")
    if theirs == {g: total[g] >= 12 for g in groups}:
        return _wrong("Your `wins` still lets France, Germany and Italy win on their own: 12 "
                     "votes, but only three members.",
                     "Add a second condition with `and`: `len(group)` counts the members.")
    if theirs == {g: total[g] >= 13 for g in groups}:
        return _wrong("That is the tweak (13 votes). For the twiddle, put 12 back and add the "
                     "rule on the number of members.")
    for size in (3, 5):
        if theirs == {g: total[g] >= 12 and len(g) >= size for g in groups}:
            return _wrong(f"Close: your rule asks for at least {size} members; the Treaty "
                         "asks for at least four.")
    group = next(g for g in groups if theirs[g] != (total[g] >= 12 and len(g) >= 4))
    return _wrong(f"Your `wins` says {'yes' if theirs[group] else 'no'} for the group "
                 f"{', '.join(group) or '(nobody)'}, but under the rule it "
                 f"{'loses' if theirs[group] else 'wins'}.",
                 "The rule: at least 12 votes *and* at least four members.")


# --- notebook 03 -------------------------------------------------------------------------------

_OPERATION_COLUMNS = ("name", "area")


def _03_1(when: object) -> Verdict | tuple[str, ...]:
    year = _year(when, "when")
    if year != 1999:
        return _wrong(f"The question asks about 1999, not {year}.")
    running = operations.active(year)
    out = int((running["area"] == "out_of_area").sum())
    return _right(f"Right: {len(running)} operations were active in 1999, {out} of them out "
                 "of area.")


def _names(table: pd.DataFrame) -> set[str]:
    return set(table["name"])


def _03_2(with_peaks: object, totals: object) -> Verdict | tuple[str, ...]:
    table = operations.operations()
    with_peaks = _table(with_peaks, "with_peaks", _OPERATION_COLUMNS)
    expected = table[table["peak_personnel"].notna()]
    if _names(with_peaks) != _names(expected):
        if _names(with_peaks) >= _names(expected):
            return _wrong("`with_peaks` still holds operations with no figure: keep only the "
                         "rows whose `peak_personnel` is not missing.",
                         "A column's `.notna()` says, row by row, whether a value is there.")
        return _wrong("`with_peaks` leaves out operations that have a `peak_personnel` figure.",
                     "A column's `.notna()` says, row by row, whether a value is there.")
    sums = expected.groupby("area")["peak_personnel"].sum()
    if isinstance(totals, pd.DataFrame) and totals.shape[1] == 1:
        totals = totals.iloc[:, 0]
    if isinstance(totals, Mapping):
        totals = pd.Series(dict(totals))
    if not isinstance(totals, pd.Series) or set(totals.index) != set(sums.index) or \
            not all(checks.is_number(totals[a]) for a in sums.index) or \
            not np.allclose([float(totals[a]) for a in sums.index], sums.to_numpy(float)):
        return _wrong("`with_peaks` is right; `totals` should add up `peak_personnel` in area "
                     "and out of area.",
                     "Group the rows by their area, then add up their peak personnel (section 5 "
                     "of notebook 00 shows `groupby`).")
    shown = ", ".join(f"{operations.AREAS[a].lower()}: {int(v):,}" for a, v in sums.items())
    return _right(f"Right: {len(expected)} operations have a figure; peak personnel {shown}.")


def _03_3(article5: object) -> Verdict | tuple[str, ...]:
    table = operations.operations()
    article5 = _table(article5, "article5", _OPERATION_COLUMNS)
    expected = table[table["legal_basis"] == "article_5"]
    if _names(article5) != _names(expected):
        return _wrong("`article5` is not the operations whose `legal_basis` is \"article_5\".",
                     "Compare the `legal_basis` column with the text the exercise names, and "
                     "keep the rows where they are equal (as 00's section 5 keeps rows).")
    outside = sorted(expected.loc[expected["area"] == "out_of_area", "name"])
    return _right(f"Right: {len(expected)} operations rest on Article 5"
                 + (f"; coded out of area: {', '.join(outside)}." if outside else "."))


def _03_4(year: object, active: object, out_of_area: object, troops: object,
          troops_out: object) -> Verdict | tuple[str, ...]:
    year = _year(year)
    if year != 2011:
        return _wrong(f"The twiddle asks about 2011; `year` is {year}.")
    running = operations.active(year)
    counted = running[(running["area"] == "out_of_area") & (running["legal_basis"] != "article_5")]
    peaks = running[running["peak_personnel"].notna()]
    expected = {"active": len(running), "out_of_area": len(counted),
                "troops": int(peaks["peak_personnel"].sum()),
                "troops_out": int(peaks.loc[peaks["area"] == "out_of_area",
                                            "peak_personnel"].sum())}
    theirs = {"active": active, "out_of_area": out_of_area, "troops": troops,
              "troops_out": troops_out}
    for name, value in theirs.items():
        _number(value, f"`{name}`")
    if theirs["active"] != expected["active"]:
        return _wrong(f"`active` should count every operation active in {year}.")
    if theirs["out_of_area"] != expected["out_of_area"]:
        old = int((running["area"] == "out_of_area").sum())
        if theirs["out_of_area"] == old:
            return _wrong("Your count still includes the Article 5 operation: the `if` line "
                         "should also require `operation.legal_basis != \"article_5\"`.")
        return _wrong("`out_of_area` is not the count under the new rule.",
                     "Count an operation only if it is out of area *and* its legal basis is "
                     "not Article 5.")
    if (theirs["troops"], theirs["troops_out"]) != (expected["troops"], expected["troops_out"]):
        return _wrong("The counts are right; the troop totals are not. Add each active "
                      "operation's `peak_personnel` to `troops` (leaving out missing figures), "
                      "and to `troops_out` when it is out of area.",
                      "Skip an operation with no figure: `pd.isna(x)` is True when x is "
                      "missing, and `not` turns True into False.")
    return _right(f"Right: counting Article 5 operations as in area, {expected['out_of_area']} "
                 f"of {expected['active']} operations were out of area in {year} "
                 f"({expected['out_of_area'] / expected['active']:.0%}); by peak personnel, "
                 f"{expected['troops_out']:,} of {expected['troops']:,} troops, from "
                 f"{len(peaks)} operations with a figure.")


# --- notebook 04 -------------------------------------------------------------------------------

def _04_1(year: object) -> Verdict | tuple[str, ...]:
    year = _year(year)
    if year != 2024:
        return _wrong(f"The question asks about 2024, not {year}.")
    sizes = csto.group_sizes(year)
    every = {group: 0.99 for group in csto.GROUP_NAMES}
    return _right(f"Right: with {sum(sizes.values())} allies each willing 99% of the time, "
                 f"consensus has a {csto.consensus_probability(sizes, every):.1%} chance and "
                 f"bilateral cooperation {csto.bilateral_probability(sizes, every):.6f}.")


_BALTIC = "Poland and the Baltic states"


def _04_2(w: object) -> Verdict | tuple[str, ...]:
    w = _share(w, "`w`")
    sizes = csto.group_sizes(2024)
    chance = csto.consensus_probability(sizes, {g: 1.0 for g in csto.GROUP_NAMES} | {_BALTIC: w})
    if abs(chance - 0.5) <= 0.005:
        return _right(f"Right: with w = {w:g}, the chance of formal ties is {chance:.3f}, "
                     f"about one half: each of the {sizes[_BALTIC]} allies must be willing "
                     f"{w:.0%} of the time.")
    if math.isclose(w, 0.5 / sizes[_BALTIC]):
        return _wrong("Dividing 0.5 among the four allies gives a far smaller chance: their "
                     "willingness multiplies, it does not add up.",
                     "You need a w with w × w × w × w = 0.5: the fourth root of 0.5. In "
                     "Python, `**` raises a number to a power, and a fourth root is the "
                     "power one quarter.")
    return _wrong(f"With w = {w:g}, the chance of formal ties is {chance:.3f}: "
                 f"{'too low; try a higher w' if chance < 0.5 else 'too high; try a lower w'}.",
                 "You need a w with w × w × w × w = 0.5: the fourth root of 0.5. In Python, "
                 "`**` raises a number to a power, and a fourth root is the power one quarter.")


def _04_3(everyone: object) -> Verdict | tuple[str, ...]:
    if isinstance(everyone, pd.Series):
        everyone = everyone.to_dict()
    if not isinstance(everyone, Mapping):
        raise _Slip("`everyone` should be a dictionary: a willingness for each group.")
    missing = [g for g in csto.GROUP_NAMES if g not in everyone]
    if missing:
        raise _Slip(f"`everyone` has no willingness for {missing[0]}: give one for each of "
                    "`csto.GROUP_NAMES`.")
    values = {g: _share(everyone[g], f"The willingness of {g}") for g in csto.GROUP_NAMES}
    low = [g for g, v in values.items() if v <= 0.5]
    if low:
        return _wrong(f"The claim is about allies who are *more* willing than not: every value "
                     f"must be above 0.5, and {low[0]} is at {values[low[0]]:g}.")
    chance = csto.consensus_probability(csto.group_sizes(2024), values)
    if chance >= 0.5:
        return _wrong(f"With these values formal ties have a {chance:.0%} chance: still more "
                     "likely than not. Lower the values, keeping them above 0.5.",
                     "The 32 allies' chances multiply: a willingness well above 0.5, "
                     "multiplied by itself 32 times, becomes small.")
    return _right(f"Right: every ally is more willing than not, yet formal ties have only a "
                 f"{chance:.1%} chance: the claim is false.")


def _04_4(groups: object, together: object) -> Verdict | tuple[str, ...]:
    sizes = {g: n for g, n in csto.group_sizes(2024).items() if n}
    if not isinstance(groups, Mapping):
        raise _Slip("`groups` should be a dictionary with one entry per group.")
    if len(groups) == sum(sizes.values()):
        return _wrong(f"`groups` still has one entry per ally ({len(groups)}): the twiddle asks "
                     "for one entry per group, each deciding once for all its members.")
    if set(groups) != set(sizes):
        return _wrong(f"`groups` should have one entry for each of the {len(sizes)} groups: "
                     + ", ".join(sizes) + ".")
    values = [groups[g] for g in sizes]
    if values != [csto.DEFAULT_WILLINGNESS[g] for g in sizes]:
        return _wrong("Give each group its willingness from `csto.DEFAULT_WILLINGNESS`, as the "
                     "cell that builds the 32 allies does.")
    agree = math.prod(values)
    bilateral = 1 - math.prod(1 - v for v in values)
    if not np.allclose(_pair(together, "together"), [agree, bilateral]):
        return _wrong("`groups` is right; `together` should be `chances(groups)`.")
    return _right(f"Right: when each group decides once, consensus has a {agree:.1%} chance "
                 f"and bilateral cooperation {bilateral:.4f}.")


# --- notebook 05 -------------------------------------------------------------------------------

def _05_1(her_forecast: object) -> Verdict | tuple[str, ...]:
    forecast = _share(her_forecast, "`her_forecast`")
    if math.isclose(forecast, 1 - 0.7):
        return _wrong(f"{forecast:g} is the chance she gave to it *not* happening; the Brier "
                     "score takes the chance she gave to it happening.")
    if not math.isclose(forecast, 0.7):
        return _wrong("The blank is the forecaster's probability, as a share from 0 to 1.")
    return _right(f"Right: (0.7 - 1)² = {forecasting.brier(0.7, True):.2f}.")


_GRID = [i / 20 for i in range(21)]


def _compare(function: object, name: str, expected: Callable[[float], float],
             what: str) -> tuple[str, ...] | None:
    """Hints where a student's function of p differs from `expected`, or None."""
    for p in _GRID:
        value = _calls(function, name, p)
        if not checks.is_number(value):
            raise _Slip(f"`{name}({p:g})` gives {checks.shown(value)}, not a number.")
        if not math.isclose(float(value), expected(p), abs_tol=1e-9):
            return _wrong(f"For p = {p:g}, `{name}` gives {float(value):.4f}; {what} is "
                         f"{expected(p):.4f}.",
                         "Write the formula of the exercise as it stands, with `p` where it "
                         "says p.")
    return None


def _05_2(expected_brier: object) -> Verdict | tuple[str, ...]:
    miss = _compare(expected_brier, "expected_brier",
                    lambda p: 0.3 * (p - 1) ** 2 + 0.7 * p ** 2,
                    "0.3·(p - 1)² + 0.7·p²")
    if miss:
        return miss
    return _right("Right: your function gives the expected Brier score for every report. "
                 "Now compare the reports from 0 to 1.")


def _05_3(my_log_score: object) -> Verdict | tuple[str, ...]:
    student_b = _calls(my_log_score, "my_log_score", 0.1, False)
    if not checks.is_number(student_b):
        raise _Slip(f"`my_log_score(0.1, False)` gives {checks.shown(student_b)}, not a number.")
    if not math.isclose(float(student_b), forecasting.log_score(0.1, False), abs_tol=1e-9):
        return _wrong(f"For Student B (10%, did not happen) your function gives "
                     f"{float(student_b):.3f}; `forecasting.log_score(0.1, False)` gives "
                     f"{forecasting.log_score(0.1, False):.3f}.",
                     "When the event did not happen, which probability did the forecaster "
                     "give to what *did* happen?")
    for p in _GRID[1:-1]:
        for happened in (True, False):
            value = _calls(my_log_score, "my_log_score", p, happened)
            if not checks.is_number(value) or not math.isclose(
                    float(value), forecasting.log_score(p, happened), abs_tol=1e-9):
                return _wrong(f"`my_log_score({p:g}, {happened})` gives {checks.shown(value)}; "
                             f"the log score is {forecasting.log_score(p, happened):.4f}.")
    student_c = _calls(my_log_score, "my_log_score", 0.0, False)
    if not checks.is_number(student_c) or float(student_c) != 0:
        return _wrong(f"Student C (0%, did not happen) should get a perfect score of 0; your "
                     f"function gives {checks.shown(student_c)}.")
    return _right("Right: your function agrees with `forecasting.log_score` for Students B "
                 "and C and for every forecast between.")


def _05_4(expected_abs: object) -> Verdict | tuple[str, ...]:
    miss = _compare(expected_abs, "expected_abs", lambda p: 0.3 * abs(p - 1) + 0.7 * abs(p),
                    "0.3 × |p - 1| + 0.7 × |p - 0|")
    if miss:
        return miss
    return _right("Right: your function gives the expected absolute error for every report. "
                 "Which report makes it smallest?")


EXERCISES: dict[str, Exercise] = {e.key: e for e in (
    Exercise("00-1", ("year",), _00_1),
    Exercise("00-2", ("counts",), _00_2, words=True),
    Exercise("00-3", ("country",), _00_3, words=True),
    Exercise("01-1", ("cost",), _01_1),
    Exercise("01-2", ("tweak", "twiddle", "frob"), _01_2, words=True),
    Exercise("01-3", ("counterexample", "rounds"), _01_3),
    Exercise("01-4", ("draft", "objects", "ideal", "accepts_within"), _01_4, words=True),
    Exercise("02-1", ("year",), _02_1),
    Exercise("02-2", ("one_vote",), _02_2, words=True),
    Exercise("02-3", ("rule",), _02_3),
    Exercise("02-4", ("wins", "votes"), _02_4, words=True),
    Exercise("03-1", ("when",), _03_1),
    Exercise("03-2", ("with_peaks", "totals"), _03_2, words=True),
    Exercise("03-3", ("article5",), _03_3, words=True),
    Exercise("03-4", ("year", "active", "out_of_area", "troops", "troops_out"), _03_4,
             words=True),
    Exercise("04-1", ("year",), _04_1),
    Exercise("04-2", ("w",), _04_2),
    Exercise("04-3", ("everyone",), _04_3),
    Exercise("04-4", ("groups", "together"), _04_4, words=True),
    Exercise("05-1", ("her_forecast",), _05_1),
    Exercise("05-2", ("expected_brier",), _05_2, words=True),
    Exercise("05-3", ("my_log_score",), _05_3),
    Exercise("05-4", ("expected_abs",), _05_4, words=True),
)}


def exercise(key: object) -> Exercise:
    """The exercise with this key ("01-3": notebook 01, exercise 3), or a CourseError."""
    key = checks.text("The exercise", key, 20)
    if key not in EXERCISES:
        raise CourseError(f"There is no exercise {checks.shown(key)}; the keys look "
                                 "like \"01-3\" (notebook 01, exercise 3).")
    return EXERCISES[key]


def judge(key: str, values: Mapping[str, Any], tries: int = 0) -> Verdict:
    """Judge the values a student's answer set; `tries` is how many wrong tries came before.

    A value of the wrong kind gets one hint; a wrong answer gets its hints in turn, the more
    specific one from the second try on. Raises :class:`Missing` when an answer cannot be
    judged yet (a name not set).
    """
    spec = exercise(key)
    values = checks.mapping("The values", values, 100_000, "the notebook's names")
    absent = [n for n in spec.names if n not in values]
    if absent:
        raise Missing(f"Run your answer cell first: it sets `{absent[0]}`, which this "
                      "notebook does not have yet.")
    kind, result, printed = _isolated(lambda: spec.judge(*(values[n] for n in spec.names)))
    shown = f"\n\nYour code printed:\n\n```\n{printed}\n```" if printed else ""
    if kind == "slip":
        return Verdict(False, f"Not yet: {result}{shown}", slip=True)
    if kind == "error":  # an answer no judge foresaw: a message, never a traceback
        return Verdict(False, f"Not yet: the check could not read your answer ({result}). "
                       "Look at the names the exercise asks for: are they what it "
                       f"describes?{shown}", slip=True)
    if isinstance(result, Verdict):
        return result
    hint = result[min(tries, len(result) - 1)]
    level = f" (hint {min(tries, len(result) - 1) + 1} of {len(result)})" if len(result) > 1 else ""
    return Verdict(False, f"Not yet{level}: {hint}")


def _text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def written_words(notebook: Mapping[str, Any], key: str) -> str:
    """What a student wrote in words for an exercise, from the saved notebook ("" if nothing).

    The words are in the Markdown answer cell of the exercise (its metadata name it);
    the placeholder text does not count.
    """
    cells = notebook.get("cells", []) if isinstance(notebook, Mapping) else []
    for cell in cells:
        meta = cell.get("metadata", {}) if isinstance(cell, Mapping) else {}
        if not isinstance(meta, Mapping) or meta.get("exercise") != key:
            continue
        if cell.get("cell_type") == "markdown" or "solution" in meta.get("tags", []):
            text = _text(cell)
            for placeholder in _PLACEHOLDERS:
                text = text.replace(placeholder, " ")
            if cell.get("cell_type") == "code":  # an instructor's solution: its comments
                text = " ".join(line.lstrip("# ") for line in text.splitlines()
                                if line.lstrip().startswith("#")
                                and not line.lstrip().startswith("# Solution to"))
            words = re.findall(r"[^\W_]+", text)
            if len(words) >= _MIN_WORDS:
                return text.strip()
    return ""
