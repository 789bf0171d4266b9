"""Waiting on a condition instead of sleeping a fixed time: as short as the machine allows."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(
    check: Callable[[], bool], timeout: float = 60.0, step: Callable[[], Any] | None = None
) -> None:
    """Poll ``check`` (running ``step`` between tries) until true, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if step is not None:
            step()
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")
