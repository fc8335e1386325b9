"""The council server against hostile players, a restart in mid-round, and a small load.

One server (4 seats, in a thread of this process) serves the hostile tests in order; the
restart test runs its own as a child process and kills it with SIGKILL. Everything is on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import csv
import io
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import editions.lite
from council.harness import Client, InProcessServer, Server

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

ROOT = Path(__file__).resolve().parent.parent

DEVICE = "d" * 20
XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = InProcessServer(tmp_path_factory.mktemp("council") / "s.sqlite",
                              "--seats", "4").start()
    yield running
    running.stop()


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_a_guessed_token_opens_nothing(server: Server) -> None:
    assert fetch(f"{server.base}/sg?t=guess")[0] == 403
    assert fetch(f"{server.base}/export.csv?t={server.token('seat1')}")[0] == 403
    assert fetch(f"{server.base}/sg?t={server.token('projector')}")[0] == 403
    status, _, headers = fetch(server.url("seat", "seat1"))
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    status, svg, _ = fetch(f"{server.base}/qr/1.svg?t={server.token('projector')}")
    assert status == 200 and svg.startswith("<svg")
    assert fetch(f"{server.base}/qr/1.svg?t={server.token('seat2')}")[0] == 403
    assert fetch(f"{server.base}/qr/9.svg?t={server.token('projector')}")[0] == 404

    async def play() -> Client:
        return await Client.open(f"ws://127.0.0.1:{server.port}/ws?t=guess")

    assert run(play()).closed == (4003, "This link is not valid for this session.")


def test_a_websocket_from_another_site_is_refused(server: Server) -> None:
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(server.ws_url("seat1"), headers={"Origin": "http://evil.example"})

    async def attempt() -> None:
        await websocket_connect(request)

    with pytest.raises(HTTPClientError, match="403"):
        run(attempt())


def test_the_server_says_what_it_exposes() -> None:
    from council.live import exposure

    assert exposure("127.0.0.1") == ("127.0.0.1", "this computer only (use --host <your "
                                                  "address> for a classroom)")
    assert exposure("192.168.1.20")[1] == ("every device that can reach 192.168.1.20 (your "
                                           "classroom network)")
    assert exposure("0.0.0.0")[1] == "EVERY network interface of this computer"


def test_no_one_acts_for_another_role(server: Server) -> None:
    async def play() -> None:
        seat = await Client.open(server.ws_url("seat1"), DEVICE)
        projector = await Client.open(server.ws_url("projector"))
        await seat.send({"type": "circulate", "wording": 1, "seconds": 60})
        await seat.until(lambda m: m["type"] == "refused")
        await seat.send({"type": "break", "reason": "for seat 2", "seat": 2})
        await seat.until(lambda m: m["type"] == "refused")
        await projector.send({"type": "deadlock"})
        await projector.until(lambda m: m["type"] == "refused")
        assert seat.refusals == ["Only the Secretary General can do that.",
                                 "Unexpected fields in the message."]
        assert projector.refusals == ["The projector only shows the session."]
        assert "brief" not in projector.state["you"] and "links" not in projector.state["you"]
        seat.close()
        projector.close()

    run(play())
    assert [kind for kind, _, _ in server.events()] == ["started", "joined"]


def test_malformed_and_oversized_messages_are_refused(server: Server) -> None:
    async def play() -> list[str]:
        seat = await Client.open(server.ws_url("seat4"), DEVICE)
        for raw in ("{not json", "[]", '{"type": "break"}', "x" * 5000, b"\x00\x01"):
            await seat.send(raw)
            await seat.until(lambda m: m["type"] == "refused")
        giant = await Client.open(server.ws_url("seat3"))
        await giant.send("x" * 100_000)  # over the websocket limit: the server hangs up
        assert await giant.until(lambda m: False) is None
        return seat.refusals

    refusals = run(play())
    assert refusals == ["That message is not valid JSON.", "Unknown kind of message.",
                        "The message needs 'reason' as str.",
                        "Message too long (the limit is 2048 bytes).",
                        "Messages are JSON text, not binary."]
    assert fetch(server.url("projector", "projector"))[0] == 200  # still serving
    assert [kind for kind, _, _ in server.events()] == ["started", "joined", "joined"]


def test_script_in_a_reason_stays_text(server: Server) -> None:
    async def play() -> dict:
        sg = await Client.open(server.ws_url("sg"))
        seat = await Client.open(server.ws_url("seat1"), DEVICE)
        await sg.send({"type": "circulate", "wording": 4, "seconds": 60})
        await seat.until(lambda m: m["type"] == "state" and m["public"]["rounds"])
        await seat.send({"type": "break", "reason": XSS})
        message = await sg.until(lambda m: m["type"] == "state" and m["public"]["rounds"]
                                 and m["public"]["rounds"][-1]["objections"])
        return message["public"]["rounds"][-1]["objections"][0]

    assert run(play()) == {"seat": 1, "name": "France", "reason": XSS}
    rows = list(csv.DictReader(io.StringIO(fetch(f"{server.base}/export.csv?t="
                                                 f"{server.token('sg')}")[1])))
    assert [r["reason"] for r in rows if r["broke_silence"] == "true"] == [XSS]


def test_two_tabs_and_a_replayed_token(server: Server) -> None:
    async def play() -> None:
        first = await Client.open(server.ws_url("seat2"), "tab-device-0000000")
        await first.until(lambda m: m["type"] == "state" and "brief" in m["you"])
        second = await Client.open(server.ws_url("seat2"), "tab-device-0000000")
        await second.until(lambda m: m["type"] == "state" and "brief" in m["you"])
        replaced = await first.until(lambda m: m["type"] == "replaced")
        assert "another tab" in replaced["message"]
        assert await first.until(lambda m: False) is None and first.closed[0] == 4001
        thief = await Client.open(server.ws_url("seat2"), "other-device-00000")
        await thief.until(lambda m: m["type"] == "refused")
        assert "already taken on another device" in thief.refusals[0]
        assert "brief" not in thief.state["you"]
        await thief.send({"type": "break", "reason": "I am not seat 2"})
        await thief.until(lambda m: m["type"] == "refused")
        assert thief.refusals[1] == "Say hello first: reload the page."
        sg = await Client.open(server.ws_url("sg"))
        await sg.send({"type": "release", "seat": 2})
        await sg.until(lambda m: m["type"] == "ok")
        await thief.send({"type": "hello", "device": "other-device-00000"})
        await thief.until(lambda m: m["type"] == "state" and "brief" in m["you"])

    run(play())


def test_acting_after_the_deadline_is_refused(server: Server) -> None:
    async def play() -> Client:
        sg = await Client.open(server.ws_url("sg"))
        seat = await Client.open(server.ws_url("seat3"), "flood-device-00000")
        await sg.send({"type": "circulate", "wording": 2, "seconds": 1})
        await sg.until(lambda m: m["type"] == "ok")
        await seat.send({"type": "break", "reason": "In time."})
        await seat.until(lambda m: m["type"] == "ok")
        await asyncio.sleep(1.3)
        await seat.send({"type": "break", "reason": "Too late?"})
        await seat.until(lambda m: m["type"] == "refused")
        return seat

    seat = run(play())
    assert seat.refusals[-1] == "Too late: the silence deadline of round 2 has passed."
    assert len(seat.state["public"]["rounds"]) == 2  # seat 3 joined late and sees it all
    events = server.events()
    assert [k for k, _, _ in events][-3:] == ["circulated", "broke_silence", "closed"]
    assert events[-1][2] == {"result": "broken"}


def test_flooding_is_rate_limited_per_seat(server: Server) -> None:
    before = server.events()

    async def play() -> tuple[Client, Client]:
        flood = await Client.open(server.ws_url("seat3"), "flood-device-00000")
        for _ in range(200):
            await flood.send({"type": "hello", "device": "flood-device-00000"})
        await flood.until(lambda m: m["type"] == "refused"
                          and m["message"].startswith("Too many"))
        calm = await Client.open(server.ws_url("seat4"), DEVICE)
        await calm.until(lambda m: m["type"] == "state" and "brief" in m["you"])
        return flood, calm

    flood, calm = run(play())
    assert set(flood.refusals) == {"Too many messages: wait a few seconds and try again."}
    assert calm.refusals == []  # the limit is per seat
    assert server.events() == before  # and the state is untouched


def test_the_log_is_append_only(server: Server) -> None:
    with closing(sqlite3.connect(server.db)) as db, pytest.raises(sqlite3.IntegrityError,
                                                         match="append-only"):
        db.execute("UPDATE events SET kind = 'x'")
    with closing(sqlite3.connect(server.db)) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("DELETE FROM events")


def test_a_killed_server_resumes_mid_round_with_nothing_lost(tmp_path: Path) -> None:
    server = Server(tmp_path / "s.sqlite", "--seats", "3").start()

    async def before() -> None:
        sg = await Client.open(server.ws_url("sg"))
        seat = await Client.open(server.ws_url("seat1"), "seat-one-device-00")
        await sg.send({"type": "circulate", "wording": 4, "seconds": 600})
        await sg.until(lambda m: m["type"] == "ok")
        await seat.send({"type": "break", "reason": "Not before the UN has finished."})
        await seat.until(lambda m: m["type"] == "ok")

    try:
        run(before())
        logged = server.events()
        server.kill()
        started = time.time()
        server.start()

        async def after() -> tuple[dict, Client]:
            sg = await Client.open(server.ws_url("sg"))
            seat = await Client.open(server.ws_url("seat1"), "seat-one-device-00")
            await seat.until(lambda m: m["type"] == "state" and "brief" in m["you"])
            await seat.send({"type": "break", "reason": "Once more"})
            await seat.until(lambda m: m["type"] == "refused")
            return sg.state, seat

        state, seat = run(after())
    finally:
        server.stop()
    assert server.events() == logged  # nothing lost, nothing added (600 s was left)
    current = state["public"]["rounds"][0]
    assert current["result"] == "open" and current["deadline"] > started + 500
    assert current["objections"] == [{"seat": 1, "name": "France",
                                      "reason": "Not before the UN has finished."}]
    assert seat.refusals == ["You have already broken silence on this draft."]
    assert state["public"]["seats"][0]["joined"]


def test_broadcast_latency_under_a_small_load(tmp_path: Path) -> None:
    from scripts.bench_council import measure

    result = run(measure(tmp_path / "s.sqlite", viewers=30, seats=10, broadcasts=2,
                         server=InProcessServer))
    assert result["received"] == result["expected"]
    assert result["p95_ms"] < 1000, result


# ------------------------------------------------------------------ starting on a port


def start_council(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m council`` as a teacher runs it, expected to stop at once."""
    return subprocess.run([sys.executable, "-m", "council", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else is listening on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_the_council_and_the_browser_edition_have_their_own_ports() -> None:
    from council.__main__ import arguments

    assert arguments([]).port == 8766
    assert editions.lite.DEFAULT_PORT == 8765


def test_a_taken_port_is_one_line_and_leaves_no_session(tmp_path: Path,
                                                        taken_port: int) -> None:
    db = tmp_path / "s.sqlite"
    done = start_council(db, "--port", str(taken_port))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"Cannot start: port {taken_port} on 127.0.0.1 is already in use (another council, "
        "or `python3 course.py lite serve`?): stop it, or choose another port with --port."]
    assert done.stdout == ""
    assert not db.exists()  # nothing for the next start to "resume"
    server = Server(db).start()
    server.stop()
    log = (tmp_path / "server.log").read_text()
    assert "Starting the session" in log and "Resuming" not in log


@pytest.mark.parametrize("what", ["folder", "document"])
def test_new_sets_aside_only_an_earlier_log(tmp_path: Path, what: str) -> None:
    # --new renames the file --db names: never a folder, a device or a document given by
    # mistake (as root, `--db /dev/null --new` moved the device away).
    db = tmp_path / "target"
    if what == "folder":
        db.mkdir()
        (db / "work.txt").write_text("a student's work")
    else:
        db.write_text("my notes, not a session log")
    with socket.socket() as probe:  # a port free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = start_council(db, "--port", str(port), "--new")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"Cannot start: {db} is not an earlier session's log, and --new sets aside only "
        "such a log: give a new file name with --db."]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_new_keeps_every_event_of_a_log_left_by_a_crash(tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from council import live

    # A log as kill -9 leaves it: its events still in the write-ahead file beside it.
    running = tmp_path / "running.sqlite"
    connection = sqlite3.connect(running)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, kind TEXT)")
    connection.execute("INSERT INTO events (kind) VALUES ('started')")
    connection.commit()
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for end in ("", "-wal", "-shm"):
        shutil.copy(tmp_path / f"running.sqlite{end}", crashed / f"s.sqlite{end}")
    connection.close()
    (crashed / "s.sqlite").touch()
    stamp = int((crashed / "s.sqlite").stat().st_mtime)
    (crashed / f"s-{stamp}.sqlite").write_text("an earlier kept log")  # never overwritten
    kept = live._set_aside(crashed / "s.sqlite")
    assert kept == crashed / f"s-{stamp}-2.sqlite"
    assert (crashed / f"s-{stamp}.sqlite").read_text() == "an earlier kept log"
    assert not any((crashed / f"s.sqlite{end}").exists() for end in ("", "-wal", "-shm"))
    with sqlite3.connect(kept) as reopened:
        assert reopened.execute("SELECT kind FROM events").fetchall() == [("started",)]


