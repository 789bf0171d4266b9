"""Handlers for invoice commands: credit notes, disputes, write-offs and dunning runs."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice, tax_fields
from o2c.aggregates.numbering import (
    CREDIT_NOTE_NUMBERING_ID,
    CreditNoteNumbering,
    format_credit_note_number,
)
from o2c.application.handlers.collections import check_promises
from o2c.application.results import (
    CreditNoteResult,
    CreditNoteView,
    InvoiceResult,
    ReminderResult,
    RemindersResult,
    WriteOffPartsResult,
    WriteOffResult,
)
from o2c.application.unit_of_work import UnitOfWork


def _invoice_fields(inv: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": inv.id,
        "number": inv.number,
        "customer_id": inv.customer_id,
        "status": inv.status,
        "total": inv.total,
        "open_amount": inv.open_amount,
        "disputed": inv.disputed,
        "dunning_level": inv.dunning_level,
        **tax_fields(inv.tax_breakdown),
    }


def invoice_view(inv: Invoice) -> InvoiceResult:
    """The invoice after a command."""
    return InvoiceResult(**_invoice_fields(inv))


def apply_credit_note(cmd: c.ApplyCreditNote, uow: UnitOfWork) -> CreditNoteResult:
    """Credit note on the invoice and on the account's sub-ledger, atomically."""
    inv = uow.get(cmd.invoice_id, Invoice)
    acc = uow.get(inv.customer_id, CustomerAccount)
    credit_note_id = cmd.credit_note_id or uuid4()
    before = inv.open_amount
    lines = None if cmd.lines is None else [(ln.sku, ln.quantity) for ln in cmd.lines]
    inv.check_credit_note(credit_note_id, cmd.amount, lines)
    # Taken in the same save as the credit note: a refused command leaves no gap.
    number = format_credit_note_number(credit_note_numbering(uow).take(credit_note_id))
    issued_on = cmd.issued_on or uow.today
    plan = inv.apply_credit_note(
        credit_note_id, cmd.amount, cmd.reason, issued_on, number=number, lines=lines
    )
    acc.reduce_receivable(
        inv.id, before - inv.open_amount, "credit_note", credit_note_id, inv.open_amount
    )
    view = CreditNoteView(
        credit_note_id=credit_note_id,
        number=number,
        total=plan.amount,
        lines=plan.lines,
        **tax_fields(plan.groups),
    )
    return CreditNoteResult(**_invoice_fields(inv), credit_note_id=credit_note_id, credit_note=view)


def credit_note_numbering(uow: UnitOfWork) -> CreditNoteNumbering:
    """The credit-note number sequence (created on first use)."""
    return uow.find_or_start(
        CREDIT_NOTE_NUMBERING_ID, CreditNoteNumbering, CreditNoteNumbering.start
    )


def write_off_invoice(cmd: c.WriteOffInvoice, uow: UnitOfWork) -> WriteOffResult:
    """Write off bad debt on the invoice and the account's sub-ledger, atomically."""
    inv = uow.get(cmd.invoice_id, Invoice)
    acc = uow.get(inv.customer_id, CustomerAccount)
    write_off_id = uuid4()
    amount = inv.write_off(
        write_off_id,
        cmd.amount,
        cmd.reason,
        cmd.written_off_on or uow.today,
        tax_relief=uow.tax_policy.write_off_relief,
    )
    acc.reduce_receivable(inv.id, amount, "write_off", write_off_id, inv.open_amount)
    recorded = next(
        e for e in reversed(inv.pending_events) if isinstance(e, Invoice.InvoiceWrittenOff)
    )
    parts = WriteOffPartsResult(
        net_total=recorded.net_total,
        tax_total=recorded.tax_total,
        tax_breakdown=recorded.tax_breakdown,
        tax_relief=recorded.tax_relief,
    )
    return WriteOffResult(**_invoice_fields(inv), written_off=amount, write_off=parts)


def dispute_invoice(cmd: c.DisputeInvoice, uow: UnitOfWork) -> InvoiceResult:
    """Open a dispute."""
    inv = uow.get(cmd.invoice_id, Invoice)
    inv.dispute(cmd.reason, cmd.disputed_on or uow.today)
    return invoice_view(inv)


def resolve_dispute(cmd: c.ResolveDispute, uow: UnitOfWork) -> InvoiceResult:
    """Resolve a dispute."""
    inv = uow.get(cmd.invoice_id, Invoice)
    inv.resolve_dispute(cmd.resolution, cmd.resolved_on or uow.today)
    return invoice_view(inv)


def send_reminders(cmd: c.SendReminders, uow: UnitOfWork) -> RemindersResult:
    """Send the next reminder level to each of a customer's overdue invoices that reached it.

    The candidates come from the account's own index of open invoices, so an invoice issued a
    moment before the run is never missed; each invoice re-checks itself (disputed, already
    reminded on or after this date), which makes a second run for the same date send nothing.
    """
    acc = uow.get(cmd.customer_id, CustomerAccount)
    # Promises whose deadline passed without the cash are broken first: dunning resumes.
    broken = check_promises(acc, cmd.as_of, uow)
    sent: list[ReminderResult] = []
    for invoice_id in acc.overdue_invoices(cmd.as_of):
        inv = uow.get(invoice_id, Invoice)
        level = inv.send_reminder(cmd.as_of, uow.dunning_policy)
        if level is not None:
            sent.append(
                ReminderResult(
                    invoice_id=inv.id,
                    number=inv.number,
                    customer_id=inv.customer_id,
                    level=level,
                    days_past_due=inv.days_past_due(cmd.as_of),
                )
            )
    return RemindersResult(
        as_of=cmd.as_of, reminders_sent=len(sent), reminders=sent, promises_broken=broken
    )
