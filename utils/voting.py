"""Simple voting games: decision rules as values, and exact power indices, computed fast.

A **rule** says which coalitions of players (0, 1, ..., n-1) win, i.e. pass a proposal:

* :class:`Weighted` ``(weights, quota)``: a coalition wins when its members' weights add up
  to at least ``quota``. One vote each is the special case of equal weights;
* :class:`All` ``(rule, rule, ...)``, also written ``rule & rule``: every sub-rule is met;
* :class:`Any` ``(rule, rule, ...)``, also written ``rule | rule``: at least one is met.

Real rules are built from these by :func:`unanimity`, :func:`consensus`, :func:`majority`,
:func:`un_security_council`, :func:`eec_council_1958` and :func:`eu_council`. Rules are
frozen (hashable) values: results are cached per rule, and two equal rules are one rule.

What is computed, for every player ``i`` (``S`` runs over the coalitions of the *other*
players, and ``i`` is a **swing** in ``S`` when ``S`` loses but ``S`` with ``i`` wins):

* :func:`shapley_shubik`: the share of the ``n!`` orders of voting in which ``i`` is the
  player whose yes turns the coalition into a winning one;
* :func:`banzhaf_raw`: the probability that ``i`` is a swing when every other player votes
  yes or no with probability 1/2 (swings / 2^(n-1)); also called Penrose's measure;
* :func:`banzhaf_normalized`: the same swing counts as shares that add up to 1;
* :func:`coleman_prevent` and :func:`coleman_initiate`: Coleman's power to prevent action
  (swings / winning coalitions) and to initiate it (swings / losing coalitions);
* :func:`veto_players` (in every winning coalition) and :func:`dummy_players` (never a
  swing; they get 0 from every index above);

and for the rule as a whole :func:`passage_probability`, Coleman's power of the
collectivity to act: the share of the 2^n coalitions that win. :func:`power_table` puts it
all in one table. Every rule here is monotone (joining a coalition never makes it lose), the
empty coalition loses and the full one wins, so all these numbers are well defined.

**Exact.** Weights are integers of any size (up to 10^30); quotas may be any number (a
coalition wins when its weight reaches the quota, i.e. the smallest whole number at or
above it). Rules have at most :data:`MAX_PLAYERS` players. Every
count of coalitions is an exact integer and each index is one exact fraction of such
integers (:func:`counts` gives them), rounded to the nearest float only at the end.

**How, and why this way.** Enumerating the 2^n coalitions is out of the question for the
EU's 27 members (134 million coalitions). The classic dynamic programme over the weight
sums reached so far needs a table as long as the total weight: fine for seats in a
parliament, hopeless for populations (446 million). We run that dynamic programme
player by player, but keep two *remaining quotas* apart only when some coalition of the
players still to come can tell them apart, i.e. when a subset sum of the remaining weights
lies between them; every other remaining quota is replaced by the smallest such subset sum
at or above it. For a combination of rules the state is the vector of remaining quotas,
one per weighted sub-rule, and a state whose outcome is already sealed (the combination is
met, or can no longer be met, whatever the others do) ends at once. Remaining quotas of a
combination may still be equivalent although each rule alone tells them apart (a quota
of population that no coalition with the required number of members can tell apart), so
a pass from the last step back merges states with the same two children. What is left
are exactly the nodes of the rule's quasi-reduced ordered binary decision diagram
(S. Bolus, European Journal of Operational Research 210, 2011), one level per step: at
most 2^i after i players, and at most the number of distinct sums of the remaining
weights (or the quota, for small whole-number weights) before the end. For the EU-27 rule
that is 22,000 states in all before merging, 11,600 after, at most 2,000 at once, instead
of 134 million coalitions (a double majority of NATO's 32 allies: 82,000 before, 11,000
to 47,000 after, by quota). Counting paths into and out of each state by number of
members then gives every swing count, by coalition size, with one sum of products per
player: the Shapley-Shubik index needs the sizes, and the other indices come for free.
Most of those counts are zero (a state mostly fixes how many members came before it), so
only the nonzero ones are carried forward and multiplied.

Why not something simpler: the conditions on the *number* of members in the EU rule
would allow a special method (count, for each player and size, the coalitions of the
others whose population falls just short of the quota, e.g. by meet-in-the-middle), but
it would serve that one shape of rule. The diagram serves every combination of weighted
rules, the same code gives all the indices, and it is faster still.

Counts stay exact: float64 holds every whole number below 2^53 exactly and no count here
exceeds 2^n, so up to 52 players the counting runs in numpy float64; beyond that in
Python integers, each row of counts by size packed into one integer.

Cost: the EU-27 rule with exact populations takes about 0.02 s (``scripts/bench_voting.py``
measures it against the packages on PyPI); one-vote-each rules with hundreds of players
take a fraction of a second. The size of the diagram is what limits: the US federal system
(537 players, seven weighted rules) has 257,000 states before merging and takes about 1 s
for Banzhaf and Coleman, but about 45 s and 4 GB for Shapley-Shubik, whose counts by size
are 537 numbers of up to 537 bits per state. So a rule whose diagram would exceed
:data:`_MAX_WORK` (states times players) is refused with a CourseError before it takes seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pandas as pd

from utils import checks
from utils.errors import CourseError

__all__ = ["EEC_1958_MEMBERS", "EEC_1958_WEIGHTS", "MAX_PLAYERS", "UN_PERMANENT_MEMBERS",
           "UN_SECURITY_COUNCIL_MEMBERS", "All", "Any", "Counts", "Rule", "Weighted",
           "banzhaf_normalized", "banzhaf_raw", "clear_cache", "coleman_initiate",
           "coleman_prevent", "consensus", "counts", "dummy_players", "eec_council_1958",
           "eu_council", "majority", "passage_probability", "power_table", "shapley_shubik",
           "un_security_council", "unanimity", "veto_players"]

#: The five permanent members of the Security Council (UN Charter, Art. 23), in the order
#: :func:`un_security_council` numbers them; players 5 to 14 are the ten elected members.
UN_PERMANENT_MEMBERS = ("China", "France", "Russia", "United Kingdom", "United States")
UN_SECURITY_COUNCIL_MEMBERS = UN_PERMANENT_MEMBERS + tuple(
    f"Elected member {k}" for k in range(1, 11))
#: The six members of the EEC Council in 1958 and their weights under Art. 148(2) EEC.
EEC_1958_MEMBERS = ("France", "Germany", "Italy", "Belgium", "Netherlands", "Luxembourg")
EEC_1958_WEIGHTS = (4, 4, 4, 2, 2, 1)

#: Largest number of distinct subset sums kept per weighted rule and step (see the module
#: docstring); beyond it remaining quotas are merged only when met or out of reach.
_SUMS_LIMIT = 1 << 16


# Checking input.

#: Most players a rule may have (the UN General Assembly has 193 members, the US federal
#: system of House, Senate and President 537): enough for any body a class looks at. The
#: exact counts grow with the square of the players in numbers of as many bits: 600 take
#: about 1.5 s for every index (2 shared cores), 1,000 took 12 to 19 s.
MAX_PLAYERS = 600
#: Largest weight of a player: far beyond any population, GDP or budget, in any unit.
_MAX_WEIGHT = 10**30
#: Most work for the power of one rule: states of its decision diagram times players.
#: Measured (2 shared cores): a simple majority of 300 (6.8 million) takes 1.7 s for every
#: index, 40 players with random weights in the millions 14.6 million states times 40,
#: i.e. 50 s and 8 GB, which is refused. EU-27 needs 0.6 million, NATO's rules less.
_MAX_WORK = 10_000_000
_LIMIT = "(A class never needs more, and it keeps every computation within seconds.)"


def _whole(what: str, value: object) -> int:
    """`value` as a Python int, or a CourseError saying why it is not a whole number."""
    return checks.whole(what, value, -_MAX_WEIGHT, _MAX_WEIGHT, limit=_LIMIT, hint=(
        " Weights are counted exactly, so they must be integers: multiply every weight and "
        "the quota by the same factor (e.g. 10 to count in tenths)."))


def _sequence(what: str, values: object) -> list[object]:
    if isinstance(values, np.ndarray) and values.ndim > 1:
        raise CourseError(f"{what} must be a flat list of numbers, one per player; got an "
                          f"array of shape {values.shape}.")
    items = checks.items(what, values, MAX_PLAYERS, "a list of numbers, one per player")
    if not items:
        raise CourseError(f"A voting rule needs at least one player; {what.lower()} is empty.")
    return items


# Rules.

class Rule:
    """A simple voting game on players 0..n-1: which coalitions win (pass a proposal).

    Combine rules with ``&`` (both must be met, :class:`All`) and ``|`` (either,
    :class:`Any`). Subclasses: :class:`Weighted`, :class:`All`, :class:`Any`.
    """

    @property
    def n(self) -> int:
        """The number of players."""
        raise NotImplementedError

    def wins(self, coalition: Iterable[int]) -> bool:
        """Whether the coalition (an iterable of player numbers) meets the rule."""
        members = set()
        for player in checks.items("The coalition", coalition, 4 * MAX_PLAYERS,
                                   "a list of player numbers such as [0, 2]"):
            number = checks.whole("A player's number", player, -_MAX_WEIGHT, _MAX_WEIGHT)
            if not 0 <= number < self.n:
                raise CourseError(f"Players are numbered 0 to {self.n - 1}; there is no "
                                  f"player {number}.")
            members.add(number)
        return self._wins(members)

    def _wins(self, members: set[int]) -> bool:
        raise NotImplementedError

    def __and__(self, other: Rule) -> All:
        return self._combine(All, other)

    def __or__(self, other: Rule) -> Any:
        return self._combine(Any, other)

    def _combine(self, kind: type, other: object) -> Any:
        """`kind` (All or Any) of both rules, flattening any that already is one."""
        if not isinstance(other, Rule):
            return NotImplemented
        return kind(*[r for rule in (self, other)
                      for r in (rule.rules if isinstance(rule, kind) else (rule,))])


@dataclass(frozen=True)
class Weighted(Rule):
    """A coalition wins when its members' weights add up to at least the quota.

    ``weights`` are whole numbers of 0 or more, one per player (any size: populations are
    fine). ``quota`` may be any number above 0 and at most the total weight; since weights
    are whole numbers it is stored as the smallest whole number at or above the one given
    (a quota of 8.5 means 9).
    """

    weights: tuple[int, ...]
    quota: int

    def __post_init__(self) -> None:
        weights = tuple(_whole(f"The weight of player {i}", w)
                        for i, w in enumerate(_sequence("The list of weights", self.weights)))
        for i, w in enumerate(weights):
            if w < 0:
                raise CourseError(f"The weight of player {i} is {w}; weights must be 0 or more.")
        total = sum(weights)
        quota = checks.exact("The quota", self.quota)
        if quota <= 0:
            raise CourseError(f"The quota must be more than 0 (otherwise even the empty "
                              f"coalition would win); got {checks.shown(self.quota)}.")
        quota = math.ceil(quota)
        if quota > total:
            raise CourseError(f"The quota {checks.shown(self.quota)} is more than the total "
                              f"weight {total}, "
                              "so no coalition could ever win.")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "quota", quota)

    @property
    def n(self) -> int:
        return len(self.weights)

    def _wins(self, members: set[int]) -> bool:
        return sum(self.weights[i] for i in members) >= self.quota


class _Combination(Rule):
    """What All and Any share: sub-rules on the same players, checked when built."""

    rules: tuple[Rule, ...]

    def __init__(self, *rules: Rule) -> None:
        if len(rules) == 1 and not isinstance(rules[0], Rule) and isinstance(rules[0], Iterable):
            rules = tuple(rules[0])
        if not rules:
            raise CourseError(f"{type(self).__name__}(...) needs at least one rule to combine.")
        for k, rule in enumerate(rules, 1):
            if not isinstance(rule, Rule):
                raise CourseError(f"{type(self).__name__}(...) combines rules such as "
                                  f"Weighted(...); item {k} is {checks.shown(rule)}.")
        sizes = [rule.n for rule in rules]
        for k, size in enumerate(sizes[1:], 2):
            if size != sizes[0]:
                raise CourseError(
                    f"Rules combined with {type(self).__name__} must share the same players: "
                    f"rule 1 has {sizes[0]} players but rule {k} has {size}.")
        object.__setattr__(self, "rules", tuple(rules))

    @property
    def n(self) -> int:
        return self.rules[0].n


@dataclass(frozen=True, init=False)
class All(_Combination):
    """A coalition wins when it meets every one of the rules (AND); ``a & b`` is All(a, b)."""

    rules: tuple[Rule, ...]

    def _wins(self, members: set[int]) -> bool:
        return all(rule._wins(members) for rule in self.rules)


@dataclass(frozen=True, init=False)
class Any(_Combination):
    """A coalition wins when it meets at least one of the rules (OR); ``a | b`` is Any(a, b)."""

    rules: tuple[Rule, ...]

    def _wins(self, members: set[int]) -> bool:
        return any(rule._wins(members) for rule in self.rules)


# The real rules.

def _players(n: object) -> int:
    return checks.whole("The number of players", n, 1, MAX_PLAYERS, limit=_LIMIT,
                        outside="A voting rule needs at least one player and at most "
                                f"{MAX_PLAYERS}; got {{value}}. {_LIMIT}")


def unanimity(n: int) -> Weighted:
    """Everyone must vote yes: only the coalition of all ``n`` players wins.

    Every player is a veto player and has the same power, 1/n by Shapley-Shubik; a
    proposal passes in only one of the 2^n coalitions.
    """
    n = _players(n)
    return Weighted((1,) * n, n)


def consensus(n: int) -> Weighted:
    """NATO's consensus rule among ``n`` allies: as a voting game, the same as unanimity.

    Consensus differs from unanimity in procedure, not in which coalitions win: nobody
    votes, and a text passes when no ally objects (under the silence procedure, when none
    breaks silence before the deadline). An ally that merely stays silent counts as agreeing,
    so the allies who do not object must be all of them: exactly the one winning coalition
    of unanimity. What the procedure changes (the cost of being seen to object, the
    chance to reword a text before anyone has to say no) lies outside the voting game;
    :mod:`utils.consensus` models it.
    """
    return unanimity(n)


def majority(n: int, share: object = None) -> Weighted:
    """One vote each; a coalition wins with at least ``share`` of the ``n`` members.

    Without ``share``, a simple majority: more than half (``n // 2 + 1`` members). With a
    ``share`` such as ``2/3`` or ``Fraction(2, 3)`` the quota is the smallest whole number
    of members at or above ``share * n``, computed exactly by :func:`utils.checks.quota`
    (a float is read as the simple fraction it stands for, so ``0.55`` means 55/100 and
    ``0.1 * 3`` means 3/10).
    """
    n = _players(n)
    if share is None:
        return Weighted((1,) * n, n // 2 + 1)
    fraction = checks.share("The share of members needed", share)
    return Weighted((1,) * n, checks.quota(fraction, n))


def un_security_council() -> All:
    """The UN Security Council on non-procedural matters (UN Charter, Art. 27(3)).

    Fifteen members: players 0-4 are the permanent members (:data:`UN_PERMANENT_MEMBERS`),
    players 5-14 the ten elected ones. A draft passes with nine votes including the
    concurring votes of all five permanent members:
    ``Weighted(one vote each, 9) & Weighted(1 for each permanent member, 5)``.
    (In practice a permanent member's abstention does not block; in the voting game a
    member either joins the coalition of yes votes or does not.)
    """
    return All(Weighted((1,) * 15, 9), Weighted((1,) * 5 + (0,) * 10, 5))


def eec_council_1958(on_commission_proposal: bool = True) -> Rule:
    """The Council of the EEC under the Treaty of Rome (Art. 148(2) EEC, from 1958).

    Players in :data:`EEC_1958_MEMBERS` order: France, Germany, Italy 4 votes each;
    Belgium, Netherlands 2; Luxembourg 1. A qualified majority is 12 of the 17 votes.
    When the Council did not act on a proposal from the Commission the 12 votes also had
    to be cast by at least four members (``on_commission_proposal=False``). Luxembourg is
    the textbook dummy: all other weights are even, so no coalition reaches 11 for its one
    vote to make 12.
    """
    weighted = Weighted(EEC_1958_WEIGHTS, 12)
    if checks.yes_no("on_commission_proposal", on_commission_proposal):
        return weighted
    return weighted & Weighted((1,) * 6, 4)


def eu_council(populations: Sequence[int], *, min_members: int = 15,
               min_blocking: int = 4) -> Any:
    """The Council of the EU voting by qualified majority (TEU Art. 16(4), since 2014).

    ``populations`` holds each member state's population as a whole number (exact figures
    are fine and are used exactly). The treaty: a qualified majority is *at least 55 % of
    the members of the Council, comprising at least fifteen of them, representing member
    states comprising at least 65 % of the population of the Union*; and *a blocking
    minority must include at least four Council members, failing which the qualified
    majority shall be deemed attained*. So a coalition wins when

    * (a) it has at least max(55 % of the members, rounded up; ``min_members``) members
      **and** at least 65 % of the total population, rounded up to a whole person; or
    * (b) at most three members are outside it (members >= n - 3): the members outside
      could never be a blocking minority, whatever their population.

    With 27 members 55 % is 14.85, so 15 members: the two member thresholds coincide.
    Clause (b) decides when three populous states oppose: Germany, France and Italy hold
    well over the 35 % of the population that defeats clause (a), yet the other 24
    members pass the proposal. As a rule value, with n members:
    ``(Weighted(one each, 15) & Weighted(populations, 65 %)) | Weighted(one each, n - 3)``.

    Not covered: the 72 % of members needed when the Council does not act on a proposal
    of the Commission or the High Representative, and votes in which not all members take
    part (TFEU Art. 238(2)-(3)).
    """
    people = [_whole(f"The population of member {i}", p)
              for i, p in enumerate(_sequence("The list of populations", populations))]
    for i, p in enumerate(people):
        if p <= 0:
            raise CourseError(f"The population of member {i} is {p}; populations must be "
                              "more than 0.")
    n = len(people)
    min_members = _whole("The minimum number of members", min_members)
    min_blocking = _whole("The smallest blocking minority", min_blocking)
    members_quota = max(-(-55 * n // 100), min_members)
    if members_quota > n:
        raise CourseError(f"The rule needs at least {members_quota} members but the Council "
                          f"has only {n}; pass min_members=0 to require 55 % of the members "
                          "alone.")
    if not 1 <= min_blocking <= n:
        raise CourseError(f"A blocking minority needs from 1 to {n} members; got "
                          f"{min_blocking}.")
    total = sum(people)
    one_each = (1,) * n
    double_majority = Weighted(one_each, members_quota) & Weighted(people, -(-65 * total // 100))
    return double_majority | Weighted(one_each, n - min_blocking + 1)


# Counting.

@dataclass(frozen=True)
class Counts:
    """The exact counts of coalitions behind every index (plain Python integers).

    ``winning_by_size[k]``: the winning coalitions of k members, k = 0..n.
    ``swings_by_size[i][k]``: the coalitions S of k players other than i (k = 0..n-1)
    that i turns from losing into winning by joining: i is a *swing* in S.
    """

    n: int
    winning_by_size: tuple[int, ...]
    swings_by_size: tuple[tuple[int, ...], ...]

    @property
    def winning(self) -> int:
        """The number of winning coalitions (out of 2^n)."""
        return sum(self.winning_by_size)

    @property
    def swings(self) -> tuple[int, ...]:
        """For each player, the coalitions of the others in which it is a swing."""
        return tuple(sum(row) for row in self.swings_by_size)

    @property
    def shapley_shubik(self) -> tuple[Fraction, ...]:
        """The Shapley-Shubik index of each player, as an exact fraction: a swing in a
        coalition of k others is pivotal in k! (n-1-k)! of the n! orders."""
        n = self.n
        factor = [math.factorial(k) * math.factorial(n - 1 - k) for k in range(n)]
        whole = math.factorial(n)
        return tuple(Fraction(sum(f * s for f, s in zip(factor, row, strict=True)), whole)
                     for row in self.swings_by_size)


def _leaves(rule: Rule, leaves: list[Weighted]) -> int | tuple[str, tuple]:
    """The rule as a formula over numbered weighted rules, which are put in `leaves`."""
    if isinstance(rule, Weighted):
        leaves.append(rule)
        return len(leaves) - 1
    if isinstance(rule, (All, Any)):
        return ("all" if isinstance(rule, All) else "any",
                tuple(_leaves(r, leaves) for r in rule.rules))
    raise CourseError(f"Not a voting rule: {rule!r}.")  # pragma: no cover - Rule subclasses


def _members(formula: int | tuple[str, tuple]) -> list[int]:
    if isinstance(formula, int):
        return [formula]
    return [leaf for part in formula[1] for leaf in _members(part)]


def _evaluate(formula: int | tuple[str, tuple], status: np.ndarray,
              sealed: list[tuple[list[int], np.ndarray]]) -> np.ndarray:
    """Three-valued (1 met, -1 cannot be met, 0 open) value of the formula for each state;
    appends each combination's leaves and value to `sealed`, innermost first."""
    if isinstance(formula, int):
        return status[:, formula]
    kind, parts = formula
    values = [_evaluate(part, status, sealed) for part in parts]
    value = (np.minimum if kind == "all" else np.maximum).reduce(values)
    sealed.append((_members(formula), value))
    return value


