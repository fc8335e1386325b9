"""A toy model of NATO's consensus rule and silence procedure.

The policy scale runs from 0 (the status quo: the Alliance does nothing new) to 1 (the most
ambitious text any ally could want). Each ally has

* an **ideal point** ``x``: the text it would write itself;
* a **tolerance** ``τ``: how far a text may sit from ``x`` before the ally minds;
* a **cost of breaking silence** ``c``: the political price of being seen to block.

An ally stays silent on a text ``t`` when ``|t - x| <= τ + c``. We call ``θ = τ + c`` its
*threshold* and ``[x - θ, x + θ]`` the texts it accepts in silence.

The Secretary General circulates a first draft under the silence procedure, written either
at the **median** ally's ideal point or at the ideal point of the **most reluctant** ally
(the one closest to the status quo). In each round, the allies whose loss ``|t - x|``
exceeds their threshold break silence. The Secretary General rewords the draft toward them:
to the nearest text the objectors accept, but by at most ``step`` per round (a rewording
can only go so far at once). If objectors stand on both sides, he aims midway between what
the two sides accept. The procedure ends

* in **consensus** when the first draft passes in silence;
* in a **watered-down** text when a reworded draft passes;
* in **deadlock** when allies still object after the last round allowed.

Consensus is possible at all only if every ally's accepted interval overlaps the others:
``max(x - θ) <= min(x + θ)``. When it does, objectors only ever stand on one side, and
the draft walks one ``step`` per round to the nearest text everyone accepts. So the Monte
Carlo (:func:`sweep`) needs only each trial's first draft and the two ends of the overlap;
a test checks, trial by trial, that it agrees exactly with the round-by-round
:func:`negotiate`.

A toy, not a description of NATO: real allies bargain over many dimensions, trade issues,
and talk before anything is put under silence. It shows what the rule does with
disagreement, not what any ally wants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from utils import checks
from utils.errors import CourseError

__all__ = ["CENTRE", "MAX_ALLIES", "OUTCOMES", "STATUS_QUO", "STEP", "STRATEGIES", "Allies",
           "Negotiation", "Round", "draw_allies", "make_allies", "negotiate", "sweep"]

STATUS_QUO = 0.0
#: How far one round of rewording can move the draft along the policy scale.
STEP = 0.05
STRATEGIES = {"median": "the median ally", "most_reluctant": "the most reluctant ally"}
OUTCOMES = {"consensus": "consensus on the first draft",
            "watered_down": "consensus on a watered-down (reworded) draft",
            "deadlock": "deadlock: allies still object after the last round"}
#: The centre of the allies' ideal points, and the membership range of the Monte Carlo.
CENTRE = 0.5
_SWEEP_SIZES = range(12, 33)
#: Most allies in one model alliance (NATO has 32), and most ally-draws in one Monte
#: Carlo (trials × sizes × largest size): about 1.5 s at the limit (measured).
MAX_ALLIES = 100
_MAX_DRAWS = 50_000_000
_LIMIT = "(A class never needs more, and it keeps a cell within seconds.)"


@dataclass(frozen=True)
class Allies:
    """Ideal points, tolerances and costs of breaking silence, one entry per ally."""

    ideal: np.ndarray
    tolerance: np.ndarray
    cost: np.ndarray

    @property
    def threshold(self) -> np.ndarray:
        """How far a text may sit from each ally's ideal point before it breaks silence."""
        return self.tolerance + self.cost

    def __len__(self) -> int:
        return len(self.ideal)


@dataclass(frozen=True)
class Round:
    """One silence procedure: the draft circulated, and who broke silence on it."""

    number: int
    text: float
    objectors: tuple[int, ...]


@dataclass(frozen=True)
class Negotiation:
    """What happened: the rounds, the outcome, and where the final text sits."""

    allies: Allies
    strategy: str
    rounds: tuple[Round, ...]
    outcome: str
    final_text: float

    @property
    def first_text(self) -> float:
        return self.rounds[0].text

    @property
    def rounds_used(self) -> int:
        return len(self.rounds)

    @property
    def distance_from_median(self) -> float:
        """How far the final text sits from the median ally's ideal point."""
        return abs(self.final_text - float(np.median(self.allies.ideal)))

    @property
    def distance_from_status_quo(self) -> float:
        """How far the final text moves the Alliance from doing nothing new."""
        return abs(self.final_text - STATUS_QUO)

    @property
    def dilution(self) -> float:
        """How far the text moved from the Secretary General's first draft."""
        return abs(self.final_text - self.first_text)


