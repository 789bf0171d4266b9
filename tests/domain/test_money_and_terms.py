"""Money and payment terms: minor units, rejected precision, terms arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.credit import Exposure, decide_credit
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import InvalidInput
from o2c.domain.money import MINOR_UNITS, check_amount, round_money, to_decimal, validate_currency
from o2c.domain.terms import PaymentTerms


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1250", "EUR", "1250.00"),
        ("0.5", "USD", "0.50"),
        ("100", "JPY", "100"),
        ("1.005", "KWD", "1.005"),
        ("10.10", "EUR", "10.10"),
    ],
)
def test_amounts_take_the_currency_exponent(amount: str, currency: str, expected: str) -> None:
    assert str(check_amount(Decimal(amount), currency)) == expected


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.005", "EUR"), ("10.5", "JPY"), ("0.0001", "KWD")]
)
def test_more_decimals_than_the_currency_allows_is_rejected(amount: str, currency: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_amount(Decimal(amount), currency)
    assert err.value.code == "invalid-amount-precision"


@pytest.mark.parametrize("amount", ["0", "-1", "NaN", "Infinity", "1e20"])
def test_zero_negative_and_non_finite_amounts_are_rejected(amount: str) -> None:
    with pytest.raises(InvalidInput):
        check_amount(Decimal(amount), "EUR")


def test_floats_are_refused_and_unknown_currencies_too() -> None:
    with pytest.raises(InvalidInput):
        check_amount(0.1, "EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as err:
        validate_currency("XYZ")
    assert err.value.code == "invalid-currency"


@given(cents=st.integers(min_value=1, max_value=10**13))
def test_any_amount_in_cents_round_trips_exactly(cents: int) -> None:
    amount = Decimal(cents).scaleb(-2)
    assert check_amount(Decimal(str(amount)), "EUR") == amount
    assert check_amount(amount, "EUR") * 100 == cents


@given(value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e9"), places=3))
def test_three_decimal_amounts_are_accepted_in_eur_only_when_exact(value: Decimal) -> None:
    exact_cents = value * 100 == (value * 100).to_integral_value()
    if exact_cents:
        assert check_amount(value, "EUR") == value
    else:
        with pytest.raises(InvalidInput):
            check_amount(value, "EUR")


def test_round_money_is_half_up_at_the_minor_unit() -> None:
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")


def test_terms_compute_due_date_and_discount_window() -> None:
    terms = PaymentTerms(30, Decimal("2"), 10)
    assert terms.due_on(date(2026, 1, 31)) == date(2026, 3, 2)
    assert terms.discount_until(date(2026, 1, 31)) == date(2026, 2, 10)
    assert PaymentTerms(30).discount_until(date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"net_days": -1},
        {"net_days": 30, "discount_percent": Decimal("2")},
        {"net_days": 30, "discount_percent": Decimal("100"), "discount_days": 5},
        {"net_days": 10, "discount_percent": Decimal("2"), "discount_days": 20},
    ],
)
def test_inconsistent_terms_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        PaymentTerms(**kwargs)  # type: ignore[arg-type]


@given(
    limit=st.integers(0, 10**6),
    ar=st.integers(0, 10**6),
    orders=st.integers(0, 10**6),
    cash=st.integers(0, 10**6),
    total=st.integers(1, 10**6),
    hold=st.booleans(),
)
def test_credit_rule(limit: int, ar: int, orders: int, cash: int, total: int, hold: bool) -> None:
    exposure = Exposure(Decimal(limit), Decimal(ar), Decimal(orders), Decimal(cash), hold)
    decision = decide_credit(exposure, Decimal(total))
    assert decision.approved == (not hold and ar + orders - cash + total <= limit)
    assert decision.components()["exposure"] == Decimal(ar + orders - cash)


def test_dunning_policy_steps_one_level_at_a_time() -> None:
    policy = DunningPolicy((1, 15, 30))
    assert policy.next_level(0, 0) is None
    assert policy.next_level(0, 1) == 1
    assert policy.next_level(1, 14) is None
    assert policy.next_level(1, 40) == 2
    assert policy.next_level(3, 400) is None
    with pytest.raises(InvalidInput):
        DunningPolicy.parse("15,1")


@given(
    units=st.integers(min_value=1, max_value=10**12),
    currency=st.sampled_from(sorted(MINOR_UNITS)),
    trailing_zeros=st.integers(0, 3),
)
def test_parsing_amount_strings_is_exact_at_the_currency_precision(
    units: int, currency: str, trailing_zeros: int
) -> None:
    places = MINOR_UNITS[currency]
    text = str(Decimal(units).scaleb(-places))
    if trailing_zeros:
        text += ("" if "." in text else ".") + "0" * trailing_zeros
    parsed = check_amount(to_decimal(text), currency)
    assert parsed == Decimal(text)
    assert parsed.as_tuple().exponent == -places
    finer = str(Decimal(units * 10 + 1).scaleb(-(places + 1)))
    with pytest.raises(InvalidInput) as err:
        check_amount(to_decimal(finer), currency)
    assert err.value.code == "invalid-amount-precision"


@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.booleans())
def test_floats_and_booleans_never_parse_as_money(value: object) -> None:
    with pytest.raises(InvalidInput) as err:
        to_decimal(value)
    assert err.value.code == "invalid-amount"


@given(text=st.text(max_size=12))
def test_parsing_arbitrary_text_gives_a_decimal_or_invalid_input(text: str) -> None:
    try:
        amount = to_decimal(text)
    except InvalidInput as err:
        assert err.code == "invalid-amount"
    else:
        assert amount.is_finite()
