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


class AllocationFields(BaseModel):
    """Allocations of a payment's unapplied cash (none = oldest due date first), and when."""

    allocations: Annotated[list[AllocationIn] | None, Field(max_length=500)] = None
    allocated_on: BusinessDate | None = None


class AllocatePayment(AllocationFields, Command):
    """Apply a payment's unapplied cash (explicitly, or oldest due date first)."""

    DATED_BY = "allocated_on"

    payment_id: UUID


class DeallocationFields(BaseModel):
    """Which allocation of a payment to undo, why and when."""

    invoice_id: UUID
    reason: Reason
    deallocated_on: BusinessDate | None = None


class DeallocatePayment(DeallocationFields, Command):
    """Undo a payment's allocation to one invoice."""

    DATED_BY = "deallocated_on"

    payment_id: UUID


class ReversalFields(BaseModel):
    """Why and when a payment is reversed."""

    reason: Reason = "payment bounced"
    reversed_on: BusinessDate | None = None


class ReversePayment(ReversalFields, Command):
    """Reverse a bounced payment and every allocation it made."""

    DATED_BY = "reversed_on"

    payment_id: UUID


class RefundFields(BaseModel):
    """How much of a payment's unapplied cash is paid back, when, and the bank reference."""

    refund_id: UUID | None = None
    amount: Amount
    refunded_on: BusinessDate | None = None
    reference: Text = ""


class RefundPayment(RefundFields, Command):
    """Pay unapplied cash of a payment back to the customer (never more than is unapplied)."""

    DATED_BY = "refunded_on"

    payment_id: UUID
