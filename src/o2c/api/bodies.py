"""Request bodies of endpoints whose ids travel in the path (the rest post the command itself)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field, model_validator

from o2c.commands import AllocationIn, CreditLineIn, PaymentTermsIn, ShipmentLineIn
from o2c.commands.bank import Holder, Iban
from o2c.commands.base import Amount, BusinessDate, Command, Reason
from o2c.commands.parties import CustomerFields


class CreditLimitBody(Command):
    """New credit limit with the reason for the change."""

    credit_limit: Amount
    reason: Reason


class BankAccountBody(Command):
    """A bank account (IBAN, spaces allowed) the customer pays from, and its holder's name."""

    iban: Iban
    holder: Holder | None = None


class CustomerDetailsBody(CustomerFields, Command):
    """Party fields to change: each left out is unchanged, each null is cleared."""


class ReasonBody(Command):
    """A reason, e.g. for a credit hold."""

    reason: Reason


class TermsBody(Command):
    """New payment terms."""

    payment_terms: PaymentTermsIn


class ApproveBody(Command):
    """Why a held order is approved."""

    reason: Reason = "approved by credit manager"


class ShipmentBody(Command):
    """What was shipped and when."""

    shipment_id: UUID | None = None
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=500)]
    shipped_on: BusinessDate | None = None


class CancelBody(Command):
    """Why and when the unshipped rest is cancelled."""

    reason: Reason = "cancelled"
    cancelled_on: BusinessDate | None = None


class InvoiceBody(Command):
    """Issue date (default today) and an optional caller-chosen invoice id."""

    invoice_id: UUID | None = None
    issued_on: BusinessDate | None = None


class AllocateBody(Command):
    """Allocations of unapplied cash (none = oldest due date first)."""

    allocations: Annotated[list[AllocationIn] | None, Field(max_length=500)] = None
    allocated_on: BusinessDate | None = None


class DeallocateBody(Command):
    """Which allocation to undo and why."""

    invoice_id: UUID
    reason: Reason
    deallocated_on: BusinessDate | None = None


class ReverseBody(Command):
    """Why and when a payment is reversed."""

    reason: Reason = "payment bounced"
    reversed_on: BusinessDate | None = None


class CreditNoteBody(Command):
    """A credit note against the invoice."""

    credit_note_id: UUID | None = None
    amount: Amount | None = None
    lines: Annotated[list[CreditLineIn], Field(min_length=1, max_length=500)] | None = None
    reason: Reason
    issued_on: BusinessDate | None = None


class DisputeBody(Command):
    """Why the customer disputes the invoice."""

    reason: Reason
    disputed_on: BusinessDate | None = None


class ResolveBody(Command):
    """How the dispute was resolved: ``reason``, as when disputing (``resolution``, its older
    name, is still accepted; giving both with different texts is refused)."""

    reason: Reason | None = None
    resolution: Reason | None = None
    resolved_on: BusinessDate | None = None

    @model_validator(mode="after")
    def _said_once(self) -> ResolveBody:
        if None not in (self.reason, self.resolution) and self.reason != self.resolution:
            raise ValueError("reason and resolution name the same thing: give one of them")
        return self

    @property
    def why(self) -> str:
        """The resolution, whichever name it was given under."""
        return self.reason or self.resolution or "resolved"


class WriteOffBody(Command):
    """Bad-debt write-off; ``amount`` defaults to the whole open amount."""

    amount: Amount | None = None
    reason: Reason
    written_off_on: BusinessDate | None = None


class DunningBody(Command):
    """The date the dunning run is for (default today)."""

    as_of: BusinessDate | None = None
