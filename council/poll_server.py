"""The class poll's server: ``python3 course.py poll 01`` (see docs/poll.md).

The council's machinery, reused (:mod:`council.server`): the same append-only SQLite event
log and token table, tokens checked in constant time, security headers, QR codes, and the
one-line messages when a port is taken. The rules are :mod:`council.poll`'s.

Roles: the instructor ("host": opens votes, reveals, resolves), the projector (shows the
class's answers as they come in, then the answer), and one seat per phone. A phone scans
the projector's one join code, gives a name and receives a token of its own: every answer
it sends counts for that seat only, whatever the message says.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from socket import socket as Socket
from typing import Any

import tornado.httpserver
import tornado.web
import tornado.websocket
from tornado.netutil import bind_sockets

from council import poll, server
from council.__main__ import cannot_listen, exposure
from council.protocol import RateLimit
from council.server import SCHEMA, SECURITY_HEADERS, STATIC, Role, find_role, qr_svg
from utils.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent
#: Not 8765 (`lite serve`) nor 8766 (the council): all three can run in one lesson.
DEFAULT_PORT = 8767
PAGES = {"host": "poll-host.html", "projector": "poll-projector.html",
         "seat": "poll-seat.html", "join": "poll-join.html"}
#: Where a question without a source of its own points (notebook 01's consensus page).
NOTEBOOK_SOURCE = ("Consensus decision-making at NATO (NATO), updated 30 June 2023",
                   "https://www.nato.int/en/what-we-do/introduction-to-nato/"
                   "consensus-decision-making-at-nato")


def default_db(notebook: str) -> Path:
    return ROOT / "build" / "poll" / f"poll-{notebook}.sqlite"


class PollSession:
    """One notebook's poll: its log on disk, its state, and the open connections."""

    def __init__(self, db: Path, notebook: str, seats: int = 60) -> None:
        path = poll.notebook_path(notebook)
        db.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(db, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.resumed = self.db.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        if not self.resumed:
            title = path.stem[3:].replace("-", " ").capitalize()
            first = poll.start(notebook, title, poll.questions(notebook), time.time(), seats)
            self.db.execute("BEGIN")
            self._insert(first)
            self.db.executemany("INSERT INTO tokens VALUES (?, ?, ?)",
                                [(role, None, secrets.token_urlsafe(24))
                                 for role in ("host", "projector", "join")])
            self.db.execute("COMMIT")
        self.log = [{"kind": k, "at": a, "seat": s, "data": json.loads(d)} for k, a, s, d in
                    self.db.execute("SELECT kind, at, seat, data FROM events ORDER BY seq")]
        if "questions" not in self.log[0]["data"]:
            raise CourseError(f"{db} is not a class poll's log (a council session's?): give "
                              "another --db.")
        self.state = poll.replay(self.log)
        if self.state.notebook != notebook:
            raise CourseError(f"{db} holds the poll of notebook {self.state.notebook}, not "
                              f"{notebook}: give another --db, or start the poll of "
                              f"{self.state.notebook}.")
        self.tokens = {t: Role(r, s) for r, s, t in
                       self.db.execute("SELECT role, seat, token FROM tokens")}
        self.links = {role.key: token for token, role in self.tokens.items()}
        self.sockets: dict[PollSocket, Role] = {}
        self.limits = RateLimit(**poll.LIMITS)
        self.joins = RateLimit(rate=5.0, burst=float(poll.MAX_SEATS))
        self.base_url = ""

    def _insert(self, entry: dict[str, Any]) -> None:
        self.db.execute("INSERT INTO events (at, kind, seat, data) VALUES (?, ?, ?, ?)",
                        (entry["at"], entry["kind"], entry["seat"],
                         json.dumps(entry["data"], ensure_ascii=False)))

    def role(self, token: object) -> Role | None:
        return find_role(self.tokens, token)

    def link(self, key: str) -> str:
        page = {"join": "join", "host": "host", "projector": "projector"}.get(key, "answer")
        return f"{self.base_url}/{page}?t={self.links[key]}"

    # ---------------------------------------------------------------- changes

    def submit(self, actor: str | int, request: dict[str, Any]) -> dict[str, Any] | None:
        """Decide, store, apply and broadcast one request; a Refusal propagates."""
        entry = poll.decide(self.state, actor, request, time.time())
        if entry is not None:
            self._insert(entry)  # autocommit: on disk before anyone is told
            self.log.append(entry)
            poll.apply(self.state, entry)
            self.broadcast(entry["seat"] if entry["kind"] == "answered" else None)
        return entry

    def join(self, name: object) -> str:
        """A new seat and its token, stored together; the seat's page address."""
        entry = poll.join(self.state, name, time.time())
        token = secrets.token_urlsafe(24)
        self.db.execute("BEGIN")
        self._insert(entry)
        self.db.execute("INSERT INTO tokens VALUES ('seat', ?, ?)", (entry["seat"], token))
        self.db.execute("COMMIT")
        self.log.append(entry)
        poll.apply(self.state, entry)
        role = Role("seat", entry["seat"])
        self.tokens[token], self.links[role.key] = role, token
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


class Base(server.Base):
    invalid_link = "This link is not valid for this poll"
    after_error = "Scan the code on the screen again."


class Page(Base):
    def get(self, page: str) -> None:
        kind = "seat" if page == "answer" else page
        self.authorised(kind)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC / PAGES[kind]).read_bytes())


