"""The generator's statements are realistic and its expected matches are right."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from schwifty import IBAN

from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.reference_noise import invoice_digits
from o2c_devtools.synthetic_bank.truth import (
    ExpectedOutcome,
    OpenInvoice,
    Scenario,
    SyntheticBatch,
)

COUNT = 400


@pytest.fixture(scope="module")
def batch(open_invoices: list[OpenInvoice]) -> SyntheticBatch:
    """A statement big enough for every scenario, plus its re-delivery."""
    return generate_statements(open_invoices, seed=42, count=COUNT)


@pytest.fixture(scope="module")
def by_number(open_invoices: list[OpenInvoice]) -> dict[str, OpenInvoice]:
    """The open invoices by number, to check what a line is said to settle."""
    return {invoice.number: invoice for invoice in open_invoices}


def test_same_seed_same_statement(open_invoices: list[OpenInvoice], batch: SyntheticBatch) -> None:
    assert generate_statements(open_invoices, seed=42, count=COUNT) == batch
    assert generate_statements(open_invoices, seed=43, count=COUNT) != batch


def test_count_lines_with_one_truth_each(batch: SyntheticBatch) -> None:
    file = batch.files[0]

    assert len(file.statement.lines) == COUNT
    assert [match.line_id for match in file.truth] == [
        line.line_id for line in file.statement.lines
    ]


def test_every_scenario_occurs(batch: SyntheticBatch) -> None:
    seen = Counter(match.scenario for match in batch.files[0].truth)

    assert set(seen) == set(Scenario) - {Scenario.REIMPORTED_FILE}
    assert seen[Scenario.EXACT_REFERENCE] > seen[Scenario.UNMATCHABLE]


def test_the_same_file_is_delivered_again(batch: SyntheticBatch) -> None:
    first, again = batch.files

    assert again.statement == first.statement
    assert all(match.outcome is ExpectedOutcome.DUPLICATE for match in again.truth)
    assert [match.duplicate_of for match in again.truth] == [m.line_id for m in first.truth]


def test_settled_invoices_are_paid_in_full_or_less_the_discount(
    batch: SyntheticBatch, by_number: dict[str, OpenInvoice]
) -> None:
    file = batch.files[0]
    for line, match in zip(file.statement.lines, file.truth, strict=True):
        if match.outcome is not ExpectedOutcome.INVOICES:
            continue
        invoices = [by_number[number] for number in match.invoice_numbers]
        owed = sum((invoice.open_amount for invoice in invoices), Decimal(0))
        if match.scenario is Scenario.DISCOUNT_SHORT_PAYMENT:
            (invoice,) = invoices
            assert line.amount == owed - invoice.discount_amount
            assert invoice.discount_deadline is not None
            assert invoice.discount_deadline >= line.booked_on
        else:
            assert line.amount == owed
        assert line.credit
        assert {invoice.customer_id for invoice in invoices} == {match.customer_id}


def test_no_invoice_is_settled_twice(batch: SyntheticBatch) -> None:
    settled = [
        number
        for match in batch.files[0].truth
        if match.outcome is ExpectedOutcome.INVOICES
        for number in match.invoice_numbers
    ]

    assert len(settled) == len(set(settled))


def test_referenced_payments_mention_their_invoices(batch: SyntheticBatch) -> None:
    file = batch.files[0]
    referencing = {
        Scenario.EXACT_REFERENCE,
        Scenario.NOISY_REFERENCE,
        Scenario.SEVERAL_INVOICES,
        Scenario.DISCOUNT_SHORT_PAYMENT,
        Scenario.THIRD_PARTY_PAYER,
    }
    for line, match in zip(file.statement.lines, file.truth, strict=True):
        if match.scenario in referencing and match.outcome is ExpectedOutcome.INVOICES:
            text = f"{line.remittance} {line.end_to_end_id or ''}"
            for number in match.invoice_numbers:
                assert str(int(invoice_digits(number))) in text


def test_payers_are_who_the_scenario_says(
    batch: SyntheticBatch, by_number: dict[str, OpenInvoice]
) -> None:
    file = batch.files[0]
    for line, match in zip(file.statement.lines, file.truth, strict=True):
        if match.scenario is Scenario.NO_REFERENCE_KNOWN_PAYER:
            (invoice,) = (by_number[number] for number in match.invoice_numbers)
            assert line.payer_iban == invoice.customer_iban
            assert invoice_digits(invoice.number) not in line.remittance
        if match.scenario is Scenario.THIRD_PARTY_PAYER:
            (invoice,) = (by_number[number] for number in match.invoice_numbers)
            assert line.payer_iban != invoice.customer_iban


def test_unapplied_money_belongs_to_a_known_customer(
    batch: SyntheticBatch, open_invoices: list[OpenInvoice]
) -> None:
    ibans = {invoice.customer_id: invoice.customer_iban for invoice in open_invoices}
    file = batch.files[0]
    for line, match in zip(file.statement.lines, file.truth, strict=True):
        if match.outcome is ExpectedOutcome.UNAPPLIED:
            assert match.customer_id is not None
            assert line.payer_iban == ibans[match.customer_id]
            assert not match.invoice_numbers


def test_duplicates_point_at_an_identical_earlier_line(batch: SyntheticBatch) -> None:
    file = batch.files[0]
    lines = {line.line_id: line for line in file.statement.lines}
    repeats = [match for match in file.truth if match.outcome is ExpectedOutcome.DUPLICATE]

    assert repeats
    for match in repeats:
        assert match.duplicate_of is not None
        original, repeat = lines[match.duplicate_of], lines[match.line_id]
        assert repeat.line_id == f"{original.line_id}#2"
        assert (repeat.amount, repeat.remittance, repeat.bank_reference) == (
            original.amount,
            original.remittance,
            original.bank_reference,
        )


def test_unmatchable_and_debit_lines_expect_no_match(batch: SyntheticBatch) -> None:
    file = batch.files[0]
    for line, match in zip(file.statement.lines, file.truth, strict=True):
        if match.scenario in (Scenario.UNMATCHABLE, Scenario.DEBIT):
            assert match.outcome is ExpectedOutcome.NO_MATCH
            assert line.credit is (match.scenario is Scenario.UNMATCHABLE)


def test_every_iban_is_valid(batch: SyntheticBatch) -> None:
    statement = batch.files[0].statement
    ibans = [
        statement.account_id,
        *(line.payer_iban for line in statement.lines if line.payer_iban),
    ]

    for iban in ibans:
        assert IBAN(iban).validate()


def test_more_lines_than_invoices_still_gives_the_count() -> None:
    invoices = synthetic_open_invoices(seed=1, count=5, customers=2)

    file = generate_statements(invoices, seed=1, count=50, reimport=False).files[0]

    assert len(file.statement.lines) == 50
    assert sum(1 for match in file.truth if match.outcome is ExpectedOutcome.INVOICES) <= 5


def test_a_currency_without_invoices_is_refused(open_invoices: list[OpenInvoice]) -> None:
    with pytest.raises(ValueError, match="CHF"):
        generate_statements(open_invoices, seed=1, count=3, currency="CHF")
