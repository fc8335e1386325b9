"""``python -m council``: start or resume one class session (``python3 course.py council``)."""

from __future__ import annotations

import argparse
import sys

import utils

# Before the server's modules load Altair (see the function): 1.2 s of CPU less at start.
utils.decline_iri_parsers()

from council import game, live  # noqa: E402
from council.server import Session, serve  # noqa: E402

__all__ = ["arguments", "main"]

DEFAULT_DB = live.logs() / "council" / "session.sqlite"
#: Not 8765, which `python3 course.py lite serve` takes: both can run in one lesson.
DEFAULT_PORT = 8766
DEFAULT_CARD, DEFAULT_SEATS = "turkey_defence_2003", 12


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 course.py council",
        description="Play a North Atlantic Council with the class: one ally per student.")
    # --card and --seats default to None, so that a resumed session can tell whether
    # they were given (a resumed session keeps its own)
    parser.add_argument("--card", choices=game.card_ids(),
                        help=f"the scenario card (default: {DEFAULT_CARD})")
    parser.add_argument("--seats", type=int,
                        help=f"number of ally seats, 2 to 40 (default: {DEFAULT_SEATS})")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the imagined alliance's briefs (default: %(default)s)")
    live.add_options(parser, DEFAULT_PORT, DEFAULT_DB,
                     "the session's event log (default: build/council/session.sqlite); an "
                     "existing log is resumed")
    args = parser.parse_args(argv)
    args.given = {option for option in ("card", "seats") if getattr(args, option) is not None}
    args.card = args.card or DEFAULT_CARD
    args.seats = DEFAULT_SEATS if args.seats is None else args.seats
    return args


def main(argv: list[str]) -> int:
    """Start or resume the session `argv` asks for (see :func:`arguments`): the exit status."""
    args = arguments(argv)

    def announce(session: Session) -> tuple[list[str], list[str]]:
        state = session.state
        played = game.card(state.card, state.seats, state.seed)
        about = [f"{'Resuming' if session.resumed else 'Starting'} the session in {args.db}: "
                 f"{played.title}, {state.seats} seats, {len(state.rounds)} round(s) so far."]
        ignored = [f"--{option}" for option, kept in (("card", state.card),
                                                       ("seats", state.seats))
                   if option in args.given and getattr(args, option) != kept]
        if session.resumed and ignored:
            about.append(f"{' and '.join(ignored)} ignored: a resumed session keeps its own. "
                         "To play with them, add --new (the old log is kept, renamed).")
        return about, [
            f"Secretary General (yours alone; do not project it):\n  "
            f"{session.base_url}/sg?t={session.links['sg']}",
            f"Projector (seat links and QR codes appear there):\n  "
            f"{session.base_url}/projector?t={session.links['projector']}"]

    return live.launch(args, args.db, "session",
                       lambda: Session(args.db, args.card, args.seats, args.seed), announce,
                       lambda session, sockets: serve(session, sockets))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
