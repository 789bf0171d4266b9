"""Loopback ports for the servers tests and the benchmark start, safe with parallel processes.

``bind(("127.0.0.1", 0))`` hands out ports from the kernel's ephemeral range, the same range
every client connection takes its source port from. A port picked that way and bound later (by
a subprocess), or freed for a restart on the same port (a broker that loses its log), can be
taken in between by another xdist worker: the test then talks to someone else's server. Ports
here come from below the ephemeral range, where the kernel never hands one out, each process
walking its own sequence from a random start, and each is checked free when handed out.
"""

from __future__ import annotations

import os
import random
import socket

LOW, HIGH = 20_000, 32_000  # below Linux's default ephemeral range (32768–60999)

_next = random.Random(os.getpid()).randrange(LOW, HIGH)


def free_port() -> int:
    """A loopback TCP port nobody listens on, not handed out before by this process."""
    global _next
    for _ in range(HIGH - LOW):
        port, _next = _next, LOW + (_next + 1 - LOW) % (HIGH - LOW)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port between {LOW} and {HIGH}")