def test_another_program_s_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    import hashlib
    import sqlite3

    places = tmp_path / "places.sqlite"
    with sqlite3.connect(places) as connection:
        connection.execute("CREATE TABLE moz_places (url TEXT)")
    before = hashlib.sha256(places.read_bytes()).hexdigest()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = start_council(places, "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Cannot start: this database holds tables of another program (moz_places), not a "
        "session's log: give another path with --db."]
    assert hashlib.sha256(places.read_bytes()).hexdigest() == before


def test_a_document_with_a_database_header_is_not_a_log(tmp_path: Path) -> None:
    from council import live

    fake = tmp_path / "notes.sqlite"
    fake.write_bytes(b"SQLite format 3\x00" + b"my notes, not a database" * 10)
    assert not live._is_log(fake)
    (tmp_path / "empty.sqlite").touch()
    assert live._is_log(tmp_path / "empty.sqlite")


def test_a_port_out_of_range_is_refused_in_one_line(tmp_path: Path) -> None:
    done = start_council(tmp_path / "s.sqlite", "--port", "99999")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "Cannot start: --port must be a number from 1 to 65535, not 99999."]
    assert not (tmp_path / "s.sqlite").exists()


def test_lite_serve_says_a_taken_or_wrong_port_in_one_line(
        taken_port: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # The port must be refused before anything is built (a build may take minutes).
    monkeypatch.setattr(editions.lite, "build", lambda *a, **k: pytest.fail("it built first"))
    assert editions.lite.main(["serve", str(taken_port)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"Cannot serve: port {taken_port} on 127.0.0.1 is already in use (another `lite "
        "serve`, or the council?): stop it, or give another port: `python3 course.py lite "
        "serve PORT`."]
    assert editions.lite.main(["serve", "99999"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Cannot serve: the port must be a number from 1 to 65535, not 99999."]


def test_nested_brackets_and_an_export_before_any_draft_get_answers(tmp_path: Path) -> None:
    """A 2 KB message of nested brackets is refused like any bad JSON (it raised an uncaught
    RecursionError), and exporting before the first draft gives the CSV header."""
    fresh = InProcessServer(tmp_path / "s.sqlite", "--seats", "3").start()
    try:
        status, body, _ = fetch(f"{fresh.base}/export.csv?t={fresh.token('sg')}")
        assert status == 200 and body.startswith("session,card,round,")
        assert len(body.strip().splitlines()) == 1

        async def play() -> list[str]:
            seat = await Client.open(fresh.ws_url("seat1"), DEVICE)
            await seat.send("[" * 1000 + "]" * 1000)
            await seat.until(lambda m: m["type"] == "refused")
            return seat.refusals

        assert run(play()) == ["That message is not valid JSON."]
    finally:
        fresh.stop()
