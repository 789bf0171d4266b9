"""Builds the e-invoice document of an invoice or a credit note from the facts it recorded.

The input is what ``InvoiceIssued`` and ``CreditNoteApplied`` carry (field names as stored;
amounts ``Decimal`` or decimal strings, dates ``date`` or ISO strings): the lines with their
tax, the VAT breakdown, the totals and the ``seller`` and ``buyer`` as they were at issue. A
later change of the company profile or the customer never rewrites a document.

The payment reference (BT-83) is the invoice number's ISO 11649 creditor reference, the one the
PDF prints and bank matching reads back, so the XML and the PDF ask for the same transfer.

``printable=True`` builds the document a PDF shows even where no e-invoice can be made: an
invoice recorded before taxes (no VAT breakdown) or without the buyer's address still gets its
page. It still needs a seller: a page without one would not be an invoice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from o2c.domain.creditor_reference import creditor_reference
from o2c.domain.errors import RuleViolation
from o2c.domain.tax import LineTax, TaxGroup, group_of, line_tax_of
from o2c.einvoice.document import (
    Address,
    Contact,
    DocumentKind,
    DocumentLine,
    DocumentTotals,
    EarlyPaymentDiscount,
    EInvoiceDocument,
    ElectronicAddress,
    InvoiceReference,
    Party,
    PaymentInstructions,
    PaymentTerms,
)

Facts = Mapping[str, Any]


def invoice_document(
    issued: Facts, *, delivery_date: date | None = None, printable: bool = False
) -> EInvoiceDocument:
    """The document of an invoice from its ``InvoiceIssued`` fields.

    ``delivery_date`` (BT-72) is when the goods invoiced were shipped, which the invoice's own
    event does not state. Raises ``RuleViolation`` ``no-tax-data`` for an invoice recorded
    before taxes or without a seller profile (it names no seller).
    """
    if not printable:
        _require_tax(issued, issued)
    seller = _seller(issued, printable)
    number = str(issued["number"])
    issue_date = _date(issued["issued_on"])
    total = _dec(issued["total"])
    return EInvoiceDocument(
        kind=DocumentKind.INVOICE,
        number=number,
        issue_date=issue_date,
        currency=str(issued["currency"]),
        seller=seller,
        buyer=_buyer(issued, printable),
        lines=tuple(_invoice_line(i, ln) for i, ln in enumerate(issued["lines"], start=1)),
        breakdown=_breakdown(issued.get("tax_breakdown")),
        totals=DocumentTotals(
            _or(issued.get("net_total"), total), _opt_dec(issued.get("tax_total")), total
        ),
        due_date=_date(issued["due_on"]),
        delivery_date=delivery_date,
        buyer_reference=(issued.get("buyer") or {}).get("buyer_reference"),
        purchase_order=issued.get("purchase_order"),
        payment=_payment(issued, number),
        payment_terms=_invoice_terms(issued, issue_date),
    )


def credit_note_document(
    issued: Facts, credit: Facts, *, delivery_date: date | None = None, printable: bool = False
) -> EInvoiceDocument:
    """The document of a credit note from its ``CreditNoteApplied`` fields and the
    ``InvoiceIssued`` fields of the invoice it corrects (BT-25/BT-26).

    ``delivery_date`` is the invoice's: what a credit note corrects was delivered then (an
    intra-EU supply states it on the credit note too, BR-IC-11).

    A credit note by lines states the invoice lines it credits; one by amount states one line
    per VAT group it was split into, so lines and breakdown always agree.
    """
    number = str(credit.get("number") or credit["credit_note_id"])
    if not printable:
        _require_tax(credit, {"number": number})
    currency = str(issued["currency"])
    amount = _dec(credit["amount"])
    groups = _breakdown(credit.get("tax_breakdown"))
    reason = str(credit.get("reason") or "Credit")
    lines = (
        _credited_lines(issued, credit["lines"])
        if credit.get("lines") is not None
        else _amount_lines(groups, reason, amount)
    )
    invoice_number = str(issued["number"])
    return EInvoiceDocument(
        kind=DocumentKind.CREDIT_NOTE,
        number=number,
        issue_date=_date(credit["issued_on"]),
        currency=currency,
        seller=_seller(issued, printable),
        buyer=_buyer(issued, printable),
        lines=lines,
        breakdown=groups,
        totals=DocumentTotals(
            _or(credit.get("net_total"), amount), _opt_dec(credit.get("tax_total")), amount
        ),
        delivery_date=delivery_date,
        buyer_reference=(issued.get("buyer") or {}).get("buyer_reference"),
        purchase_order=issued.get("purchase_order"),
        # The credit reduces what is owed on the invoice: it refers to the invoice's reference.
        payment=_payment(issued, invoice_number),
        payment_terms=PaymentTerms(f"Credited against invoice {invoice_number}: {reason}"),
        corrects=InvoiceReference(invoice_number, _date(issued["issued_on"])),
    )


def _require_tax(facts: Facts, named: Facts) -> None:
    # Checked before anything else: a document recorded before taxes may lack more (an address),
    # but the reason it can never be an e-invoice is that it states no tax.
    if facts.get("tax_breakdown") is None:
        raise RuleViolation(
            f"{named['number']} was recorded before taxes: it has no VAT breakdown to state",
            code="no-tax-data",
        )


def _seller(issued: Facts, printable: bool = False) -> Party:
    seller = issued.get("seller")
    if not seller:
        raise RuleViolation(
            f"{issued['number']} was issued before the company profile was set up: "
            "it names no seller",
            code="no-seller" if printable else "no-tax-data",
        )
    contact = Contact(seller.get("contact_name"), seller.get("phone"), seller.get("email"))
    return Party(
        name=str(seller["legal_name"]),
        address=_address(seller.get("address"), "seller", printable),
        vat_id=seller.get("vat_id"),
        tax_registration_id=seller.get("tax_registration_id"),
        legal_registration_id=seller.get("legal_registration_id"),
        electronic_address=_endpoint(seller.get("peppol_id")),
        contact=contact if any((contact.name, contact.phone, contact.email)) else None,
    )


def _buyer(issued: Facts, printable: bool = False) -> Party:
    buyer = issued.get("buyer") or {}
    return Party(
        name=str(buyer.get("name") or buyer.get("customer_number") or issued["customer_id"]),
        address=_address(buyer.get("address"), "buyer", printable),
        vat_id=buyer.get("vat_id"),
        electronic_address=_endpoint(buyer.get("peppol_id")),
    )


def _address(value: Mapping[str, Any] | None, role: str, printable: bool = False) -> Address:
    if printable and not value:
        return Address(country="")  # the page names the party without an address
    if not value or not value.get("country"):
        raise RuleViolation(
            f"the {role}'s address was not recorded on the invoice", code="einvoice-incomplete"
        )
    return Address(
        country=str(value["country"]),
        lines=tuple(value.get("lines") or ()),
        city=value.get("city"),
        postal_code=value.get("postal_code"),
    )


def _endpoint(peppol_id: str | None) -> ElectronicAddress | None:
    return None if not peppol_id else ElectronicAddress.parse(peppol_id)


def _invoice_line(index: int, line: Mapping[str, Any]) -> DocumentLine:
    return DocumentLine(
        line_id=str(index),
        name=str(line.get("description") or line["sku"]),
        quantity=_dec(line["quantity"]),
        unit_price=_dec(line["unit_price"]),
        net_amount=_dec(line.get("net") if line.get("net") is not None else line["amount"]),
        tax=line_tax_of(line),
        seller_item_id=str(line["sku"]),
    )


def _credited_lines(issued: Facts, lines: Sequence[Mapping[str, Any]]) -> tuple[DocumentLine, ...]:
    described = {ln["sku"]: ln.get("description") for ln in issued["lines"]}
    return tuple(
        _invoice_line(i, {**ln, "description": described.get(ln["sku"])})
        for i, ln in enumerate(lines, start=1)
    )


def _amount_lines(
    groups: tuple[TaxGroup, ...], reason: str, amount: Decimal
) -> tuple[DocumentLine, ...]:
    if not groups:  # recorded before taxes (printable only): one line of the whole amount
        return (DocumentLine("1", reason, Decimal(1), amount, amount, None),)
    return tuple(
        DocumentLine(
            line_id=str(i),
            name=reason,
            quantity=Decimal(1),
            unit_price=g.taxable,
            net_amount=g.taxable,
            tax=LineTax(g.category, g.rate, g.exemption_reason_code, g.exemption_reason),
        )
        for i, g in enumerate(groups, start=1)
    )


def _breakdown(fields: Sequence[Mapping[str, Any]] | None) -> tuple[TaxGroup, ...]:
    return () if fields is None else tuple(group_of(f) for f in fields)


def _payment(issued: Facts, number: str) -> PaymentInstructions | None:
    seller = issued.get("seller") or {}
    if not seller.get("iban"):
        return None
    return PaymentInstructions(
        iban=str(seller["iban"]),
        bic=seller.get("bic"),
        account_name=seller.get("legal_name"),
        reference=creditor_reference(number),
    )


def _invoice_terms(issued: Facts, issue_date: date) -> PaymentTerms:
    due = _date(issued["due_on"])
    note = f"Payable by {due.isoformat()} net."
    percent, until = issued.get("discount_percent"), issued.get("discount_until")
    offered = _dec(issued.get("discount_amount") or 0)
    if percent is None or until is None or offered <= 0:
        return PaymentTerms(note)
    until_date = _date(until)
    discount = EarlyPaymentDiscount(
        _dec(percent), (until_date - issue_date).days, offered, until_date
    )
    return PaymentTerms(note, discount)


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _or(value: Any, default: Decimal) -> Decimal:
    return default if value is None else _dec(value)


def _opt_dec(value: Any) -> Decimal | None:
    return None if value is None else _dec(value)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
