"""What the two live class servers share: the council (``python -m council``) and the class
poll (``python -m council.poll_server``).

Each keeps one SQLite file: an append-only table of events (updates and deletes are
refused by triggers) and a table of tokens, one per role. :func:`open_log` opens or starts
it and rebuilds the state from the events, so a restarted server, even after ``kill -9``,
is where it stopped. A browser tab's token gives its role (:func:`find_role`, in constant
time); :class:`Base` answers its HTTP requests with the security headers and one plain line
on error; :class:`Socket` is its websocket, rate-limited, a refusal sent back as words.
:func:`add_options` and :func:`launch` are the shared command line: listen first, then open
the log, then print the links, and say in one line why not when something is wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import io
import ipaddress
import json
import secrets
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
import tornado.httpserver
import tornado.web
import tornado.websocket
from tornado.netutil import bind_sockets

from utils import checks
from utils.errors import CourseError

__all__ = ["SECURITY_HEADERS", "STATIC", "Base", "Log", "Role", "Socket", "add_options",
           "application", "cannot_listen", "exposure", "find_role", "launch", "listen", "logs",
           "open_log", "qr_svg"]

STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
_SCHEMA = """
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
    """Who a token makes its holder: ``kind`` is a role of the server ("sg", "host",
    "projector", "join", "seat"), `seat` the seat's number for a seat."""

    kind: str
    seat: int | None = None

    @property
    def actor(self) -> str | int:
        """Who the rules are told made a request: the seat's number, or the role."""
        return self.seat if self.kind == "seat" else self.kind

    @property
    def key(self) -> str:
        """The role as one word ("seat3", "projector"): the rate limit's and links' key."""
        return f"seat{self.seat}" if self.kind == "seat" else self.kind


def find_role(tokens: dict[str, Role], token: object) -> Role | None:
    """The role a token gives among `tokens`, comparing every known token in constant time
    (how long the answer takes says nothing of how close a guess was); None for a wrong
    token."""
    if not isinstance(token, str) or len(token) > 64:
        return None
    found = None
    for known, role in tokens.items():
        if secrets.compare_digest(known.encode(), token.encode("utf-8", "replace")):
            found = role
    return found


# ------------------------------------------------------------------------------ the log

def _unusable_log(db: Path, error: Exception) -> str:
    """Why a file cannot be a session's log, and what to do, in one sentence."""
    if isinstance(error, FileExistsError | NotADirectoryError):
        return (f"{db} cannot be created: a file stands where its folder should be. Give "
                "another path with --db.")
    if isinstance(error, OSError):
        return (f"{db} cannot be opened or written ({error.strerror or error}). Give "
                "another path with --db.")
    return (f"{db} is not a readable session log ({checks.cut(str(error), 80)}): it is "
            "not this server's database, or it is damaged. Start a new session with --new "
            "(the file is kept, renamed), or give another path with --db.")


def _is_log(db: Path) -> bool:
    """Whether `db` could be a session's log, which --new may rename: a regular file that is
    empty or an SQLite database that opens as one (never a folder, a device such as
    /dev/null, or a document given by mistake)."""
    if not db.is_file():
        return False
    if db.stat().st_size == 0:
        return True
    with db.open("rb") as file:
        if file.read(16) != b"SQLite format 3\x00":
            return False
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return True


