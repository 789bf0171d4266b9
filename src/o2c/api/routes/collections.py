"""Collections: promises to pay, notes and follow-ups, collectors, promise checks, the cash
forecast and the interest invoice."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import Service, answer, run
from o2c.api.reads import After, Currency, Limit, MinPosition, queries
from o2c.commands.base import IsoDate
from o2c.projections.queries.collections import Forecast, NotePage, PromisePage

router = APIRouter(tags=["collections"])


@router.post(
    "/v1/invoices/{invoice_id}/promises",
    status_code=201,
    summary="Record a promise to pay",
    response_model=answer(c.MakePromise),
)
def make_promise(
    invoice_id: UUID, body: b.PromiseBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Dunning skips the invoice until `promised_on` + `O2C_PROMISE_GRACE_DAYS` (the
    `deadline`). Cash covering the promise by then records it kept; otherwise the next dunning
    run (or promise check) records it broken and dunning resumes. One pending promise per
    invoice (409 `promise-pending`); `promised_on` is today or later (422 `promise-in-past`)."""
    cmd = c.MakePromise(invoice_id=invoice_id, **body.model_dump())
    return run(request, who, cmd, service)


@router.get("/v1/invoices/{invoice_id}/promises", summary="An invoice's promises to pay")
def promises(
    _: Reader, invoice_id: UUID, request: Request, min_position: int | None = MinPosition
) -> PromisePage:
    """Every promise on the invoice, newest first: `pending`, `kept` or `broken` (and when)."""
    return queries(request, min_position).promises(invoice_id)


@router.post(
    "/v1/promises/checks",
    summary="Record broken promises",
    response_model=answer(c.CheckPromises),
)
def check_promises(
    body: b.PromiseCheckBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Record as broken every promise whose deadline passed by `as_of` without the cash (a
    dunning run does this too, before it reminds)."""
    return run(request, who, c.CheckPromises(as_of=body.as_of), service)


@router.post(
    "/v1/customers/{customer_id}/notes",
    status_code=201,
    summary="Add a note",
    response_model=answer(c.AddNote),
)
def add_note(
    customer_id: UUID, body: b.NoteBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """A collector's note; `follow_up_on` (today or later) puts the customer on the worklist's
    follow-ups from that day until a later note."""
    return run(request, who, c.AddNote(customer_id=customer_id, **body.model_dump()), service)


@router.get("/v1/customers/{customer_id}/notes", summary="A customer's notes")
def notes(
    _: Reader,
    customer_id: UUID,
    request: Request,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> NotePage:
    """Notes, newest first, with author and follow-up day; paged."""
    return queries(request, min_position).notes(customer_id, after=after, limit=limit)


@router.put(
    "/v1/customers/{customer_id}/collector",
    summary="Assign the collector",
    response_model=answer(c.AssignCollector),
)
def assign_collector(
    customer_id: UUID, body: b.CollectorBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Who chases the customer (null: nobody); the worklist filters by `collector=`."""
    cmd = c.AssignCollector(customer_id=customer_id, collector=body.collector)
    return run(request, who, cmd, service)


@router.post(
    "/v1/customers/{customer_id}/interest-invoices",
    status_code=201,
    summary="Invoice reminder fees and late-payment interest",
    response_model=answer(c.ChargeLateFees),
)
def interest_invoice(
    customer_id: UUID, body: b.InterestInvoiceBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """One invoice (VAT category O, not subject to VAT) of the fees of the reminder levels sent
    and the interest (actual/365, on what was open each day past due) on the customer's open,
    undisputed invoices through `through`; each charged once. 409 `late-charges-off` when no
    fee or rate is configured, 409 `nothing-to-charge` when nothing is owed."""
    cmd = c.ChargeLateFees(customer_id=customer_id, **body.model_dump())
    return run(request, who, cmd, service)


@router.get("/v1/forecast", summary="Cash forecast")
def forecast(
    _: Reader,
    request: Request,
    weeks: int = Query(13, ge=1, le=104),
    currency: str | None = Currency,
    as_of: IsoDate | None = None,
    method: str = Query("behaviour", pattern="^(behaviour|due_date)$"),
    min_position: int | None = MinPosition,
) -> Forecast:
    """Receipts expected per week (week 1 starts on `as_of`, default today) in one currency
    (`currency=`; required when the book keeps several). `behaviour`: each open, undisputed
    item is expected on its due date plus its customer's usual days late (amount-weighted over
    its last 12 invoices settled by cash), or on the date of a pending promise; `due_date`: on
    its due date (the naive forecast). What is expected before `as_of` falls in week 1."""
    return queries(request, min_position).forecast(
        as_of=as_of or date.today(), weeks=weeks, currency=currency, method=method
    )
