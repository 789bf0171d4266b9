"""Money as the read side stores it: mills in, text at the currency's exponent out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.errors import InvalidInput
from o2c.domain.money import MINOR_UNITS, MillsFormat, Money, from_mills, to_mills


@pytest.mark.parametrize(
    ("mills", "currency", "text"),
    [(12340, "EUR", "12.34"), (0, "EUR", "0.00"), (5000, "JPY", "5"), (1005, "KWD", "1.005")],
)
def test_stored_mills_read_at_the_currency_exponent(mills: int, currency: str, text: str) -> None:
    money = Money.from_mills(mills, currency)
    assert str(money) == text == from_mills(mills, currency)
    assert money.mills == mills


def test_more_decimals_than_the_currency_has_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Money.of(Decimal("1.005"), "EUR")
    assert str(Money.of(Decimal("-3"), "EUR")) == "-3.00"


@given(
    st.sampled_from(sorted(MINOR_UNITS)),
    st.integers(min_value=-(10**15), max_value=10**15),
)
def test_the_fast_format_writes_what_money_writes(currency: str, units: int) -> None:
    mills = units * 10 ** (3 - MINOR_UNITS[currency])
    assert MillsFormat.of(currency)(mills) == str(Money.from_mills(mills, currency))
    assert to_mills(str(Money.from_mills(mills, currency))) == mills
