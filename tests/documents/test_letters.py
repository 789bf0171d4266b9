"""Statement of account and reminder letters: their words, amounts, QR code and checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from o2c.documents import (
    Language,
    OverdueInvoice,
    creditor_reference,
    epc_payload,
    render_reminder_pdf,
    render_statement_pdf,
)
from o2c.documents.messages import de, en, fr
from o2c.domain.errors import InvalidInput
from tests.documents.pdf_tools import pdfa_identification, qr_codes, text_of
from tests.documents.samples import reminder, statement


def _words(pdf: bytes) -> str:
    return " ".join(text_of(pdf, layout=True).replace("\xa0", " ").replace("\u202f", " ").split())


def test_every_language_has_every_message() -> None:
    assert set(de.MESSAGES) == set(en.MESSAGES) == set(fr.MESSAGES)


def test_the_statement_shows_bookings_and_balances_in_german() -> None:
    rendered = render_statement_pdf(statement(), Language.DE)
    text = _words(rendered.pdf)
    for expected in [
        "Kontoauszug",
        "Ihr Konto bei uns vom 1. März 2026 bis 31. März 2026.",
        "Anfangssaldo 250,00 €",
        "Rechnung INV-000042 1.234,56 € 1.484,56 €",
        "Zahlung Überweisung 2026-03-09 500,00 € 984,56 €",
        "Gutschrift CN-000007 34,56 € 950,00 €",
        "Mahngebühr Mahnung 1 5,00 € 955,00 €",
        "Offener Saldo 955,00 €",
    ]:
        assert expected in text, (expected, text)
    assert pdfa_identification(rendered.pdf) == (None, None)  # a letter, not an archive file


def test_a_statement_whose_balances_do_not_add_up_is_refused() -> None:
    good = statement()
    broken = (replace(good.lines[0], balance=good.lines[0].balance + 1), *good.lines[1:])
    with pytest.raises(InvalidInput, match="running balance"):
        replace(good, lines=broken)
    with pytest.raises(InvalidInput, match="closing balance"):
        replace(good, closing_balance=Decimal(0))


def test_the_reminder_speaks_french_and_asks_for_open_amount_fee_and_interest() -> None:
    letter = reminder()
    rendered = render_reminder_pdf(letter, Language.FR)
    text = _words(rendered.pdf)
    for expected in [
        "Deuxième relance",
        "Madame, Monsieur,",
        "Sauf erreur de notre part",
        "INV-000042 2 mars 2026 1 avr. 2026 14 1 234,56 €",
        "Frais de relance 5,00 €",
        "Intérêts de retard 4,27 €",
        "Total dû 1 243,83 €",
        "avant le 29 avril 2026",
        "RF29 INV0 0004 2",
    ]:
        assert expected in text, (expected, text)
    assert qr_codes(rendered.pdf) == [
        "BCD\n002\n1\nSCT\nCOBADEFFXXX\nNordwind Handels GmbH\nDE89370400440532013000\n"
        "EUR1243.83\n\nRF29INV000042"
    ]


def test_a_reminder_for_several_invoices_names_them_in_the_remittance() -> None:
    invoices = (
        OverdueInvoice("INV-000042", date(2026, 4, 1), Decimal("100.00"), 14),
        OverdueInvoice("INV-000043", date(2026, 4, 3), Decimal("50.00"), 12),
    )
    rendered = render_reminder_pdf(reminder(invoices=invoices, level=5), Language.EN)
    assert "Final reminder" in _words(rendered.pdf)
    [payload] = qr_codes(rendered.pdf)
    assert payload.split("\n")[7:] == ["EUR159.27", "", "", "INV-000042 INV-000043"]


def test_the_epc_payload_refuses_amounts_a_girocode_cannot_carry() -> None:
    reference = creditor_reference("INV-1")
    common = {"name": "N", "iban": "DE89370400440532013000", "reference": reference}
    assert epc_payload(amount=Decimal("0.00"), **common) is None  # type: ignore[arg-type]
    assert epc_payload(amount=Decimal("1000000000.00"), **common) is None  # type: ignore[arg-type]
    assert epc_payload(amount=Decimal("1.005"), **common) is None  # type: ignore[arg-type]
    payload = epc_payload(amount=Decimal("1"), name="x" * 80, iban="de89 3704 0044 0532 0130 00")
    assert payload == "BCD\n002\n1\nSCT\n\n" + "x" * 70 + "\nDE89370400440532013000\nEUR1.00"