class _Level:
    """How to put the remaining quota of one weighted rule into canonical form, at one step."""

    def __init__(self, remaining: int, sums: np.ndarray | None, dtype: type) -> None:
        self.remaining = remaining
        self.sums = sums
        if sums is not None:
            self.values = np.append(sums, np.array([remaining + 1], dtype=dtype))
            self.radix = len(sums) + 1
        else:
            self.radix = remaining + 2
        self.dead = self.radix - 1

    def canonical(self, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(canonical remaining quota, its key from 0 = met to radix - 1 = out of reach)."""
        if self.sums is not None:
            key = np.searchsorted(self.sums, residual, side="left")
            return self.values[key], key
        value = np.minimum(np.maximum(residual, 0), self.remaining + 1)
        return value, value


def _subset_sums(weights: list[int], dtype: type) -> list[np.ndarray | None]:
    """Sorted distinct subset sums of weights[i:], for each i (None once too many)."""
    sums: list[np.ndarray | None] = [None] * (len(weights) + 1)
    current = np.zeros(1, dtype=dtype)
    sums[len(weights)] = current
    for i in range(len(weights) - 1, -1, -1):
        if weights[i]:
            # Two sorted runs: a stable sort merges them in linear time.
            merged = np.sort(np.concatenate([current, current + weights[i]]), kind="stable")
            current = merged[np.concatenate([[True], merged[1:] != merged[:-1]])]
        if len(current) > _SUMS_LIMIT:
            break
        sums[i] = current
    return sums


def _dedupe(keys: list[np.ndarray], radices: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """First index of each distinct row of keys, and each row's group number."""
    if math.prod(radices) < 2**62:
        combined = np.zeros(len(keys[0]), dtype=np.int64)
        for key, radix in zip(keys, radices, strict=True):
            combined = combined * radix + key.astype(np.int64)
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        return first, inverse.ravel()
    rows: dict[tuple, int] = {}
    first_list: list[int] = []
    inverse = np.empty(len(keys[0]), dtype=np.int64)
    for index, row in enumerate(zip(*(k.tolist() for k in keys), strict=True)):
        group = rows.setdefault(row, len(rows))
        if group == len(first_list):
            first_list.append(index)
        inverse[index] = group
    return np.array(first_list, dtype=np.int64), inverse


def _order(leaves: list[Weighted], n: int) -> list[int]:
    """Players, heaviest first (by weight as a share of each rule's total, summed)."""
    totals = [sum(leaf.weights) for leaf in leaves]
    share = [sum(Fraction(leaf.weights[p], total) for leaf, total in zip(leaves, totals,
                                                                         strict=True))
             for p in range(n)]
    return sorted(range(n), key=lambda p: (-share[p], p))


def _build(rule: Rule) -> tuple[list[int], list[tuple[np.ndarray, np.ndarray, int]]]:
    """The decision diagram, step by step: for the player decided at each step, where each
    state goes when the player joins (hi) and when not (lo). A pointer equal to the next
    step's number of states means 'wins whatever follows', one more 'loses whatever'."""
    leaves: list[Weighted] = []
    formula = _leaves(rule, leaves)
    n, m = rule.n, len(leaves)
    order = _order(leaves, n)
    reduced = []
    for leaf in leaves:  # divide out common factors: same game, smaller numbers
        g = math.gcd(*leaf.weights, leaf.quota)
        reduced.append(([w // g for w in leaf.weights], -(-leaf.quota // g)))
    dtype: type = np.int64 if max(sum(w) for w, _ in reduced) < 2**62 else object
    weights = np.array([[w[p] for p in order] for w, _ in reduced], dtype=dtype)
    levels = []
    for w, _ in reduced:
        ordered = [w[p] for p in order]
        suffix = [sum(ordered[i:]) for i in range(n + 1)]
        sums = _subset_sums(ordered, dtype)
        levels.append([_Level(suffix[i], sums[i], dtype) for i in range(n + 1)])

    def canonical(step: int, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        values = np.empty_like(residual)
        keys, status = [], np.zeros(residual.shape, dtype=np.int8)
        for j in range(m):
            level = levels[j][step]
            values[:, j], key = level.canonical(residual[:, j])
            keys.append(key)
            status[:, j] = (key == 0).astype(np.int8) - (key == level.dead)
        sealed: list[tuple[list[int], np.ndarray]] = []
        result = _evaluate(formula, status, sealed)
        for members, value in sealed:  # a sealed combination: its rules no longer matter
            met, dead = value == 1, value == -1
            for j in members:
                level = levels[j][step]
                values[met, j], keys[j][met] = 0, 0
                values[dead, j], keys[j][dead] = level.remaining + 1, level.dead
        return values, np.asarray(result), keys

    state, _, _ = canonical(0, np.array([[q for _, q in reduced]], dtype=dtype))
    steps = []
    work = 0
    for i in range(n):
        size = len(state)
        residual = np.concatenate([state - weights[:, i], state])
        values, result, keys = canonical(i + 1, residual)
        open_ = result == 0
        first, inverse = _dedupe([k[open_] for k in keys],
                                 [levels[j][i + 1].radix for j in range(m)])
        pointer = np.where(result == 1, len(first), len(first) + 1)
        pointer[open_] = inverse
        steps.append((pointer[:size], pointer[size:], len(first)))
        work += len(first) * n
        if work > _MAX_WORK:
            raise CourseError(
                f"This rule is too large to compute its power exactly in a class: its "
                f"decision diagram passes {_MAX_WORK // n:,} states after {i + 1} of {n} "
                "players. Use fewer players, or rounder weights (e.g. populations in "
                f"thousands). {_LIMIT}")
        state = values[open_][first]
    return order, steps


_Steps = list[tuple[np.ndarray, np.ndarray, int]]


def _step_forward(top: np.ndarray, hi: np.ndarray, lo: np.ndarray, size: int) -> np.ndarray:
    """Paths into each of the next step's `size` states, by number of members: each state's
    row goes to its lo child as it is and to its hi child one member up. Only the nonzero
    entries move (most are zero: a state mostly fixes how many members came before it).
    Whole numbers below 2^53 add up exactly in float64, in any order."""
    width = top.shape[1] + 1
    where = np.flatnonzero(top)
    state, members = np.divmod(where, width - 1)
    values = top.ravel()[where]
    index = np.concatenate([lo[state] * width + members, hi[state] * width + members + 1])
    summed = np.bincount(index, weights=np.concatenate([values, values]),
                         minlength=(size + 2) * width)
    return summed.reshape(size + 2, width)[:size]


def _swings_by_size(top: np.ndarray, gain: np.ndarray, n: int) -> tuple[int, ...]:
    """Sums over states v and a + b = k of top[v, a] * gain[v, b], for k = 0..n-1, as exact
    integers (rows of top: members before the step; of gain: members after it). Only the
    nonzero entries of top are multiplied; every product and sum is a whole number below
    2^53, so float64 gets them exactly, in any order."""
    where = np.flatnonzero(top)
    state, members = np.divmod(where, top.shape[1])
    products = top.ravel()[where, None] * gain[state]
    index = members[:, None] + np.arange(gain.shape[1])
    summed = np.bincount(index.ravel(), weights=products.ravel(), minlength=n)
    return tuple(int(c) for c in np.rint(summed).tolist())


def _count_float(n: int, order: list[int], steps: _Steps) -> Counts:
    """Counts by number of members in float64 arrays: exact for n <= 52, where every count
    and every sum below is a whole number under 2^53."""
    # Paths from the start into each state, by number of members so far. Paths that have
    # already won or lost whatever follows are left out: no later player is a swing there.
    tops = [np.ones((1, 1))]
    for i, (hi, lo, size) in enumerate(steps[:-1]):
        tops.append(_step_forward(tops[i], hi, lo, size))
    # Winning ways to finish from each state, by number of members among those to come;
    # the last two rows stand for 'won whatever follows' and 'lost whatever follows'.
    swings: list[tuple[int, ...]] = [()] * n
    finish = np.array([[1.0], [0.0]])
    for i in range(n - 1, -1, -1):
        hi, lo, _ = steps[i]
        joined, alone = finish[hi], finish[lo]
        swings[order[i]] = _swings_by_size(tops[i], joined - alone, n)
        rest = n - i
        finish = np.zeros((len(hi) + 2, rest + 1))
        finish[:-2, :-1] = alone
        finish[:-2, 1:] += joined
        finish[-2] = [math.comb(rest, b) for b in range(rest + 1)]
    return Counts(n, tuple(int(c) for c in finish[0].tolist()), tuple(swings))


def _count_exact(n: int, order: list[int], steps: _Steps, bits: int) -> tuple[int, list[int]]:
    """The same counts for any n, in Python integers: (winning, swings of each player).

    With ``bits`` > 0, each row of counts by number of members is packed into one integer,
    the count for k members in bits [k*bits, (k+1)*bits): adding rows adds integers, one
    more member is a shift by ``bits``, and multiplying two integers convolves two rows.
    No count reaches 2^bits, so nothing spills over. With ``bits`` = 0 the same code
    counts without regard to size, which is all that indices other than Shapley-Shubik
    need, and much cheaper for hundreds of players."""
    tops: list[list[int]] = [[1]]
    for i, (hi, lo, size) in enumerate(steps[:-1]):
        top = [0] * (size + 2)
        for t, h, lo_ in zip(tops[i], hi.tolist(), lo.tolist(), strict=True):
            top[lo_] += t
            top[h] += t << bits
        tops.append(top[:size])
    swings = [0] * n
    finish = [1, 0]
    for i in range(n - 1, -1, -1):
        hi, lo, _ = steps[i]
        rows = []
        for t, h, lo_ in zip(tops[i], hi.tolist(), lo.tolist(), strict=True):
            joined, alone = finish[h], finish[lo_]
            swings[order[i]] += t * (joined - alone)
            rows.append(alone + (joined << bits))
        finish = [*rows, ((1 << bits) + 1) ** (n - i), 0]
    return finish[0], swings


def _unpack(packed: int, bits: int, length: int) -> tuple[int, ...]:
    raw = packed.to_bytes(length * bits // 8, "little")
    step = bits // 8
    return tuple(int.from_bytes(raw[k * step:(k + 1) * step], "little") for k in range(length))


def _merge(steps: _Steps) -> _Steps:
    """The same diagram with equivalent states merged, from the last step back: states
    whose two children are the same are one state. Remaining quotas kept apart in
    :func:`_build` may still be equivalent once several rules are combined (quotas of
    population that no coalition with the required number of members can tell apart);
    counting then runs on fewer states, and counts the same coalitions. (A state whose
    children both win, or both lose, whatever follows is never left open by _build.)"""
    merged: _Steps = []
    size = 0
    new = np.arange(2)  # the last step's children: 0 wins, 1 loses whatever follows
    for hi, lo, _ in reversed(steps):
        hi, lo = new[hi], new[lo]
        _, first, inverse = np.unique(hi * (size + 2) + lo, return_index=True,
                                      return_inverse=True)
        merged.append((hi[first], lo[first], size))
        new = np.concatenate([inverse.ravel(), [len(first), len(first) + 1]])
        size = len(first)
    return merged[::-1]


@lru_cache(maxsize=8)
def _steps(rule: Rule) -> tuple[list[int], _Steps]:
    order, steps = _build(rule)
    return order, _merge(steps)


@lru_cache(maxsize=64)
def _counts(rule: Rule) -> Counts:
    n = rule.n
    order, steps = _steps(rule)
    if n <= 52:
        return _count_float(n, order, steps)
    bits = 8 * (n // 8 + 1)
    winning, swings = _count_exact(n, order, steps, bits)
    return Counts(n, _unpack(winning, bits, n + 1),
                  tuple(_unpack(row, bits, n) for row in swings))


@lru_cache(maxsize=64)
def _totals(rule: Rule) -> tuple[int, tuple[int, ...]]:
    """(the number of winning coalitions, each player's number of swings)."""
    if rule.n <= 52:
        c = _counts(rule)
        return c.winning, c.swings
    order, steps = _steps(rule)
    winning, swings = _count_exact(rule.n, order, steps, 0)
    return winning, tuple(swings)


def clear_cache() -> None:
    """Forget the results kept for rules already computed (for timing, or to free memory)."""
    for cached in (_steps, _counts, _totals):
        cached.cache_clear()


def _rule(rule: object) -> Rule:
    if not isinstance(rule, Rule):
        raise CourseError(f"Give a voting rule such as Weighted([...], quota), not "
                          f"{checks.shown(rule)}.")
    return rule


def counts(rule: Rule) -> Counts:
    """The exact counts of winning coalitions and of each player's swings, by number of
    members (see :class:`Counts`)."""
    return _counts(_rule(rule))


# The indices. Only Shapley-Shubik needs the counts by number of members.

def shapley_shubik(rule: Rule) -> np.ndarray:
    """Each player's Shapley-Shubik index: the share of the n! orders in which the players
    could line up in which that player's yes turns the coalition into a winning one.
    The shares add up to 1."""
    return np.array([float(x) for x in counts(rule).shapley_shubik])


def banzhaf_raw(rule: Rule) -> np.ndarray:
    """Each player's raw (absolute, Penrose) Banzhaf index: the probability that the
    player is a swing when each other player votes yes or no at random, 1/2 each:
    swings / 2^(n-1). These need not add up to 1."""
    _, swings = _totals(_rule(rule))
    return np.array([s / 2 ** (rule.n - 1) for s in swings])


def banzhaf_normalized(rule: Rule) -> np.ndarray:
    """Each player's normalized Banzhaf index: its share of all players' swings (the
    shares add up to 1)."""
    _, swings = _totals(_rule(rule))
    return np.array([s / sum(swings) for s in swings])


def passage_probability(rule: Rule) -> float:
    """Coleman's power of the collectivity to act: the share of all 2^n coalitions that
    win, i.e. the chance a proposal passes when each player votes yes or no at random."""
    winning, _ = _totals(_rule(rule))
    return winning / 2**rule.n


def coleman_prevent(rule: Rule) -> np.ndarray:
    """Coleman's power to prevent action: the share of winning coalitions that the player
    can turn into losing ones by leaving (swings / winning coalitions)."""
    winning, swings = _totals(_rule(rule))
    return np.array([s / winning for s in swings])


def coleman_initiate(rule: Rule) -> np.ndarray:
    """Coleman's power to initiate action: the share of losing coalitions without the
    player that it turns into winning ones by joining (swings / losing coalitions)."""
    winning, swings = _totals(_rule(rule))
    return np.array([s / (2**rule.n - winning) for s in swings])


def veto_players(rule: Rule) -> np.ndarray:
    """The players (numbers, ascending) that belong to every winning coalition: nothing
    passes without them. (A coalition without player i wins with i too, so the winning
    coalitions number 2 x those without i, plus i's swings: i has a veto when they
    number exactly its swings.)"""
    winning, swings = _totals(_rule(rule))
    return np.array([i for i, s in enumerate(swings) if s == winning], dtype=np.int64)


def dummy_players(rule: Rule) -> np.ndarray:
    """The players (numbers, ascending) that are never a swing: whether they join changes
    no outcome, so every index gives them 0."""
    _, swings = _totals(_rule(rule))
    return np.array([i for i, s in enumerate(swings) if s == 0], dtype=np.int64)


def power_table(rule: Rule, names: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per player with every index, plus whether it has a veto and whether it is
    a dummy; the rule's passage probability is in ``table.attrs["passage_probability"]``."""
    n = _rule(rule).n
    if names is None:
        names = [f"Player {i}" for i in range(n)]
    elif (isinstance(names, str) or not isinstance(names, Sequence)
          or not all(isinstance(name, str) for name in names)):
        raise CourseError(f"Give the players' names as a list of texts, not "
                          f"{checks.shown(names)}.")
    elif len(names) != n:
        raise CourseError(f"Give one name per player: the rule has {n} players but "
                          f"{len(names)} names were given.")
    vetoes, dummies = set(veto_players(rule).tolist()), set(dummy_players(rule).tolist())
    table = pd.DataFrame({
        "player": list(names),
        "shapley_shubik": shapley_shubik(rule),
        "banzhaf_normalized": banzhaf_normalized(rule),
        "banzhaf_raw": banzhaf_raw(rule),
        "coleman_prevent": coleman_prevent(rule),
        "coleman_initiate": coleman_initiate(rule),
        "veto": [i in vetoes for i in range(n)],
        "dummy": [i in dummies for i in range(n)],
    })
    table.attrs["passage_probability"] = passage_probability(rule)
    return table
