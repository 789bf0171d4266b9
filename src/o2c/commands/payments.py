"""Commands on payments (cash application)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, BusinessDate, Command, Reason, SingleLine, Text


class AllocationIn(BaseModel):
    """Apply up to ``amount`` (default: what the invoice needs) to an invoice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    invoice_id: UUID
    amount: Amount | None = None


class ReceivePayment(Command):
    """Record cash received; without allocations it is applied oldest due date first."""

    DATED_BY = "received_on"

    payment_id: UUID | None = None
    customer_id: UUID
    amount: Amount
    received_on: BusinessDate | None = None
    method: Annotated[SingleLine, Field(min_length=1, max_length=40)] = "bank_transfer"
    reference: Text = ""
    allocations: Annotated[list[AllocationIn] | None, Field(max_length=500)] = None


class AllocatePayment(Command):
    """Apply a payment's unapplied cash (explicitly, or oldest due date first)."""

    DATED_BY = "allocated_on"

    payment_id: UUID
    allocations: Annotated[list[AllocationIn] | None, Field(max_length=500)] = None
    allocated_on: BusinessDate | None = None


class DeallocatePayment(Command):
    """Undo a payment's allocation to one invoice."""

    DATED_BY = "deallocated_on"

    payment_id: UUID
    invoice_id: UUID
    reason: Reason
    deallocated_on: BusinessDate | None = None


class ReversePayment(Command):
    """Reverse a bounced payment and every allocation it made."""

    DATED_BY = "reversed_on"

    payment_id: UUID
    reason: Reason = "payment bounced"
    reversed_on: BusinessDate | None = None
