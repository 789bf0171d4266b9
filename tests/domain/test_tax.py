"""VAT rules: defaults per tax treatment, one rounding per group, splits that add up exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.domain.errors import InvalidInput
from o2c.domain.tax import (
    LineKind,
    LineTax,
    TaxCategory,
    TaxGroup,
    TaxRates,
    TaxTreatment,
    breakdown,
    line_tax,
    split_gross,
    totals,
)

RATES = TaxRates.parse("S=19,S=7,Z=0")
S19 = LineTax(TaxCategory.STANDARD, Decimal("19.00"))
S7 = LineTax(TaxCategory.STANDARD, Decimal("7.00"))


def test_rates_parse_with_the_first_standard_rate_as_default() -> None:
    assert RATES.standard == Decimal("19.00")
    with pytest.raises(ValueError, match="no standard"):
        TaxRates.parse("Z=0")
    with pytest.raises(ValueError, match="CATEGORY=PERCENT"):
        TaxRates.parse("S=abc")


@pytest.mark.parametrize(
    ("treatment", "kind", "category", "rate"),
    [
        (TaxTreatment.DOMESTIC, LineKind.GOODS, TaxCategory.STANDARD, "19.00"),
        (TaxTreatment.INTRA_EU, LineKind.GOODS, TaxCategory.INTRA_EU, "0.00"),
        (TaxTreatment.INTRA_EU, LineKind.SERVICE, TaxCategory.REVERSE_CHARGE, "0.00"),
        (TaxTreatment.EXPORT, LineKind.GOODS, TaxCategory.EXPORT, "0.00"),
        (TaxTreatment.EXEMPT, LineKind.SERVICE, TaxCategory.EXEMPT, "0.00"),
    ],
)
def test_a_line_naming_no_category_takes_the_customers_default(
    treatment: TaxTreatment, kind: LineKind, category: TaxCategory, rate: str
) -> None:
    tax = line_tax(RATES, treatment=treatment, kind=kind, buyer_vat_id="DE136695976")
    assert (tax.category, tax.rate) == (category, Decimal(rate))
    # every category that owes no tax says why
    assert (tax.exemption_reason_code is None) == (category is TaxCategory.STANDARD)


def test_reverse_charge_and_intra_eu_need_the_buyers_vat_id() -> None:
    with pytest.raises(InvalidInput) as refused:
        line_tax(RATES, treatment=TaxTreatment.INTRA_EU)
    assert refused.value.code == "buyer-vat-id-required"


def test_a_rate_the_seller_does_not_charge_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        line_tax(
            RATES, treatment=TaxTreatment.DOMESTIC, category=TaxCategory.STANDARD, rate=Decimal(16)
        )
    assert refused.value.code == "invalid-tax"
    with pytest.raises(InvalidInput):
        line_tax(RATES, treatment=TaxTreatment.EXPORT, rate=Decimal(19))


def test_tax_is_rounded_once_per_group_not_per_line() -> None:
    # ten lines of 0.05 at 19 %: 0.095 tax in all → 0.10; rounding each line would give 0.10 too,
    # but 0.05 at 7 % is 0.0035 per line → 0.00 each, 0.035 → 0.04 for the group.
    groups = breakdown([(S7, Decimal("0.05"))] * 10 + [(S19, Decimal("0.05"))] * 10, "EUR")
    assert [(g.rate, g.taxable, g.tax) for g in groups] == [
        (Decimal("7.00"), Decimal("0.50"), Decimal("0.04")),
        (Decimal("19.00"), Decimal("0.50"), Decimal("0.10")),
    ]


def test_jpy_rounds_to_whole_yen() -> None:
    (group,) = breakdown([(LineTax(TaxCategory.STANDARD, Decimal("10.00")), Decimal(1005))], "JPY")
    assert group.tax == Decimal(101)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
rates = st.sampled_from([Decimal("0.00"), Decimal("7.00"), Decimal("19.00"), Decimal("5.50")])


@st.composite
def invoices(draw: st.DrawFn) -> tuple[TaxGroup, ...]:
    lines = draw(
        st.lists(
            st.tuples(rates, amounts).map(
                lambda r: (
                    (LineTax(TaxCategory.STANDARD, r[0]), r[1])
                    if r[0]
                    else (LineTax(TaxCategory.ZERO_RATED, r[0]), r[1])
                )
            ),
            min_size=1,
            max_size=8,
        )
    )
    return breakdown(lines, "EUR")


@given(invoices(), st.data())
def test_a_split_adds_up_exactly_and_no_part_is_negative(
    groups: tuple[TaxGroup, ...], data: st.DataObject
) -> None:
    net, tax = totals(groups)
    gross = net + tax
    amount = data.draw(
        st.decimals(min_value=Decimal("0.01"), max_value=gross, places=2), label="amount"
    )
    parts = split_gross(amount, groups, "EUR")
    assert sum(p.gross for p in parts) == amount
    assert all(p.taxable >= 0 and p.tax >= 0 for p in parts)
    assert [(p.category, p.rate) for p in parts] == [
        (g.category, g.rate) for g in groups if g.gross
    ]
    # the whole amount splits into each group's own gross; tax computed back from a gross may
    # differ from the group's by at most one minor unit
    whole = split_gross(gross, groups, "EUR")
    kept = [g for g in groups if g.gross]
    assert [p.gross for p in whole] == [g.gross for g in kept]
    assert all(abs(p.tax - g.tax) <= Decimal("0.01") for p, g in zip(whole, kept, strict=True))


def test_an_invoice_recorded_before_taxes_splits_into_nothing() -> None:
    assert split_gross(Decimal("10.00"), (), "EUR") == ()


@pytest.mark.parametrize("rate", ["5e234", "1e-9999999", "-7", "100", "19.001"])
def test_a_rate_that_is_no_percentage_is_bad_input_never_an_overflow(rate: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        line_tax(
            RATES,
            treatment=TaxTreatment.DOMESTIC,
            category=TaxCategory.STANDARD,
            rate=Decimal(rate),
        )
    assert refused.value.code == "invalid-tax"