class Home(Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("Class poll: scan the code on the screen.\n")


class Join(Base):
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


class QR(Base):
    def get(self) -> None:
        self.authorised("host", "projector")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(qr_svg(self.session.link("join")))


class Export(Base):
    def get(self) -> None:
        self.authorised("host")
        text, name = self.session.export()
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(text)


class PollSocket(tornado.websocket.WebSocketHandler):
    """One browser tab. Its token says who it is; nothing in a message can change that."""

    def initialize(self, session: PollSession) -> None:
        self.session = session
        self.last_notice = 0.0

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def open(self) -> None:
        role = self.session.role(self.get_query_argument("t", ""))
        if role is None or role.kind == "join":
            self.close(4003, "This link is not valid for this poll.")
            return
        self.session.sockets[self] = role
        self.send(self.session.message_for(role, self.session.public()))

    def send(self, text: str) -> None:
        try:
            self.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            self.session.sockets.pop(self, None)

    def refuse(self, message: str) -> None:
        self.send(json.dumps({"type": "refused", "message": message}))

    def on_message(self, raw: str | bytes) -> None:
        session, role = self.session, self.session.sockets.get(self)
        if role is None:
            return
        now = time.time()
        if not session.limits.allow(role.key, now):
            if now - self.last_notice > 1:
                self.last_notice = now
                self.refuse("Too many messages: wait a few seconds and try again.")
            return
        try:
            request = poll.parse_message(raw)
            if role.kind == "projector":
                raise poll.Refusal("The projector only shows the poll.")
            actor = role.seat if role.kind == "seat" else "host"
            session.submit(actor, request)
            self.send(json.dumps({"type": "ok", "request": request["type"]}))
        except CourseError as refusal:
            self.refuse(str(refusal))

    def on_close(self) -> None:
        self.session.sockets.pop(self, None)


def application(session: PollSession) -> tornado.web.Application:
    args = {"session": session}
    return tornado.web.Application([
        (r"/", Home, args),
        (r"/(host|projector|answer|join)", Page, args),
        (r"/join.json", Join, args),
        (r"/ws", PollSocket, args),
        (r"/qr.svg", QR, args),
        (r"/export.csv", Export, args),
        (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)}),
    ], websocket_max_message_size=4 * 1024, websocket_ping_interval=10,
       xsrf_cookies=False, compress_response=False)


async def serve(session: PollSession, sockets: list[Socket]) -> None:
    """Serve on sockets already bound, and run until interrupted."""
    server = tornado.httpserver.HTTPServer(application(session), max_body_size=4 * 1024)
    server.add_sockets(sockets)
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
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to serve on (default: 127.0.0.1, this computer only); "
                             "give your classroom network address to let phones join")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port to serve on, 1 to 65535 (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=None,
                        help="the poll's event log (default: build/poll/poll-NN.sqlite); an "
                             "existing log is resumed, so a term's forecasts continue")
    parser.add_argument("--new", action="store_true",
                        help="start a new poll: the old log is kept, renamed")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = arguments(argv)
    if not 1 <= args.port <= 65535:
        print(f"Cannot start: --port must be a number from 1 to 65535, not {args.port}.",
              file=sys.stderr)
        return 2
    try:
        poll.notebook_path(args.notebook)
    except CourseError as error:
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    db = args.db or default_db(args.notebook)
    # Listen before the log is touched: a start that fails here leaves no poll behind.
    try:
        sockets = bind_sockets(args.port, address=args.host)
    except OSError as error:
        print(f"Cannot start: {cannot_listen(args.host, args.port, error)}", file=sys.stderr)
        return 1
    if args.new and db.exists():
        old = db.with_name(f"{db.stem}-{int(db.stat().st_mtime)}.sqlite")
        db.rename(old)
        print(f"The previous poll's log is kept as {old}")
    try:
        session = PollSession(db, args.notebook, args.seats)
    except (CourseError, sqlite3.DatabaseError) as error:
        for bound in sockets:
            bound.close()
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    link_host, who = exposure(args.host)
    if ":" in link_host:
        link_host = f"[{link_host}]"
    session.base_url = f"http://{link_host}:{args.port}"
    state = session.state
    verb = "Resuming" if session.resumed else "Starting"
    print(f"{verb} the poll of notebook {state.notebook} in {db}: {len(state.questions)} "
          f"question(s), {len(state.names)} phone(s) joined so far.")
    print(f"Serving on {session.base_url}, reachable by {who}.")
    print(f"Instructor (yours alone; do not project it):\n  {session.link('host')}")
    print(f"Projector (the join code appears there):\n  {session.link('projector')}")
    print("Stop with Ctrl+C; run the same command again to resume.", flush=True)
    try:
        asyncio.run(serve(session, sockets))
    except KeyboardInterrupt:
        print("\nStopped. Nothing is lost: the log is on disk.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
