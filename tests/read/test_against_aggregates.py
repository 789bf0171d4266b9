"""Property: for any valid command sequence, every read model agrees with the aggregates and with
figures recomputed straight from the events, and equals a rebuild from zero.

Hypothesis draws a list of operations (what to do, plus a number that picks the entity and the
amount); each runs through ``O2CService`` and rule violations are simply skipped, so every
sequence is a valid history. Shrinking drops operations until the smallest failing story is left.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import Order
from o2c.aggregates.payment_link import PaymentLink
from o2c.domain.errors import DomainError
from o2c.events.envelope import EventEnvelope
from o2c.projections.rebuild import rebuild
from tests.read.conftest import ReadWorld, _world
from tests.read.test_replay_equivalence import snapshot
from tests.support.pg import temporary_database

OPS = (
    "order",
    "order",
    "ship_invoice",
    "ship_invoice",
    "pay",
    "pay_invoice",
    "allocate",
    "deallocate",
    "reverse",
    "credit",
    "write_off",
    "dispute",
    "resolve",
    "dunning",
    "cancel",
    "hold",
    "advance",
)
operations = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10**6)), max_size=35)


class Book:
    """The entities a generated history created, and how to run one operation."""

    def __init__(self, rw: ReadWorld) -> None:
        self.rw = rw
        self.customers = [
            rw.account(limit="2000"),
            rw.account(limit="100000", discount=("2", 10)),
        ]
        self.orders: list[UUID] = []
        self.invoices: list[UUID] = []
        self.payments: list[UUID] = []

    def run(self, op: str, n: int) -> None:
        with contextlib.suppress(DomainError):  # a rule said no: the history stays valid
            getattr(self, f"_{op}")(n)

    def _pick(self, items: list[UUID], n: int) -> UUID:
        if not items:
            raise DomainError("nothing to pick")
        return items[n % len(items)]

    def _customer(self, n: int) -> UUID:
        return self.customers[n % len(self.customers)]

    def _order(self, n: int) -> None:
        body = self.rw.order(self._customer(n), ("A", 1 + n % 3, f"{1 + n % 700}.{n % 100:02d}"))
        self.orders.append(UUID(body["order_id"]))
        if body["status"] != "approved" and n % 2:
            self.rw.do(c.ApproveOrder(order_id=self.orders[-1]))

    def _ship_invoice(self, n: int) -> None:
        oid = self._pick(self.orders, n)
        self.rw.ship(oid, ("A", 1))
        self.invoices.append(UUID(self.rw.invoice(oid)["invoice_id"]))

    def _pay(self, n: int) -> None:
        allocations = None if n % 3 else []
        body = self.rw.pay(self._customer(n), f"{1 + n % 900}.00", self.rw.clock.today, allocations)
        self.payments.append(UUID(body["payment_id"]))

    def _pay_invoice(self, n: int) -> None:
        """Pay one invoice off exactly, net of the early-payment discount when it is due one."""
        inv = self.rw.store.get(self._pick(self.invoices, n))
        assert isinstance(inv, Invoice)
        amount = inv.open_amount
        if (
            inv.discount_until
            and self.rw.clock.today <= inv.discount_until
            and not inv.discount_taken
        ):
            amount -= min(inv.discount_amount, amount)
        if amount > 0:
            body = self.rw.pay(inv.customer_id, str(amount), self.rw.clock.today, [(inv.id, None)])
            self.payments.append(UUID(body["payment_id"]))

    def _allocate(self, n: int) -> None:
        self.rw.do(c.AllocatePayment(payment_id=self._pick(self.payments, n)))

    def _deallocate(self, n: int) -> None:
        pid = self._pick(self.payments, n)
        link = self.rw.store.get(pid)
        assert isinstance(link, PaymentLink)
        allocated = sorted(i for i in link.invoice_ids if self._applied(pid, i))
        if allocated:
            iid = allocated[n % 7 % len(allocated)]
            self.rw.do(c.DeallocatePayment(payment_id=pid, invoice_id=iid, reason="wrong"))

    def _applied(self, payment_id: UUID, invoice_id: UUID) -> bool:
        inv = self.rw.store.get(invoice_id)
        assert isinstance(inv, Invoice)
        return inv.applied_by(payment_id)[0] > 0

    def _reverse(self, n: int) -> None:
        self.rw.do(c.ReversePayment(payment_id=self._pick(self.payments, n)))

    def _credit(self, n: int) -> None:
        iid = self._pick(self.invoices, n)
        self.rw.do(c.ApplyCreditNote(invoice_id=iid, amount=Decimal(1 + n % 40), reason="t"))

    def _write_off(self, n: int) -> None:
        amount = None if n % 2 else Decimal(1 + n % 30)
        iid = self._pick(self.invoices, n)
        self.rw.do(c.WriteOffInvoice(invoice_id=iid, amount=amount, reason="t"))

    def _dispute(self, n: int) -> None:
        self.rw.do(c.DisputeInvoice(invoice_id=self._pick(self.invoices, n), reason="t"))

    def _resolve(self, n: int) -> None:
        self.rw.do(c.ResolveDispute(invoice_id=self._pick(self.invoices, n)))

    def _dunning(self, n: int) -> None:
        self.rw.do(c.RunDunning())

    def _cancel(self, n: int) -> None:
        self.rw.do(c.CancelOrder(order_id=self._pick(self.orders, n)))

    def _hold(self, n: int) -> None:
        cid = self._customer(n)
        if n % 2:
            self.rw.do(c.PlaceCreditHold(customer_id=cid, reason="t"))
        else:
            self.rw.do(c.ReleaseCreditHold(customer_id=cid, reason="t"))

    def _advance(self, n: int) -> None:
        self.rw.clock.today += timedelta(days=1 + n % 45)


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def open_as_of_from_events(envelopes: list[EventEnvelope], day: date) -> dict[str, Decimal]:
    """Open amount per customer on ``day``, folded from the invoice events' business dates."""
    signs = {
        "PaymentApplied": ("amount", "applied_on", -1),
        "DiscountTaken": ("amount", "taken_on", -1),
        "CreditNoteApplied": ("amount", "issued_on", -1),
        "InvoiceWrittenOff": ("amount", "written_off_on", -1),
    }
    issued: dict[str, tuple[str, date]] = {}
    out: dict[str, Decimal] = {}
    for e in envelopes:
        d = e.data
        if e.event_type == "InvoiceIssued":
            issued[e.aggregate_id] = (d["customer_id"], date.fromisoformat(d["issued_on"]))
            delta, on = Decimal(d["total"]), d["issued_on"]
        elif e.event_type in signs:
            field, on_field, sign = signs[e.event_type]
            delta, on = sign * Decimal(d[field]), d[on_field]
        elif e.event_type == "InvoicePaymentReversed":
            delta, on = Decimal(d["amount"]) + Decimal(d["discount"]), d["reversed_on"]
        else:
            continue
        customer, issued_on = issued[e.aggregate_id]
        # The read model books a movement dated before its invoice on the issue date.
        if max(date.fromisoformat(on), issued_on) <= day:
            out[customer] = out.get(customer, Decimal(0)) + delta
    return out


