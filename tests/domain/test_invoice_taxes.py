"""An invoice's tax: breakdown at issue, and discounts and write-offs split into net and tax."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any
from uuid import uuid4

from o2c.aggregates.invoice import Invoice

JAN = date(2026, 1, 1)


def _line(sku: str, net: str, rate: str) -> dict[str, Any]:
    return {
        "sku": sku,
        "description": "",
        "quantity": 1,
        "unit_price": D(net),
        "amount": D(net),
        "tax_category": "S",
        "tax_rate": D(rate),
        "exemption_reason_code": None,
        "exemption_reason": None,
    }


def _taxed() -> Invoice:
    # 100.00 at 19 % and 50.00 at 7 %: total 119.00 + 53.50 = 172.50, 2 % discount 3.45.
    return Invoice.issue(
        uuid4(),
        uuid4(),
        None,
        "INV-000001",
        "EUR",
        [_line("A", "100.00", "19.00"), _line("B", "50.00", "7.00")],
        JAN,
        date(2026, 1, 31),
        D(2),
        date(2026, 1, 11),
        D("3.45"),
    )


def _last(inv: Invoice, cls: type) -> Any:
    return next(e for e in reversed(inv.pending_events) if isinstance(e, cls))


def test_issue_breaks_tax_down_per_rate_and_totals_gross() -> None:
    inv = _taxed()
    assert (inv.net_total, inv.tax_total, inv.total) == (D("150.00"), D("22.50"), D("172.50"))
    assert [(g.rate, g.tax) for g in inv.tax_breakdown or ()] == [
        (D("19.00"), D("19.00")),
        (D("7.00"), D("3.50")),
    ]


def test_discount_taken_is_split_into_net_and_tax_adding_up() -> None:
    inv = _taxed()
    inv.apply_payment(uuid4(), D("169.05"), D("3.45"), JAN, JAN)
    taken = _last(inv, Invoice.DiscountTaken)
    parts = [(g["taxable"], g["tax"]) for g in taken.tax_breakdown]
    # 3.45 × 119/172.50 = 2.38 (tax 0.38), rest 1.07 at 7 % (tax 0.07).
    assert parts == [(D("2.00"), D("0.38")), (D("1.00"), D("0.07"))]
    assert taken.net_total + taken.tax_total == taken.amount == D("3.45")
    assert inv.status == "settled"


def test_write_off_after_a_credit_note_splits_what_is_left() -> None:
    inv = _taxed()
    inv.apply_credit_note(uuid4(), None, "returned", JAN, lines=[("B", 1)])
    inv.write_off(uuid4(), None, "insolvent", JAN, tax_relief=False)
    off = _last(inv, Invoice.InvoiceWrittenOff)
    assert off.amount == D("119.00") and off.tax_relief is False
    assert [(g["rate"], g["taxable"], g["tax"]) for g in off.tax_breakdown] == [
        (D("19.00"), D("100.00"), D("19.00"))
    ]


def test_a_discount_given_back_gives_its_tax_back_to_the_groups() -> None:
    inv = _taxed()
    payment = uuid4()
    inv.apply_payment(payment, D("169.05"), D("3.45"), JAN, JAN)
    inv.reverse_payment(payment, D("169.05"), D("3.45"), "wrong customer", JAN, bounced=False)
    # What later credit notes, discounts and write-offs split is each group whole again.
    assert inv.tax_left == inv.tax_breakdown
    # Everything is owed again, so writing it all off takes each group whole.
    inv.write_off(uuid4(), None, "insolvent", JAN, tax_relief=True)
    off = _last(inv, Invoice.InvoiceWrittenOff)
    assert off.amount == D("172.50")
    assert [(g["rate"], g["taxable"], g["tax"]) for g in off.tax_breakdown] == [
        (D("19.00"), D("100.00"), D("19.00")),
        (D("7.00"), D("50.00"), D("3.50")),
    ]
