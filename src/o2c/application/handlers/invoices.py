"""Handlers for invoice commands: credit notes, disputes, write-offs and dunning runs."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.application.unit_of_work import UnitOfWork


def invoice_view(inv: Invoice) -> dict[str, Any]:
    """The response body describing an invoice after a command."""
    return {
        "invoice_id": str(inv.id),
        "number": inv.number,
        "customer_id": str(inv.customer_id),
        "status": inv.status,
        "total": str(inv.total),
        "open_amount": str(inv.open_amount),
        "disputed": inv.disputed,
        "dunning_level": inv.dunning_level,
    }


def apply_credit_note(cmd: c.ApplyCreditNote, uow: UnitOfWork) -> dict[str, Any]:
    """Credit note on the invoice and on the account's sub-ledger, atomically."""
    inv = uow.get(cmd.invoice_id, Invoice)
    acc = uow.get(inv.customer_id, CustomerAccount)
    credit_note_id = cmd.credit_note_id or uuid4()
    before = inv.open_amount
    inv.apply_credit_note(credit_note_id, cmd.amount, cmd.reason, cmd.issued_on or uow.today)
    acc.reduce_receivable(inv.id, before - inv.open_amount, "credit_note", credit_note_id)
    return {**invoice_view(inv), "credit_note_id": str(credit_note_id)}


def write_off_invoice(cmd: c.WriteOffInvoice, uow: UnitOfWork) -> dict[str, Any]:
    """Write off bad debt on the invoice and the account's sub-ledger, atomically."""
    inv = uow.get(cmd.invoice_id, Invoice)
    acc = uow.get(inv.customer_id, CustomerAccount)
    write_off_id = uuid4()
    amount = inv.write_off(write_off_id, cmd.amount, cmd.reason, cmd.written_off_on or uow.today)
    acc.reduce_receivable(inv.id, amount, "write_off", write_off_id)
    return {**invoice_view(inv), "written_off": str(amount)}


def dispute_invoice(cmd: c.DisputeInvoice, uow: UnitOfWork) -> dict[str, Any]:
    """Open a dispute."""
    inv = uow.get(cmd.invoice_id, Invoice)
    inv.dispute(cmd.reason, cmd.disputed_on or uow.today)
    return invoice_view(inv)


def resolve_dispute(cmd: c.ResolveDispute, uow: UnitOfWork) -> dict[str, Any]:
    """Resolve a dispute."""
    inv = uow.get(cmd.invoice_id, Invoice)
    inv.resolve_dispute(cmd.resolution, cmd.resolved_on or uow.today)
    return invoice_view(inv)


def run_dunning(cmd: c.RunDunning, uow: UnitOfWork) -> dict[str, Any]:
    """Send the next reminder level to each overdue, undisputed open invoice that reached it."""
    as_of = cmd.as_of or uow.today
    sent: list[dict[str, Any]] = []
    for invoice_id in uow.dunning_candidates(as_of):
        inv = uow.find(invoice_id, Invoice)
        if inv is None:
            continue
        level = inv.send_reminder(as_of, uow.dunning_policy)
        if level is not None:
            sent.append(
                {
                    "invoice_id": str(inv.id),
                    "number": inv.number,
                    "customer_id": str(inv.customer_id),
                    "level": level,
                    "days_past_due": inv.days_past_due(as_of),
                }
            )
    return {"as_of": as_of.isoformat(), "reminders_sent": len(sent), "reminders": sent}