def check(rw: ReadWorld, book: Book) -> None:
    rw.project()
    q = rw.q
    for iid in book.invoices:
        inv = rw.store.get(iid)
        assert isinstance(inv, Invoice)
        view = q.invoice(iid)
        assert view is not None
        assert (
            view["open_amount"],
            view["status"],
            view["disputed"],
            view["dunning_level"],
            view["discount_taken"],
            view["paid"],
            view["credited"],
            view["written_off"],
        ) == (
            money(inv.open_amount),
            inv.status,
            inv.disputed,
            inv.dunning_level,
            money(inv.discount_taken),
            money(inv.paid),
            money(inv.credited),
            money(inv.written_off),
        )
    for oid in book.orders:
        order = rw.store.get(oid)
        assert isinstance(order, Order)
        oview = q.order(oid)
        assert oview is not None and oview["status"] == order.status
    for cid in book.customers:
        account = rw.store.get(cid)
        assert isinstance(account, CustomerAccount)
        # Settled invoices left the account; those still open must sum to its AR balance.
        ar = sum((inv_open(rw, i) for i in account.invoices_by_due_date()), Decimal(0))
        assert ar == account.ar_balance
        exposure = q.credit_exposure(cid)
        assert exposure is not None
        assert (
            exposure["ar_balance"],
            exposure["unapplied_cash"],
            exposure["open_orders"],
            exposure["on_hold"],
        ) == (
            money(ar),
            money(account.unapplied_cash),
            money(account.open_order_value),
            account.on_hold,
        )
        statement = q.statement(cid, start=date(2000, 1, 1), end=date(2100, 1, 1))
        assert statement is not None
        assert statement["closing_balance"] == money(ar - account.unapplied_cash)
        assert q.customer_aging(cid, as_of=date(2100, 1, 1))["total"] == money(ar)
    envelopes = rw.store.read(0, 100_000)
    start = date(2026, 1, 1)
    for offset in (0, 20, 60, 200):
        day = start + timedelta(days=offset)
        expected = open_as_of_from_events(envelopes, day)
        for cid in book.customers:
            aging = q.customer_aging(cid, as_of=day)
            assert aging["total"] == money(expected.get(str(cid), Decimal(0)))
            assert sum(Decimal(b["amount"]) for b in aging["buckets"]) == Decimal(aging["total"])
    incremental = snapshot(rw)
    rebuild(rw.store, rw.read_store, batch=17)
    assert snapshot(rw) == incremental


def inv_open(rw: ReadWorld, iid: Any) -> Decimal:
    inv = rw.store.get(iid)
    assert isinstance(inv, Invoice)
    return inv.open_amount


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_read_models_agree_with_aggregates_sqlite(
    ops: list[tuple[str, int]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("agg")
    worlds = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    rw = next(worlds)
    try:
        book = Book(rw)
        for op, n in ops:
            book.run(op, n)
        check(rw, book)
    finally:
        worlds.close()


@pytest.fixture(scope="module")
def pg_world() -> Iterator[ReadWorld]:
    """One PostgreSQL database shared by the examples (each builds its own customers)."""
    with temporary_database() as url:
        worlds = _world(url, url)
        try:
            yield next(worlds)
        finally:
            worlds.close()


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_read_models_agree_with_aggregates_postgres(
    ops: list[tuple[str, int]], pg_world: ReadWorld
) -> None:
    pg_world.clock.today = date(2026, 1, 1)
    book = Book(pg_world)
    for op, n in ops:
        book.run(op, n)
    check(pg_world, book)
