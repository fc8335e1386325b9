"""Time utils.voting against the voting-power packages on PyPI, on the EU-27 Council.

    python scripts/bench_voting.py [--populations FILE] [--runs N] [--thousands]

Games, with the 27 member states' exact populations (data/eu_council_population.csv:
Eurostat, 1 January 2022):

(a) the Council's qualified majority (TEU Art. 16(4)): at least 15 members with at least
    65 % of the population, or at most three members against (the blocking-minority
    clause);
(b) the single-quota population game: weights = populations, quota = 65 % of the total;
(c) with --thousands, game (b) with populations rounded to thousands, small enough for the
    packages that tabulate every weight sum.

Each library computes Shapley-Shubik, Banzhaf and the passage probability together; the
time is the median of several runs from scratch. Peers: power-bdd (binary decision
diagrams), powerindices and powerindex (tables over all weight sums). Each is imported
only when it is installed: none is a dependency of the course, so the script says so and
goes on. To compare, install them beside the course, e.g. in a scratch environment:

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install power-bdd powerindices \\
        powerindex numpy pandas
    PYTHONPATH=. /tmp/peers/bin/python scripts/bench_voting.py

A peer whose method cannot handle a game is not run; the script says why (e.g. the
memory its table would take). Results are compared with ours: every difference must be
at most 1e-12. Exits with 1 when a check fails (our time over 1 s for the EU rule, slower
than the fastest peer, or a disagreement).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import importlib.metadata
import io
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from utils import voting

ROOT = Path(__file__).resolve().parent.parent
POPULATIONS = ROOT / "data" / "eu_council_population.csv"
AGREEMENT = 1e-12
TARGET_SECONDS = 1.0
#: A peer is not started when its table would need more memory than this, in bytes.
MEMORY_LIMIT = 4 * 2**30


@dataclass(frozen=True)
class Game:
    """One benchmark game: our rule, and its parts for peers that build it themselves."""

    label: str
    rule: voting.Rule
    populations: list[int]
    quota: int
    members_quota: int | None = None  # (a) only: members needed with the population quota
    any_members: int | None = None  # (a) only: members that pass whatever the population


@dataclass(frozen=True)
class Result:
    """What a library computed: Shapley-Shubik, raw or normalized Banzhaf, passage."""

    shapley: np.ndarray
    banzhaf: np.ndarray
    banzhaf_kind: str  # "raw" or "normalized"
    passage: float | None


def read_populations(path: Path) -> list[int]:
    """The population column of the CSV, as whole numbers."""
    with path.open(newline="", encoding="utf-8") as file:
        return [int(row["population"]) for row in csv.DictReader(file)]


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# Ours.

def ours(game: Game) -> Result:
    voting.clear_cache()
    return Result(voting.shapley_shubik(game.rule), voting.banzhaf_raw(game.rule), "raw",
                  voting.passage_probability(game.rule))


# The peers: each returns a callable computing a Result, or a sentence saying why not.

def peer_power_bdd(module: object, game: Game) -> Callable[[], Result] | str:
    from power_bdd.bdd import BDD, WeightedGame  # imported here: only if installed

    n = len(game.populations)

    def run() -> Result:
        # WeightedGame inserts a dummy weight into the list it is given: pass copies.
        population = BDD(WeightedGame(game.quota, list(game.populations)))
        if game.members_quota is None:
            diagram = population
        else:
            members = BDD(WeightedGame(game.members_quota, [1] * n))
            clause = BDD(WeightedGame(game.any_members, [1] * n))
            diagram = (members & population) | clause
        with contextlib.redirect_stdout(io.StringIO()):  # it prints progress on big diagrams
            banzhaf = diagram.calc_banzhaf()
            passage = diagram.root.count / 2**n  # winning paths, counted by calc_banzhaf
            shapley = diagram.calc_shapley()
        return Result(np.array(shapley), np.array(banzhaf), "raw", passage)

    return run


def peer_powerindices(module: object, game: Game) -> Callable[[], Result] | str:
    n, total = len(game.populations), sum(game.populations)
    if game.members_quota is not None:
        return ("cannot express the blocking-minority clause (one quota, optionally with a "
                "minimum number of members; no OR)")
    table = (total + 1) * (n + 1) * 8
    if table > MEMORY_LIMIT:
        return (f"not run: its Shapley-Shubik table has one 64-bit integer per weight sum "
                f"and size, {total + 1:,} x {n + 1} = {table / 2**30:,.0f} GiB")

    def run() -> Result:
        shapley = module.compute_ssi(game.quota, list(game.populations))
        banzhaf = module.compute_pbi(game.quota, list(game.populations))
        return Result(np.array(shapley, dtype=float), np.array(banzhaf, dtype=float), "raw",
                      None)

    return run


def peer_powerindex(module: object, game: Game) -> Callable[[], Result] | str:
    n, total = len(game.populations), sum(game.populations)
    if game.members_quota is not None:
        return "cannot express combined rules (one weighted quota only)"
    entries = n * n * game.quota  # its Shapley-Shubik generating function, in Python lists
    if entries * 8 > MEMORY_LIMIT:
        return (f"not run: its Shapley-Shubik table is a Python list of {n} x {n} x quota "
                f"= {entries:,} numbers (over {entries * 8 / 2**30:,.0f} GiB), for a total "
                f"weight of {total:,}")

    def run() -> Result:
        game_ = module.powerindex.Game(game.quota, weights=list(game.populations))
        game_.calc_banzhaf()
        game_.calc_shapley_shubik()
        return Result(np.array(game_.shapley_shubik), np.array(game_.banzhaf), "normalized",
                      None)

    return run


PEERS = {"power-bdd": ("power_bdd", peer_power_bdd),
         "powerindices": ("powerindices", peer_powerindices),
         "powerindex": ("powerindex", peer_powerindex)}


def difference(theirs: Result, mine: Result, game: Game) -> float:
    banzhaf = (voting.banzhaf_raw(game.rule) if theirs.banzhaf_kind == "raw"
               else voting.banzhaf_normalized(game.rule))
    gaps = [np.max(np.abs(theirs.shapley - mine.shapley)),
            np.max(np.abs(theirs.banzhaf - banzhaf))]
    if theirs.passage is not None:
        gaps.append(abs(theirs.passage - mine.passage))
    return float(max(gaps))


def bench(game: Game, runs: int, peer_runs: int, strict: bool) -> bool:
    print(f"\n{game.label}")
    print(f"  {'library':22} {'seconds':>9}  agreement with utils.voting")
    seconds, mine = median_seconds(lambda: ours(game), runs)
    ok = True
    if strict:
        ok = seconds < TARGET_SECONDS
    print(f"  {'utils.voting':22} {seconds:9.4f}  (median of {runs})"
          + (f"; target < {TARGET_SECONDS:g} s: {'ok' if ok else 'MISSED'}" if strict else ""))
    fastest: tuple[float, str] | None = None
    for name, (module_name, make) in PEERS.items():
        try:
            module = importlib.import_module(module_name)
            label = f"{name} {importlib.metadata.version(name)}"
        except ImportError:
            print(f"  {name:22} {'-':>9}  not installed (pip install {name} to compare)")
            continue
        run = make(module, game)
        if isinstance(run, str):
            print(f"  {label:22} {'-':>9}  {run}")
            continue
        their_seconds, theirs = median_seconds(run, peer_runs)
        gap = difference(theirs, mine, game)
        agrees = gap <= AGREEMENT
        ok &= agrees
        what = "Shapley-Shubik, Banzhaf " + theirs.banzhaf_kind + (
            ", passage" if theirs.passage is not None else "")
        print(f"  {label:22} {their_seconds:9.4f}  max |difference| {gap:.1e} "
              f"({what}): {'ok' if agrees else 'DISAGREES'}")
        if fastest is None or their_seconds < fastest[0]:
            fastest = (their_seconds, label)
    if fastest is None:
        print("  no peer could be timed on this game")
    else:
        faster = seconds <= fastest[0]
        ok &= faster
        print(f"  fastest peer: {fastest[1]}, {fastest[0] / seconds:.1f} x the time of "
              f"utils.voting: {'ok' if faster else 'SLOWER THAN A PEER'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--populations", type=Path, default=POPULATIONS,
                        help="CSV with a population column, one row per member state "
                             "(default: data/eu_council_population.csv)")
    parser.add_argument("--runs", type=int, default=7, help="runs of ours (median)")
    parser.add_argument("--peer-runs", type=int, default=3, help="runs of each peer (median)")
    parser.add_argument("--thousands", action="store_true",
                        help="also game (c), populations in thousands (peers take minutes)")
    args = parser.parse_args()
    path = args.populations
    if not path.is_file():
        print(f"No population file at {path}; give one with --populations FILE (a CSV "
              "with a population column, one row per member state).")
        return 1
    populations = read_populations(path)
    n, total = len(populations), sum(populations)
    quota = -(-65 * total // 100)
    rule = voting.eu_council(populations)
    double, clause = rule.rules
    print(f"{n} member states from {path}: {total:,} people; 65 % = {quota:,}")
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}")
    games = [
        Game(f"(a) EU Council: ({double.rules[0].quota}+ members and 65 % of the population) "
             f"or {clause.quota}+ members", rule, populations, quota,
             members_quota=double.rules[0].quota, any_members=clause.quota),
        Game("(b) single quota: weights = populations, quota = 65 % of the total",
             voting.Weighted(populations, quota), populations, quota),
    ]
    if args.thousands:
        rounded = [round(p / 1000) for p in populations]
        quota_k = -(-65 * sum(rounded) // 100)
        games.append(Game("(c) as (b), populations in thousands (rounded)",
                          voting.Weighted(rounded, quota_k), rounded, quota_k))
    ok = True
    for game in games:
        ok &= bench(game, args.runs, args.peer_runs, strict=game.members_quota is not None)
    if not ok:
        print("\nA check failed (see above).")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