def make_allies(ideal: object, tolerance: object, cost: object) -> Allies:
    """Allies from plain numbers or lists (a single tolerance or cost applies to all).

    Ideal points, tolerances and costs all lie on the policy scale, from 0 to 1.
    """
    points = _per_ally("ideal point", ideal)
    if not points:
        raise CourseError("Give at least one ally's ideal point, e.g. [0.25, 0.75].")

    def spread_out(name: str, values: object) -> np.ndarray:
        given = _per_ally(name, values)
        if len(given) not in (1, len(points)):
            raise CourseError(f"Give one {name} for all allies, or one per ally: "
                              f"{len(points)} allies, {len(given)} {name}s.")
        return np.array(given * len(points) if len(given) == 1 else given)

    return Allies(np.array(points), spread_out("tolerance", tolerance),
                  spread_out("cost", cost))


def _per_ally(name: str, values: object) -> list[float]:
    """One number or a list of them (at most MAX_ALLIES), each from 0 to 1."""
    if getattr(values, "ndim", None) == 0 and isinstance(values, np.ndarray):
        values = values[()]  # np.array(0.5) holds one number
    if not isinstance(values, (list, tuple, np.ndarray, pd.Series, range)):
        values = [values]
    listed = checks.items(f"The list of {name}s", values, MAX_ALLIES, "a list such as "
                          "[0.25, 0.75]")
    return [checks.number(f"Every {name}", value, 0, 1) for value in listed]


def draw_allies(n_allies: int, spread: float, tolerance: float, cost: float,
                seed: int) -> Allies:
    """`n_allies` allies whose ideal points scatter around the centre of the scale.

    Ideal points are drawn from a normal distribution with standard deviation `spread`
    around 0.5 and kept within [0, 1]; the same seed always gives the same allies.
    """
    n_allies = checks.whole("The number of allies", n_allies, 2, 40)
    spread = checks.number("The spread of preferences", spread, 0, 1)
    seed = checks.whole("The random seed", seed, 0, 2**32 - 1)
    tolerance = checks.number("The tolerance", tolerance, 0, 1)
    cost = checks.number("The cost of breaking silence", cost, 0, 1)
    ideal = np.clip(np.random.default_rng(seed).normal(CENTRE, spread, n_allies), 0, 1)
    return Allies(ideal, np.full(n_allies, tolerance), np.full(n_allies, cost))


def _first_draft(ideal: np.ndarray, strategy: str) -> np.ndarray:
    """The Secretary General's first draft for each row of ideal points."""
    if strategy == "median":
        return np.median(ideal, axis=-1)
    return np.min(ideal, axis=-1)


def _reword(text: float, objectors_low: np.ndarray, objectors_high: np.ndarray,
           step: float) -> float:
    """The next draft: toward what the objectors accept, by at most `step`.

    `objectors_low` holds the upper ends of the accepted intervals of allies who want a
    *less* ambitious text; `objectors_high` the lower ends for allies who want *more*.
    """
    if objectors_low.size and not objectors_high.size:
        target = objectors_low.min()
    elif objectors_high.size and not objectors_low.size:
        target = objectors_high.max()
    else:
        target = (objectors_low.min() + objectors_high.max()) / 2
    return float(_step_toward(np.float64(text), target, step))


def _step_toward(text: np.ndarray, target: np.ndarray, step: float) -> np.ndarray:
    """Move each text to its target, or by `step` toward it if the target is farther.

    "Within one step" allows a billionth of a step for rounding, so that a walk of five
    steps of 0.05 from 0.25 lands on 0.5 instead of a hair short of it.
    """
    return np.where(np.abs(target - text) <= step * (1 + 1e-9), target,
                    text + np.copysign(step, target - text))


def negotiate(allies: Allies, strategy: str = "median", rounds: int = 5,
              step: float = STEP) -> Negotiation:
    """Run the silence procedure round by round (see the module docstring)."""
    checks.instance("The allies", allies, Allies, "consensus.make_allies or draw_allies")
    strategy = checks.one_of("The drafting strategy", strategy, STRATEGIES)
    rounds = checks.whole("The number of rounds allowed", rounds, 1, 100)
    step = checks.number("The step of rewording", step, 1e-6, 1)
    low = allies.ideal - allies.threshold
    high = allies.ideal + allies.threshold
    text = float(_first_draft(allies.ideal, strategy))
    history = []
    for number in range(1, rounds + 1):
        wants_less, wants_more = text > high, text < low
        objectors = np.flatnonzero(wants_less | wants_more)
        history.append(Round(number, text, tuple(int(i) for i in objectors)))
        if not objectors.size:
            outcome = "consensus" if number == 1 else "watered_down"
            return Negotiation(allies, strategy, tuple(history), outcome, text)
        if number < rounds:
            text = _reword(text, high[wants_less], low[wants_more], step)
    return Negotiation(allies, strategy, tuple(history), "deadlock", text)


