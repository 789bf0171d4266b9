"""A close and the commands of the same process never interleave; the head rewinds correctly.

Payments dated inside the period race a close on PostgreSQL (no store-wide writer lock there):
each one is either stored before the close, and counted in its trial balance, or refused after
it. Then the readers-writer lock on its own, and ``ChainHeads.digest_at`` against the digest of
the log's prefix.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from uuid import UUID

import pytest

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.locks import ReadersWriterLock
from o2c.application.service import O2CService
from o2c.audit.chain_head import ChainHeads, StreamHead, head_digest
from o2c.audit.ledger_replay import LogLedger
from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.verify import verify_events
from o2c.domain.errors import RuleViolation
from tests.periods.book import INSIDE, LOCK, TODAY
from tests.support.wait import wait_until
from tests.support.world import opened_store

WAIT = 10.0


def test_payments_racing_a_close_are_in_its_trial_balance_or_refused(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        service = O2CService(store, today=lambda: TODAY, ledger=LogLedger(store))
        customers = [
            UUID(
                service.handle(
                    c.OpenAccount(name=f"C{i}", currency="EUR", credit_limit=Decimal(1))
                ).body["customer_id"]
            )
            for i in range(4)
        ]
        stop = threading.Event()
        stored: list[int] = []
        refused: list[str] = []

        def pay(customer: UUID) -> None:
            cmd = c.ReceivePayment(customer_id=customer, amount=Decimal(1), received_on=INSIDE)
            while not stop.is_set():
                try:
                    stored.append(service.handle(cmd).position)
                except RuleViolation as err:
                    refused.append(err.code)

        threads = [threading.Thread(target=pay, args=(cid,)) for cid in customers]
        for t in threads:
            t.start()
        try:
            # The close lands among payments in flight, and each payer then meets it.
            wait_until(lambda: len(stored) >= 2 * len(customers), timeout=WAIT)
            close = service.handle(
                c.ClosePeriod(through=LOCK, reason="race"), CommandContext(actor="controller")
            )
            wait_until(lambda: len(refused) >= 2 * len(customers), timeout=WAIT)
        finally:
            stop.set()
            for t in threads:
                t.join(WAIT)
        assert stored and refused and set(refused) == {"period-closed"}
        assert all(position < close.position for position in stored)
        bank = close.body["trial_balance"]["EUR"]["bank"]
        assert bank == {"debit": f"{len(stored)}.00", "credit": "0.00"}
        report = verify_events(raw_events(store), decode=decoder(store))
        assert report.ok and report.closes == 1, report.breaks


def test_a_writer_waits_for_the_readers_and_keeps_new_ones_out() -> None:
    lock = ReadersWriterLock()
    events: list[str] = []
    first_in, release_first = threading.Event(), threading.Event()

    def reader(name: str, entered: threading.Event, release: threading.Event) -> None:
        with lock.reading():
            events.append(f"{name} in")
            entered.set()
            release.wait(WAIT)
            events.append(f"{name} out")

    def writer() -> None:
        with lock.writing():
            events.append("writer")

    first = threading.Thread(target=reader, args=("r1", first_in, release_first))
    first.start()
    assert first_in.wait(WAIT)
    writing = threading.Thread(target=writer)
    writing.start()
    time.sleep(0.05)  # the writer now waits for r1
    late_in, release_late = threading.Event(), threading.Event()
    late = threading.Thread(target=reader, args=("r2", late_in, release_late))
    late.start()
    time.sleep(0.05)
    assert not late_in.is_set()  # a waiting writer keeps new readers out
    assert events == ["r1 in"]
    release_first.set()
    for t in (first, writing):
        t.join(WAIT)
    assert late_in.wait(WAIT)  # r2 got in once the writer was done
    release_late.set()
    late.join(WAIT)
    assert events == ["r1 in", "r1 out", "writer", "r2 in", "r2 out"]


def test_readers_share_the_lock() -> None:
    lock = ReadersWriterLock()
    with lock.reading():
        inside = threading.Event()

        def other() -> None:
            with lock.reading():
                inside.set()

        t = threading.Thread(target=other)
        t.start()
        assert inside.wait(WAIT)
        t.join(WAIT)


def _event(i: int) -> tuple[str, StreamHead]:
    stream = f"s{i % 3}"
    return stream, StreamHead(version=i // 3 + 1, hash=f"h{i}", position=i + 1)


@pytest.mark.parametrize("window", [0, 4, 100])
def test_the_head_rewinds_to_any_position_the_window_remembers(window: int) -> None:
    heads = ChainHeads(window=window)
    prefixes: list[str] = []
    streams: dict[str, StreamHead] = {}
    for i in range(12):
        stream, head = _event(i)
        heads.advance(stream, head)
        streams[stream] = head
        prefixes.append(head_digest(streams))
    assert heads.digest() == prefixes[-1]
    for position in range(1, 13):
        expected = prefixes[position - 1] if 12 - position <= window else None
        assert heads.digest_at(position) == expected, position
