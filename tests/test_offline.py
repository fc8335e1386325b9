"""The offline guard (tests/offline/sitecustomize.py) and the private test home.

No test here sends a packet off this machine, even if the guard were broken: the guard's
decisions are checked on addresses without connecting, the hook is exercised with
``sys.audit`` (which reports an event without doing it), and the one real connection
attempt to another machine runs inside a network namespace with no interfaces
(``unshare --net``), skipped where the machine does not allow one.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).resolve().parent / "offline" / "sitecustomize.py"
_spec = importlib.util.spec_from_file_location("course_offline_guard_under_test", GUARD)
guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guard)  # the guard's pure decision (the hook is installed once)


class FakeSocket:
    def __init__(self, family: int) -> None:
        self.family = family


INET, INET6, UNIX = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX


@pytest.mark.parametrize(("event", "args"), [
    ("socket.connect", (FakeSocket(INET), ("93.184.216.34", 80))),
    ("socket.connect", (FakeSocket(INET), (b"93.184.216.34", 80))),
    ("socket.connect", (FakeSocket(INET6), ("2606:2800:220:1::", 443, 0, 0))),
    ("socket.connect", (FakeSocket(INET6), ("::ffff:93.184.216.34", 443, 0, 0))),
    ("socket.connect", (FakeSocket(INET), ("0.0.0.0", 80))),
    ("socket.connect", (FakeSocket(INET), ("example.org", 80))),
    ("socket.connect", (FakeSocket(getattr(socket, "AF_PACKET", 17)), ("eth0", 0))),
    ("socket.sendto", (FakeSocket(INET), ("1.1.1.1", 53))),
    ("socket.sendmsg", (FakeSocket(INET6), ("2001:4860:4860::8888", 53, 0, 0))),
    ("socket.getaddrinfo", ("example.org", 443, 0, 0, 0)),
    ("socket.getaddrinfo", (b"example.org", 443, 0, 0, 0)),
    ("socket.getaddrinfo", ("localhost.example.org", 443, 0, 0, 0)),
    ("socket.gethostbyname", ("example.org",)),
    ("socket.gethostbyname_ex", ("example.org",)),
    ("socket.gethostbyaddr", ("8.8.8.8",)),
    ("socket.connect", (FakeSocket(INET), (b"\xff\xfe", 80))),
])
def test_the_guard_refuses_other_machines(event: str, args: tuple) -> None:
    assert guard.decision(event, args) is not None


@pytest.mark.parametrize(("event", "args"), [
    ("socket.connect", (FakeSocket(INET), ("127.0.0.1", 8888))),
    ("socket.connect", (FakeSocket(INET), ("127.1.2.3", 8888))),
    ("socket.connect", (FakeSocket(INET6), ("::1", 8888, 0, 0))),
    ("socket.connect", (FakeSocket(INET6), ("::ffff:127.0.0.1", 8888, 0, 0))),
    ("socket.connect", (FakeSocket(INET), ("localhost", 8888))),
    ("socket.connect", (FakeSocket(INET), (b"localhost", 8888))),
    ("socket.connect", (FakeSocket(UNIX), "/tmp/some.sock")),
    ("socket.connect", (FakeSocket(UNIX), b"\0abstract")),
    ("socket.sendto", (FakeSocket(INET), ("127.0.0.1", 53))),
    ("socket.sendmsg", (FakeSocket(INET), None)),  # a connected socket: checked at connect
    ("socket.getaddrinfo", ("localhost", 8888, 0, 0, 0)),
    ("socket.getaddrinfo", (None, 8888, 0, 0, 0)),
    ("socket.getaddrinfo", ("127.0.0.1", 8888, 0, 0, 0)),
    ("socket.gethostbyname", ("localhost",)),
    ("socket.bind", (FakeSocket(INET), ("0.0.0.0", 0))),
    ("open", ("/etc/hosts", "r", 0)),
])
def test_the_guard_allows_this_machine(event: str, args: tuple) -> None:
    assert guard.decision(event, args) is None


def test_the_hook_is_installed_in_this_process_and_survives_a_reload() -> None:
    sock = socket.socket()
    try:
        for _ in range(2):
            with pytest.raises(OSError, match="blocked while testing"):
                sys.audit("socket.connect", sock, ("93.184.216.34", 80))
            with pytest.raises(OSError, match="blocked while testing"):
                sys.audit("socket.getaddrinfo", "example.org", 443, 0, 0, 0)
            importlib.reload(socket)  # the old monkey-patching guard vanished here
    finally:
        sock.close()


def test_loopback_stays_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass


def test_a_child_process_is_guarded_too() -> None:
    probe = ("import sys, socket; s = socket.socket(); "
             "sys.audit('socket.connect', s, ('1.1.1.1', 53))")
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           timeout=60)
    assert child.returncode != 0 and "blocked while testing" in child.stderr


UNSHARE = shutil.which("unshare")


def _no_network_available() -> bool:
    if UNSHARE is None:
        return True
    return subprocess.run([UNSHARE, "--net", "true"], capture_output=True).returncode != 0


@pytest.mark.skipif(_no_network_available(), reason="no network namespaces on this machine")
def test_real_calls_are_refused_inside_a_namespace_without_network() -> None:
    """Real connect, sendto, DNS and _socket calls, where even a broken guard reaches
    nothing: the namespace has no interface but a loopback that is down."""
    probe = """
import _socket, importlib, socket
results = []
def attempt(name, action):
    try:
        action()
        results.append(f"{name}: went through")
    except OSError as error:
        results.append(f"{name}: {type(error).__name__}")
importlib.reload(socket)
attempt("connect", lambda: socket.create_connection(("93.184.216.34", 80), timeout=1))
attempt("sendto", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    b"x", ("1.1.1.1", 53)))
attempt("getaddrinfo", lambda: socket.getaddrinfo("example.org", 443))
attempt("gethostbyname", lambda: socket.gethostbyname("example.org"))
attempt("_socket", lambda: _socket.socket().connect(("93.184.216.34", 80)))
print(";".join(results))
"""
    env = dict(os.environ)
    child = subprocess.run([UNSHARE, "--net", sys.executable, "-c", probe], env=env,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == ";".join(
        f"{name}: OfflineError" for name in
        ("connect", "sendto", "getaddrinfo", "gethostbyname", "_socket")), child.stdout
    # The same probe without the guard fails differently: the namespace itself holds.
    env["PYTHONPATH"] = ""
    bare = subprocess.run([UNSHARE, "--net", sys.executable, "-c", probe], env=env,
                          capture_output=True, text=True, timeout=60)
    assert "OfflineError" not in bare.stdout and "went through" not in bare.stdout


def test_the_tests_have_a_private_home() -> None:
    home = Path(os.environ["COURSE_TEST_HOME"])
    assert Path(os.environ["HOME"]) == home and home.name.startswith("course-test-home-")
    for variable in ("IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR",
                     "JUPYTER_CONFIG_DIR", "XDG_CACHE_HOME", "npm_config_cache"):
        assert Path(os.environ[variable]).is_relative_to(home), variable
    assert Path("~").expanduser() == home


def test_a_child_process_writes_into_the_private_home() -> None:
    probe = ("import IPython.paths, jupyter_core.paths; "
             "print(IPython.paths.get_ipython_dir()); "
             "print(jupyter_core.paths.jupyter_runtime_dir()); "
             "print(jupyter_core.paths.jupyter_data_dir())")
    child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           timeout=60, check=True)
    home = Path(os.environ["COURSE_TEST_HOME"])
    for line in child.stdout.split():
        assert Path(line).is_relative_to(home), line
