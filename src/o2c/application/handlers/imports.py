"""Handlers for opening-balance imports: every row of a file in one unit of work."""

from __future__ import annotations

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import OPENING_BALANCE_SKU, Invoice, format_number
from o2c.application.handlers.accounts import open_account
from o2c.application.handlers.issuing import numbering
from o2c.application.results import (
    CustomersImportedResult,
    ImportedInvoice,
    InvoicesImportedResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.errors import InvalidInput
from o2c.domain.money import zero


def import_customers(cmd: c.ImportCustomers, uow: UnitOfWork) -> CustomersImportedResult:
    """Open every account of the file (all in the same save)."""
    opened = [open_account(row, uow).customer_id for row in cmd.rows]
    return CustomersImportedResult(imported=len(opened), customer_ids=opened)


def import_opening_invoices(
    cmd: c.ImportOpeningInvoices, uow: UnitOfWork
) -> InvoicesImportedResult:
    """Book each opening invoice on its account, numbered from the gap-free sequence."""
    booked: list[ImportedInvoice] = []
    uow.prefetch(dict.fromkeys(row.customer_id for row in cmd.rows))  # two queries, not one a row
    for row in cmd.rows:
        acc = uow.get(row.customer_id, CustomerAccount)
        acc.ensure_open()
        amount = acc.money(row.open_amount, "open_amount")
        due_on = row.due_on or acc.terms.due_on(row.issued_on)
        if due_on < row.issued_on:
            raise InvalidInput("due_on must not be before issued_on", code="invalid-dates")
        discount = acc.money(
            row.discount_amount or zero(acc.currency), "discount_amount", allow_zero=True
        )
        if discount > 0 and (row.discount_until is None or discount >= amount):
            raise InvalidInput(
                "a discount needs discount_until and must be less than the open amount",
                code="invalid-discount",
            )
        until = row.discount_until if discount > 0 else None
        invoice_id = uow.new_id(row.invoice_id)
        number = format_number(numbering(uow).take(invoice_id))
        line = {
            "sku": OPENING_BALANCE_SKU,
            "description": f"opening balance {row.reference}".strip(),
            "quantity": 1,
            "unit_price": amount,
            "amount": amount,
        }
        invoice = Invoice.issue(
            invoice_id,
            acc.id,
            None,
            number,
            acc.currency,
            [line],
            row.issued_on,
            due_on,
            None,
            until,
            discount,
            # The number it had in the system it came from: clerks and customers still quote it.
            external_reference=row.reference.strip() or None,
        )
        uow.add(invoice)
        acc.book_invoice(
            invoice.id, number, None, invoice.total, row.issued_on, due_on, discount, until
        )
        booked.append(ImportedInvoice(invoice_id=invoice.id, number=number))
    return InvoicesImportedResult(imported=len(booked), invoices=booked)
