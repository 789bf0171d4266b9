"""Amounts are checked exactly, before any arithmetic: no input overflows the decimal context,
underflows to zero or comes back as a negative zero; due dates past year 9999 are bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from o2c.domain.errors import InvalidInput
from o2c.domain.money import check_amount, decimal_places
from o2c.domain.terms import PaymentTerms

D = Decimal


@pytest.mark.parametrize(
    ("amount", "places"),
    [("1.50", 1), ("1E+3", 0), ("0E-9999999", 0), ("1E-9999999", 9999999), ("100", 0)],
)
def test_decimal_places_are_read_from_the_digits(amount: str, places: int) -> None:
    assert decimal_places(D(amount)) == places


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("1E+9999999", "invalid-amount"),
        ("-1E+9999999", "invalid-amount"),
        ("1E+15", "invalid-amount"),
        ("1E-9999999", "invalid-amount-precision"),
        ("-1E-9999999", "invalid-amount-precision"),
        ("0", "invalid-amount"),
        ("-0.00", "invalid-amount"),
        ("-1", "invalid-amount"),
    ],
)
def test_out_of_range_amounts_are_invalid_input(amount: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_amount(D(amount), "EUR")
    assert refused.value.code == code


def test_zero_comes_back_as_positive_zero_at_the_currency_exponent() -> None:
    for zero in ("-0", "-0.00", "0E+9999999", "-0E-9999999"):
        amount = check_amount(D(zero), "EUR", allow_zero=True)
        assert str(amount) == "0.00" and not amount.is_signed()
    assert str(check_amount(D("-0E+3"), "JPY", allow_zero=True)) == "0"
    assert str(check_amount(D("999999999999999.99"), "EUR")) == "999999999999999.99"
    assert str(check_amount(D("-5.5"), "EUR", allow_negative=True)) == "-5.50"


def test_a_due_date_past_9999_is_invalid_input() -> None:
    terms = PaymentTerms(30, D("2"), 10)
    assert terms.due_on(date(9999, 12, 1)) == date(9999, 12, 31)
    for issued in (date(9999, 12, 2), date.max):
        with pytest.raises(InvalidInput) as refused:
            terms.due_on(issued)
        assert refused.value.code == "date-out-of-range"
    with pytest.raises(InvalidInput) as refused:
        terms.discount_until(date(9999, 12, 25))
    assert refused.value.code == "date-out-of-range"


def test_an_order_total_out_of_range_is_invalid_input_though_each_field_is_in_range() -> None:
    from uuid import uuid4

    from o2c.aggregates.order import Order, OrderLine

    largest = OrderLine("A", "a", 1_000_000, D("999999999999999.99"))
    with pytest.raises(InvalidInput) as refused:
        Order.place(uuid4(), uuid4(), "EUR", [largest], date(2026, 1, 1))
    assert refused.value.code == "invalid-amount"
    # Two lines each in range whose sum is not.
    halves = [OrderLine(sku, sku, 1, D("600000000000000")) for sku in ("A", "B")]
    with pytest.raises(InvalidInput):
        Order.place(uuid4(), uuid4(), "EUR", halves, date(2026, 1, 1))
    fits = [OrderLine("A", "a", 1, D("999999999999999.99"))]
    assert Order.place(uuid4(), uuid4(), "EUR", fits, date(2026, 1, 1)).total == fits[0].amount


def test_an_invoice_total_out_of_range_is_invalid_input() -> None:
    from uuid import uuid4

    from o2c.aggregates.invoice import Invoice

    lines = [{"sku": s, "amount": D("600000000000000")} for s in ("A", "B")]
    with pytest.raises(InvalidInput) as refused:
        Invoice.issue(
            uuid4(), uuid4(), None, "INV-1", "EUR", lines,
            date(2026, 1, 1), date(2026, 1, 31), None, None, D("0.00"),
        )  # fmt: skip
    assert refused.value.code == "invalid-amount"
