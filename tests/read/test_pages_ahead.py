"""The rebuild's read-ahead: every page in order, errors raised where they are consumed, and a
consumer that stops early leaves no reader thread behind."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from o2c.eventstore.store import EventStore
from o2c.follow.read_ahead import pages_ahead
from tests.read.conftest import ReadWorld


def _book(rw: ReadWorld, customers: int = 6) -> None:
    for n in range(customers):
        cid = rw.account()
        rw.sell(cid, f"{10 + n}.00", date(2026, 1, 1))


def test_every_page_in_order_then_the_end(rw_sqlite: ReadWorld) -> None:
    _book(rw_sqlite)
    positions = [e.position for page in pages_ahead(rw_sqlite.store, 0, 7) for e in page]
    assert positions == list(range(1, rw_sqlite.store.last_position() + 1))
    after = [e.position for page in pages_ahead(rw_sqlite.store, 10, 7) for e in page]
    assert after == positions[10:]


def test_a_failing_read_is_raised_to_the_consumer(
    rw_sqlite: ReadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _book(rw_sqlite)
    real = EventStore.read
    calls = []

    def flaky(self: EventStore, after: int = 0, limit: int = 1000) -> list:  # type: ignore[type-arg]
        calls.append(after)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return real(self, after, limit)

    monkeypatch.setattr(EventStore, "read", flaky)
    pages = pages_ahead(rw_sqlite.store, 0, 5)
    assert len(next(pages)) == 5
    with pytest.raises(ConnectionError, match="went away"):
        next(pages)


def test_stopping_early_ends_the_reader(rw_sqlite: ReadWorld) -> None:
    _book(rw_sqlite, customers=10)
    before = {t.name for t in threading.enumerate()}
    pages = pages_ahead(rw_sqlite.store, 0, 2)
    next(pages)
    pages.close()  # the consumer gives up with pages still queued
    alive = [t for t in threading.enumerate() if t.name == "o2c-log-reader"]
    assert alive == [] and "o2c-log-reader" not in before
