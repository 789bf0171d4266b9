"""Orders: placement under the credit check, approval, shipments, cancellation, invoicing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Clerk, Credit, Reader
from o2c.api.deps import Service, answer, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.projections.queries.orders import OrderPage, OrderView

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.post("", status_code=201, summary="Place an order", response_model=answer(c.PlaceOrder))
def place(body: c.PlaceOrder, request: Request, service: Service, who: Clerk) -> dict[str, Any]:
    """Place an order: approved if within the credit limit, else held with the reason."""
    return run(request, who, body, service)


@router.post(
    "/{order_id}/approve", summary="Approve a held order", response_model=answer(c.ApproveOrder)
)
def approve(
    order_id: UUID, body: b.ApproveBody, request: Request, service: Service, who: Credit
) -> dict[str, Any]:
    """A credit manager overrides the credit hold; the exposure at that moment is recorded."""
    return run(request, who, c.ApproveOrder(order_id=order_id, reason=body.reason), service)


@router.post(
    "/{order_id}/shipments", status_code=201, summary="Ship", response_model=answer(c.ShipOrder)
)
def ship(
    order_id: UUID, body: b.ShipmentBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Ship quantities (partial shipments allowed, never more than ordered)."""
    return run(request, who, c.ShipOrder(order_id=order_id, **body.model_dump()), service)


@router.post(
    "/{order_id}/cancel", summary="Cancel what is not shipped", response_model=answer(c.CancelOrder)
)
def cancel(
    order_id: UUID, body: b.CancelBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Cancel every unshipped quantity."""
    return run(request, who, c.CancelOrder(order_id=order_id, **body.model_dump()), service)


@router.post(
    "/{order_id}/invoices",
    status_code=201,
    summary="Invoice shipped goods",
    response_model=answer(c.InvoiceOrder),
)
def invoice(
    order_id: UUID, body: b.InvoiceBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Invoice everything shipped and not yet invoiced → one new invoice."""
    return run(request, who, c.InvoiceOrder(order_id=order_id, **body.model_dump()), service)


@router.get("", summary="Find orders")
def find_orders(
    _: Reader,
    request: Request,
    customer_id: UUID | None = None,
    status: str | None = Query(
        None,
        pattern="^(credit_hold|approved|cancelled|completed)$",
        description="e.g. credit_hold: the orders a credit manager may approve",
    ),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> OrderPage:
    """Orders by order date, filtered by customer and status; paged."""
    return queries(request, min_position).orders(
        customer_id=customer_id, status=status, after=after, limit=limit
    )


@router.get("/{order_id}", summary="Order state")
def get_order(
    _: Reader,
    order_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
) -> OrderView:
    """The order with lines, quantities and credit decisions."""
    found = queries(request, min_position).order(order_id)
    if found is None:
        raise Problem(404, "order-not-found", f"order {order_id} not found")
    return found
