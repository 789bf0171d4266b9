"""Waiting for new events in the log: PostgreSQL ``LISTEN``, or plain polling for SQLite.

The library sends ``NOTIFY <events table>`` in every insert transaction; a relay that listens
wakes within a millisecond of a commit instead of on its next poll (on average half the poll
interval later, 50 ms with the default 0.1 s). SQLite has no notifications, so it polls.
"""

from __future__ import annotations

import threading
from typing import Protocol

import psycopg
from psycopg.conninfo import make_conninfo

from o2c.database_url import is_sqlite
from o2c.eventstore.settings import events_table, postgres_params


class LogWaiter(Protocol):
    """Blocks until the log may hold new events, or ``timeout`` seconds passed."""

    def wait(self, timeout: float) -> None:
        """Return early when something was appended."""

    def close(self) -> None:
        """Release what the waiter holds."""


class PollingWaiter:
    """Just sleeps: the caller polls the log again afterwards."""

    def __init__(self) -> None:
        self._never = threading.Event()

    def wait(self, timeout: float) -> None:
        self._never.wait(timeout)

    def close(self) -> None:
        return None


class ListeningWaiter:
    """Holds one connection that ``LISTEN``s on the events table's channel."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._pause = threading.Event()

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        conninfo = make_conninfo(**postgres_params(self.url))
        conn = psycopg.connect(conninfo, autocommit=True)
        conn.execute(f'LISTEN "{events_table(self.url)}"')
        return conn

    def wait(self, timeout: float) -> None:
        # Notifications that arrived since the last wait are delivered at once; several
        # commits may coalesce into one wake-up, which is fine: the caller reads everything new.
        try:
            if self.conn is None:
                self.conn = self._connect()
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.OperationalError:
            # Database restarting: behave like polling and listen again next time; the caller
            # reads the log after every wait, so nothing committed meanwhile is missed.
            self.close()
            self._pause.wait(timeout)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def log_waiter(url: str) -> LogWaiter:
    """The best waiter for this event store URL."""
    if is_sqlite(url):
        return PollingWaiter()
    return ListeningWaiter(url)
