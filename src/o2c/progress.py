"""A small progress line on stderr for long work (demo load, import, rebuild, bench)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``label  done/total  rate/s`` redrawn in place on a terminal, every few seconds otherwise."""

    def __init__(self, label: str, total: int | None = None, *, enabled: bool = True) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.enabled = enabled
        self.started = time.monotonic()
        self._last = 0.0
        self.tty = sys.stderr.isatty()

    def update(self, done: int, total: int | None = None) -> None:
        """Report progress (absolute count)."""
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if self.enabled and now - self._last >= (0.2 if self.tty else 5.0):
            self._last = now
            self._draw(end="\r" if self.tty else "\n")

    def advance(self, n: int = 1) -> None:
        """Report ``n`` more units done."""
        self.update(self.done + n)

    def finish(self) -> None:
        """Print the final line."""
        if self.enabled:
            self._draw(end="\n")

    def _draw(self, end: str) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        if self.total:
            pct = 100.0 * self.done / self.total
            text = f"{self.label}: {self.done}/{self.total} ({pct:5.1f}%) {rate:,.0f}/s"
        else:
            text = f"{self.label}: {self.done} {rate:,.0f}/s"
        sys.stderr.write(text.ljust(70) + end)
        sys.stderr.flush()
