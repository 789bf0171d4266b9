"""Invoices: credit notes, disputes, write-offs, state; and dunning runs."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Clerk, Credit, Reader
from o2c.api.deps import Service, answer, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.commands.base import IsoDate, SingleLine
from o2c.projections.queries.invoices import InvoiceDetail, InvoicePage

router = APIRouter(tags=["invoices"])


@router.post(
    "/v1/invoices/{invoice_id}/credit-notes",
    status_code=201,
    summary="Credit note",
    response_model=answer(c.ApplyCreditNote),
)
def credit_note(
    service: Service, invoice_id: UUID, body: b.CreditNoteBody, request: Request, who: Clerk
) -> dict[str, Any]:
    """Reduce the open amount (never below zero)."""
    return run(request, who, c.ApplyCreditNote(invoice_id=invoice_id, **body.model_dump()), service)


@router.post(
    "/v1/invoices/{invoice_id}/dispute", summary="Dispute", response_model=answer(c.DisputeInvoice)
)
def dispute(
    invoice_id: UUID, body: b.DisputeBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Mark the invoice disputed (dunning and automatic cash application skip it)."""
    return run(request, who, c.DisputeInvoice(invoice_id=invoice_id, **body.model_dump()), service)


@router.post(
    "/v1/invoices/{invoice_id}/resolve-dispute",
    summary="Resolve a dispute",
    response_model=answer(c.ResolveDispute),
)
def resolve(
    invoice_id: UUID, body: b.ResolveBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Resolve the dispute, with the ``reason`` (or ``resolution``) it was resolved for."""
    given = {} if body.why is None else {"resolution": body.why}
    cmd = c.ResolveDispute(invoice_id=invoice_id, resolved_on=body.resolved_on, **given)
    return run(request, who, cmd, service)


@router.post(
    "/v1/invoices/{invoice_id}/write-off",
    summary="Write off",
    response_model=answer(c.WriteOffInvoice),
)
def write_off(
    service: Service, invoice_id: UUID, body: b.WriteOffBody, request: Request, who: Credit
) -> dict[str, Any]:
    """Write off bad debt (default: the whole open amount)."""
    return run(request, who, c.WriteOffInvoice(invoice_id=invoice_id, **body.model_dump()), service)


@router.get("/v1/invoices", summary="Find invoices")
def find_invoices(
    _: Reader,
    request: Request,
    customer_id: UUID | None = None,
    status: str | None = Query(None, pattern="^(open|settled|written_off)$"),
    number: SingleLine | None = Query(
        None,
        max_length=64,
        description="e.g. INV-000123, or an imported invoice's number in its former system",
    ),
    due_before: IsoDate | None = None,
    overdue: bool | None = Query(None, description="open and past its due date today"),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> InvoicePage:
    """Invoices by due date, filtered by customer, status, number, due date or overdue; paged."""
    return queries(request, min_position).invoices(
        today=date.today(),
        customer_id=customer_id,
        status=status,
        number=number,
        due_before=due_before,
        overdue=overdue,
        after=after,
        limit=limit,
    )


@router.get("/v1/invoices/{invoice_id}", summary="Invoice state")
def get_invoice(
    _: Reader,
    invoice_id: UUID,
    request: Request,
    min_position: int | None = MinPosition,
) -> InvoiceDetail:
    """The invoice with its lines, totals, open amount, status, discount terms (what it offers,
    ``discount_amount``, if paid by ``discount_until``) and dunning state."""
    found = queries(request, min_position).invoice(invoice_id)
    if found is None:
        raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found")
    return found


@router.post("/v1/dunning/runs", summary="Run dunning", response_model=answer(c.RunDunning))
def dunning(body: b.DunningBody, request: Request, service: Service, who: Clerk) -> dict[str, Any]:
    """Send the next reminder level to each overdue, undisputed invoice that reached it."""
    return run(request, who, c.RunDunning(as_of=body.as_of), service)