def _set_aside(db: Path) -> Path:
    """Keep the log at `db` under a new name no other file has, with every event it holds:
    the events still in its write-ahead file (after a crash, kill -9) are written into it
    first, and whatever remains of that file moves with it."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    stamp, number = int(db.stat().st_mtime), 1
    old = db.with_name(f"{db.stem}-{stamp}.sqlite")
    while any(old.with_name(old.name + end).exists() for end in ("", "-wal", "-shm")):
        number += 1
        old = db.with_name(f"{db.stem}-{stamp}-{number}.sqlite")
    for end in ("", "-wal", "-shm"):
        if db.with_name(db.name + end).exists():
            db.with_name(db.name + end).rename(old.with_name(old.name + end))
    return old


@dataclass
class Log:
    """An open session log: the connection, whether it held events already, the events
    in order, the state they add up to, and the tokens by role."""

    db: sqlite3.Connection
    resumed: bool
    entries: list[dict[str, Any]]
    state: Any
    tokens: dict[str, Role]

    def append(self, entry: dict[str, Any]) -> None:
        """Store one event (on disk before this returns: the connection autocommits)."""
        self.db.execute("INSERT INTO events (at, kind, seat, data) VALUES (?, ?, ?, ?)",
                        (entry["at"], entry["kind"], entry["seat"],
                         json.dumps(entry["data"], ensure_ascii=False)))
        self.entries.append(entry)

    def add_token(self, role: Role) -> str:
        """A new token for `role`, stored."""
        token = secrets.token_urlsafe(24)
        self.db.execute("INSERT INTO tokens VALUES (?, ?, ?)", (role.kind, role.seat, token))
        self.tokens[token] = role
        return token


def open_log(db: Path, first: Callable[[], tuple[dict[str, Any], Iterable[Role]]],
             replay: Callable[[list[dict[str, Any]]], Any]) -> Log:
    """The log at `db`, resumed if it holds events; else started with `first()`'s event and
    a token for each of its roles. `replay` folds the events into the state.

    A CourseError (a refused start, say) leaves no new file behind for the next start to
    "resume"; a file that is no such log, or is damaged (an event's JSON cut short, a field
    missing), is a CourseError saying what to do.
    """
    created = not db.exists()
    try:
        if db.exists() and not db.is_file():
            raise CourseError(f"{db} is {'a folder' if db.is_dir() else 'not a file'}, not "
                              "a session log: give a file name with --db, such as "
                              "build/council/session.sqlite.")
        db.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(db, isolation_level=None)
        try:
            return _read(connection, first, replay)
        except BaseException:
            connection.close()
            raise
    except CourseError:
        if created:
            for path in (db, db.with_name(f"{db.name}-wal"), db.with_name(f"{db.name}-shm")):
                path.unlink(missing_ok=True)
        raise
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
        raise CourseError(_unusable_log(db, error)) from None


def _read(connection: sqlite3.Connection,
          first: Callable[[], tuple[dict[str, Any], Iterable[Role]]],
          replay: Callable[[list[dict[str, Any]]], Any]) -> Log:
    foreign = [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")
        if name not in ("events", "tokens") and not name.startswith("sqlite_")]
    if foreign:  # another program's database, given by mistake: never written into
        raise CourseError(f"this database holds tables of another program "
                          f"({checks.cut(', '.join(foreign), 60)}), not a session's log: give "
                          "another path with --db.")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.executescript(_SCHEMA)
    resumed = connection.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    log = Log(connection, resumed, [], None, {})
    if not resumed:
        entry, roles = first()
        connection.execute("BEGIN")
        log.append(entry)
        for role in roles:
            log.add_token(role)
        connection.execute("COMMIT")
    log.entries = [{"kind": k, "at": a, "seat": s, "data": json.loads(d)} for k, a, s, d in
                   connection.execute("SELECT kind, at, seat, data FROM events ORDER BY seq")]
    log.tokens = {t: Role(r, s) for r, s, t in
                  connection.execute("SELECT role, seat, token FROM tokens")}
    log.state = replay(log.entries)
    return log


# ---------------------------------------------------------------------- the web

def qr_svg(url: str) -> bytes:
    """A link as a standalone SVG QR code, 2 px a module.

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


class Base(tornado.web.RequestHandler):
    """A request to a live class server: the security headers, the role its link's token
    gives, and an error as one plain line."""

    #: Why a link is refused, and what to do after an error, in the players' words.
    invalid_link = "This link is not valid for this session"
    after_error = "Ask your instructor for your link."

    def initialize(self, session: Any) -> None:
        self.session = session

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def authorised(self, *kinds: str) -> Role:
        """The role of the request's token (``?t=``), if it is one of `kinds`; else 403."""
        role = self.session.role(self.get_query_argument("t", ""))
        if role is None or role.kind not in kinds:
            raise tornado.web.HTTPError(403, reason=self.invalid_link)
        return role

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {self._reason}. {self.after_error}\n")


class Socket(tornado.websocket.WebSocketHandler):
    """One browser tab. Its token says who it is; nothing in a message can change that.

    The session gives ``role(token)``, ``sockets`` (the open tabs and their roles) and
    ``limits`` (a :class:`council.protocol.RateLimit`); a server's own socket says which
    roles may connect, what a tab gets first (:meth:`welcome`) and what a message does
    (:meth:`handle`, whose CourseError is sent back to that tab as words).
    """

    #: The roles that may open a websocket, and why another link is closed.
    roles: tuple[str, ...] = ()
    invalid_link = "This link is not valid for this session."

    def initialize(self, session: Any) -> None:
        self.session = session
        self.last_notice = 0.0

    def set_default_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)

    def open(self) -> None:
        role = self.session.role(self.get_query_argument("t", ""))
        if role is None or role.kind not in self.roles:
            self.close(4003, self.invalid_link)
            return
        self.role = role
        self.session.sockets[self] = role
        self.welcome()

    def welcome(self) -> None:
        """Send a newly opened tab what it shows first."""
        raise NotImplementedError

    def handle(self, role: Role, raw: str | bytes) -> None:
        """Do what a message from a tab of `role` asks; a CourseError refuses it."""
        raise NotImplementedError

    def send(self, text: str) -> None:
        try:
            self.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            self.session.sockets.pop(self, None)

    def refuse(self, message: str) -> None:
        self.send(json.dumps({"type": "refused", "message": message}))

    def on_message(self, raw: str | bytes) -> None:
        role = self.session.sockets.get(self)
        if role is None:
            return
        now = time.time()
        if not self.session.limits.allow(role.key, now):
            if now - self.last_notice > 1:  # one notice a second, not one per message
                self.last_notice = now
                self.refuse("Too many messages: wait a few seconds and try again.")
            return
        try:
            self.handle(role, raw)
        except CourseError as refusal:
            self.refuse(str(refusal))

    def on_close(self) -> None:
        self.session.sockets.pop(self, None)


