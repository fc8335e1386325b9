"""The class poll's server: ``python3 course.py poll 01`` (see docs/poll.md).

The council's machinery, shared (:mod:`council.live`): the same append-only SQLite event
log and token table, tokens checked in constant time, security headers, QR codes, the rate
limit, and the one-line messages when a port is taken. The rules are :mod:`council.poll`'s.

Roles: the instructor ("host": opens votes, reveals, resolves), the projector (shows the
class's answers as they come in, then the answer), and one seat per phone. A phone scans
the projector's one join code, gives a name and receives a token of its own: every answer
it sends counts for that seat only, whatever the message says.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from socket import socket as Socket
from typing import Any

import tornado.web

from council import live, poll
from council.live import Role
from council.protocol import RateLimit, Refusal
from utils.errors import CourseError

__all__ = ["NOTEBOOK_SOURCE", "PollSession", "application", "arguments", "main", "serve"]

#: Not 8765 (`lite serve`) nor 8766 (the council): all three can run in one lesson.
DEFAULT_PORT = 8767
PAGES = {"host": "poll-host.html", "projector": "poll-projector.html",
         "seat": "poll-seat.html", "join": "poll-join.html"}
#: Where a question without a source of its own points (notebook 01's consensus page).
NOTEBOOK_SOURCE = ("Consensus decision-making at NATO (NATO), updated 30 June 2023",
                   "https://www.nato.int/en/what-we-do/introduction-to-nato/"
                   "consensus-decision-making-at-nato")
#: Largest websocket message and request body taken (an answer is at most 1 kB).
MAX_BYTES = 4 * 1024


def _default_db(notebook: str) -> Path:
    return live.logs() / "poll" / f"poll-{notebook}.sqlite"


class PollSession:
    """One notebook's poll: its log on disk, its state, and the open connections."""

    def __init__(self, db: Path, notebook: str, seats: int = 60) -> None:
        def first() -> tuple[dict[str, Any], list[Role]]:
            title = poll.notebook_path(notebook).stem[3:].replace("-", " ").capitalize()
            return (poll.start(notebook, title, poll.questions(notebook), time.time(), seats),
                    [Role("host"), Role("projector"), Role("join")])

        def replay(entries: list[dict[str, Any]]) -> poll.State:
            if "questions" not in entries[0]["data"]:
                raise CourseError(f"{db} is not a class poll's log (a council session's?): "
                                  "give another --db.")
            return poll.replay(entries)

        self.log = live.open_log(db, first, replay)
        self.db, self.resumed, self.state = self.log.db, self.log.resumed, self.log.state
        if self.state.notebook != notebook:
            self.db.close()
            raise CourseError(f"{db} holds the poll of notebook {self.state.notebook}, not "
                              f"{notebook}: give another --db, or start the poll of "
                              f"{self.state.notebook}.")
        self.tokens = self.log.tokens
        self.links = {role.key: token for token, role in self.tokens.items()}
        self.sockets: dict[PollSocket, Role] = {}
        self.limits = RateLimit(**poll.LIMITS)
        self.joins = RateLimit(rate=5.0, burst=float(poll.MAX_SEATS))
        self.base_url = ""

    def role(self, token: object) -> Role | None:
        """The role a token gives; None for a wrong token (see :func:`council.live.find_role`)."""
        return live.find_role(self.tokens, token)

    def link(self, key: str) -> str:
        page = {"join": "join", "host": "host", "projector": "projector"}.get(key, "answer")
        return f"{self.base_url}/{page}?t={self.links[key]}"

    # ---------------------------------------------------------------- changes

    def submit(self, actor: str | int, request: dict[str, Any]) -> dict[str, Any] | None:
        """Decide, store, apply and broadcast one request; a Refusal propagates."""
        entry = poll.decide(self.state, actor, request, time.time())
        if entry is not None:
            self.log.append(entry)  # on disk before anyone is told
            poll.apply(self.state, entry)
            self.broadcast(entry["seat"] if entry["kind"] == "answered" else None)
        return entry

    def join(self, name: object) -> str:
        """A new seat and its token, stored together; the seat's page address."""
        entry = poll.join(self.state, name, time.time())
        role = Role("seat", entry["seat"])
        self.db.execute("BEGIN")  # the seat and its token: both stored, or neither
        self.log.append(entry)
        token = self.log.add_token(role)
        self.db.execute("COMMIT")
        poll.apply(self.state, entry)
        self.links[role.key] = token
        self.broadcast(entry["seat"])
        return f"/answer?t={token}"

    # ---------------------------------------------------------------- what is sent

    def message_for(self, role: Role, public: str) -> str:
        you: dict[str, Any] = {"role": role.kind}
        if role.kind == "seat":
            you.update(poll.seat_view(self.state, role.seat))
        else:
            you["join"] = self.link("join")
        if role.kind == "host":
            you.update(poll.host_view(self.state))
            you["projector"] = self.link("projector")
        return '{"type":"state","you":' + json.dumps(you) + ',"public":' + public + "}"

    def public(self) -> str:
        view = poll.public_view(self.state)
        view["open_questions"] = poll.open_questions(self.state)
        view["now"] = time.time()
        return json.dumps(view)

    def broadcast(self, only_seat: int | None = None) -> None:
        """Send the new state. After one phone's answer only that phone and the big
        screens need it (the others' pages do not change): 60 phones answering cost 60
        small messages each, not 60 × 60."""
        public = self.public()
        built: dict[Role, str] = {}
        for socket, role in list(self.sockets.items()):
            if only_seat is not None and role.kind == "seat" and role.seat != only_seat:
                continue
            if role not in built:
                built[role] = self.message_for(role, public)
            socket.send(built[role])

    def export(self) -> tuple[str, str]:
        """The poll as CSV text (schema: poll_example in data/datapackage.json), and its
        file name."""
        day = datetime.fromtimestamp(time.time(), UTC).date().isoformat()
        rows = poll.export_rows(self.state, f"poll-{self.state.notebook}-{day}", day,
                                "A class poll", NOTEBOOK_SOURCE)
        return poll.to_csv(rows), f"poll-{self.state.notebook}-{day}.csv"


