"""Run a live server in a child process and talk to it as browsers do: for the tests and
the benchmarks only (no page of the game uses it).

The server is started exactly as ``python3 course.py council`` (or ``poll``) starts it
(``python -m council``), on 127.0.0.1 and a free port; its tokens are read from its SQLite
log, which only the instructor's machine has.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any

from tornado.websocket import WebSocketClientConnection, websocket_connect

__all__ = ["Client", "InProcessServer", "PollServer", "Server", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A council server process with its log at `db`; start, kill -9 and restart it."""

    #: What runs: ``python -m <module>`` (the class poll's server is another module).
    module = "council"

    def __init__(self, db: Path, *args: str, port: int | None = None) -> None:
        self.db, self.args, self.port = db, list(args), port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        log = (self.db.parent / "server.log").open("ab")
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, "--db", str(self.db), "--port", str(self.port),
             *self.args], stdout=log, stderr=log, cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/", timeout=1)
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {self.module} server did not start:\n"
                                       + (self.db.parent / "server.log").read_text()) from None
                time.sleep(0.1)

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL): what survives is what is on disk."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL on Unix, TerminateProcess on Windows
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def token(self, key: str) -> str:
        """The token of "sg" (the poll's "host", "join"), "projector" or "seat<N>"."""
        role, seat = (key, None) if not key.startswith("seat") else ("seat", int(key[4:]))
        with closing(sqlite3.connect(self.db)) as db:  # `with` alone leaves it open
            row = db.execute("SELECT token FROM tokens WHERE role = ? AND seat IS ?",
                             (role, seat)).fetchone()
        return row[0]

    def url(self, page: str, key: str) -> str:
        return f"{self.base}/{page}?t={self.token(key)}"

    def ws_url(self, key: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?t={self.token(key)}"

    def events(self) -> list[tuple[str, int | None, dict[str, Any]]]:
        with closing(sqlite3.connect(self.db)) as db:  # `with` alone leaves it open
            return [(k, s, json.loads(d)) for k, s, d in
                    db.execute("SELECT kind, seat, data FROM events ORDER BY seq")]


class Client:
    """A websocket client that keeps the last state and every refusal it received.

    A background task reads every frame as it comes (so the connection answers the
    server's pings even while a test is busy elsewhere) and notes when it arrived.
    """

    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection
        self.state: dict[str, Any] | None = None
        self.refusals: list[str] = []
        self.closed: tuple[int | None, str | None] | None = None
        self.arrived = 0.0  # perf_counter() when the last message read had arrived
        self.inbox: asyncio.Queue[tuple[float, dict[str, Any] | None]] = asyncio.Queue()
        self.pump = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        while True:
            text = await self.connection.read_message()
            if text is None:
                self.closed = (self.connection.close_code, self.connection.close_reason)
                await self.inbox.put((time.perf_counter(), None))
                return
            await self.inbox.put((time.perf_counter(), json.loads(text)))

    @classmethod
    async def open(cls, url: str, device: str | None = None) -> Client:
        client = cls(await websocket_connect(url, max_message_size=16 * 1024 * 1024))
        await client.read()  # the first state
        if device is not None:
            await client.send({"type": "hello", "device": device})
        return client

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        raw = message if isinstance(message, str | bytes) else json.dumps(message)
        await self.connection.write_message(raw, binary=isinstance(raw, bytes))

    async def read(self, timeout: float = 10) -> dict[str, Any] | None:
        if self.closed is not None and self.inbox.empty():
            return None
        self.arrived, message = await asyncio.wait_for(self.inbox.get(), timeout)
        if message is None:
            return None
        if message["type"] == "state":
            self.state = message
        elif message["type"] == "refused":
            self.refusals.append(message["message"])
        return message

    async def until(self, test: Any, timeout: float = 10) -> dict[str, Any]:
        """The last state if it satisfies `test` (a function of a message), else the next
        message that does (None if the connection closes)."""
        if self.state is not None and test(self.state):
            return self.state
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            message = await self.read(max(left, 0.01))
            if message is None or test(message):
                return message

    def close(self) -> None:
        self.pump.cancel()
        self.connection.close()


class InProcessServer(Server):
    """The same server in a thread of this process: no start-up cost, for the tests that
    do not need to kill it. Arguments as for ``python -m council``."""

    def start(self, timeout: float = 120) -> Server:
        from council.__main__ import arguments
        from council.server import Session, application

        options = arguments([*self.args, "--db", str(self.db), "--port", str(self.port)])
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            session = Session(options.db, options.card, options.seats, options.seed)
            session.base_url = self.base
            application(session).listen(self.port, address="127.0.0.1")
            self.loop.call_soon(ready.set)
            self.loop.run_forever()
            session.db.close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not ready.wait(timeout):
            raise RuntimeError("the in-process council server did not start")
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def kill(self) -> None:
        raise NotImplementedError("use Server (a child process) to kill a server")


class PollServer(Server):
    """A class poll's server process (``python -m council.poll_server NN``), with the
    phones' way in: :meth:`join`."""

    module = "council.poll_server"

    def join(self, name: str) -> tuple[int, str]:
        """Join as a phone does (the join page's request): the new seat and its token."""
        body = json.dumps({"t": self.token("join"), "name": name}).encode()
        request = urllib.request.Request(self.base + "/join.json", body,
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            url = json.loads(response.read())["url"]
        token = url.split("t=", 1)[1]
        with closing(sqlite3.connect(self.db)) as db:
            seat = db.execute("SELECT seat FROM tokens WHERE token = ?", (token,)).fetchone()[0]
        return seat, token

    def seat_ws(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?t={token}"
