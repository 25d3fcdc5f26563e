"""Free TCP ports on the loopback interface.

A port is never assumed free: we bind it and read it back. The port is then handed to a
server that binds it a moment later, and in that window an *outgoing* connection could be
given the same number by the kernel if it lies in the ephemeral range: with a dozen
processes starting and connecting at once that happened (uvicorn: "address already in
use"). So ports are drawn below the ephemeral range where outgoing connections never land,
and never handed out twice by this process. bind(0) is the fallback.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_handed_out: set[int] = set()
_LOWEST = 20000


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    top = _ephemeral_start() - 1
    if top - _LOWEST >= 1000:
        for _ in range(200):
            port = random.randint(_LOWEST, top)
            if port not in _handed_out and _bindable(port):
                _handed_out.add(port)
                return port
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise OSError("no free TCP port found on 127.0.0.1")


def port_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now, binding it as servers do (with
    SO_REUSEADDR: connections a previous run left in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
