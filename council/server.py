"""The live North Atlantic Council: a thin tornado shell over :mod:`council.game`.

Everything that happens is an event appended to the session's log (:func:`council.live.open_log`,
a SQLite table that refuses updates and deletes); the game state is
:func:`council.game.replay` of that table, so a restarted server resumes exactly where it
stopped. The server's own work is only: map a token to a role (Secretary General,
projector, one seat), pass requests to :func:`council.game.decide`, store the event it
returns, and broadcast the new state (:mod:`council.screens`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from socket import socket as Socket
from typing import Any

import tornado.web
from tornado.ioloop import IOLoop

from council import export, game, live, screens
from council.live import Role
from council.protocol import RateLimit, Refusal
from utils import charts

__all__ = ["Session", "application", "serve"]

PAGES = {"sg": "sg.html", "projector": "projector.html", "seat": "seat.html"}
#: Largest websocket message and request body taken (a request is at most 2 kB).
MAX_BYTES = 64 * 1024


class Session:
    """One class session: its log on disk, its state, and the open connections."""

    def __init__(self, db: Path, card_id: str, seats: int, seed: int = 0) -> None:
        def first() -> tuple[dict[str, Any], list[Role]]:
            entry = game.start(card_id, seats, time.time(), seed)
            return entry, [Role("sg"), Role("projector"),
                           *(Role("seat", s) for s in range(1, entry["data"]["seats"] + 1))]

        self.log = live.open_log(db, first, game.replay)
        self.db, self.resumed, self.state = self.log.db, self.log.resumed, self.log.state
        self.tokens = self.log.tokens
        self.links = {role.key: token for token, role in self.tokens.items()}
        self.sockets: dict[CouncilSocket, Role] = {}
        self.seat_socket: dict[int, CouncilSocket] = {}
        self.limits = RateLimit()
        self.timer: object | None = None
        self.charts: dict[tuple[int, bool], bytes] = {}
        self.briefs: dict[int, dict[str, Any]] = {}
        self.render = ThreadPoolExecutor(max_workers=1)
        self.base_url = ""

    def role(self, token: object) -> Role | None:
        """The role a token gives; None for a wrong token (see :func:`council.live.find_role`)."""
        return live.find_role(self.tokens, token)

    # ---------------------------------------------------------------- the game loop

    def submit(self, actor: str | int, request: dict[str, Any]) -> dict[str, Any] | None:
        """Decide, store, apply and broadcast one request; a Refusal propagates."""
        entry = game.decide(self.state, actor, request, time.time())
        if entry is not None:
            self.log.append(entry)  # on disk before anyone is told
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


class Page(live.Base):
    def get(self, kind: str) -> None:
        self.authorised(kind)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((live.STATIC / PAGES[kind]).read_bytes())


class Home(live.Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("North Atlantic Council: open the link your instructor gave you.\n")


class Chart(live.Base):
    async def get(self) -> None:
        self.authorised("sg", "projector", "seat")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(await self.session.chart_svg(self.get_query_argument("full", "") == "1"))


class QR(live.Base):
    def get(self, seat: str) -> None:
        self.authorised("sg", "projector")
        number = int(seat)
        if not 1 <= number <= self.session.state.seats:
            raise tornado.web.HTTPError(404, reason="No such seat")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(live.qr_svg(self.session.seat_url(number)))


class Export(live.Base):
    def get(self) -> None:
        self.authorised("sg")
        state = self.session.state
        day = datetime.fromtimestamp(state.started, UTC).date().isoformat()
        table = export.table(state, f"{state.card}-{day}", day,
                             "A class session of the live council game")
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="council-{day}.csv"')
        self.finish(export.to_csv(table))  # before the first draft: the columns alone


class CouncilSocket(live.Socket):
    """One browser tab of the council: the Secretary General's, a projector's or a seat's."""

    roles = ("sg", "projector", "seat")

    def initialize(self, session: Session) -> None:
        super().initialize(session)
        self.claimed = False

    def welcome(self) -> None:
        self.send(self.session.message_for(self, self.role, json.dumps(self.session.public())))

    def handle(self, role: Role, raw: str | bytes) -> None:
        request = game.parse_message(raw)
        if request["type"] == "hello":
            self.hello(request["device"])
        elif role.kind == "projector":
            raise Refusal("The projector only shows the session.")
        elif role.kind == "seat" and not self.claimed:
            raise Refusal("Say hello first: reload the page.")
        else:
            self.session.submit(role.actor, request)
            self.send(json.dumps({"type": "ok", "request": request["type"]}))

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
    return live.application([
        (r"/", Home, args),
        (r"/(sg|projector|seat)", Page, args),
        (r"/ws", CouncilSocket, args),
        (r"/chart.svg", Chart, args),
        (r"/qr/([0-9]{1,2})\.svg", QR, args),
        (r"/export.csv", Export, args),
    ], MAX_BYTES)


async def serve(session: Session, sockets: list[Socket]) -> None:
    """Serve on sockets already bound (see ``python -m council``), resume the session's
    timers, and run until interrupted."""
    live.listen(application(session), sockets, MAX_BYTES)
    if session.resumed:
        session.submit("server", {"type": "resume"})
        session.submit("server", {"type": "tick"})
    session.schedule()
    await asyncio.Event().wait()
