"""Loopback ports for servers started by the tests and the benchmark."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
