"""Read models equal a rebuild from zero and equal figures recomputed from the aggregates;
re-delivered and interrupted batches neither double nor lose an event."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.domain.errors import DomainError
from o2c.follow.rebuild import rebuild
from o2c.projections import receivables
from o2c.projections.checkpoints import PositionCheckpoint
from o2c.projections.registry import PROJECTIONS
from tests.read.conftest import ReadWorld


def random_book(rw: ReadWorld, seed: int, steps: int) -> list[UUID]:
    """Drive the service with a seeded random mix of commands; returns the customers."""
    rnd = random.Random(seed)
    customers = [
        rw.account(
            limit=rnd.choice(["500", "5000", "100000"]),
            discount=("2", 10) if rnd.random() < 0.3 else None,
        )
        for _ in range(3)
    ]
    orders: list[UUID] = []
    invoices: list[UUID] = []
    payments: list[UUID] = []
    for _ in range(steps):
        rw.clock.today += timedelta(days=rnd.randint(0, 9))
        cid = rnd.choice(customers)
        k = rnd.random()
        try:
            if k < 0.25:
                body = rw.order(
                    cid, ("A", rnd.randint(1, 4), f"{rnd.randint(1, 900)}.{rnd.randint(0, 99):02d}")
                )
                orders.append(UUID(body["order_id"]))
                if body["status"] != "approved" and rnd.random() < 0.5:
                    rw.do(c.ApproveOrder(order_id=orders[-1]))
            elif k < 0.45 and orders:
                oid = rnd.choice(orders)
                rw.ship(oid, ("A", rnd.randint(1, 2)))
                invoices.append(UUID(rw.invoice(oid)["invoice_id"]))
            elif k < 0.65:
                payments.append(
                    UUID(rw.pay(cid, f"{rnd.randint(1, 1500)}.00", rw.clock.today)["payment_id"])
                )
            elif k < 0.72 and payments:
                rw.do(c.ReversePayment(payment_id=rnd.choice(payments)))
            elif k < 0.8 and invoices:
                rw.do(
                    c.ApplyCreditNote(
                        invoice_id=rnd.choice(invoices),
                        amount=Decimal(rnd.randint(1, 50)),
                        reason="t",
                    )
                )
            elif k < 0.85 and invoices:
                rw.do(c.WriteOffInvoice(invoice_id=rnd.choice(invoices), reason="t"))
            elif k < 0.9 and invoices:
                rw.do(c.DisputeInvoice(invoice_id=rnd.choice(invoices), reason="t"))
            elif k < 0.95 and orders:
                rw.do(c.CancelOrder(order_id=rnd.choice(orders)))
            else:
                rw.do(c.RunDunning())
        except DomainError:
            pass
    return customers


def snapshot(rw: ReadWorld) -> dict[str, Any]:
    """Every row of every live read-model table (order-independent)."""
    out: dict[str, Any] = {}
    with rw.read_store.engine.connect() as conn:
        for p in PROJECTIONS:
            for name, table in rw.read_store.live_tables(conn, p.name).items():
                if name == "applied":
                    continue
                rows = [tuple(sorted(r.items())) for r in conn.execute(select(table)).mappings()]
                out[f"{p.name}.{name}"] = sorted(rows, key=repr)
    return out


def recomputed(rw: ReadWorld, customers: list[UUID]) -> dict[str, tuple[str, str, str]]:
    """(AR balance, unapplied cash, open orders) straight from the aggregates."""
    out = {}
    for cid in customers:
        acc = rw.store.get(cid)
        assert isinstance(acc, CustomerAccount)
        ar = Decimal(0)
        for iid in acc.invoices_by_due_date():
            inv = rw.store.get(iid)
            assert isinstance(inv, Invoice)
            ar += inv.open_amount
        out[str(cid)] = (f"{ar:.2f}", f"{acc.unapplied_cash:.2f}", f"{acc.open_order_value:.2f}")
    return out


def read_figures(rw: ReadWorld, customers: list[UUID]) -> dict[str, tuple[str, str, str]]:
    out = {}
    for cid in customers:
        e = rw.q.credit_exposure(cid)
        assert e is not None
        out[str(cid)] = (e["ar_balance"], e["unapplied_cash"], e["open_orders"])
    return out


def check_equivalence(rw: ReadWorld, seed: int) -> None:
    customers = random_book(rw, seed, steps=30)
    rw.project()
    incremental = snapshot(rw)
    assert read_figures(rw, customers) == recomputed(rw, customers)
    aging_total = Decimal(rw.q.portfolio_aging(as_of=date(2030, 1, 1))["total"])
    assert aging_total == sum(Decimal(v[0]) for v in recomputed(rw, customers).values())
    rebuild(rw.store, rw.read_store, batch=13)
    assert snapshot(rw) == incremental


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6))
def test_incremental_equals_rebuild_and_recomputation_sqlite(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.read.conftest import _world

    base = tmp_path_factory.mktemp("eq")
    gen = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    rw = next(gen)
    try:
        check_equivalence(rw, seed)
    finally:
        gen.close()


def test_incremental_equals_rebuild_and_recomputation(rw: ReadWorld) -> None:
    for seed in (1, 2):
        check_equivalence(rw, seed)


def test_redelivered_and_interrupted_batches(
    rw: ReadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers = random_book(rw, 99, steps=40)
    envelopes = rw.store.read(0, 100_000)
    half = len(envelopes) // 2
    rw.engine.apply(
        envelopes[:half], checkpoint=PositionCheckpoint("embedded", envelopes[half - 1].position)
    )
    before = snapshot(rw)
    # The same batch again (a redelivery) changes nothing.
    assert (
        rw.engine.apply(
            envelopes[:half],
            checkpoint=PositionCheckpoint("embedded", envelopes[half - 1].position),
        )
        == 0
    )
    assert snapshot(rw) == before
    # A batch that dies halfway stores nothing of itself …
    # (receivables runs after accounts and orders have written their rows in the transaction)
    assert any(e.event_type == "InvoiceIssued" for e in envelopes[half:])
    original = receivables.HANDLERS["InvoiceIssued"]

    def flaky(rows: Any, env: Any) -> None:
        raise RuntimeError("crash in the middle of a batch")

    monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", flaky)
    with pytest.raises(RuntimeError):
        rw.engine.apply(
            envelopes[half:], checkpoint=PositionCheckpoint("embedded", envelopes[-1].position)
        )
    assert snapshot(rw) == before
    monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", original)
    # … and the retry (overlapping the first half again) ends exactly like a rebuild.
    rw.runner.catch_up()
    assert read_figures(rw, customers) == recomputed(rw, customers)
    final = snapshot(rw)
    rebuild(rw.store, rw.read_store)
    assert snapshot(rw) == final


def test_rebuild_of_one_projection_swaps_generations(rw: ReadWorld) -> None:
    random_book(rw, 5, steps=20)
    rw.project()
    before = snapshot(rw)
    with rw.read_store.engine.connect() as conn:
        gen = rw.read_store.active_generations(conn)["receivables"]
    seen: list[tuple[int, int]] = []
    rebuild(
        rw.store,
        rw.read_store,
        projection="receivables",
        batch=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    with rw.read_store.engine.connect() as conn:
        assert rw.read_store.active_generations(conn)["receivables"] == gen + 1
    assert seen and seen[-1][0] == seen[-1][1]
    assert snapshot(rw) == before
