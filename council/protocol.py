"""What a browser tab may send the live class servers (the council and the poll), and how
often.

Every websocket message is one JSON object whose ``type`` names a request and whose other
fields are exactly that request's: :func:`parse` turns a message into such a request or
a :class:`Refusal` in words a player understands. Who sent it is never in the message (the
server knows it from the token of the connection). :class:`RateLimit` keeps one tab from
flooding the others.
"""

from __future__ import annotations

import json
from typing import Any

from utils.errors import CourseError

__all__ = ["RateLimit", "Refusal", "Requests", "parse"]

#: For each request ``type``: its fields and the JSON types each may have.
Requests = dict[str, dict[str, tuple[type, ...]]]


class Refusal(CourseError):
    """A request the game turns down, with the reason in words a player understands."""


def _no_constant(token: str) -> None:
    raise ValueError(token)  # NaN, Infinity: not numbers a browser may send


def parse(raw: object, requests: Requests, max_bytes: int) -> dict[str, Any]:
    """A websocket message as one of `requests`, or a :class:`Refusal` naming what is wrong
    (binary or oversized, not JSON, an unknown type, a field missing, extra or of the wrong
    type). A ``true`` is never taken for a number."""
    if isinstance(raw, bytes):
        raise Refusal("Messages are JSON text, not binary.")
    if not isinstance(raw, str):
        raise Refusal("Messages are JSON text.")
    if len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
        raise Refusal(f"Message too long (the limit is {max_bytes} bytes).")
    try:
        message = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # RecursionError: brackets nested thousands deep
        raise Refusal("That message is not valid JSON.") from None
    if not isinstance(message, dict) or message.get("type") not in requests:
        raise Refusal("Unknown kind of message.")
    fields = requests[message["type"]]
    if set(message) - {"type", *fields}:
        raise Refusal("Unexpected fields in the message.")
    for name, kinds in fields.items():
        value = message.get(name)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            raise Refusal(f"The message needs {name!r} as {kinds[0].__name__}.")
    return message


class RateLimit:
    """A token bucket per sender: `burst` messages at once, then `rate` a second."""

    def __init__(self, rate: float = 2.0, burst: float = 10.0) -> None:
        self.rate, self.burst = rate, burst
        self.level: dict[object, tuple[float, float]] = {}

    def allow(self, who: object, now: float) -> bool:
        """Whether `who` may send one more message at time `now` (seconds); counts it."""
        tokens, then = self.level.get(who, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1:
            self.level[who] = (tokens, now)
            return False
        self.level[who] = (tokens - 1, now)
        return True
