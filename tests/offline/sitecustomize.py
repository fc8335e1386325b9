"""No network while testing: loaded by every Python process the test command starts.

The root conftest.py puts this folder first on PYTHONPATH, so the pytest process, every
notebook kernel (nbval, nbclient) and JupyterLab in the browser test import it at start-up.
It installs an *audit hook* (PEP 578): the interpreter reports every socket.connect,
sendto, sendmsg, getaddrinfo, gethostbyname(_ex) and gethostbyaddr to it, from the C
level, whoever calls them (``socket``, ``_socket``, a reloaded ``socket`` module, a C
extension using Python's socket objects). An audit hook cannot be removed from Python, so
no code under test can switch the guard off. Any attempt to reach a host other than this
machine raises ``OfflineError`` at once: a notebook or test that needs the network fails
here, not in an offline classroom. (Kernels talk to pytest over ZeroMQ on 127.0.0.1,
which stays allowed; ZeroMQ's own C sockets are loopback-only here.)

:func:`decision` is the pure rule; tests check it on addresses without connecting.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

#: Families whose addresses name no other machine: Unix sockets and the kernel's netlink.
LOCAL_FAMILIES = {getattr(socket, name) for name in ("AF_UNIX", "AF_NETLINK")
                  if hasattr(socket, name)}
INTERNET = {socket.AF_INET, socket.AF_INET6}
#: Audit events that name a host: event -> (index of the socket or None, index of address).
EVENTS = {
    "socket.connect": (0, 1),
    "socket.sendto": (0, 1),
    "socket.sendmsg": (0, 1),
    "socket.getaddrinfo": (None, 0),
    "socket.gethostbyname": (None, 0),
    "socket.gethostbyname_ex": (None, 0),
    "socket.gethostbyaddr": (None, 0),
}


class OfflineError(OSError):
    """Raised instead of a network connection to another machine."""


def is_local(host: object) -> bool:
    """Whether a host (text, bytes, or None for 'this machine') names this machine."""
    if host is None:
        return True
    if isinstance(host, (bytes, bytearray)):
        try:
            host = bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return False
    if not isinstance(host, str):
        return False
    name = host.strip().rstrip(".").lower()
    if name in ("localhost", "") or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.strip("[]").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def decision(event: str, args: tuple) -> str | None:
    """Why this audit event must be refused, or None when it may go ahead."""
    if event not in EVENTS:
        return None
    sock_at, address_at = EVENTS[event]
    if sock_at is not None:
        family = getattr(args[sock_at], "family", None)
        address = args[address_at] if len(args) > address_at else None
        if family in LOCAL_FAMILIES or address is None:  # a connected socket's send
            return None
        if family not in INTERNET:
            return f"network access by socket family {family!r} is blocked while testing"
        host = address[0] if isinstance(address, tuple) and address else address
    else:
        host = args[address_at] if args else None
    if is_local(host):
        return None
    return (f"network access to {host!r} is blocked while testing: the course must work "
            "offline")


def hook(event: str, args: tuple) -> None:
    """The audit hook: raise OfflineError for what :func:`decision` refuses."""
    if event.startswith("socket."):
        reason = decision(event, args)
        if reason:
            raise OfflineError(reason)


if not getattr(sys, "_course_offline_guard", False):
    sys.addaudithook(hook)
    sys._course_offline_guard = True
