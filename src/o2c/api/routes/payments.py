"""Payments: receipt with cash application, later allocation, deallocation and reversal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Principal, clerk, reader
from o2c.api.deps import run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.projections.queries.payments import PaymentPage, PaymentView

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.post("", status_code=201, summary="Receive a payment")
def receive(
    body: c.ReceivePayment, request: Request, who: Principal = Depends(clerk)
) -> dict[str, Any]:
    """Record cash; allocations as given, else oldest due date first; the rest stays unapplied."""
    return run(request, who, body)


@router.post("/{payment_id}/allocations", summary="Allocate unapplied cash")
def allocate(
    payment_id: UUID, body: b.AllocateBody, request: Request, who: Principal = Depends(clerk)
) -> dict[str, Any]:
    """Apply a payment's unapplied cash to invoices."""
    return run(request, who, c.AllocatePayment(payment_id=payment_id, **body.model_dump()))


@router.post("/{payment_id}/deallocate", summary="Undo an allocation")
def deallocate(
    payment_id: UUID, body: b.DeallocateBody, request: Request, who: Principal = Depends(clerk)
) -> dict[str, Any]:
    """Undo the payment's allocation to one invoice; the cash becomes unapplied again."""
    return run(request, who, c.DeallocatePayment(payment_id=payment_id, **body.model_dump()))


@router.post("/{payment_id}/reverse", summary="Reverse a bounced payment")
def reverse(
    payment_id: UUID, body: b.ReverseBody, request: Request, who: Principal = Depends(clerk)
) -> dict[str, Any]:
    """Reverse the payment and every allocation it made."""
    return run(request, who, c.ReversePayment(payment_id=payment_id, **body.model_dump()))


@router.get("", summary="Find payments")
def find_payments(
    request: Request,
    customer_id: UUID | None = None,
    unapplied: bool | None = Query(None, description="true: with cash still to apply"),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> PaymentPage:
    """Payments, newest receipt first, filtered by customer or unapplied cash; paged."""
    return queries(request, min_position).payments(
        customer_id=customer_id, unapplied=unapplied, after=after, limit=limit
    )


@router.get("/{payment_id}", summary="A payment")
def get_payment(
    payment_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> PaymentView:
    """The payment with its amount, unapplied cash and allocations."""
    found = queries(request, min_position).payment(payment_id)
    if found is None:
        raise Problem(404, "payment-not-found", f"payment {payment_id} not found")
    return found
