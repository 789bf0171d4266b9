"""Commands on orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Amount, BusinessDate, Command, Count, MultiLine, Reason, SingleLine
from o2c.domain.tax import LineKind, TaxCategory

# A VAT rate in percent as a decimal string ("19", "7.00"); which rates are allowed is the
# book's configuration (O2C_TAX_RATES), checked by the domain.
TaxRate = Annotated[Decimal, Field(examples=["19.00"], allow_inf_nan=False)]


class OrderLineIn(BaseModel):
    """One order line."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: Annotated[SingleLine, Field(min_length=1, max_length=64, examples=["SKU-1"])]
    description: Annotated[MultiLine, Field(max_length=200)] = ""
    quantity: Annotated[Count, Field(gt=0, le=1_000_000)]
    unit_price: Amount
    kind: LineKind = LineKind.GOODS
    tax_category: TaxCategory | None = None
    tax_rate: TaxRate | None = None
    exemption_reason_code: Annotated[SingleLine, Field(max_length=40)] | None = None
    exemption_reason: Annotated[SingleLine, Field(max_length=200)] | None = None


class PlaceOrder(Command):
    """Place an order; the credit check runs in the same transaction."""

    DATED_BY = "ordered_on"

    order_id: UUID | None = None
    customer_id: UUID
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    ordered_on: BusinessDate | None = None
    purchase_order: (
        Annotated[SingleLine, Field(max_length=100, description="the buyer's order number (BT-13)")]
        | None
    ) = None


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
