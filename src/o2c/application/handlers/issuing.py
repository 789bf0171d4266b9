"""Issuing an invoice: the one path every invoice of shipped goods or contract periods takes.

An invoice takes the next gap-free number, records the seller and buyer as they are now, is due
by the account's terms, and is booked on the account, all in the caller's unit of work (so in
the same transaction as the order or contract events that say what it invoices). Used by
``InvoiceOrder``, by a shipment of an ``on_shipment`` customer and by billing runs.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.aggregates.invoice import Invoice, format_number, invoice_total, tax_fields
from o2c.aggregates.numbering import NUMBERING_ID, InvoiceNumbering
from o2c.aggregates.order import Order
from o2c.application.results import InvoiceIssuedResult
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.money import round_money, zero


def numbering(uow: UnitOfWork) -> InvoiceNumbering:
    """The invoice number sequence (created on first use)."""
    return uow.find_or_start(NUMBERING_ID, InvoiceNumbering, InvoiceNumbering.start)


def seller_at_issue(uow: UnitOfWork) -> dict[str, Any] | None:
    """The seller as a document names it now (``None`` while no company profile is set up:
    ordinary AR use needs none)."""
    if COMPANY_ID not in uow.seen and uow.store.version_of(COMPANY_ID) is None:
        return None  # one indexed query, where loading a stream that is not there takes two
    company = uow.find(COMPANY_ID, Company)
    if company is None or not company.details:
        return None
    return dict(company.details)


def buyer_at_issue(acc: CustomerAccount) -> dict[str, Any]:
    """The customer as a document names it now: legal name (or the account's name), address,
    VAT ID, electronic address, buyer reference, language."""
    d = acc.details
    return {
        "customer_number": d.get("customer_number"),
        "name": d.get("legal_name") or acc.name,
        "address": d.get("address"),
        "vat_id": d.get("vat_id"),
        "peppol_id": d.get("peppol_id"),
        "buyer_reference": d.get("buyer_reference"),
        "language": d.get("language"),
        "tax_treatment": d.get("tax_treatment"),
    }


def issue_invoice(
    uow: UnitOfWork,
    acc: CustomerAccount,
    invoice_id: UUID,
    issued_on: date,
    lines: list[dict[str, Any]],
    *,
    order_id: UUID | None,
    purchase_order: str | None,
) -> Invoice:
    """Issue and book an invoice of ``lines`` (as an invoice records them); the caller records
    on the orders and contracts what it invoices, and releases the orders' commitments."""
    number = format_number(numbering(uow).take(invoice_id))
    terms = acc.terms
    # The discount's base is what the customer owes: the gross total.
    total, _ = invoice_total(lines, acc.currency)
    discount_amount = (
        zero(acc.currency)
        if terms.discount_percent is None
        else round_money(total * terms.discount_percent / 100, acc.currency)
    )
    invoice = Invoice.issue(
        invoice_id,
        acc.id,
        order_id,
        number,
        acc.currency,
        lines,
        issued_on,
        terms.due_on(issued_on),
        terms.discount_percent,
        terms.discount_until(issued_on),
        discount_amount,
        purchase_order=purchase_order,
        seller=seller_at_issue(uow),
        buyer=buyer_at_issue(acc),
    )
    uow.add(invoice)
    acc.book_invoice(
        invoice.id,
        number,
        order_id,
        invoice.total,
        issued_on,
        invoice.due_on,
        discount_amount,
        invoice.discount_until,
    )
    return invoice


def invoice_orders(
    uow: UnitOfWork,
    acc: CustomerAccount,
    orders: list[Order],
    invoice_id: UUID,
    issued_on: date,
    through: date | None = None,
    *,
    name_orders: bool = False,
) -> list[dict[str, Any]]:
    """Mark what each order shipped (up to ``through``) and has not invoiced as invoiced on
    ``invoice_id``, release the open-order value it leaves, and return its invoice lines
    (naming their order, with ``name_orders``: a billing run's invoice may cover several)."""
    lines: list[dict[str, Any]] = []
    for order in orders:
        uninvoiced = order.uninvoiced_value()
        taken = order.invoice(invoice_id, issued_on, through)
        acc.release_order(order.id, uninvoiced - order.uninvoiced_value(), "invoiced")
        for ln in taken:
            line = ln.document_dict()
            if name_orders:
                line["order_id"] = str(order.id)
            lines.append(line)
    return lines


def issued_result(invoice: Invoice) -> InvoiceIssuedResult:
    """What a command that issued ``invoice`` answers about it."""
    return InvoiceIssuedResult(
        invoice_id=invoice.id,
        number=invoice.number,
        order_id=invoice.order_id,
        customer_id=invoice.customer_id,
        total=invoice.total,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        lines=invoice.lines,
        purchase_order=invoice.purchase_order,
        seller=invoice.seller,
        buyer=invoice.buyer,
        **tax_fields(invoice.tax_breakdown),
    )
