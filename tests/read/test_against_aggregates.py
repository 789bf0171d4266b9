"""Property: for any valid command sequence, every read model agrees with the aggregates and with
figures recomputed straight from the events, and equals a rebuild from zero.

Hypothesis draws a list of operations (what to do, plus a number that picks the entity and the
amount); each runs through ``O2CService`` and rule violations are simply skipped, so every
sequence is a valid history. Shrinking drops operations until the smallest failing story is left.

Every history starts from a small book in which each operation has something to act on, and an
operation mostly picks an entity it can act on (a disputed invoice to resolve, a payment with
cash to allocate). A history of skipped operations would check read models of nearly nothing, so
each operation's outcome is recorded (``hypothesis.event``) and counted over the run, and each
must have been accepted: a feature that refuses everything fails the test. One explicit example
runs every operation once, so a healthy build always gets there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import Order
from o2c.aggregates.payment_link import PaymentLink
from o2c.domain.errors import DomainError
from o2c.events.envelope import EventEnvelope
from o2c.follow.rebuild import rebuild
from tests.read.conftest import ReadWorld, _world
from tests.read.test_replay_equivalence import snapshot
from tests.support.pg import temporary_database

T = TypeVar("T")

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
    "release",
    "advance",
)
operations = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 10**6)), max_size=35)
# Every operation but ``advance`` runs commands; each must be accepted in every run.
COMMANDING = sorted(set(OPS) - {"advance"})
# A history in which every operation is accepted, run in every run (``@example``).
EVERY_OPERATION = [
    ("order", 1),
    ("ship_invoice", 1),
    ("pay", 1),
    ("allocate", 1),
    ("pay_invoice", 1),
    ("deallocate", 1),
    ("reverse", 1),
    ("credit", 1),
    ("write_off", 2),
    ("dispute", 1),
    ("resolve", 1),
    ("advance", 44),
    ("dunning", 1),
    ("cancel", 1),
    ("hold", 1),
    ("release", 1),
]


class NothingToActOn(Exception):
    """The history has nothing the operation could act on yet (no invoice to credit, …)."""


class Book:
    """The entities a generated history created, and how to run one operation.

    Every history starts from the same small book, so that each operation has something to act
    on from the first step: an opening invoice a month overdue with a payment applied to it
    and cash not applied yet (first customer); an order shipped and invoiced in part, that
    invoice disputed, and a credit hold (second customer, with an early-payment discount).
    """

    def __init__(self, rw: ReadWorld, outcomes: Counter[str]) -> None:
        self.rw = rw
        self.outcomes = outcomes
        self.customers = [
            rw.account(limit="2000"),
            rw.account(limit="100000", discount=("2", 10)),
        ]
        first, second = self.customers
        opening = c.OpeningInvoice(
            customer_id=first, issued_on=date(2025, 11, 1), open_amount=Decimal("400.00")
        )
        imported = rw.do(c.ImportOpeningInvoices(rows=[opening]))
        order = rw.order(second, ("A", 3, "150.00"))
        self.orders = [UUID(order["order_id"])]
        rw.ship(order["order_id"], ("A", 1))
        invoiced = rw.invoice(order["order_id"])
        self.invoices = [UUID(imported["invoices"][0]["invoice_id"]), UUID(invoiced["invoice_id"])]
        rw.do(c.DisputeInvoice(invoice_id=self.invoices[1], reason="t"))
        rw.do(c.PlaceCreditHold(customer_id=second, reason="t"))
        self.payments = [
            UUID(rw.pay(first, amount, rw.clock.today, allocations)["payment_id"])
            for amount, allocations in (("100.00", None), ("50.00", []))
        ]

    def run(self, op: str, n: int) -> None:
        """Run one operation; one a rule refuses is skipped, so the history stays valid.

        Its outcome is recorded and counted: accepted (it stored events), refused with the
        rule's code, or nothing to act on.
        """
        before = self.rw.store.last_position()
        try:
            getattr(self, f"_{op}")(n)
        except NothingToActOn:
            outcome = "nothing to act on"
        except DomainError as refused:
            outcome = f"refused, {refused.code}"
        else:
            stored = self.rw.store.last_position() != before
            outcome = "accepted" if stored else "accepted, nothing to record"
        event(f"{op}: {outcome}")
        self.outcomes[f"{op}: {outcome}"] += 1

    def _pick(self, items: list[UUID], n: int, fits: Callable[[UUID], bool] | None = None) -> UUID:
        """Mostly an item the operation can act on (when ``fits`` says which), else any."""
        if not items:
            raise NothingToActOn
        if fits is not None and n % 4:
            fitting = [i for i in items if fits(i)]
            if fitting:
                return fitting[n // 4 % len(fitting)]
        return items[n % len(items)]

    def _customer(self, n: int) -> UUID:
        return self.customers[n % len(self.customers)]

    def _get(self, aggregate_id: UUID, kind: type[T]) -> T:
        found = self.rw.store.get(aggregate_id)
        assert isinstance(found, kind)
        return found

    def _open(self, invoice_id: UUID) -> Decimal:
        return self._get(invoice_id, Invoice).open_amount

    def _order(self, n: int) -> None:
        body = self.rw.order(self._customer(n), ("A", 1 + n % 3, f"{1 + n % 700}.{n % 100:02d}"))
        self.orders.append(UUID(body["order_id"]))
        if body["status"] != "approved" and n % 2:
            self.rw.do(c.ApproveOrder(order_id=self.orders[-1]))

    def _shippable(self, order_id: UUID) -> bool:
        order = self._get(order_id, Order)
        return order.status == "approved" and order.open_quantity("A") > 0

    def _ship_invoice(self, n: int) -> None:
        oid = self._pick(self.orders, n, self._shippable)
        self.rw.ship(oid, ("A", 1))
        self.invoices.append(UUID(self.rw.invoice(oid)["invoice_id"]))

    def _pay(self, n: int) -> None:
        allocations = None if n % 3 else []
        body = self.rw.pay(self._customer(n), f"{1 + n % 900}.00", self.rw.clock.today, allocations)
        self.payments.append(UUID(body["payment_id"]))

    def _pay_invoice(self, n: int) -> None:
        """Pay one invoice off exactly, net of the early-payment discount when it is due one."""
        inv = self._get(self._pick(self.invoices, n, lambda i: self._open(i) > 0), Invoice)
        amount = inv.open_amount
        if (
            inv.discount_until
            and self.rw.clock.today <= inv.discount_until
            and not inv.discount_taken
        ):
            amount -= min(inv.discount_amount, amount)
        if amount <= 0:
            raise NothingToActOn
        body = self.rw.pay(inv.customer_id, str(amount), self.rw.clock.today, [(inv.id, None)])
        self.payments.append(UUID(body["payment_id"]))

    def _has_cash_to_apply(self, payment_id: UUID) -> bool:
        account = self._get(self._get(payment_id, PaymentLink).customer_id, CustomerAccount)
        return account.cash_of(payment_id).unapplied > 0 and any(
            not self._get(i, Invoice).disputed for i in account.open_invoices
        )

    def _allocate(self, n: int) -> None:
        pid = self._pick(self.payments, n, self._has_cash_to_apply)
        self.rw.do(c.AllocatePayment(payment_id=pid))

    def _allocated(self, payment_id: UUID) -> list[UUID]:
        link = self._get(payment_id, PaymentLink)
        applied = (i for i in link.invoice_ids if self._get(i, Invoice).applied_by(payment_id)[0])
        return sorted(applied)

    def _deallocate(self, n: int) -> None:
        pid = self._pick(self.payments, n, lambda p: bool(self._allocated(p)))
        iid = self._pick(self._allocated(pid), n % 7)
        self.rw.do(c.DeallocatePayment(payment_id=pid, invoice_id=iid, reason="wrong"))

    def _reverse(self, n: int) -> None:
        pid = self._pick(self.payments, n, lambda p: not self._get(p, PaymentLink).reversed)
        self.rw.do(c.ReversePayment(payment_id=pid))

    def _credit(self, n: int) -> None:
        amount = Decimal(1 + n % 40)
        iid = self._pick(self.invoices, n, lambda i: self._open(i) >= amount)
        self.rw.do(c.ApplyCreditNote(invoice_id=iid, amount=amount, reason="t"))

    def _write_off(self, n: int) -> None:
        amount = None if n % 2 else Decimal(1 + n % 30)
        iid = self._pick(self.invoices, n, lambda i: self._open(i) >= (amount or 1))
        self.rw.do(c.WriteOffInvoice(invoice_id=iid, amount=amount, reason="t"))

    def _dispute(self, n: int) -> None:
        iid = self._pick(
            self.invoices, n, lambda i: self._open(i) > 0 and not self._get(i, Invoice).disputed
        )
        self.rw.do(c.DisputeInvoice(invoice_id=iid, reason="t"))

    def _resolve(self, n: int) -> None:
        iid = self._pick(self.invoices, n, lambda i: self._get(i, Invoice).disputed)
        self.rw.do(c.ResolveDispute(invoice_id=iid))

    def _dunning(self, n: int) -> None:
        self.rw.do(c.RunDunning())

    def _cancel(self, n: int) -> None:
        oid = self._pick(self.orders, n, lambda o: self._get(o, Order).open_value() > 0)
        self.rw.do(c.CancelOrder(order_id=oid))

    def _on_hold(self, customer_id: UUID) -> bool:
        return self._get(customer_id, CustomerAccount).on_hold

    def _hold(self, n: int) -> None:
        cid = self._pick(self.customers, n, lambda k: not self._on_hold(k))
        self.rw.do(c.PlaceCreditHold(customer_id=cid, reason="t"))

    def _release(self, n: int) -> None:
        cid = self._pick(self.customers, n, self._on_hold)
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
        elif e.event_type in ("InvoicePaymentReversed", "InvoicePaymentDeallocated"):
            on = d.get("reversed_on") or d["deallocated_on"]
            delta = Decimal(d["amount"]) + Decimal(d["discount"])
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


def assert_every_operation_accepted(outcomes: Counter[str]) -> None:
    """Each operation that runs commands was accepted (and stored events) in the run."""
    never = {
        op: [f"{label} ×{n}" for label, n in outcomes.items() if label.startswith(f"{op}: ")]
        for op in COMMANDING
        if not outcomes[f"{op}: accepted"]
    }
    assert not never, f"never accepted: {never}"


def test_read_models_agree_with_aggregates_sqlite(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outcomes: Counter[str] = Counter()

    @settings(max_examples=18, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ops=operations)
    @example(ops=EVERY_OPERATION)
    def any_history(ops: list[tuple[str, int]]) -> None:
        base = tmp_path_factory.mktemp("agg")
        worlds = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
        rw = next(worlds)
        try:
            book = Book(rw, outcomes)
            for op, n in ops:
                book.run(op, n)
            check(rw, book)
        finally:
            worlds.close()

    any_history()
    assert_every_operation_accepted(outcomes)


@pytest.fixture(scope="module")
def pg_world() -> Iterator[ReadWorld]:
    """One PostgreSQL database shared by the examples (each builds its own customers)."""
    with temporary_database() as url:
        worlds = _world(url, url)
        try:
            yield next(worlds)
        finally:
            worlds.close()


def test_read_models_agree_with_aggregates_postgres(pg_world: ReadWorld) -> None:
    outcomes: Counter[str] = Counter()

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ops=operations)
    @example(ops=EVERY_OPERATION)
    def any_history(ops: list[tuple[str, int]]) -> None:
        pg_world.clock.today = date(2026, 1, 1)
        book = Book(pg_world, outcomes)
        for op, n in ops:
            book.run(op, n)
        check(pg_world, book)

    any_history()
    assert_every_operation_accepted(outcomes)
