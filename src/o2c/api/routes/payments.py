"""Payments: receipt with cash application, later allocation, deallocation and reversal."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import Service, answer, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.projections.queries.payments import PaymentPage, PaymentView

router = APIRouter(prefix="/v1/payments", tags=["payments"])


@router.post(
    "", status_code=201, summary="Receive a payment", response_model=answer(c.ReceivePayment)
)
def receive(
    body: c.ReceivePayment, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Record cash; allocations as given, else oldest due date first; the rest stays unapplied."""
    return run(request, who, body, service)


@router.post(
    "/{payment_id}/allocations",
    summary="Allocate unapplied cash",
    response_model=answer(c.AllocatePayment),
)
def allocate(
    service: Service, payment_id: UUID, body: b.AllocateBody, request: Request, who: Clerk
) -> dict[str, Any]:
    """Apply a payment's unapplied cash to invoices."""
    return run(request, who, c.AllocatePayment(payment_id=payment_id, **body.model_dump()), service)


@router.post(
    "/{payment_id}/deallocate",
    summary="Undo an allocation",
    response_model=answer(c.DeallocatePayment),
)
def deallocate(
    service: Service, payment_id: UUID, body: b.DeallocateBody, request: Request, who: Clerk
) -> dict[str, Any]:
    """Undo the payment's allocation to one invoice; the cash becomes unapplied again."""
    return run(
        request, who, c.DeallocatePayment(payment_id=payment_id, **body.model_dump()), service
    )


@router.post(
    "/{payment_id}/reverse",
    summary="Reverse a bounced payment",
    response_model=answer(c.ReversePayment),
)
def reverse(
    payment_id: UUID, body: b.ReverseBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Reverse the payment and every allocation it made."""
    return run(request, who, c.ReversePayment(payment_id=payment_id, **body.model_dump()), service)


@router.post(
    "/{payment_id}/refunds",
    status_code=201,
    summary="Refund unapplied cash",
    response_model=answer(c.RefundPayment),
)
def refund(
    payment_id: UUID, body: b.RefundBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Pay unapplied cash of the payment back to the customer: never more than the payment's
    unapplied cash (409 `amount-exceeds-unapplied`). GL: Dr 2100 Unapplied cash / Cr 1000
    Bank; published as `o2c.payment.refunded.v1` on the payments topic."""
    return run(request, who, c.RefundPayment(payment_id=payment_id, **body.model_dump()), service)


@router.get("", summary="Find payments")
def find_payments(
    _: Reader,
    request: Request,
    customer_id: UUID | None = None,
    unapplied: bool | None = Query(None, description="true: with cash still to apply"),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> PaymentPage:
    """Payments, newest receipt first, filtered by customer or unapplied cash; paged."""
    return queries(request, min_position).payments(
        customer_id=customer_id, unapplied=unapplied, after=after, limit=limit
    )


@router.get("/{payment_id}", summary="A payment")
def get_payment(
    _: Reader,
    payment_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
) -> PaymentView:
    """The payment with its amount, unapplied cash and allocations."""
    found = queries(request, min_position).payment(payment_id)
    if found is None:
        raise Problem(404, "payment-not-found", f"payment {payment_id} not found")
    return found
