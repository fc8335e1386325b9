"""``python -m council``: start or resume one class session (``python3 course.py council``)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import socket
import sys
from pathlib import Path

from tornado.netutil import bind_sockets

import utils

# Before the server's modules load Altair (see the function): 1.2 s of CPU less at start.
utils.decline_iri_parsers()

from council import game  # noqa: E402
from council.server import Session, serve  # noqa: E402
from utils.errors import CourseError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "build" / "council" / "session.sqlite"
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
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to serve on (default: 127.0.0.1, this computer only); "
                             "give your classroom network address to let students join")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port to serve on, 1 to 65535 (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help="the session's event log (default: build/council/session.sqlite); "
                             "an existing log is resumed")
    parser.add_argument("--new", action="store_true",
                        help="start a new session: the old log is kept, renamed")
    args = parser.parse_args(argv)
    args.given = {option for option in ("card", "seats") if getattr(args, option) is not None}
    args.card = args.card or DEFAULT_CARD
    args.seats = DEFAULT_SEATS if args.seats is None else args.seats
    return args


def exposure(host: str) -> tuple[str, str]:
    """The host to put in links, and a sentence saying who can reach the server."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host, f"anyone who can reach {host} on your network"
    if address.is_loopback:
        return host, "this computer only (use --host <your address> for a classroom)"
    if address.is_unspecified:
        return socket.gethostname(), "EVERY network interface of this computer"
    return host, f"every device that can reach {host} (your classroom network)"


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """Why the server could not listen on `host`:`port`, in one sentence a teacher can act on."""
    if error.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use (another council, or `python3 "
                "course.py lite serve`?): stop it, or choose another port with --port.")
    if error.errno == errno.EACCES:
        return f"port {port} needs administrator rights here: choose one above 1023 with --port."
    if error.errno == errno.EADDRNOTAVAIL or isinstance(error, socket.gaierror):
        return (f"this computer has no address {host}: give one of its own with --host "
                "(or leave --host out to serve this computer only).")
    return f"cannot listen on {host}, port {port}: {error.strerror or error}."


def main(argv: list[str]) -> int:
    args = arguments(argv)
    if not args.host.strip():
        # an empty host makes the server listen on every interface of the computer
        print("Cannot start: --host needs an address: 127.0.0.1 for this computer only, or "
              "your classroom network address.", file=sys.stderr)
        return 2
    if not 1 <= args.port <= 65535:
        print(f"Cannot start: --port must be a number from 1 to 65535, not {args.port}.",
              file=sys.stderr)
        return 2
    # Listen before the log is touched: a start that fails here leaves no session behind
    # for the next start to "resume".
    try:
        sockets = bind_sockets(args.port, address=args.host)
    except OSError as error:
        print(f"Cannot start: {cannot_listen(args.host, args.port, error)}", file=sys.stderr)
        return 1
    if args.new and args.db.exists():
        old = args.db.with_name(f"{args.db.stem}-{int(args.db.stat().st_mtime)}.sqlite")
        args.db.rename(old)
        print(f"The previous session's log is kept as {old}")
    try:
        session = Session(args.db, args.card, args.seats, args.seed)
    except CourseError as error:
        for bound in sockets:
            bound.close()
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    link_host, who = exposure(args.host)
    if ":" in link_host:
        link_host = f"[{link_host}]"
    session.base_url = f"http://{link_host}:{args.port}"
    state = session.state
    played = game.card(state.card, state.seats, state.seed)
    verb = "Resuming" if session.resumed else "Starting"
    print(f"{verb} the session in {args.db}: {played.title}, {state.seats} seats, "
          f"{len(state.rounds)} round(s) so far.")
    ignored = [f"--{option}" for option, kept in (("card", state.card), ("seats", state.seats))
               if option in args.given and getattr(args, option) != kept]
    if session.resumed and ignored:
        print(f"{' and '.join(ignored)} ignored: a resumed session keeps its own. To play "
              "with them, add --new (the old log is kept, renamed).")
    print(f"Serving on {session.base_url}, reachable by {who}.")
    print("Secretary General (yours alone; do not project it):\n  "
          f"{session.base_url}/sg?t={session.links['sg']}")
    print(f"Projector (seat links and QR codes appear there):\n  "
          f"{session.base_url}/projector?t={session.links['projector']}")
    print("Stop with Ctrl+C; run the same command again to resume.", flush=True)
    try:
        asyncio.run(serve(session, sockets))
    except KeyboardInterrupt:
        print("\nStopped. Nothing is lost: the log is on disk.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
