"""The live North Atlantic Council: a thin tornado shell over :mod:`council.game`.

Everything that happens is an event appended to a SQLite table that refuses updates and
deletes; the game state is :func:`council.game.replay` of that table, so a restarted
server resumes exactly where it stopped. The server's own work is only: map a token to
a role (Secretary General, projector, one seat), pass requests to
:func:`council.game.decide`, store the event it returns, and broadcast the new state.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import secrets
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from socket import socket as Socket
from typing import Any

import segno
import tornado.httpserver
import tornado.web
import tornado.websocket
from tornado.ioloop import IOLoop

from council import export, game, screens
from council.protocol import RateLimit, Refusal
from utils import charts, checks
from utils.errors import CourseError

STATIC = Path(__file__).resolve().parent / "static"
PAGES = {"sg": "sg.html", "projector": "projector.html", "seat": "seat.html"}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, kind TEXT NOT NULL,
    seat INTEGER, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (role TEXT NOT NULL, seat INTEGER, token TEXT UNIQUE);
CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
"""


@dataclass(frozen=True)
class Role:
    kind: str  # "sg", "projector" or "seat"
    seat: int | None = None

    @property
    def actor(self) -> str | int:
        return self.seat if self.kind == "seat" else self.kind

    @property
    def key(self) -> str:
        return f"seat{self.seat}" if self.kind == "seat" else self.kind


def unusable_log(db: Path, error: Exception) -> str:
    """Why a file cannot be a session's log, and what to do, in one sentence."""
    if isinstance(error, FileExistsError | NotADirectoryError):
        return (f"{db} cannot be created: a file stands where its folder should be. Give "
                "another path with --db.")
    if isinstance(error, OSError):
        return (f"{db} cannot be opened or written ({error.strerror or error}). Give "
                "another path with --db.")
    return (f"{db} is not a readable session log ({checks.cut(str(error), 80)}): it is "
            "not a council's database, or it is damaged. Start a new session with --new "
            "(the file is kept, renamed), or give another path with --db.")


def find_role(tokens: dict[str, Role], token: object) -> Role | None:
    """The role a token gives among `tokens`, comparing every known token in constant time
    (how long the answer takes says nothing of how close a guess was); None for a wrong
    token. The class poll (:mod:`council.poll_server`) checks its tokens the same way."""
    if not isinstance(token, str) or len(token) > 64:
        return None
    found = None
    for known, role in tokens.items():
        if secrets.compare_digest(known.encode(), token.encode("utf-8", "replace")):
            found = role
    return found


