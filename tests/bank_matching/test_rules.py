"""The matcher's rules one by one: references and their noise, discounts, payers, the queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

import pytest

from o2c.domain.bank_matching import (
    Allocation,
    KnownPayer,
    Matcher,
    OpenInvoiceRef,
    Receipt,
)
from o2c.domain.bank_matching.combinations import find_combinations
from o2c.domain.bank_matching.references import find_references, normalised_name

NS = UUID("6f1c3f43-0000-4000-8000-000000000000")
ACME = uuid5(NS, "acme")
BETA = uuid5(NS, "beta")
ACME_IBAN = "DE89370400440532013000"
BETA_IBAN = "GB29NWBK60161331926819"
TODAY = date(2026, 1, 15)


def invoice(
    number: str,
    amount: str,
    customer: UUID = ACME,
    *,
    due: date = date(2025, 12, 1),
    discount: str = "0.00",
    until: date | None = None,
    disputed: bool = False,
    currency: str = "EUR",
) -> OpenInvoiceRef:
    return OpenInvoiceRef(
        invoice_id=uuid5(NS, number),
        customer_id=customer,
        number=number,
        open_amount=Decimal(amount),
        currency=currency,
        due_on=due,
        discount_amount=Decimal(discount),
        discount_until=until,
        disputed=disputed,
    )


PAYERS = [
    KnownPayer(ACME, "ACME GmbH", (ACME_IBAN,), "EUR"),
    KnownPayer(BETA, "Beta Handel AG", (BETA_IBAN,), "EUR"),
]


def receipt(
    amount: str,
    text: str = "",
    *,
    iban: str | None = None,
    name: str | None = None,
    booked_on: date = TODAY,
    currency: str = "EUR",
) -> Receipt:
    return Receipt(Decimal(amount), currency, booked_on, text, name, iban)


def ids(*numbers: str) -> set[UUID]:
    return {uuid5(NS, number) for number in numbers}


BOOK = [
    invoice("INV-000123", "100.00", due=date(2025, 11, 1)),
    invoice("INV-000124", "250.50", due=date(2025, 11, 15)),
    invoice("INV-000125", "80.00", due=date(2025, 12, 1)),
    invoice("INV-000777", "300.00", BETA),
]


@pytest.mark.parametrize(
    "text",
    [
        "INV-000123",
        "INV 123",
        "inv-000123",
        "000123",
        "Rechnung 123",
        "Invoice no. 123",
        "INV000123",
        "RE-NR. 000123",
        "Inv.123",
        "Zahlung INV-000123 Kd-Nr 4711",
        "Ihre Rechnung INV-000123 Danke",
    ],
)
def test_a_reference_in_any_of_its_forms_settles_the_invoice(text: str) -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("100.00", text))
    assert decision.match is not None
    assert decision.match.rule == "reference"
    assert decision.match.score == 1.0
    assert decision.match.allocations == (
        Allocation(uuid5(NS, "INV-000123"), Decimal("100.00"), Decimal("0.00")),
    )


@pytest.mark.parametrize(
    "text",
    [
        "INV-000123 INV-000124",
        "INV-000123, INV-000124",
        "Rechnungen 123, 124",
        "INV-000123 124",
        "INV-000123 + INV-000124",
    ],
)
def test_several_references_settle_all_of_them(text: str) -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("350.50", text))
    assert decision.match is not None and decision.match.rule == "reference"
    assert {a.invoice_id for a in decision.match.allocations} == ids("INV-000123", "INV-000124")


def test_only_the_referenced_invoices_that_the_amount_pays_are_settled() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("80.00", "Rechnungen 123, 125"))
    assert decision.match is not None
    assert {a.invoice_id for a in decision.match.allocations} == ids("INV-000125")


def test_numbers_that_are_not_references_are_not_read_as_such() -> None:
    refs = find_references("E2E-0A1B2C3D4E5F Kd-Nr 4711 INV-000123 E2E-123456789012")
    assert [(r.value, r.strong) for r in refs] == [(123, True)]


def test_names_compare_without_case_punctuation_and_legal_form() -> None:
    assert normalised_name("ACME GmbH") == normalised_name("Acme") == "acme"
    assert normalised_name("Falke Logistik GmbH & Co. KG") == "falke logistik"
    assert normalised_name("Vogel Bau e.K.") == normalised_name("VOGEL BAU B.V.")


def test_an_eligible_discount_is_taken() -> None:
    book = [invoice("INV-000200", "1000.00", discount="20.00", until=TODAY)]
    decision = Matcher(book, PAYERS).decide(receipt("980.00", "INV-000200 abzgl. Skonto"))
    assert decision.match is not None and decision.match.rule == "reference-discount"
    assert decision.match.allocations == (
        Allocation(uuid5(NS, "INV-000200"), Decimal("980.00"), Decimal("20.00")),
    )


def test_a_discount_after_its_deadline_is_not_taken() -> None:
    book = [invoice("INV-000200", "1000.00", discount="20.00", until=date(2026, 1, 14))]
    decision = Matcher(book, PAYERS).decide(receipt("980.00", "INV-000200", iban=ACME_IBAN))
    assert decision.match is None
    assert decision.suggestions[0].invoice_ids == (uuid5(NS, "INV-000200"),)


def test_the_tolerance_accepts_a_small_short_payment_without_overpaying() -> None:
    matcher = Matcher(BOOK, PAYERS, tolerance=Decimal("0.05"))
    decision = matcher.decide(receipt("99.97", "INV-000123"))
    assert decision.match is not None
    assert decision.match.allocations[0].amount == Decimal("99.97")
    assert Matcher(BOOK, PAYERS).decide(receipt("99.97", "INV-000123")).match is None


def test_a_known_iban_and_the_amount_of_one_invoice_settle_it() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("250.50", "Zahlung", iban=ACME_IBAN))
    assert decision.match is not None and decision.match.rule == "payer-amount"
    assert decision.match.customer_id == ACME


def test_a_payer_known_by_name_only_is_found_too() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("250.50", "", name="Acme"))
    assert decision.match is not None and decision.match.rule == "payer-amount"
    assert decision.match.score < 0.9


def test_a_payer_paying_several_invoices_without_reference() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("330.50", "", iban=ACME_IBAN))
    assert decision.match is not None and decision.match.rule == "payer-combination"
    assert {a.invoice_id for a in decision.match.allocations} == ids("INV-000124", "INV-000125")


def test_two_equally_good_invoices_go_to_the_queue_with_both() -> None:
    book = [*BOOK, invoice("INV-000126", "250.50", due=date(2025, 12, 20))]
    decision = Matcher(book, PAYERS).decide(receipt("250.50", "", iban=ACME_IBAN))
    assert decision.match is None
    top = {s.invoice_ids for s in decision.suggestions[:2]}
    assert top == {(uuid5(NS, "INV-000124"),), (uuid5(NS, "INV-000126"),)}


def test_two_combinations_that_both_fit_go_to_the_queue() -> None:
    book = [
        invoice("INV-000301", "10.00"),
        invoice("INV-000302", "20.00"),
        invoice("INV-000303", "15.00"),
        invoice("INV-000304", "15.00"),
    ]
    assert Matcher(book, PAYERS).decide(receipt("30.00", "", iban=ACME_IBAN)).match is None


def test_a_certain_payer_whose_amount_fits_nothing_pays_on_account() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("5000.00", "Akonto", iban=ACME_IBAN))
    assert decision.match is not None and decision.match.rule == "payer-unapplied"
    assert decision.match.customer_id == ACME and decision.match.allocations == ()


@pytest.mark.parametrize("text", ["Vertrag 260687 Rate", "Zinsgutschrift", "INV-000124"])
def test_no_payment_on_account_when_the_text_points_elsewhere(text: str) -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("5000.00", text, iban=ACME_IBAN))
    assert decision.match is None


def test_a_payer_known_by_name_only_never_pays_on_account() -> None:
    assert Matcher(BOOK, PAYERS).decide(receipt("5000.00", "", name="ACME")).match is None


def test_a_third_party_paying_another_customers_invoice() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("300.00", "INV 777", iban=ACME_IBAN))
    assert decision.match is not None and decision.match.rule == "reference"
    assert decision.match.customer_id == BETA


def test_a_disputed_invoice_is_suggested_never_applied() -> None:
    book = [invoice("INV-000900", "42.00", disputed=True)]
    decision = Matcher(book, PAYERS).decide(receipt("42.00", "INV-000900", iban=ACME_IBAN))
    assert decision.match is None
    assert decision.suggestions[0].invoice_ids == (uuid5(NS, "INV-000900"),)


def test_the_currency_must_match() -> None:
    book = [invoice("INV-000500", "100.00", currency="USD")]
    assert Matcher(book, PAYERS).decide(receipt("100.00", "INV-000500")).match is None


def test_debits_are_not_decided() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("-100.00", "INV-000123"))
    assert decision.match is None and decision.suggestions == ()


def test_a_double_payment_is_kept_on_account_the_second_time() -> None:
    matcher = Matcher(BOOK, PAYERS)
    first = matcher.decide(receipt("100.00", "INV-000123", iban=ACME_IBAN))
    assert first.match is not None and first.match.rule == "reference"
    matcher.applied(first.match)
    second = matcher.decide(receipt("100.00", "INV-000123", iban=ACME_IBAN))
    assert second.match is not None and second.match.rule == "payer-unapplied"


def test_an_unknown_payer_without_reference_is_queued_with_ranked_suggestions() -> None:
    decision = Matcher(BOOK, PAYERS).decide(receipt("250.00", "", iban="NL91ABNA0417164300"))
    assert decision.match is None
    assert decision.suggestions[0].invoice_ids == (uuid5(NS, "INV-000124"),)
    scores = [s.score for s in decision.suggestions]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


def test_combinations_are_bounded_and_stop_at_the_second_solution() -> None:
    values = list(range(1, 31))
    search = find_combinations(values, 10)
    assert len(search.solutions) == 2 and search.exhausted
    assert find_combinations([7] * 30, 1000).solutions == ()
