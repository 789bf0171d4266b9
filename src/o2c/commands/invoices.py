"""Commands on invoices and dunning."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, BusinessDate, Command, Count, Reason, SingleLine


class CreditLineIn(BaseModel):
    """A quantity of an invoice line to credit, at the line's price and tax."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Annotated[SingleLine, Field(min_length=1, max_length=64)]
    quantity: Annotated[Count, Field(gt=0, le=1_000_000)]


class CreditNoteFields(BaseModel):
    """A credit note against an invoice (the invoice is named apart, e.g. in a URL): by a gross
    ``amount`` (split across the invoice's tax groups) or by invoice ``lines``."""

    credit_note_id: UUID | None = None
    amount: Amount | None = None
    lines: Annotated[list[CreditLineIn], Field(min_length=1, max_length=500)] | None = None
    reason: Reason
    issued_on: BusinessDate | None = None


class ApplyCreditNote(CreditNoteFields, Command):
    """Reduce an invoice's open amount by a credit note."""

    DATED_BY = "issued_on"

    invoice_id: UUID


class DisputeFields(BaseModel):
    """Why and when the customer disputes an invoice."""

    reason: Reason
    disputed_on: BusinessDate | None = None


class DisputeInvoice(DisputeFields, Command):
    """Open a dispute on an invoice."""

    DATED_BY = "disputed_on"

    invoice_id: UUID


class ResolvedOn(BaseModel):
    """When an invoice's dispute was resolved."""

    resolved_on: BusinessDate | None = None


class ResolveDispute(ResolvedOn, Command):
    """Resolve an invoice's dispute."""

    DATED_BY = "resolved_on"

    invoice_id: UUID
    resolution: Reason = "resolved"


class WriteOffFields(BaseModel):
    """How much of an invoice is written off (default: its whole open amount), why and when."""

    amount: Amount | None = None
    reason: Reason
    written_off_on: BusinessDate | None = None


class WriteOffInvoice(WriteOffFields, Command):
    """Write off (part of) an invoice as bad debt; default the whole open amount."""

    DATED_BY = "written_off_on"

    invoice_id: UUID


class RunDunning(Command):
    """Send the next reminder level to every overdue, undisputed open invoice.

    A run is not one transaction: it sends ``SendReminders`` to each customer with overdue
    invoices, so it never holds the whole portfolio nor conflicts with every other command.
    """

    DATED_BY = "as_of"

    as_of: BusinessDate | None = None


class SendReminders(Command):
    """Send the next reminder level to one customer's overdue, undisputed open invoices."""

    DATED_BY = "as_of"

    customer_id: UUID
    as_of: BusinessDate