class Session:
    """One class session: its log on disk, its state, and the open connections."""

    def __init__(self, db: Path, card_id: str, seats: int, seed: int = 0) -> None:
        created = not db.exists()
        try:
            self._open_log(db, card_id, seats, seed)
        except CourseError:
            if created:  # a refused start (its --seats, say) leaves no empty log to resume
                if hasattr(self, "db"):
                    self.db.close()
                for path in (db, db.with_name(f"{db.name}-wal"), db.with_name(f"{db.name}-shm")):
                    path.unlink(missing_ok=True)
            raise
        # a damaged event (its JSON cut short, a field missing) is as unreadable as a
        # file that is no database
        except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
            raise CourseError(unusable_log(db, error)) from None
        self.sockets: dict[CouncilSocket, Role] = {}
        self.seat_socket: dict[int, CouncilSocket] = {}
        self.limits = RateLimit()
        self.timer: object | None = None
        self.charts: dict[tuple[int, bool], bytes] = {}
        self.briefs: dict[int, dict[str, Any]] = {}
        self.render = ThreadPoolExecutor(max_workers=1)
        self.base_url = ""

    def _open_log(self, db: Path, card_id: str, seats: int, seed: int) -> None:
        """Open the session's log, a new session's if it does not exist, and read its
        state and tokens."""
        if db.exists() and not db.is_file():
            raise CourseError(f"{db} is {'a folder' if db.is_dir() else 'not a file'}, not "
                              "a session log: give a file name with --db, such as "
                              "build/council/session.sqlite.")
        db.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(db, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.resumed = self.db.execute("SELECT count(*) FROM events").fetchone()[0] > 0
        if not self.resumed:
            first = game.start(card_id, seats, time.time(), seed)
            self.db.execute("BEGIN")
            self._insert(first)
            rows = [("sg", None), ("projector", None)]
            rows += [("seat", s) for s in range(1, first["data"]["seats"] + 1)]
            self.db.executemany("INSERT INTO tokens VALUES (?, ?, ?)",
                                [(r, s, secrets.token_urlsafe(24)) for r, s in rows])
            self.db.execute("COMMIT")
        self.log = [{"kind": k, "at": a, "seat": s, "data": json.loads(d)} for k, a, s, d in
                    self.db.execute("SELECT kind, at, seat, data FROM events ORDER BY seq")]
        self.state = game.replay(self.log)
        self.tokens = {t: Role(r, s) for r, s, t in
                       self.db.execute("SELECT role, seat, token FROM tokens")}
        self.links = {role.key: token for token, role in self.tokens.items()}

    def _insert(self, entry: dict[str, Any]) -> None:
        self.db.execute("INSERT INTO events (at, kind, seat, data) VALUES (?, ?, ?, ?)",
                        (entry["at"], entry["kind"], entry["seat"],
                         json.dumps(entry["data"], ensure_ascii=False)))

    def role(self, token: object) -> Role | None:
        """The role a token gives; None for a wrong token (see :func:`find_role`)."""
        return find_role(self.tokens, token)

    # ---------------------------------------------------------------- the game loop

    def submit(self, actor: str | int, request: dict[str, Any]) -> dict[str, Any] | None:
        """Decide, store, apply and broadcast one request; a Refusal propagates."""
        entry = game.decide(self.state, actor, request, time.time())
        if entry is not None:
            self._insert(entry)  # autocommit: on disk before anyone is told
            self.log.append(entry)
            self.state = game.apply(self.state, entry)
            self.schedule()
            self.broadcast()
        return entry

    def schedule(self) -> None:
        """Close the open round at its deadline (a timer the log does not need)."""
        loop = IOLoop.current()
        if self.timer is not None:
            loop.remove_timeout(self.timer)
            self.timer = None
        current = self.state.open_round
        if current is not None:
            self.timer = loop.call_at(loop.time() + max(0.0, current.deadline - time.time())
                                      + 0.01, self.tick)

    def tick(self) -> None:
        self.timer = None
        if self.submit("server", {"type": "tick"}) is None and self.state.open_round:
            self.schedule()

    # ---------------------------------------------------------------- what is sent

    def public(self) -> dict[str, Any]:
        view = screens.public_view(self.state, time.time())
        online = {role.seat for role in self.sockets.values() if role.kind == "seat"}
        for seat in view["seats"]:
            seat["online"] = seat["seat"] in online
        view["chart"] = self.state.events
        return view

    def message_for(self, socket: CouncilSocket, role: Role, public: str) -> str:
        """The state message for one connection: the public view, plus what its role may
        see (a seat's brief goes only to the one tab that holds the seat)."""
        you: dict[str, Any] = {"role": role.kind}
        if role.kind == "seat" and socket.claimed and self.seat_socket.get(role.seat) is socket:
            if role.seat not in self.briefs:  # a brief never changes during a session
                self.briefs[role.seat] = screens.brief_view(self.state, role.seat)
            you["brief"] = self.briefs[role.seat]
        if role.kind == "sg":
            played = game.card(self.state.card, self.state.seats, self.state.seed)
            you["wordings"] = [{"position": w.position, "text": w.text}
                               for w in played.wordings]
            you["links"] = {str(s): self.seat_url(s) for s in range(1, self.state.seats + 1)}
            you["projector"] = f"{self.base_url}/projector?t={self.links['projector']}"
        if role.kind == "projector":
            you["join"] = {str(s): self.seat_url(s) for s in range(1, self.state.seats + 1)
                           if s not in self.state.claimed}
        return '{"type":"state","you":' + json.dumps(you) + ',"public":' + public + "}"

    def seat_url(self, seat: int) -> str:
        return f"{self.base_url}/seat?t={self.links[f'seat{seat}']}"

    def broadcast(self) -> None:
        """Send the new state to every connection; connections with the same role and
        rights (all projectors, say) share one message, built once."""
        public = json.dumps(self.public())
        built: dict[tuple[Role, bool], str] = {}
        for socket, role in list(self.sockets.items()):
            key = (role, role.kind == "seat" and self.seat_socket.get(role.seat) is socket)
            if key not in built:
                built[key] = self.message_for(socket, role, public)
            socket.send(built[key])

    async def chart_svg(self, full: bool = False) -> bytes:
        """The projector's chart now (see :func:`council.screens.chart_spec`), drawn once per
        state and kind."""
        key = (self.state.events, full)
        if key not in self.charts:
            spec = screens.chart_spec(self.state, full)
            if spec is None:
                return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
            svg, _ = await IOLoop.current().run_in_executor(
                self.render, charts.static_images, spec)
            self.charts = {k: v for k, v in self.charts.items() if k[0] == key[0]}
            self.charts[key] = svg.encode()
        return self.charts[key]


class Base(tornado.web.RequestHandler):
    """A request to a live class server (the council, or the poll): the security headers,
    the role its link's token gives, and an error as one plain line."""

    #: Why a link is refused, and what to do after an error, in the players' words.
    invalid_link = "This link is not valid for this session"
    after_error = "Ask your instructor for your link."

    def initialize(self, session: Any) -> None:
        self.session = session

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def authorised(self, *kinds: str) -> Role:
        role = self.session.role(self.get_query_argument("t", ""))
        if role is None or role.kind not in kinds:
            raise tornado.web.HTTPError(403, reason=self.invalid_link)
        return role

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {self._reason}. {self.after_error}\n")


class Page(Base):
    def get(self, kind: str) -> None:
        self.authorised(kind)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC / PAGES[kind]).read_bytes())


