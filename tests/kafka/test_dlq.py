"""What the projector parks, and what it must never park.

A database that is away, a lock that times out, a deadlock or a serialization failure says
"not now": the projector waits and retries the batch, however often. Only an error that the
message itself causes parks its customer — that customer alone, from that message on — and a
message sent to the DLQ is never sent there twice because its batch was retried.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
import pytest

from o2c import commands as c
from o2c.events.catalog import DLQ_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.kafka.dlq import parked_in_db, replay
from o2c.kafka.projector import Projector
from o2c.kafka.relay import relay_until_caught_up
from o2c.kafka.topics import read_topic
from o2c.projections import receivables
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore
from tests.kafka.conftest import Pipeline
from tests.kafka.test_crashes import commands
from tests.read.test_replay_equivalence import recomputed
from tests.support.wait import wait_until
from tests.support.world import D

JAN = date(2026, 1, 1)
GROUP = "o2c-test"


def dlq_sources(p: Pipeline) -> Counter[tuple[str, str]]:
    """How often each journal message (partition, offset) was sent to the DLQ."""
    return Counter(
        (
            dict(r.headers)["o2c_source_partition"].decode(),
            dict(r.headers)["o2c_source_offset"].decode(),
        )
        for r in read_topic(p.broker.bootstrap, DLQ_TOPIC)
    )


def figures(p: Pipeline, customers: list[UUID]) -> dict[str, tuple[str, str, str] | None]:
    q = ReadQueries(p.read_store)
    out: dict[str, tuple[str, str, str] | None] = {}
    for cid in customers:
        e = q.credit_exposure(cid)
        out[str(cid)] = (
            None if e is None else (e["ar_balance"], e["unapplied_cash"], e["open_orders"])
        )
    return out


@contextmanager
def table_locked(p: Pipeline, table: str) -> Iterator[None]:
    """Another transaction holds ``table`` exclusively: every statement on it waits."""
    with psycopg.connect(p.url) as holder:
        holder.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            holder.rollback()


@contextmanager
def impatient_projector(p: Pipeline) -> Iterator[Projector]:
    """A projector whose statements give up after 200 ms waiting for a lock (SQLSTATE 55P03)."""
    store = ReadStore(p.url + "?options=-c%20lock_timeout%3D200")
    projector = Projector(ProjectionEngine(store), p.broker.bootstrap, GROUP)
    projector.backoff = projector.max_backoff = 0.05
    projector.start()
    try:
        yield projector
    finally:
        projector.close()
        store.close()


def accounts_applied_table(p: Pipeline) -> str:
    with p.read_store.engine.connect() as conn:
        generation = p.read_store.active_generations(conn)["accounts"]
    return str(p.read_store.tables("accounts", generation)["applied"].name)


def test_a_database_that_is_not_available_never_parks_anything(pipeline: Pipeline) -> None:
    commands(pipeline.world, 4, random.Random(3))
    relay_until_caught_up(pipeline.relay())
    expected = pipeline.rebuilt_snapshot()
    with impatient_projector(pipeline) as projector:
        with table_locked(pipeline, accounts_applied_table(pipeline)):
            # Every apply now fails with "lock not available", as it would while the database
            # restarts or another transaction holds the rows: many more times than any retry
            # budget.
            for _ in range(12):
                projector.poll_once(300)
        wait_until(
            lambda: pipeline.live_snapshot() == expected, step=lambda: projector.poll_once(200)
        )
        assert parked_in_db(projector.engine, GROUP) == {}
        assert dlq_sources(pipeline) == Counter()


def test_a_message_already_parked_is_not_parked_again_when_its_batch_is_retried(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = pipeline.world
    sick, healthy, other = w.account(), w.account(), w.account()
    inv = w.sell(sick, "100.00", JAN)
    w.sell(healthy, "50.00", JAN)
    w.sell(other, "70.00", JAN)
    relay = pipeline.relay()
    relay_until_caught_up(relay)
    original = receivables.HANDLERS["CreditNoteApplied"]

    def broken_for(customer: UUID) -> Any:
        def handler(rows: Any, env: EventEnvelope) -> None:
            if env.customer_id == str(customer):
                raise ValueError("bug in the credit-note projection")
            original(rows, env)

        return handler

    monkeypatch.setitem(receivables.HANDLERS, "CreditNoteApplied", broken_for(sick))
    with impatient_projector(pipeline) as projector:
        wait_until(
            lambda: figures(pipeline, [healthy])[str(healthy)] is not None,
            step=lambda: projector.poll_once(200),
        )
        w.do(c.ApplyCreditNote(invoice_id=UUID(inv["invoice_id"]), amount=D("10"), reason="x"))
        relay_until_caught_up(relay)
        wait_until(
            lambda: str(sick) in parked_in_db(projector.engine, GROUP),
            step=lambda: projector.poll_once(200),
        )
        # A batch with a message of the parked customer, retried after a transient failure ...
        w.pay(sick, "20.00", JAN)
        w.pay(healthy, "50.00", JAN)
        relay_until_caught_up(relay)
        with table_locked(pipeline, accounts_applied_table(pipeline)):
            for _ in range(6):
                projector.poll_once(300)
        # ... and one where another customer's message fails for good.
        monkeypatch.setitem(receivables.HANDLERS, "CreditNoteApplied", broken_for(other))
        w.pay(sick, "5.00", JAN)
        w.do(
            c.ApplyCreditNote(
                invoice_id=UUID(w.sell(other, "30.00", JAN)["invoice_id"]),
                amount=D("1"),
                reason="y",
            )
        )
        relay_until_caught_up(relay)
        wait_until(
            lambda: (
                set(parked_in_db(projector.engine, GROUP)) == {str(sick), str(other)}
                and figures(pipeline, [healthy])[str(healthy)] == ("0.00", "0.00", "0.00")
            ),
            step=lambda: projector.poll_once(200),
        )
        sent = dlq_sources(pipeline)
        assert sent and all(n == 1 for n in sent.values()), sent
        monkeypatch.setitem(receivables.HANDLERS, "CreditNoteApplied", original)
        assert all(
            n >= 0 for n in replay(projector.engine, pipeline.broker.bootstrap, GROUP).values()
        )
    customers = [sick, healthy, other]
    assert figures(pipeline, customers) == recomputed(pipeline.world, customers)  # type: ignore[arg-type]


def test_a_permanent_error_parks_that_customer_alone_and_the_rest_of_the_batch_is_applied(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = pipeline.world
    customers = [w.account() for _ in range(6)]
    sick = customers[2]
    for i, cid in enumerate(customers):
        w.sell(cid, f"{100 + i}.00", JAN)
    w.pay(sick, "30.00", JAN)  # a later message of the sick customer, in the same batch
    for i, cid in enumerate(customers):
        w.pay(cid, f"{10 + i}.00", JAN)
    relay_until_caught_up(pipeline.relay())  # all of it reaches the projector in one batch
    original = receivables.HANDLERS["InvoiceIssued"]

    def broken(rows: Any, env: EventEnvelope) -> None:
        if env.customer_id == str(sick):
            raise ValueError("cannot project this invoice")
        original(rows, env)

    monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", broken)
    healthy = [cid for cid in customers if cid != sick]
    with impatient_projector(pipeline) as projector:
        wait_until(
            lambda: figures(pipeline, healthy) == recomputed(pipeline.world, healthy),  # type: ignore[arg-type]
            step=lambda: projector.poll_once(200),
        )
        parked = parked_in_db(projector.engine, GROUP)
        assert list(parked) == [str(sick)] and "cannot project this invoice" in parked[str(sick)]
        # The sick customer's account was opened before the failing invoice: that part applied.
        assert figures(pipeline, [sick])[str(sick)] is not None
        sent = dlq_sources(pipeline)
        assert all(n == 1 for n in sent.values()), sent
        dlq_customers = {r.key.decode() for r in read_topic(pipeline.broker.bootstrap, DLQ_TOPIC)}
        assert dlq_customers == {str(sick)}
        monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", original)
        replay(projector.engine, pipeline.broker.bootstrap, GROUP)
    assert pipeline.live_snapshot() == pipeline.rebuilt_snapshot()
