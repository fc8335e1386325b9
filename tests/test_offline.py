"""The offline guard works, in the test process and in the processes it starts."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def test_the_test_process_cannot_reach_another_machine() -> None:
    with pytest.raises(OSError, match="blocked while testing"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(OSError, match="blocked while testing"):
        socket.getaddrinfo("example.org", 443)


def test_loopback_stays_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass


def test_a_child_process_is_offline_too() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('1.1.1.1', 53), 1)"],
        capture_output=True, text=True)
    assert child.returncode != 0 and "blocked while testing" in child.stderr
