"""The o2c processes a scenario starts (relay, projectors, API instances) and waits on."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence

from o2c.kafka.checkpoints import group_position
from o2c.projections.engine import ProjectionEngine

CLI = [sys.executable, "-m", "o2c.cli.main"]


def spawn(command: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``o2c <command>`` as a child process with its output discarded."""
    out = subprocess.DEVNULL
    return subprocess.Popen([*CLI, *command], env=env, stdout=out, stderr=out)


def stop_all(procs: Sequence[subprocess.Popen[bytes]], timeout: float = 30) -> None:
    """SIGTERM to every process first (they stop in parallel), then wait for each."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=timeout)


def wait_applied(engine: ProjectionEngine, group: str, position: int, timeout: float) -> None:
    """Until the consumer group ``group`` applied ``position`` to the read models."""
    deadline = time.monotonic() + timeout
    while group_position(engine, group) < position:
        if time.monotonic() > deadline:
            raise TimeoutError(f"position {position} not visible after {timeout}s")
        time.sleep(0.002)
