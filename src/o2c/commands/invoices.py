"""Commands on invoices and dunning."""

from __future__ import annotations

from uuid import UUID

from o2c.commands.base import Amount, BusinessDate, Command, Reason


class ApplyCreditNote(Command):
    """Reduce an invoice's open amount by a credit note."""

    invoice_id: UUID
    credit_note_id: UUID | None = None
    amount: Amount
    reason: Reason
    issued_on: BusinessDate | None = None


class DisputeInvoice(Command):
    """Open a dispute on an invoice."""

    invoice_id: UUID
    reason: Reason
    disputed_on: BusinessDate | None = None


class ResolveDispute(Command):
    """Resolve an invoice's dispute."""

    invoice_id: UUID
    resolution: Reason = "resolved"
    resolved_on: BusinessDate | None = None


class WriteOffInvoice(Command):
    """Write off (part of) an invoice as bad debt; default the whole open amount."""

    invoice_id: UUID
    amount: Amount | None = None
    reason: Reason
    written_off_on: BusinessDate | None = None


class RunDunning(Command):
    """Send the next reminder level to every overdue, undisputed open invoice.

    A run is not one transaction: it sends ``SendReminders`` to each customer with overdue
    invoices, so it never holds the whole portfolio nor conflicts with every other command.
    """

    as_of: BusinessDate | None = None


class SendReminders(Command):
    """Send the next reminder level to one customer's overdue, undisputed open invoices."""

    customer_id: UUID
    as_of: BusinessDate