def application(routes: list[tuple[Any, ...]], max_message: int) -> tornado.web.Application:
    """A live server's web application: its `routes`, the shared pages' files under
    ``/static/``, websocket messages up to `max_message` bytes, a ping every 10 s."""
    return tornado.web.Application(
        [*routes, (r"/static/(.*)", tornado.web.StaticFileHandler, {"path": str(STATIC)})],
        websocket_max_message_size=max_message, websocket_ping_interval=10,
        xsrf_cookies=False, compress_response=False)


def listen(app: tornado.web.Application, sockets: list[socket.socket],
           max_body: int) -> None:
    """Serve `app` on sockets already bound (see :func:`launch`), bodies up to `max_body`."""
    server = tornado.httpserver.HTTPServer(app, max_body_size=max_body)
    server.add_sockets(sockets)


# ---------------------------------------------------------------------- the command line

def add_options(parser: argparse.ArgumentParser, default_port: int, default_db: Path | None,
                db_help: str) -> None:
    """The options both commands take: --host, --port, --db and --new."""
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to serve on (default: 127.0.0.1, this computer only); "
                             "give your classroom network address to let students join")
    parser.add_argument("--port", type=int, default=default_port,
                        help="port to serve on, 1 to 65535 (default: %(default)s)")
    parser.add_argument("--db", type=Path, default=default_db, help=db_help)
    parser.add_argument("--new", action="store_true",
                        help="start anew: the old log is kept, renamed")


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


def launch(args: argparse.Namespace, db: Path, what: str, open_session: Callable[[], Any],
           announce: Callable[[Any], tuple[Sequence[str], Sequence[str]]],
           serve: Callable[[Any, list[socket.socket]], Any]) -> int:
    """Start a live server from its options: the exit status.

    Listen on ``args.host``:``args.port`` before the log at `db` is touched (a start that
    fails there leaves no session behind for the next start to "resume"); with ``--new``
    keep the old log, renamed; open the session; set its ``base_url``; print
    ``announce(session)``'s lines about the session, where it is served, then its links;
    run ``serve(session, sockets)`` until Ctrl+C. Whatever is wrong is one line on stderr.
    `what` names the session in those lines ("session", "poll").
    """
    if not args.host.strip():
        # an empty host makes the server listen on every interface of the computer
        print("Cannot start: --host needs an address: 127.0.0.1 for this computer only, or "
              "your classroom network address.", file=sys.stderr)
        return 2
    if not 1 <= args.port <= 65535:
        print(f"Cannot start: --port must be a number from 1 to 65535, not {args.port}.",
              file=sys.stderr)
        return 2
    try:
        sockets = bind_sockets(args.port, address=args.host)
    except OSError as error:
        print(f"Cannot start: {cannot_listen(args.host, args.port, error)}", file=sys.stderr)
        return 1
    if args.new and db.exists() and not _is_log(db):
        for bound in sockets:
            bound.close()
        print(f"Cannot start: {db} is not an earlier {what}'s log, and --new sets aside only "
              "such a log: give a new file name with --db.", file=sys.stderr)
        return 2
    if args.new and db.exists():
        old = _set_aside(db)
        print(f"The previous {what}'s log is kept as {old}")
    try:
        session = open_session()
    except CourseError as error:
        for bound in sockets:
            bound.close()
        print(f"Cannot start: {error}", file=sys.stderr)
        return 2
    link_host, who = exposure(args.host)
    if ":" in link_host:
        link_host = f"[{link_host}]"
    session.base_url = f"http://{link_host}:{args.port}"
    about, links = announce(session)
    print(*about, f"Serving on {session.base_url}, reachable by {who}.", *links,
          "Stop with Ctrl+C; run the same command again to resume.", sep="\n", flush=True)
    try:
        asyncio.run(serve(session, sockets))
    except KeyboardInterrupt:
        print("\nStopped. Nothing is lost: the log is on disk.")
    return 0


def logs() -> Path:
    """The folder a server keeps its event logs in by default: the repository's build/
    when the course runs from a clone, else build/ in the current folder, never inside an
    installed package (site-packages may be read-only, or shared by every user of a hub)."""
    root = Path(__file__).resolve().parent.parent
    return (root if (root / "course.py").is_file() else Path.cwd()) / "build"
