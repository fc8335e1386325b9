"""Broadcast latency of the live council on loopback: N websocket clients, one round.

    python scripts/bench_council.py [--viewers 200] [--seats 40] [--broadcasts 5]

Starts a council server (the imagined alliance, so that 40 seats exist), connects
`seats` ally clients and `viewers` projector clients from this process, then measures,
for each broadcast (the Secretary General's draft, then allies breaking silence one by
one), the time from the request leaving this process to each client receiving the new
state. Client and server share the machine, so the figures include the clients' own
work: an upper bound for a classroom's server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the course's packages importable
    sys.path.insert(0, str(ROOT))

from council.harness import Client, Server  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def measure(db: Path, viewers: int = 200, seats: int = 40, broadcasts: int = 5,
                  server: type[Server] = Server) -> dict[str, Any]:
    """Run the load and return the latency figures (milliseconds). The server is a child
    process (or, for the quick test, `server=InProcessServer`)."""
    running = server(db, "--card", "imagined_alliance", "--seats", str(seats)).start()
    try:
        sg = await Client.open(running.ws_url("sg"))
        allies = [await Client.open(running.ws_url(f"seat{s}"), f"bench-device-{s:06d}")
                  for s in range(1, seats + 1)]
        watchers = [await Client.open(running.ws_url("projector")) for _ in range(viewers)]
        everyone = [sg, *allies, *watchers]

        def joined(message: dict) -> bool:
            return message["type"] == "state" and all(
                s["joined"] and s["online"] for s in message["public"]["seats"])

        await asyncio.gather(*(c.until(joined, 60) for c in everyone))
        samples: list[float] = []
        size = 0
        for step in range(broadcasts):
            if step == 0:
                def done(m: dict) -> bool:
                    return m["type"] == "state" and len(m["public"]["rounds"]) == 1
                request, sender = {"type": "circulate", "wording": 5, "seconds": 600}, sg
            else:
                def done(m: dict, n: int = step) -> bool:
                    return (m["type"] == "state"
                            and len(m["public"]["rounds"][0]["objections"]) == n)
                request = {"type": "break", "reason": f"Objection number {step}."}
                sender = allies[step - 1]
            sent = time.perf_counter()
            await sender.send(request)

            async def arrival(client: Client, test: Any = done, sent: float = sent) -> float:
                message = await client.until(test, 60)
                assert message is not None and test(message), "a client missed a broadcast"
                return (client.arrived - sent) * 1000

            samples += await asyncio.gather(*(arrival(c) for c in everyone))
            size = len(json.dumps(everyone[-1].state))
        for client in everyone:
            client.close()
    finally:
        running.stop()
    return {"clients": len(everyone), "seats": seats, "broadcasts": broadcasts,
            "expected": broadcasts * len(everyone), "received": len(samples),
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(percentile(samples, 0.95), 1),
            "max_ms": round(max(samples), 1), "message_bytes": size}


def build_time(db: Path, viewers: int, seats: int, repeats: int = 20) -> float:
    """Milliseconds the server spends building one broadcast for every connection (no
    network): the part of the latency that is the server's own work."""
    from council.live import Role
    from council.server import Session

    session = Session(db, "imagined_alliance", seats)

    class Quiet:
        claimed = True

        def send(self, text: str) -> None:
            pass

    for seat in range(1, seats + 1):
        socket = Quiet()
        session.sockets[socket], session.seat_socket[seat] = Role("seat", seat), socket
    for _ in range(viewers):
        session.sockets[Quiet()] = Role("projector")
    session.sockets[Quiet()] = Role("sg")
    session.broadcast()
    start = time.perf_counter()
    for _ in range(repeats):
        session.broadcast()
    return (time.perf_counter() - start) / repeats * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--broadcasts", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(measure(Path(folder) / "bench.sqlite", args.viewers, args.seats,
                                     args.broadcasts))
        build = build_time(Path(folder) / "build.sqlite", args.viewers, args.seats)
    print(f"council broadcast, loopback: {result['clients']} websocket clients "
          f"({result['seats']} seats), {result['broadcasts']} broadcasts, "
          f"{result['message_bytes']:,} bytes each: p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms (target < 200 ms), max {result['max_ms']} ms; "
          f"the server's own work per broadcast: {build:.1f} ms")
    return 0 if result["p95_ms"] < 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
