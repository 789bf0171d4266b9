"""The receivables invariants, checked against the stored events, not the aggregates' own sums.

Each invoice's open amount is recomputed from its event history (applied, reversed, credit notes,
discounts, write-offs), so a bookkeeping slip inside an aggregate cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import (
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_CREDIT_HOLD,
    Order,
    gross_value,
)
from o2c.eventstore.store import EventStore

ZERO = Decimal(0)


def _history(store: EventStore, aggregate_id: UUID) -> list[tuple[str, dict[str, object]]]:
    rows = store.app.recorder.select_events(aggregate_id)
    out = []
    for row in rows:
        state, _meta, _hash = store.app.audit_mapper.decode_state(row)
        out.append((row.topic.rsplit(".", 1)[1], state))
    return out


def open_from_events(store: EventStore, invoice_id: UUID) -> tuple[Decimal, Decimal]:
    """(total, open) of an invoice from its events: total − applied + reversed − notes − …

    Each event's carried ``open_amount`` (the state a downstream reader keeps) must equal the
    open amount recomputed up to it.
    """
    total = open_ = ZERO
    for name, state in _history(store, invoice_id):
        amount = Decimal(str(state.get("amount", 0)))
        if name == "InvoiceIssued":
            total = open_ = Decimal(str(state["total"]))
        elif name in ("PaymentApplied", "CreditNoteApplied", "DiscountTaken", "InvoiceWrittenOff"):
            open_ -= amount
        elif name in ("InvoicePaymentReversed", "InvoicePaymentDeallocated"):
            open_ += amount + Decimal(str(state["discount"]))
        if state.get("open_amount") is not None:
            assert _d(state["open_amount"]) == open_, f"{name} carries a wrong open amount"
    return total, open_


def check_tax_left(store: EventStore, invoice: Invoice) -> None:
    """An invoice's VAT still owed, group by group, is never negative and adds up (gross) to
    what was neither credited, discounted nor written off, recomputed from its events: payments
    do not move it, a discount given back returns to it."""
    if invoice.tax_breakdown is None:
        return
    total = reduced = ZERO
    for name, state in _history(store, invoice.id):
        if name == "InvoiceIssued":
            total = _d(state["total"])
        elif name in ("CreditNoteApplied", "DiscountTaken", "InvoiceWrittenOff"):
            reduced += _d(state["amount"])
        elif name in ("InvoicePaymentReversed", "InvoicePaymentDeallocated"):
            reduced -= _d(state["discount"])
    for group in invoice.tax_left:
        assert group.taxable >= 0 and group.tax >= 0, f"{invoice.number}: {group} below zero"
    left = sum((g.gross for g in invoice.tax_left), ZERO)
    assert left == total - reduced, f"{invoice.number}: VAT groups {left}, not {total - reduced}"


def _d(value: object) -> Decimal:
    return Decimal(str(value))


def _ledger_from_events(
    store: EventStore, customer_id: UUID
) -> tuple[list[UUID], dict[UUID, Decimal], dict[tuple[UUID, UUID], Decimal]]:
    """From the account's full history: invoices booked, unapplied cash per payment, and cash
    applied per (payment, invoice) and not undone."""
    booked: list[UUID] = []
    unapplied: dict[UUID, Decimal] = {}
    applied: dict[tuple[UUID, UUID], Decimal] = {}
    for name, state in _history(store, customer_id):
        if name == "InvoiceBooked":
            booked.append(UUID(str(state["invoice_id"])))
            continue
        pid = UUID(str(state["payment_id"])) if "payment_id" in state else None
        if name == "PaymentReceived" and pid:
            unapplied[pid] = _d(state["amount"])
        elif name in ("PaymentAllocated", "PaymentDeallocated") and pid:
            sign = 1 if name == "PaymentAllocated" else -1
            key = (pid, UUID(str(state["invoice_id"])))
            applied[key] = applied.get(key, ZERO) + sign * _d(state["amount"])
            unapplied[pid] -= sign * _d(state["amount"])
        elif name == "PaymentReversed" and pid:
            unapplied[pid] = ZERO
        if pid and state.get("unapplied") is not None:
            assert _d(state["unapplied"]) == unapplied[pid], f"{name} carries a wrong unapplied"
    return booked, unapplied, applied


def check_account(store: EventStore, customer_id: UUID) -> None:
    """The bounded account's figures equal those computed from the customer's full history.

    AR balance = the sum of its invoices' open amounts (each recomputed from the invoice's own
    events); the open-invoice index holds exactly the open ones, oldest due first; unapplied
    cash, per payment and in total, = received − applied + undone, and never negative.
    """
    acc = store.get(customer_id)
    assert isinstance(acc, CustomerAccount)
    # The cached account (handed to every command) equals one rebuilt from the store: no
    # command, refused or retried, left its changes behind in the cache.
    rebuilt = store.app.repository.get(customer_id, version=acc.version)
    assert isinstance(rebuilt, CustomerAccount)
    assert rebuilt.snapshot_state() == acc.snapshot_state()
    booked, unapplied, applied = _ledger_from_events(store, customer_id)
    ar = ZERO
    still_open: list[tuple[object, str, UUID]] = []
    for iid in booked:
        inv = store.get(iid)
        assert isinstance(inv, Invoice)
        total, open_ = open_from_events(store, iid)
        assert inv.open_amount == open_, f"invoice {inv.number}: open {inv.open_amount} != {open_}"
        assert ZERO <= open_ <= total
        paid = sum((v for (_p, i), v in applied.items() if i == iid), ZERO)
        assert paid == inv.paid, f"{inv.number}: allocations {paid} != applied {inv.paid}"
        assert (inv.status == "open") == (open_ > 0)
        if open_ > 0:
            still_open.append((inv.due_on, inv.number, iid))
        ar += open_
    assert acc.ar_balance == ar
    assert acc.invoices_by_due_date() == [i for _d, _n, i in sorted(still_open)]
    assert all(v >= 0 for v in unapplied.values())
    assert acc.unapplied_cash == sum(unapplied.values(), ZERO)
    assert {p: c.unapplied for p, c in acc.open_payments.items()} == {
        p: v for p, v in unapplied.items() if v > 0
    }


def check_open_orders(
    store: EventStore, customers: Iterable[UUID], orders: Iterable[UUID]
) -> set[UUID]:
    """Open-order exposure = approved order value neither cancelled nor invoiced, per customer.

    Returns the orders found completed or cancelled: they count zero from then on (no command
    reopens them), so a caller may leave them out of later checks.
    """
    expected: dict[UUID, Decimal] = {}
    finished: set[UUID] = set()
    for oid in orders:
        order = store.get(oid)
        assert isinstance(order, Order)
        if order.status in (STATUS_CANCELLED, STATUS_COMPLETED):
            finished.add(oid)
        if order.status == STATUS_CREDIT_HOLD:
            continue
        # Gross: a taxed order commits its VAT too (each group rounded as an invoice would).
        remaining = [
            (ln, ln.quantity - order.cancelled[s] - order.invoiced[s])
            for s, ln in order.lines.items()
        ]
        value = gross_value(remaining, order.currency)
        expected[order.customer_id] = expected.get(order.customer_id, ZERO) + value
    for cid in customers:
        acc = store.get(cid)
        assert isinstance(acc, CustomerAccount)
        assert acc.open_order_value == expected.get(cid, ZERO), f"open orders of {cid}"
    return finished
