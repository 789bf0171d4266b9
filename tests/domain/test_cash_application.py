"""Cash application rules, on plain invoice views: oldest due first, disputes, discounts, caps."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.cash_application import (
    AllocationRequest,
    OpenItem,
    plan_explicit,
    plan_oldest_first,
)
from o2c.domain.errors import InvalidInput

D = Decimal
JAN = date(2026, 1, 1)


def item(
    open_amount: str,
    due: int = 0,
    *,
    disputed: bool = False,
    discount: str = "0.00",
    window: int | None = None,
    taken: str = "0.00",
) -> OpenItem:
    return OpenItem(
        invoice_id=uuid4(),
        number=f"INV-{due:06d}",
        due_on=JAN + timedelta(days=due),
        open_amount=D(open_amount),
        disputed=disputed,
        discount_amount=D(discount),
        discount_until=None if window is None else JAN + timedelta(days=window),
        discount_taken=D(taken),
    )


def test_oldest_first_skips_disputed_and_leaves_the_excess() -> None:
    old, disputed, new = item("100.00", 1), item("50.00", 2, disputed=True), item("80.00", 3)
    planned = plan_oldest_first(D("200.00"), JAN, [old, disputed, new])
    assert [(p.invoice_id, p.amount) for p in planned] == [
        (old.invoice_id, D("100.00")),
        (new.invoice_id, D("80.00")),
    ]


def test_oldest_first_stops_reading_once_the_cash_is_used() -> None:
    read: list[int] = []

    def lazily() -> Iterator[OpenItem]:
        for n in range(1_000):
            read.append(n)
            yield item("10.00", n)

    plan_oldest_first(D("25.00"), JAN, lazily())
    assert read == [0, 1, 2]


def test_discount_needs_the_window_full_payment_and_no_earlier_discount() -> None:
    inv = item("100.00", discount="2.00", window=10)
    inside = plan_oldest_first(D("98.00"), JAN + timedelta(days=10), [inv])
    assert [(p.amount, p.discount) for p in inside] == [(D("98.00"), D("2.00"))]
    late = plan_oldest_first(D("98.00"), JAN + timedelta(days=11), [inv])
    assert [(p.amount, p.discount) for p in late] == [(D("98.00"), D("0.00"))]
    short = plan_oldest_first(D("97.99"), JAN, [inv])
    assert [(p.amount, p.discount) for p in short] == [(D("97.99"), D("0.00"))]
    again = item("100.00", discount="2.00", window=10, taken="2.00")
    assert plan_oldest_first(D("98.00"), JAN, [again])[0].discount == D("0.00")
    unknown_receipt = plan_oldest_first(D("98.00"), None, [inv])
    assert unknown_receipt[0].discount == D("0.00")


def test_explicit_allocations_in_the_order_given_capped_by_open_amount() -> None:
    a, b = item("100.00", 1), item("100.00", 2)
    items = {a.invoice_id: a, b.invoice_id: b}
    requests = [AllocationRequest(b.invoice_id, D("30.00")), AllocationRequest(a.invoice_id)]
    planned = plan_explicit(D("150.00"), JAN, requests, items.__getitem__, "EUR")
    assert [(p.invoice_id, p.amount) for p in planned] == [
        (b.invoice_id, D("30.00")),
        (a.invoice_id, D("100.00")),
    ]


@pytest.mark.parametrize(
    ("requests", "code"),
    [
        (lambda i: [AllocationRequest(i), AllocationRequest(i)], "duplicate-invoice"),
        (lambda i: [AllocationRequest(i, D("60.01"))], "allocations-exceed-payment"),
        (lambda i: [AllocationRequest(i, D("1.001"))], "invalid-amount-precision"),
        (lambda i: [AllocationRequest(i, D("0"))], "invalid-amount"),
    ],
)
def test_explicit_allocations_refused(requests: object, code: str) -> None:
    a = item("100.00")
    with pytest.raises(InvalidInput) as caught:
        plan_explicit(D("60.00"), JAN, requests(a.invoice_id), lambda _i: a, "EUR")  # type: ignore[operator]
    assert caught.value.code == code


amounts = st.integers(1, 50_000).map(lambda cents: D(cents) / 100)
items_st = st.lists(
    st.tuples(amounts, st.integers(0, 60), st.booleans(), st.integers(0, 3)), max_size=12
)


@given(cash=amounts, rows=items_st, received=st.integers(0, 40))
def test_oldest_first_never_overpays_anything(
    cash: Decimal, rows: list[tuple[Decimal, int, bool, int]], received: int
) -> None:
    """Whatever the book: no invoice gets more than its open amount, the cash is never
    exceeded, disputed invoices get nothing, and cash is left only when every undisputed
    invoice is paid off."""
    items = [
        item(
            str(amt.quantize(D("0.01"))),
            due,
            disputed=disputed,
            discount=str((amt * d / 100).quantize(D("0.01"))),
            window=10,
        )
        for amt, due, disputed, d in rows
    ]
    items.sort(key=lambda i: (i.due_on, i.number))
    planned = plan_oldest_first(cash, JAN + timedelta(days=received), items)
    by_id: dict[UUID, OpenItem] = {i.invoice_id: i for i in items}
    spent = sum((p.amount for p in planned), D(0))
    assert spent <= cash
    for p in planned:
        target = by_id[p.invoice_id]
        assert not target.disputed
        assert p.amount > 0 and p.amount + p.discount <= target.open_amount
    if spent < cash:
        paid = {p.invoice_id: p.amount + p.discount for p in planned}
        for i in items:
            if not i.disputed:
                assert paid.get(i.invoice_id) == i.open_amount
