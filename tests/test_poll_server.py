"""The class poll's server: phones join and answer, hostile input, a SIGKILL and restart.

Each test starts ``python -m council.poll_server`` as a child process on 127.0.0.1, as
``python3 course.py poll`` does, and plays phones, projector and instructor over
websockets (council/harness.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from council.harness import Client, PollServer, free_port

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PollServer]:
    running = PollServer(tmp_path_factory.mktemp("poll") / "p.sqlite", "01",
                         "--seats", "5").start()
    yield running
    running.stop()


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)


def fetch(url: str, body: dict | bytes | None = None) -> tuple[int, str]:
    data = body if isinstance(body, bytes | None) else json.dumps(body).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def state_has(test: object) -> object:
    return lambda m: m["type"] == "state" and test(m)


def test_phones_answer_and_the_projector_counts_them(server: PollServer) -> None:
    seats = [server.join(name) for name in ("Ana", "Ben", "Cy")]

    async def play() -> tuple[dict, list[str]]:
        host = await Client.open(server.ws_url("host"))
        projector = await Client.open(server.ws_url("projector"))
        phones = [await Client.open(server.seat_ws(token)) for _, token in seats]
        await host.send({"type": "open", "question": "01-pair-median"})
        await host.until(lambda m: m["type"] == "ok")
        for phone, choice in zip(phones, (3, 0, 0), strict=True):
            await phone.send({"type": "answer", "question": "01-pair-median", "vote": 1,
                              "value": choice})
            await phone.until(lambda m: m["type"] == "ok")
        # Ana changes her mind: her answer replaces the first, it does not add one.
        await phones[0].send({"type": "answer", "question": "01-pair-median", "vote": 1,
                              "value": 0})
        await phones[0].until(lambda m: m["type"] == "ok")
        # She also tries to answer for Ben, and to send what is no number.
        await phones[0].send({"type": "answer", "question": "01-pair-median", "vote": 1,
                              "value": 3, "seat": 2})
        await phones[0].until(lambda m: m["type"] == "refused")
        await phones[0].send('{"type":"answer","question":"01-pair-median","vote":1,'
                             '"value":NaN}')
        await phones[0].until(lambda m: m["type"] == "refused")
        counted = await projector.until(state_has(
            lambda m: m["public"]["question"] is not None
            and m["public"]["question"]["votes"][0]["count"] == 3
            and m["public"]["question"]["votes"][0]["bars"][0]["count"] == 3))
        for client in (host, projector, *phones):
            client.close()
        return counted, phones[0].refusals

    counted, refusals = run(play())
    question = counted["public"]["question"]
    assert [b["count"] for b in question["votes"][0]["bars"]] == [3, 0, 0, 0]
    assert "answer" not in question and "questions" not in counted["you"]
    assert refusals == ["Unexpected fields in the message.", "That message is not valid JSON."]
    answers = [(s, d["value"]) for k, s, d in server.events() if k == "answered"]
    assert answers == [(seats[0][0], 3), (seats[1][0], 0), (seats[2][0], 0), (seats[0][0], 0)]


def test_forged_and_misused_tokens_open_nothing(server: PollServer) -> None:
    assert fetch(f"{server.base}/host?t=guess")[0] == 403
    assert fetch(f"{server.base}/host?t={server.token('projector')}")[0] == 403
    assert fetch(f"{server.base}/export.csv?t={server.token('projector')}")[0] == 403
    assert fetch(f"{server.base}/qr.svg?t={server.token('join')}")[0] == 403
    assert fetch(f"{server.base}/join.json", {"t": "guess", "name": "Eve"}) == (
        403, '{"message": "This join link is not valid: scan the code again."}')
    assert fetch(f"{server.base}/join.json", {"t": server.token("host"), "name": "Eve"})[0] \
        == 403
    assert fetch(f"{server.base}/join.json", b"[" * 3000)[0] == 400
    assert fetch(f"{server.base}/join.json", {"t": server.token("join"), "name": " "}) == (
        400, '{"message": "Give a name (a first name or a nickname is enough)."}')

    async def play() -> list[tuple[int | None, str | None]]:
        closed = []
        for token in ("guess", server.token("join"), "x" * 65):
            client = await Client.open(f"ws://127.0.0.1:{server.port}/ws?t={token}")
            closed.append(client.closed)
        return closed

    assert run(play()) == [(4003, "This link is not valid for this poll.")] * 3


def test_oversized_messages_and_roles(server: PollServer) -> None:
    _, token = server.join("Dee")

    async def play() -> tuple[list[str], list[str], object]:
        phone = await Client.open(server.seat_ws(token))
        projector = await Client.open(server.ws_url("projector"))
        for raw in ("x" * 2000, b"\x00", '{"type": "open", "question": "01-pair-median"}'):
            await phone.send(raw)
            await phone.until(lambda m: m["type"] == "refused")
        await projector.send({"type": "close"})
        await projector.until(lambda m: m["type"] == "refused")
        giant = await Client.open(server.seat_ws(token))
        await giant.send("x" * 100_000)  # over the websocket limit: the server hangs up
        return phone.refusals, projector.refusals, await giant.until(lambda m: False)

    phone, projector, giant = run(play())
    assert phone == ["Message too long (the limit is 1024 bytes).",
                     "Messages are JSON text, not binary.",
                     "Only the instructor can do that."]
    assert projector == ["The projector only shows the poll."]
    assert giant is None
    assert fetch(server.url("projector", "projector"))[0] == 200  # still serving


def test_the_pages_send_the_councils_security_headers(server: PollServer) -> None:
    with urllib.request.urlopen(f"{server.base}/join?t={server.token('join')}",
                                timeout=10) as page:
        headers = page.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    with urllib.request.urlopen(f"{server.base}/qr.svg?t={server.token('projector')}",
                                timeout=10) as code:
        svg = code.read().decode()
    assert svg.startswith('<svg viewBox=') and 'xmlns="http://www.w3.org/2000/svg"' in svg


def test_nothing_is_lost_across_a_sigkill_and_restart(tmp_path: Path) -> None:
    server = PollServer(tmp_path / "p.sqlite", "05").start()
    try:
        seats = [server.join(f"Student {n}") for n in range(1, 5)]

        async def before() -> None:
            host = await Client.open(server.ws_url("host"))
            await host.send({"type": "open", "question": "*forecasts"})
            await host.until(lambda m: m["type"] == "ok")
            for n, (_, token) in enumerate(seats):
                phone = await Client.open(server.seat_ws(token))
                await phone.send({"type": "answer", "question": "suspend_russia_2015",
                                  "vote": 1, "value": 20 * n + 10})
                await phone.until(lambda m: m["type"] == "ok")

        run(before())
        server.kill()
        logged = server.events()  # what a phone was told is recorded is on disk
        assert [d["value"] for k, _, d in logged if k == "answered"] == [10, 30, 50, 70]
        server.start()
        late, _ = server.join("Late")

        async def after() -> tuple[dict, dict]:
            host = await Client.open(server.ws_url("host"))
            phone = await Client.open(server.seat_ws(seats[0][1]))  # the old token still works
            await phone.send({"type": "answer", "question": "suspend_russia_2015", "vote": 1,
                              "value": 95})
            await phone.until(lambda m: m["type"] == "ok")
            await host.send({"type": "close"})
            await host.until(lambda m: m["type"] == "ok")
            await host.send({"type": "resolve", "question": "suspend_russia_2015",
                             "outcome": True})
            mine = await phone.until(state_has(lambda m: m["you"]["scores"]))
            seen = await host.until(state_has(lambda m: m["public"]["league"]))
            return seen, mine

        host, mine = run(after())
        status, text = fetch(f"{server.base}/export.csv?t={server.token('host')}")
    finally:
        server.stop()
    assert server.events()[:len(logged)] == logged
    assert late == 5
    rows = list(csv.DictReader(io.StringIO(text)))
    assert status == 200
    assert [(r["name"], r["answer"], r["outcome"]) for r in rows] == [
        ("Student 1", "95%", "true"), ("Student 2", "30%", "true"),
        ("Student 3", "50%", "true"), ("Student 4", "70%", "true")]
    # Student 1: 95% on what happened: Brier 0.05² = 0.0025; Student 4: 0.3² = 0.09.
    league = host["public"]["league"]
    assert [(r["name"], r["brier"]) for r in league[:2]] == [("Student 1", "0.003"),
                                                               ("Student 4", "0.090")]
    assert mine["you"]["scores"][0]["brier"] == "0.003"


def test_ctrl_c_prints_one_line_and_a_taken_port_one_line(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "council.poll_server", "01", "--db", str(tmp_path / "p.sqlite"),
         "--port", str(free_port())],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "p.sqlite").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert err == ""
    assert out.splitlines()[-1] == "Stopped. Nothing is lost: the log is on disk."
    assert out.splitlines()[0].startswith("Starting the poll of notebook 01")

    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "council.poll_server", "01", "--db",
                               str(tmp_path / "q.sqlite"), "--port", str(port)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert not (tmp_path / "q.sqlite").exists()
    done = subprocess.run([sys.executable, "-m", "council.poll_server", "7"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines() == ["Cannot start: There is no notebook '7': give its "
                                        "number, one of 00, 01, 02, 03, 04, 05."]


def test_the_poll_has_its_own_port() -> None:
    from council.poll_server import arguments

    assert arguments(["01"]).port == 8767


def test_the_benchmark_under_a_small_load_loses_nothing(tmp_path: Path) -> None:
    from scripts.bench_poll import measure

    result = run(measure(tmp_path / "p.sqlite", phones=12, spread=2.0))
    assert result["answers"] == 12 and result["acked_before_kill"] == 6
    assert (result["lost"], result["logged"], result["projector_count"]) == (0, 12, 12)
    assert result["p95_ms"] < 1000, result


def test_a_council_log_or_another_notebooks_poll_is_refused_in_one_line(tmp_path: Path) -> None:
    from council.harness import Server

    council = Server(tmp_path / "council.sqlite").start()
    council.stop()
    first = PollServer(tmp_path / "p.sqlite", "01").start()
    first.stop()
    for db, problem in ((tmp_path / "council.sqlite", "is not a class poll's log"),
                        (tmp_path / "p.sqlite", "holds the poll of notebook 01, not 05")):
        done = subprocess.run([sys.executable, "-m", "council.poll_server", "05", "--db",
                               str(db), "--port", str(free_port())], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
        assert problem in done.stderr


def test_a_damaged_log_or_an_empty_host_is_one_line_and_leaves_no_log(tmp_path: Path,
                                                                      capsys) -> None:
    from council.poll_server import main

    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, but long enough to be read as one " * 20)
    assert main(["01", "--db", str(text), "--port", str(free_port())]) == 2
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and "is not a readable session log" in said[0], said
    assert "Start a new session with --new" in said[0]
    assert main(["01", "--host", " ", "--db", str(tmp_path / "p.sqlite")]) == 2
    assert capsys.readouterr().err.startswith("Cannot start: --host needs an address")
    assert main(["01", "--db", str(tmp_path / "q.sqlite"), "--port", str(free_port()),
                 "--seats", "0"]) == 2
    assert "number of seats" in capsys.readouterr().err
    assert not (tmp_path / "p.sqlite").exists() and not (tmp_path / "q.sqlite").exists()
