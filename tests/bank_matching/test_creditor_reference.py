"""An ISO 11649 RF reference printed on an invoice names that invoice exactly in a bank line."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid5

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from o2c.domain.bank_matching import Allocation, Matcher
from o2c.domain.creditor_reference import (
    creditor_reference,
    invoice_number_from_rf,
    reference_key,
    split_creditor_references,
)
from tests.bank_matching.test_rules import BOOK, NS, PAYERS, receipt

RF_123 = creditor_reference("INV-000123")


def test_the_reference_of_an_invoice_number() -> None:
    assert RF_123 == "RF73INV000123"
    assert iso11649.is_valid(RF_123)
    assert invoice_number_from_rf("RF73 INV0 0012 3") == "INV000123"
    assert invoice_number_from_rf("RF74INV000123") is None  # wrong check digits
    assert creditor_reference("A" * 22) is None  # ISO 11649 carries 21 characters at most
    assert creditor_reference("--") is None


@given(st.text(alphabet="ABCXYZ0123456789-/ ", min_size=1, max_size=30))
def test_every_reference_leads_back_to_its_invoice(number: str) -> None:
    reference = creditor_reference(number)
    key = reference_key(number)
    if not key or len(key) > 21:
        assert reference is None
    else:
        assert reference is not None and iso11649.is_valid(reference)
        assert invoice_number_from_rf(reference) == key
        assert split_creditor_references(f"Zahlung {iso11649.format(reference)} danke")[0] == [key]


@pytest.mark.parametrize(
    "text",
    ["RF73INV000123", "RF73 INV0 0012 3", "Zahlung RF73 INV0 0012 3 vielen Dank", "rf73inv000123"],
)
def test_an_rf_reference_with_the_amount_settles_the_invoice(text: str) -> None:
    # No payer known: the reference alone says what the money is for.
    decision = Matcher(BOOK, PAYERS).decide(receipt("100.00", text))
    assert decision.match is not None
    assert (decision.match.rule, decision.match.score) == ("reference", 1.0)
    assert decision.match.allocations == (
        Allocation(uuid5(NS, "INV-000123"), Decimal("100.00"), Decimal("0.00")),
    )


def test_an_rf_reference_with_wrong_check_digits_names_nothing() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("100.00", "RF74INV000123"))
    assert decision.match is None


def test_an_rf_reference_that_does_not_fit_the_amount_goes_to_a_person() -> None:
    # 80.00 is what INV-000125 owes: the payer said the money is for INV-000123, not that one.
    decision = Matcher(BOOK, PAYERS).decide(
        receipt("80.00", RF_123 or "", iban="DE89370400440532013000")
    )
    assert decision.match is None
    assert decision.suggestions[0].invoice_ids == (uuid5(NS, "INV-000123"),)
