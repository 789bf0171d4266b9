"""The SPEC §4 invariants, checked against the stored events rather than the aggregates' own sums.

Each invoice's open amount is recomputed from its event history (applied, reversed, credit notes,
discounts, write-offs), so a bookkeeping slip inside an aggregate cannot hide behind itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CREDIT_HOLD, Order
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
    """(total, open) of an invoice from its events: total − applied + reversed − notes − …"""
    total = open_ = ZERO
    for name, state in _history(store, invoice_id):
        amount = Decimal(str(state.get("amount", 0)))
        if name == "InvoiceIssued":
            total = open_ = Decimal(str(state["total"]))
        elif name in ("PaymentApplied", "CreditNoteApplied", "DiscountTaken", "InvoiceWrittenOff"):
            open_ -= amount
        elif name == "InvoicePaymentReversed":
            open_ += amount + Decimal(str(state["discount"]))
    return total, open_


def check_account(store: EventStore, customer_id: UUID) -> None:
    """Invoices, sub-ledger, AR balance and unapplied cash of one customer agree."""
    acc = store.get(customer_id)
    assert isinstance(acc, CustomerAccount)
    ar = ZERO
    for iid, rec in acc.receivables.items():
        inv = store.get(iid)
        assert isinstance(inv, Invoice)
        total, open_ = open_from_events(store, iid)
        assert inv.open_amount == open_, f"invoice {inv.number}: open {inv.open_amount} != {open_}"
        assert ZERO <= open_ <= total
        assert rec.open == open_, f"sub-ledger of {inv.number} says {rec.open}, invoice {open_}"
        allocated = sum(
            (p.allocations[iid].amount for p in acc.payments.values() if iid in p.allocations),
            ZERO,
        )
        assert allocated == inv.paid
        assert (inv.status == "open") == (open_ > 0)
        ar += open_
    assert acc.ar_balance == ar
    assert acc.unapplied_cash >= 0
    received = sum((p.amount for p in acc.payments.values() if not p.reversed), ZERO)
    applied = sum(
        (a.amount for p in acc.payments.values() if not p.reversed for a in p.allocations.values()),
        ZERO,
    )
    assert acc.unapplied_cash == received - applied
    assert all(not p.allocations for p in acc.payments.values() if p.reversed)


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
        value = sum(
            (
                ln.unit_price * (ln.quantity - order.cancelled[s] - order.invoiced[s])
                for s, ln in order.lines.items()
            ),
            ZERO,
        )
        expected[order.customer_id] = expected.get(order.customer_id, ZERO) + value
    for cid in customers:
        acc = store.get(cid)
        assert isinstance(acc, CustomerAccount)
        assert acc.open_order_value == expected.get(cid, ZERO), f"open orders of {cid}"
    return finished
