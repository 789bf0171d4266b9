"""Letters to customers as PDFs (statement of account, reminder letter) and statement runs."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import container, context
from o2c.api.problems import Problem
from o2c.api.reads import MinPosition, queries
from o2c.application import reminder_letters as reminders
from o2c.application.statement_letters import (
    StatementRuns,
    company_of,
    render_statement,
    statement_filename,
)
from o2c.commands.base import IsoDate
from o2c.delivery.letters import ReadModelStatements

router = APIRouter(tags=["letters"])

_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF"}
}


class StatementRunBody(BaseModel):
    """The statement date and, optionally, the first day of the period (default: the first of
    ``as_of``'s month)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    as_of: IsoDate
    start: IsoDate | None = Field(None, alias="from")


StatementRunView = TypedDict(
    "StatementRunView",
    {
        "as_of": str,
        "from": str,
        "to": str,
        "customers": int,
        "queued": int,
        "held": int,
        "already_queued": int,
        "skipped_no_contact": int,
    },
)


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF shown in the browser, saved under ``filename``."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _account(request: Request, customer_id: UUID) -> CustomerAccount:
    account = container(request).store.get(customer_id)
    if not isinstance(account, CustomerAccount):
        raise Problem(404, "customer-not-found", f"customer {customer_id} not found")
    return account


@router.get(
    "/v1/customers/{customer_id}/statement.pdf",
    summary="Statement of account as PDF",
    response_class=Response,
    responses=_PDF,
)
def statement_pdf(
    _: Reader,
    customer_id: UUID,
    request: Request,
    start: Annotated[IsoDate, Query(alias="from")],
    end: Annotated[IsoDate, Query(alias="to")],
    min_position: int | None = MinPosition,
) -> Response:
    """The statement of `from` … `to` (opening balance, bookings with running balance, closing
    balance) in the customer's language, with the seller's letterhead (409
    `company-not-set-up` before `PUT /v1/company`)."""
    if end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")
    read = queries(request, min_position)
    account = _account(request, customer_id)
    company = company_of(container(request).store)
    source = ReadModelStatements(read)
    pdf = render_statement(source, company, account, start, end, end)
    if pdf is None:
        raise Problem(404, "customer-not-found", f"customer {customer_id} not found")
    return pdf_response(pdf, statement_filename(account, start, end))


@router.get(
    "/v1/invoices/{invoice_id}/reminders/{level}/pdf",
    summary="A reminder letter as PDF",
    response_class=Response,
    responses=_PDF,
)
def reminder_pdf(
    _: Reader,
    invoice_id: UUID,
    request: Request,
    level: Annotated[int, Path(ge=1, le=99)],
    min_position: int | None = MinPosition,
) -> Response:
    """The letter the dunning run sent when it reminded this invoice at `level`: every invoice
    of the customer reminded that day, with its days past due and open amount as recorded, and
    the level's text, in the customer's language (404 `reminder-not-found` if the invoice never
    reached that level)."""
    store = container(request).store
    invoice = store.get(invoice_id)
    if not isinstance(invoice, Invoice):
        raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found")
    as_of = reminders.reminded_at_level(store, invoice, level)
    if as_of is None:
        raise Problem(
            404, "reminder-not-found", f"invoice {invoice.number} was never reminded at {level}"
        )
    account = _account(request, invoice.customer_id)
    company = company_of(store)
    others = queries(request, min_position).reminded_since(invoice.customer_id, as_of)
    loaded = store.get_many([i for i in others if i != invoice.id])
    invoices = [invoice, *(i for i in loaded.values() if isinstance(i, Invoice))]
    reminded = reminders.reminded_on(store, invoices, as_of)
    policy = container(request).settings.dunning_policy
    charges = reminders.stated_charges(store, policy, reminded, as_of, account.currency)
    pdf = reminders.render_letter(company, account, as_of, reminded, charges)
    return pdf_response(pdf, reminders.letter_filename(account, as_of))


@router.post("/v1/statements/runs", summary="Send statements of account")
def statement_run(body: StatementRunBody, request: Request, who: Clerk) -> StatementRunView:
    """A statement of `from` (default: the first of `as_of`'s month) … `as_of` for every
    customer with a non-zero balance or a booking in that period, queued for delivery to the
    statements contact (else billing). Each customer is queued on its own; the delivery id
    derives from customer and period, so running it again queues nothing twice
    (`already_queued`). Customers without a contact are counted in `skipped_no_contact`;
    letters to an address that bounced are queued `held`."""
    parts = container(request).delivery
    runs: StatementRuns | None = None if parts is None else parts.statements
    if runs is None:
        raise Problem(503, "read-side-unavailable", "no statement runs in this process")
    done = runs.run(body.as_of, body.start, context(request, who))
    return {
        "as_of": done.as_of.isoformat(),
        "from": done.start.isoformat(),
        "to": done.as_of.isoformat(),
        "customers": done.customers,
        "queued": done.queued,
        "held": done.held,
        "already_queued": done.already_queued,
        "skipped_no_contact": done.skipped_no_contact,
    }
