"""The embedded runner: follows the event store's notification log in-process.

The SQLite recorder cannot be subscribed to, so the runner polls (every 50 ms) and is woken early
by ``notify`` after each command; it catches up on start. ``wait_for`` gives read-your-writes:
a query can wait, bounded, until the read models reached a command's position.

``follow_log`` is the same work as a process of its own (``o2c project`` without Kafka): the
serving processes then spend no time on projections, and wake on PostgreSQL's ``NOTIFY``.

An event no projection can apply parks its customer (``o2c.follow.parking``, as the Kafka
projector does) and everyone else goes on, so no single event stops a start-up or a catch-up;
only an error that says "not now" (the database away) makes a catch-up raise and retry.
"""

from __future__ import annotations

import logging
import threading
import time

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.log_waiter import LogWaiter
from o2c.eventstore.store import EventStore
from o2c.follow.parking import LogParking
from o2c.follow.read_ahead import pages_ahead
from o2c.projections.engine import ProjectionEngine

log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Applies new events from the store to the read models in batches."""

    def __init__(
        self,
        store: EventStore,
        engine: ProjectionEngine,
        batch: int = 2000,
        poll_interval: float = 0.05,
    ) -> None:
        self.store = store
        self.engine = engine
        self.parking = LogParking(engine)
        self.batch = batch
        self.poll_interval = poll_interval
        self._applied = engine.position()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._catch_up_lock = threading.Lock()
        self.errors = 0

    def catch_up(self) -> int:
        """Apply everything new; returns how many envelopes were read.

        A full page means a backlog (a start after downtime, a bulk import): the pages after it
        are then read on a second thread while this one applies, as a rebuild does.
        """
        total = 0
        with self._catch_up_lock:
            while True:
                page = self.store.read(self.engine.position(), self.batch)
                if not page:
                    break
                total += self._apply(page)
                if len(page) == self.batch:
                    for ahead in pages_ahead(self.store, page[-1].position, self.batch):
                        total += self._apply(ahead)
            self._set_applied(self.engine.position())
        return total

    def _apply(self, page: list[EventEnvelope]) -> int:
        self.parking.apply(page)
        self._set_applied(page[-1].position)
        return len(page)

    def _set_applied(self, position: int) -> None:
        with self._changed:
            self._applied = max(self._applied, position)
            self._changed.notify_all()

    def applied_position(self) -> int:
        """Last position applied by every projection."""
        return self._applied

    def lag(self) -> int:
        """Events in the log not yet in the read models."""
        return max(0, self.store.last_position() - self._applied)

    def notify(self, position: int) -> None:
        """Wake the runner: a command just stored events up to ``position``."""
        self._wake.set()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Wait until the read models reached ``position`` (or ``timeout`` seconds passed)."""
        if self._thread is None:
            self.catch_up()
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._applied < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wake.set()
                self._changed.wait(min(remaining, 0.05))
        return True

    def start(self) -> None:
        """Catch up, then follow the log in a daemon thread."""
        self._stop.clear()
        self.catch_up()
        self._thread = threading.Thread(target=self._loop, name="o2c-projections", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.catch_up()
                failures = 0
            except Exception:  # keep following; the error is logged and retried next tick
                self.errors += 1
                failures += 1
                log.exception("embedded projection batch failed; will retry")
                # Back off while the failure lasts, without sleeping past a stop().
                self._stop.wait(min(5.0, 0.1 * failures))

    def stop(self) -> None:
        """Stop following the log."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def follow_log(runner: EmbeddedRunner, waiter: LogWaiter, stop: threading.Event) -> None:
    """Apply the log to the read models until ``stop`` is set: after each commit (or every
    half second), everything new."""
    failures = 0
    while not stop.is_set():
        try:
            runner.catch_up()
            failures = 0
        except Exception:  # the database may be restarting: log, back off, read again
            failures += 1
            log.exception("projection batch failed; will retry")
            stop.wait(min(5.0, 0.1 * failures))
            continue
        waiter.wait(0.5)
