"""The relay's log waiter: woken by a commit on PostgreSQL, a plain timeout on SQLite."""

from __future__ import annotations

import threading
import time

import psycopg

from o2c.eventstore.log_waiter import ListeningWaiter, PollingWaiter, log_waiter
from tests.support.world import World, opened_store

LONG = 30.0  # a wait that ends this late was not woken by the commit


def test_a_commit_wakes_a_listening_waiter(pg_url: str) -> None:
    waiter = log_waiter(pg_url)
    assert isinstance(waiter, ListeningWaiter)
    try:
        waiter.wait(0.01)  # connects and LISTENs; nothing committed yet
        with opened_store(pg_url) as store:
            world = World(store)
            timer = threading.Timer(0.2, world.account)
            started = time.monotonic()
            timer.start()
            waiter.wait(LONG)
            woke_after = time.monotonic() - started
            timer.join()
        assert woke_after < LONG / 2
    finally:
        waiter.close()


def test_a_waiter_survives_its_connection_being_killed(pg_url: str) -> None:
    waiter = ListeningWaiter(pg_url)
    try:
        waiter.wait(0.01)
        assert waiter.conn is not None
        pid = waiter.conn.info.backend_pid
        with psycopg.connect(waiter.conn.info.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        waiter.wait(0.2)  # the broken connection is dropped, not raised
        assert waiter.conn is None
        waiter.wait(0.01)  # and the next wait listens again
        assert waiter.conn is not None and waiter.conn.info.backend_pid != pid
    finally:
        waiter.close()


def test_sqlite_polls(sqlite_url: str) -> None:
    waiter = log_waiter(sqlite_url)
    assert isinstance(waiter, PollingWaiter)
    started = time.monotonic()
    waiter.wait(0.05)
    assert time.monotonic() - started >= 0.05