def _agreements(first: np.ndarray, overlap_low: np.ndarray, overlap_high: np.ndarray,
               rounds: int, step: float = STEP) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For many alliances at once: agreed?, rounds used, and the final text if agreed.

    Each alliance is summed up by its first draft and the two ends of the overlap of what
    its allies accept (``overlap_low > overlap_high`` when there is none). The arrays may
    have any shape. This is the closed form explained in the module docstring: it gives
    exactly what :func:`negotiate` gives, alliance by alliance.
    """
    possible = overlap_low <= overlap_high
    text = np.asarray(first, dtype=float)
    used = np.full(text.shape, rounds)
    agreed = np.zeros(text.shape, dtype=bool)
    for number in range(1, rounds + 1):
        silent = possible & ~agreed & (text >= overlap_low) & (text <= overlap_high)
        used[silent] = number
        agreed |= silent
        target = np.where(text > overlap_high, overlap_high, overlap_low)
        text = np.where(possible & ~agreed, _step_toward(text, target, step), text)
    return agreed, used, np.where(agreed, text, np.nan)


def _summarize(ideal: np.ndarray, threshold: np.ndarray, strategy: str
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First draft and overlap ends for each row of allies (the input of agreements)."""
    return (_first_draft(ideal, strategy), np.max(ideal - threshold, axis=-1),
            np.min(ideal + threshold, axis=-1))


def _check_sizes(sizes: object) -> list[int]:
    """Alliance sizes for the Monte Carlo: whole numbers of allies from 1 to MAX_ALLIES."""
    listed = checks.items("The list of sizes", sizes, MAX_ALLIES,
                          "a list such as range(12, 33)")
    if not listed:
        raise CourseError("Give at least one size of alliance, e.g. range(12, 33).")
    return [checks.whole("A number of allies", n, 1, MAX_ALLIES, limit=_LIMIT) for n in listed]


def sweep(spread: float, tolerance: float, cost: float, strategy: str = "median",
          rounds: int = 5, seed: int = 0, trials: int = 10_000,
          sizes: range = _SWEEP_SIZES) -> pd.DataFrame:
    """Monte Carlo: the chance of consensus, and the dilution, by number of allies.

    Each trial draws one alliance of ``max(sizes)`` allies; the alliance of ``n`` allies
    is its first ``n`` members, so every size is compared on the same draws. All sizes
    are computed at once: the overlap ends are running maxima and minima along the allies.
    """
    spread = checks.number("The spread of preferences", spread, 0, 1)
    threshold = (checks.number("The tolerance", tolerance, 0, 1)
                 + checks.number("The cost of breaking silence", cost, 0, 1))
    strategy = checks.one_of("The drafting strategy", strategy, STRATEGIES)
    rounds = checks.whole("The number of rounds allowed", rounds, 1, 100)
    trials = checks.whole("The number of trials", trials, 1, 1_000_000, limit=_LIMIT)
    seed = checks.whole("The random seed", seed, 0, 2**32 - 1)
    sizes = _check_sizes(sizes)
    if trials * len(sizes) * max(sizes) > _MAX_DRAWS:
        raise CourseError(f"{trials:,} trials for {len(sizes)} sizes of up to {max(sizes)} "
                          f"allies are too many draws for a classroom computer (at most "
                          f"{_MAX_DRAWS:,}); use fewer trials: 10,000 give each chance to "
                          "within about one percentage point.")
    rng = np.random.default_rng(seed)
    ideal = np.clip(rng.normal(CENTRE, spread, (trials, max(sizes))), 0, 1)
    columns = np.array(sizes) - 1
    low = np.maximum.accumulate(ideal - threshold, axis=1)[:, columns]
    high = np.minimum.accumulate(ideal + threshold, axis=1)[:, columns]
    if strategy == "median":
        first = np.stack([np.median(ideal[:, :n], axis=1) for n in sizes], axis=1)
    else:
        first = np.minimum.accumulate(ideal, axis=1)[:, columns]
    agreed, used, final = _agreements(first, low, high, rounds)
    count = agreed.sum(axis=0)
    per_agreement = np.where(count > 0, 1 / np.maximum(count, 1), np.nan)
    return pd.DataFrame({
        "allies": sizes, "consensus": agreed.mean(axis=0),
        "first_draft": (agreed & (used == 1)).mean(axis=0),
        "dilution": np.where(agreed, np.abs(final - first), 0).sum(axis=0) * per_agreement,
        "rounds": np.where(agreed, used, 0).sum(axis=0) * per_agreement})
