"""Documents for the tests, the sample renders and the bench: invoices, a statement, a reminder.

Invoices come from ``tests.einvoice.documents`` with their payment reference set to the RF
creditor reference of their number, as the application issues them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from o2c.documents import (
    Letterhead,
    Logo,
    LogoFormat,
    OverdueInvoice,
    ReminderLetter,
    StatementLine,
    StatementOfAccount,
    creditor_reference,
)
from o2c.domain.tax import LineTax, TaxCategory
from o2c.einvoice import EInvoiceDocument
from tests.einvoice.documents import (
    DOMESTIC_BUYER,
    EU_BUYER,
    PAYMENT,
    SELLER,
    build,
    sample_document,
    standard,
)

# A small logo: a blue rounded square with a white wave, as a seller might upload it.
LOGO_SVG = Logo(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">'
    b'<rect width="120" height="120" rx="18" fill="#1d4e89"/>'
    b'<path d="M10 70 Q35 40 60 70 T110 70" stroke="#fff" stroke-width="10" fill="none"/>'
    b"</svg>",
    LogoFormat.SVG,
)
LETTERHEAD = Letterhead(SELLER, replace(PAYMENT, reference=None), LOGO_SVG)


def issued(document: EInvoiceDocument) -> EInvoiceDocument:
    """``document`` with the RF reference of its number as payment reference (BT-83)."""
    assert document.payment is not None
    return replace(
        document, payment=replace(document.payment, reference=creditor_reference(document.number))
    )


def invoice(**fields: object) -> EInvoiceDocument:
    """The multi-rate domestic sample invoice, as issued (fields override)."""
    return issued(sample_document(**fields))


def ten_line_invoice() -> EInvoiceDocument:
    """A 10-line domestic invoice at 19 %, 7 % and zero-rated, with a discount."""
    taxes = [standard(), standard("7.00"), LineTax(TaxCategory.ZERO_RATED, Decimal("0.00"))]
    items = [
        (Decimal(index + 1), Decimal("12.34") * (index + 1), taxes[index % 3])
        for index in range(10)
    ]
    return issued(build(items, discount_percent=Decimal(2)))


def big_invoice() -> EInvoiceDocument:
    """An invoice whose total is in the thousands: ``1.234,56 €`` shapes appear."""
    return issued(build([(Decimal("2"), Decimal("518.76"), standard())]))


def statement() -> StatementOfAccount:
    """March for the domestic buyer: an invoice, a partial payment, a credit note, a fee."""
    rows = [
        (date(2026, 3, 2), "invoice", "INV-000042", Decimal("1234.56"), Decimal(0)),
        (date(2026, 3, 9), "payment", "Überweisung 2026-03-09", Decimal(0), Decimal("500.00")),
        (date(2026, 3, 12), "credit_note", "CN-000007", Decimal(0), Decimal("34.56")),
        (date(2026, 3, 20), "fee", "Mahnung 1", Decimal("5.00"), Decimal(0)),
    ]
    balance = Decimal("250.00")
    lines = []
    for booked_on, kind, reference, debit, credit in rows:
        balance += debit - credit
        lines.append(StatementLine(booked_on, kind, reference, debit, credit, balance))
    return StatementOfAccount(
        letterhead=LETTERHEAD,
        customer=DOMESTIC_BUYER,
        currency="EUR",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        issue_date=date(2026, 4, 1),
        opening_balance=Decimal("250.00"),
        lines=tuple(lines),
        closing_balance=balance,
        customer_number="C-1001",
    )


REMINDER_TEXT_FR = (
    "Sauf erreur de notre part, les factures ci-dessous restent impayées à ce jour.\n\n"
    "Nous vous prions de bien vouloir régler le montant dû avant la date indiquée."
)


def reminder(
    *, invoices: tuple[OverdueInvoice, ...] | None = None, level: int = 2
) -> ReminderLetter:
    """A level-2 reminder for the French buyer: one invoice, a fee and interest."""
    return ReminderLetter(
        letterhead=LETTERHEAD,
        customer=EU_BUYER,
        currency="EUR",
        level=level,
        issue_date=date(2026, 4, 15),
        text=REMINDER_TEXT_FR,
        invoices=invoices
        or (
            OverdueInvoice(
                "INV-000042", date(2026, 4, 1), Decimal("1234.56"), 14, date(2026, 3, 2)
            ),
        ),
        fee=Decimal("5.00"),
        interest=Decimal("4.27"),
        pay_by=date(2026, 4, 29),
        customer_number="C-2002",
    )
