"""Order rules on an order in memory: placed under a credit decision, shipped never beyond what
was ordered, cancelled only where nothing was shipped, invoiced for what was shipped.

No store: each test places an order, runs the order's own methods and reads its state and its
pending events. A refused command changes nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from o2c.aggregates.order import (
    STATUS_APPROVED,
    STATUS_CANCELLED,
    STATUS_COMPLETED,
    STATUS_CREDIT_HOLD,
    Order,
    OrderLine,
)
from o2c.domain.credit import CreditDecision, Exposure, decide_credit
from o2c.domain.errors import DomainError, InvalidInput

D = Decimal
JAN = date(2026, 1, 1)
ROOM = Exposure(D("1000"), D(0), D(0), D(0), on_hold=False)


def line(sku: str, quantity: int, price: str = "10.00") -> OrderLine:
    return OrderLine(sku, f"item {sku}", quantity, D(price))


def placed(*lines: OrderLine, exposure: Exposure = ROOM) -> Order:
    """An order of ``lines`` (default 3 A at 10.00 and 2 B at 5.00) with its credit decision."""
    order = Order.place(
        uuid4(), uuid4(), "EUR", list(lines) or [line("A", 3), line("B", 2, "5.00")], JAN
    )
    order.decide(decide_credit(exposure, order.total))
    return order


def state(order: Order) -> dict[str, Any]:
    """Everything the order holds (containers copied), its pending events aside."""
    return {
        k: v.copy() if isinstance(v, dict | set | list) else v
        for k, v in vars(order).items()
        if k != "_pending_events"
    }


def refused(order: Order, command: Callable[[], object], code: str) -> None:
    """``command`` is refused with ``code`` and leaves the order exactly as it was."""
    before, events = state(order), len(order.pending_events)
    with pytest.raises(DomainError) as caught:
        command()
    assert caught.value.code == code
    assert (state(order), len(order.pending_events)) == (before, events)


def events(order: Order) -> list[str]:
    return [type(e).__name__ for e in order.pending_events]


# ---- placing and the credit decision --------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "invalid-lines"),
        ([line("A", 1), line("A", 2)], "duplicate-sku"),
        ([line(" ", 1)], "invalid-lines"),
        ([line("A", 0)], "invalid-quantity"),
        ([line("A", 1, "0.00")], "invalid-lines"),
        ([line("A", 1, "1.005")], "invalid-amount-precision"),
    ],
)
def test_an_order_that_cannot_be_priced_or_shipped_is_refused(
    lines: list[OrderLine], code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Order.place(uuid4(), uuid4(), "EUR", lines, JAN)
    assert caught.value.code == code


def test_the_total_is_the_value_of_the_lines() -> None:
    order = placed()
    assert order.total == D("40.00") == order.open_value()


def test_within_the_limit_the_order_is_approved_over_it_held() -> None:
    approved = placed()
    assert (approved.status, events(approved)) == (
        STATUS_APPROVED,
        ["OrderPlaced", "OrderApproved"],
    )
    tight = Exposure(D("100"), D("70"), D(0), D(0), on_hold=False)  # 70 + 40 > 100
    held = placed(exposure=tight)
    assert (held.status, events(held)) == (STATUS_CREDIT_HOLD, ["OrderPlaced", "OrderCreditHeld"])
    assert held.hold_reason is not None and "exceeds" in held.hold_reason


def test_the_decision_is_taken_once_and_only_a_held_order_is_approved_by_hand() -> None:
    approved = placed()
    refused(
        approved, lambda: approved.decide(decide_credit(ROOM, approved.total)), "already-decided"
    )
    override = CreditDecision(True, "manager", ROOM, approved.total)
    refused(approved, lambda: approved.approve_override(override, "ok"), "not-on-hold")
    held = placed(exposure=Exposure(D("0"), D(0), D(0), D(0), on_hold=False))
    held.approve_override(override, "known customer")
    assert held.status == STATUS_APPROVED


# ---- shipping -------------------------------------------------------------------------------


def test_shipments_add_up_and_never_exceed_what_is_open() -> None:
    order = placed()
    order.ship(uuid4(), {"A": 2}, JAN)
    order.ship(uuid4(), {"A": 1, "B": 1}, JAN)
    assert (order.shipped, order.open_quantity("A"), order.open_quantity("B")) == (
        {"A": 3, "B": 1},
        0,
        1,
    )
    refused(order, lambda: order.ship(uuid4(), {"A": 1}, JAN), "overshipment")
    refused(order, lambda: order.ship(uuid4(), {"B": 2}, JAN), "overshipment")


@pytest.mark.parametrize(
    ("quantities", "code"),
    [({}, "invalid-lines"), ({"C": 1}, "unknown-sku"), ({"A": 0}, "invalid-quantity")],
)
def test_a_shipment_of_nothing_or_of_something_not_ordered_is_refused(
    quantities: dict[str, int], code: str
) -> None:
    order = placed()
    refused(order, lambda: order.ship(uuid4(), quantities, JAN), code)


def test_a_held_order_is_not_shipped_and_a_shipment_is_recorded_once() -> None:
    held = placed(exposure=Exposure(D("0"), D(0), D(0), D(0), on_hold=True))
    refused(held, lambda: held.ship(uuid4(), {"A": 1}, JAN), "order-not-approved")
    order, shipment = placed(), uuid4()
    order.ship(shipment, {"A": 1}, JAN)
    refused(order, lambda: order.ship(shipment, {"A": 1}, JAN), "already-exists")


# ---- cancelling -----------------------------------------------------------------------------


def test_cancelling_an_unshipped_order_cancels_all_of_it() -> None:
    order = placed()
    assert order.cancel("changed mind", JAN) == D("40.00")
    assert (order.status, order.cancelled, order.open_value()) == (
        STATUS_CANCELLED,
        {"A": 3, "B": 2},
        D(0),
    )
    refused(order, lambda: order.cancel("again", JAN), "order-cancelled")
    refused(order, lambda: order.ship(uuid4(), {"A": 1}, JAN), "order-not-approved")


def test_cancelling_a_partly_shipped_order_cancels_only_what_was_not_shipped() -> None:
    order = placed()
    order.ship(uuid4(), {"A": 2}, JAN)
    assert order.cancel("rest not needed", JAN) == D("20.00")  # 1 A at 10.00 + 2 B at 5.00
    assert (order.status, order.shipped, order.cancelled) == (
        STATUS_APPROVED,
        {"A": 2, "B": 0},
        {"A": 1, "B": 2},
    )
    refused(order, lambda: order.cancel("again", JAN), "nothing-to-cancel")
    order.invoice(uuid4(), JAN)
    assert order.status == STATUS_COMPLETED


def test_a_fully_shipped_order_has_nothing_to_cancel() -> None:
    order = placed()
    order.ship(uuid4(), {"A": 3, "B": 2}, JAN)
    refused(order, lambda: order.cancel("too late", JAN), "nothing-to-cancel")


# ---- invoicing ------------------------------------------------------------------------------


def test_an_invoice_takes_what_was_shipped_and_not_yet_invoiced() -> None:
    order = placed()
    refused(order, lambda: order.invoice(uuid4(), JAN), "nothing-to-invoice")
    order.ship(uuid4(), {"A": 2}, JAN)
    first = uuid4()
    lines = order.invoice(first, JAN)
    assert [(ln.sku, ln.quantity, ln.amount) for ln in lines] == [("A", 2, D("20.00"))]
    refused(order, lambda: order.invoice(uuid4(), JAN), "nothing-to-invoice")
    order.ship(uuid4(), {"A": 1, "B": 2}, JAN)
    second = order.invoice(uuid4(), JAN)
    assert [(ln.sku, ln.quantity) for ln in second] == [("A", 1), ("B", 2)]
    assert (order.invoiced, order.status) == ({"A": 3, "B": 2}, STATUS_COMPLETED)
    assert order.invoice_ids[0] == first and len(order.invoice_ids) == 2


# ---- any sequence ---------------------------------------------------------------------------


class Fulfilment(RuleBasedStateMachine):
    """Random shipments, cancellations and invoices on one approved order, against counts the test
    keeps of what was accepted."""

    ORDERED = {"A": 4, "B": 3}

    def __init__(self) -> None:
        super().__init__()
        self.order = placed(line("A", 4, "2.50"), line("B", 3, "1.00"))
        self.shipped = dict.fromkeys(self.ORDERED, 0)
        self.cancelled = dict.fromkeys(self.ORDERED, 0)
        self.invoiced = dict.fromkeys(self.ORDERED, 0)

    def _try(self, command: Callable[[], object]) -> bool:
        before, pending = state(self.order), len(self.order.pending_events)
        try:
            command()
        except DomainError:
            assert (state(self.order), len(self.order.pending_events)) == (before, pending)
            return False
        return True

    def _open(self, sku: str) -> int:
        return self.ORDERED[sku] - self.shipped[sku] - self.cancelled[sku]

    @rule(a=st.integers(0, 5), b=st.integers(0, 4))
    def ship(self, a: int, b: int) -> None:
        quantities = {sku: q for sku, q in (("A", a), ("B", b)) if q}
        within = bool(quantities) and all(q <= self._open(s) for s, q in quantities.items())
        accepted = self._try(lambda: self.order.ship(uuid4(), quantities, JAN))
        if accepted:
            for sku, q in quantities.items():
                self.shipped[sku] += q
        assert accepted == (within and self.order.status == STATUS_APPROVED)

    @rule()
    def cancel(self) -> None:
        if self._try(lambda: self.order.cancel("t", JAN)):
            for sku in self.ORDERED:
                self.cancelled[sku] += self._open(sku)

    @rule()
    def invoice(self) -> None:
        if self._try(lambda: self.order.invoice(uuid4(), JAN)):
            self.invoiced = dict(self.shipped)

    @invariant()
    def quantities_are_what_was_accepted(self) -> None:
        order = self.order
        assert (order.shipped, order.cancelled, order.invoiced) == (
            self.shipped,
            self.cancelled,
            self.invoiced,
        )
        for sku, qty in self.ORDERED.items():
            assert order.shipped[sku] + order.cancelled[sku] <= qty
            assert order.invoiced[sku] <= order.shipped[sku]
        assert order.open_value() == sum(
            (order.lines[s].unit_price * self._open(s) for s in self.ORDERED), D(0)
        )

    @invariant()
    def the_status_follows_the_quantities(self) -> None:
        everything_settled = all(
            self.invoiced[s] + self.cancelled[s] == q for s, q in self.ORDERED.items()
        )
        if any(self.shipped.values()):
            expected = STATUS_COMPLETED if everything_settled else STATUS_APPROVED
        else:
            expected = STATUS_CANCELLED if any(self.cancelled.values()) else STATUS_APPROVED
        assert self.order.status == expected


TestFulfilment = Fulfilment.TestCase
TestFulfilment.settings = settings(max_examples=60, stateful_step_count=20, deadline=None)