class _Base(live.Base):
    invalid_link = "This link is not valid for this poll"
    after_error = "Scan the code on the screen again."


class Page(_Base):
    def get(self, page: str) -> None:
        kind = "seat" if page == "answer" else page
        self.authorised(kind)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((live.STATIC / PAGES[kind]).read_bytes())


class Home(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("Class poll: scan the code on the screen.\n")


class Join(_Base):
    """POST {"t": join token, "name": ...} -> {"url": the new seat's page}."""

    def post(self) -> None:
        self.set_header("Content-Type", "application/json")
        try:
            request = json.loads(self.request.body or b"{}")
        except (ValueError, RecursionError):
            request = None
        if not isinstance(request, dict) or set(request) != {"t", "name"}:
            self.set_status(400)
            self.finish({"message": "Give your name and press Join."})
            return
        role = self.session.role(request["t"])
        if role is None or role.kind != "join":
            self.set_status(403)
            self.finish({"message": "This join link is not valid: scan the code again."})
            return
        if not self.session.joins.allow("join", time.time()):
            self.set_status(429)
            self.finish({"message": "Many phones are joining: try again in a few seconds."})
            return
        try:
            self.finish({"url": self.session.join(request["name"])})
        except CourseError as refusal:
            self.set_status(400)
            self.finish({"message": str(refusal)})


class QR(_Base):
    def get(self) -> None:
        self.authorised("host", "projector")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(live.qr_svg(self.session.link("join")))


class Export(_Base):
    def get(self) -> None:
        self.authorised("host")
        text, name = self.session.export()
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(text)


class PollSocket(live.Socket):
    """One browser tab of the poll: the instructor's, a projector's or a phone's."""

    roles = ("host", "projector", "seat")
    invalid_link = "This link is not valid for this poll."

    def welcome(self) -> None:
        self.send(self.session.message_for(self.role, self.session.public()))

    def handle(self, role: Role, raw: str | bytes) -> None:
        request = poll.parse_message(raw)
        if role.kind == "projector":
            raise Refusal("The projector only shows the poll.")
        self.session.submit(role.actor, request)
        self.send(json.dumps({"type": "ok", "request": request["type"]}))


def application(session: PollSession) -> tornado.web.Application:
    args = {"session": session}
    return live.application([
        (r"/", Home, args),
        (r"/(host|projector|answer|join)", Page, args),
        (r"/join.json", Join, args),
        (r"/ws", PollSocket, args),
        (r"/qr.svg", QR, args),
        (r"/export.csv", Export, args),
    ], MAX_BYTES)


async def serve(session: PollSession, sockets: list[Socket]) -> None:
    """Serve on sockets already bound, and run until interrupted."""
    live.listen(application(session), sockets, MAX_BYTES)
    await asyncio.Event().wait()


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 course.py poll",
        description="Poll the class on a notebook's 'predict, then see' questions: "
                    "students answer on their phones.")
    parser.add_argument("notebook", help="the notebook's number, e.g. 01 or 05")
    parser.add_argument("--seats", type=int, default=60,
                        help=f"most phones that may join, 1 to {poll.MAX_SEATS} "
                             "(default: %(default)s)")
    live.add_options(parser, DEFAULT_PORT, None,
                     "the poll's event log (default: build/poll/poll-NN.sqlite); an existing "
                     "log is resumed, so a term's forecasts continue")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Start or resume the poll `argv` asks for (see :func:`arguments`): the exit status."""
    args = arguments(argv)
    try:
        poll.notebook_path(args.notebook)
    except CourseError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    db = args.db or _default_db(args.notebook)

    def announce(session: PollSession) -> tuple[list[str], list[str]]:
        state = session.state
        return ([f"{'Resuming' if session.resumed else 'Starting'} the poll of notebook "
                 f"{state.notebook} in {db}: {len(state.questions)} question(s), "
                 f"{len(state.names)} phone(s) joined so far."],
                [f"Instructor (yours alone; do not project it):\n  {session.link('host')}",
                 f"Projector (the join code appears there):\n  {session.link('projector')}"])

    return live.launch(args, db, "poll", lambda: PollSession(db, args.notebook, args.seats),
                       announce, serve)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