class Home(Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("North Atlantic Council: open the link your instructor gave you.\n")


class Chart(Base):
    async def get(self) -> None:
        self.authorised("sg", "projector", "seat")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(await self.session.chart_svg(self.get_query_argument("full", "") == "1"))


class QR(Base):
    def get(self, seat: str) -> None:
        self.authorised("sg", "projector")
        number = int(seat)
        if not 1 <= number <= self.session.state.seats:
            raise tornado.web.HTTPError(404, reason="No such seat")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(qr_svg(self.session.seat_url(number)))


def qr_svg(url: str) -> bytes:
    """A seat's join link as a standalone SVG QR code, 2 px a module.

    Standalone means with its namespace: an SVG served as an image is drawn only if it
    declares it (segno's ``svg_inline`` leaves it out, being meant for inside HTML). Two
    modules of quiet zone here, and the page keeps white space around each code, so a
    projector fits 40 codes and a phone still finds each one's edge.
    """
    code, out = segno.make(url, error="m"), io.BytesIO()
    code.save(out, kind="svg", scale=2, border=2, xmldecl=False, svgclass=None,
              lineclass=None)
    width, height = code.symbol_size(scale=2, border=2)
    # A viewBox too, so that the page may draw the code larger when few seats are free.
    return out.getvalue().replace(b"<svg ", f'<svg viewBox="0 0 {width} {height}" '.encode(), 1)


class Export(Base):
    def get(self) -> None:
        self.authorised("sg")
        state = self.session.state
        day = datetime.fromtimestamp(state.started, UTC).date().isoformat()
        table = export.table(state, f"{state.card}-{day}", day,
                             "A class session of the live council game")
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="council-{day}.csv"')
        self.finish(export.to_csv(table))  # before the first draft: the columns alone


class CouncilSocket(tornado.websocket.WebSocketHandler):
    """One browser tab. Its token says who it is; nothing in a message can change that."""

    def initialize(self, session: Session) -> None:
        self.session = session
        self.claimed = False
        self.last_notice = 0.0

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def open(self) -> None:
        role = self.session.role(self.get_query_argument("t", ""))
        if role is None:
            self.close(4003, "This link is not valid for this session.")
            return
        self.role = role
        self.session.sockets[self] = role
        self.send(self.session.message_for(self, role, json.dumps(self.session.public())))

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
            request = game.parse_message(raw)
            if request["type"] == "hello":
                self.hello(request["device"])
            elif role.kind == "projector":
                raise Refusal("The projector only shows the session.")
            elif role.kind == "seat" and not self.claimed:
                raise Refusal("Say hello first: reload the page.")
            else:
                session.submit(role.actor, request)
                self.send(json.dumps({"type": "ok", "request": request["type"]}))
        except CourseError as refusal:
            self.refuse(str(refusal))

    def hello(self, device: str) -> None:
        session, role = self.session, self.role
        if role.kind != "seat":
            return
        fingerprint = hashlib.sha256(device.encode()).hexdigest()[:16]
        session.submit(role.seat, {"type": "join", "device": fingerprint})
        previous = session.seat_socket.get(role.seat)
        self.claimed = True
        session.seat_socket[role.seat] = self
        if previous is not None and previous is not self:
            previous.claimed = False
            session.sockets.pop(previous, None)
            previous.send(json.dumps({"type": "replaced", "message":
                                      "This seat is now open in another tab or window; this "
                                      "one has stopped."}))
            previous.close(4001, "This seat was opened in another tab or window.")
        session.broadcast()

    def on_close(self) -> None:
        session = self.session
        role = session.sockets.pop(self, None)
        if role is not None and role.kind == "seat" and session.seat_socket.get(role.seat) is self:
            del session.seat_socket[role.seat]
            session.broadcast()


def application(session: Session) -> tornado.web.Application:
    args = {"session": session}
    return tornado.web.Application([
        (r"/", Home, args),
        (r"/(sg|projector|seat)", Page, args),
        (r"/ws", CouncilSocket, args),
        (r"/chart.svg", Chart, args),
        (r"/qr/([0-9]{1,2})\.svg", QR, args),
        (r"/export.csv", Export, args),
        (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)}),
    ], websocket_max_message_size=64 * 1024, websocket_ping_interval=10,
       xsrf_cookies=False, compress_response=False)


async def serve(session: Session, sockets: list[Socket]) -> None:
    """Serve on sockets already bound (see ``python -m council``), resume the session's
    timers, and run until interrupted."""
    server = tornado.httpserver.HTTPServer(application(session), max_body_size=64 * 1024)
    server.add_sockets(sockets)
    if session.resumed:
        session.submit("server", {"type": "resume"})
        session.submit("server", {"type": "tick"})
    session.schedule()
    await asyncio.Event().wait()
