"""No network while testing: loaded by every Python process the test command starts.

tests/conftest.py puts this folder first on PYTHONPATH, so the pytest process, every
notebook kernel (nbval, nbclient) and JupyterLab in the browser test import it at start-up.
Any attempt to reach a host other than this machine raises ``OfflineError`` at once: a
notebook or test that needs the network fails here, not in an offline classroom. (Kernels
talk to pytest over ZeroMQ on 127.0.0.1, which stays allowed.)
"""

from __future__ import annotations

import ipaddress
import socket


class OfflineError(OSError):
    """Raised instead of a network connection to another machine."""


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # an AF_UNIX path or something that is no network address
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if not _is_local(host):
        raise OfflineError(f"network access to {host!r} is blocked while testing: the course "
                           "must work offline")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _checked_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard(address)
    return _connect(self, address)


def _checked_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard(address)
    return _connect_ex(self, address)


def _checked_getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    _guard((host,))
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _checked_connect
socket.socket.connect_ex = _checked_connect_ex
socket.getaddrinfo = _checked_getaddrinfo
