"""Builders for the matcher tests: generated open invoices and bank lines as the matcher sees them.

The generator speaks in invoice numbers and customer codes; the matcher in UUIDs. Ids are
derived with uuid5 so a number always maps to the same invoice, and due dates from the number
(the generator has none) so that older numbers fall due first.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from o2c.bank.statement import BankLine
from o2c.domain.bank_matching import KnownPayer, OpenInvoiceRef, Receipt
from o2c_devtools.synthetic_bank.truth import OpenInvoice

_NS = uuid5(NAMESPACE_URL, "https://o2c.example/tests/bank-matching")


def invoice_uuid(number: str) -> UUID:
    return uuid5(_NS, f"invoice:{number}")


def customer_uuid(code: str) -> UUID:
    return uuid5(_NS, f"customer:{code}")


def as_invoice_ref(invoice: OpenInvoice, *, disputed: bool = False) -> OpenInvoiceRef:
    serial = int("".join(ch for ch in invoice.number if ch.isdigit()) or 0)
    return OpenInvoiceRef(
        invoice_id=invoice_uuid(invoice.number),
        customer_id=customer_uuid(invoice.customer_id),
        number=invoice.number,
        open_amount=invoice.open_amount,
        currency=invoice.currency,
        due_on=date(2025, 9, 1) + timedelta(days=serial * 120 // 10_000),
        discount_amount=invoice.discount_amount,
        discount_until=invoice.discount_deadline,
        disputed=disputed,
    )


def known_payers(invoices: list[OpenInvoice]) -> list[KnownPayer]:
    payers: dict[str, KnownPayer] = {}
    for invoice in invoices:
        payers.setdefault(
            invoice.customer_id,
            KnownPayer(
                customer_id=customer_uuid(invoice.customer_id),
                name=invoice.customer_name,
                ibans=(invoice.customer_iban,),
                currency=invoice.currency,
            ),
        )
    return list(payers.values())


def as_receipt(line: BankLine) -> Receipt:
    """The line as the import hands it over: the end-to-end id is part of what the payer wrote."""
    text = " ".join(part for part in (line.remittance, line.end_to_end_id) if part)
    return Receipt(
        amount=line.amount,
        currency=line.currency,
        booked_on=line.booked_on,
        remittance=text,
        payer_name=line.payer_name,
        payer_iban=line.payer_iban,
    )
