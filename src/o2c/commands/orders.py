"""Commands on orders."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, BusinessDate, Command, Count, MultiLine, Reason, SingleLine


class OrderLineIn(BaseModel):
    """One order line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Annotated[SingleLine, Field(min_length=1, max_length=64, examples=["SKU-1"])]
    description: Annotated[MultiLine, Field(max_length=200)] = ""
    quantity: Annotated[Count, Field(gt=0, le=1_000_000)]
    unit_price: Amount


class PlaceOrder(Command):
    """Place an order; the credit check runs in the same transaction."""

    DATED_BY = "ordered_on"

    order_id: UUID | None = None
    customer_id: UUID
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    ordered_on: BusinessDate | None = None


class ApprovalFields(BaseModel):
    """Why a held order is approved."""

    reason: Reason = "approved by credit manager"


class ApproveOrder(ApprovalFields, Command):
    """A credit manager approves an order held by the credit check."""

    order_id: UUID


class ShipmentLineIn(BaseModel):
    """Quantity of one sku shipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Annotated[SingleLine, Field(min_length=1, max_length=64)]
    quantity: Annotated[Count, Field(gt=0, le=1_000_000)]


class ShipmentFields(BaseModel):
    """What was shipped and when (the order is named apart, e.g. in a URL)."""

    shipment_id: UUID | None = None
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=500)]
    shipped_on: BusinessDate | None = None


class ShipOrder(ShipmentFields, Command):
    """Ship (part of) an order."""

    DATED_BY = "shipped_on"

    order_id: UUID


class CancellationFields(BaseModel):
    """Why and when the unshipped rest of an order is cancelled."""

    reason: Reason = "cancelled"
    cancelled_on: BusinessDate | None = None


class CancelOrder(CancellationFields, Command):
    """Cancel what is not shipped."""

    DATED_BY = "cancelled_on"

    order_id: UUID


class InvoicingFields(BaseModel):
    """Issue date (default today) and an optional caller-chosen invoice id."""

    invoice_id: UUID | None = None
    issued_on: BusinessDate | None = None


class InvoiceOrder(InvoicingFields, Command):
    """Invoice everything shipped and not yet invoiced."""

    DATED_BY = "issued_on"

    order_id: UUID
