"""Bank statements: import (camt.053, MT940, BAI2), the lines' outcome, the exception queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from typing_extensions import TypedDict

from o2c import commands as c
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import Service, answer, context, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.application.bank_import import BankStatementImporter, ImportOutcome, StatementImported
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.application.statement_differences import StatementDiffers
from o2c.bank import BankStatement, MalformedStatement, read_statements
from o2c.bank.reader import StatementFormat, detect_format
from o2c.commands.base import BusinessDate, Command, Count
from o2c.projections.queries.bank import BankLinePage, BankLineView, BankStatementView

router = APIRouter(tags=["bank"])

STATEMENTS_PATH = "/v1/bank-statements"
# The ``format`` parameter's spellings → the reader's formats.
FORMATS = {
    "camt053": StatementFormat.CAMT053,
    "camt.053": StatementFormat.CAMT053,
    "mt940": StatementFormat.MT940,
    "bai2": StatementFormat.BAI2,
}


class StatementsImported(TypedDict):
    """The format read, each statement's outcome, and the log position reached."""

    format: str
    statements: list[StatementImported]
    position: int


class ApplyLineBody(Command):
    """How a person applies a queued line: one of ``suggestion`` (its index in the line's
    ``suggestions``, from 0), ``invoice_ids`` (of one customer, settled in the order given) or
    ``customer_id`` (unapplied cash on that customer); ``received_on`` defaults to the booking
    date."""

    suggestion: Annotated[Count | None, Field(ge=0, le=100)] = None
    invoice_ids: Annotated[list[UUID] | None, Field(min_length=1, max_length=500)] = None
    customer_id: UUID | None = None
    received_on: BusinessDate | None = None


def _parse(data: bytes, file_format: str | None) -> tuple[str, list[BankStatement]]:
    try:
        chosen = FORMATS[file_format] if file_format else detect_format(data)
        return chosen.value, list(read_statements(data, chosen.value))
    except MalformedStatement as err:
        raise _malformed(err) from err


def _malformed(err: MalformedStatement) -> Problem:
    return Problem(422, "malformed-statement", str(err), line=err.line, reason=err.message)


def _import(
    data: bytes, file_format: str | None, service: O2CService, ctx: CommandContext
) -> tuple[str, list[ImportOutcome]]:
    """Read the file whole, then import its statements (all refused if one is)."""
    chosen, statements = _parse(data, file_format)
    try:
        return chosen, BankStatementImporter(service).import_statements(statements, chosen, ctx)
    except MalformedStatement as err:
        raise _malformed(err) from err
    except StatementDiffers as err:
        raise Problem(
            409, err.code, err.detail, differences=err.differences, differences_total=err.count
        ) from err


@router.post(
    STATEMENTS_PATH,
    summary="Import a bank statement file",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the statement file as the bank delivered it (camt.053 XML, MT940, "
            "BAI2); at most `O2C_MAX_STATEMENT_BYTES` (413 beyond)",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/xml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_statement(
    request: Request,
    response: Response,
    service: Service,
    who: Clerk,
    format: str | None = Query(
        None,
        pattern="^(camt053|camt\\.053|mt940|bai2)$",
        description="the file's format (default: detected from its content)",
    ),
) -> StatementsImported:
    """Read the file whole (a malformed one is refused, naming the line, and nothing is
    stored), record each statement once, post every receipt the matcher is sure of as a payment
    and queue the rest with suggestions. The same file again changes nothing (200); a statement
    id sent before with other content is refused (409 `statement-differs`, naming the
    differences)."""
    data = await request.body()
    ctx = context(request, who)
    # Reading a large file takes seconds of CPU: in a worker thread, so this process goes on
    # answering everyone else meanwhile.
    chosen, outcomes = await run_in_threadpool(_import, data, format, service, ctx)
    if not any(o.created for o in outcomes):
        response.status_code = 200
    return {
        "format": chosen,
        "statements": [o.summary() for o in outcomes],
        "position": max((o.position for o in outcomes), default=service.store.last_position()),
    }


@router.get("/v1/bank-statements/{statement_id}", summary="A statement and its lines")
def get_statement(
    _: Reader,
    statement_id: UUID,
    request: Request,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> BankStatementView:
    """The statement with its lines in file order (paged): status, payment, rule, score and
    suggestions of each."""
    found = queries(request, min_position).bank_statement(statement_id, after=after, limit=limit)
    if found is None:
        raise Problem(404, "bank-statement-not-found", f"statement {statement_id} not found")
    return found


@router.get("/v1/bank-lines", summary="Bank lines (the exception queue)")
def find_lines(
    _: Reader,
    request: Request,
    status: str | None = Query(
        None,
        pattern="^(pending|applied|unmatched|duplicate|debit)$",
        description="`unmatched`: the lines waiting for a person",
    ),
    statement_id: UUID | None = None,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> BankLinePage:
    """Lines by statement and file order, with their suggestions; paged."""
    return queries(request, min_position).bank_lines(
        status=status, statement_id=statement_id, after=after, limit=limit
    )


@router.get("/v1/bank-lines/{line_id}", summary="A bank line")
def get_line(
    _: Reader, line_id: UUID, request: Request, min_position: int | None = MinPosition
) -> BankLineView:
    """One line and what became of it."""
    found = queries(request, min_position).bank_line(line_id)
    if found is None:
        raise Problem(404, "bank-line-not-found", f"bank line {line_id} not found")
    return found


def _chosen(line: BankLineView, body: ApplyLineBody, request: Request) -> tuple[UUID, list[UUID]]:
    """The customer and the invoices the person chose."""
    given = [
        body.suggestion is not None,
        body.invoice_ids is not None,
        body.customer_id is not None,
    ]
    if sum(given) != 1:
        raise Problem(
            422, "invalid-input", "give exactly one of suggestion, invoice_ids or customer_id"
        )
    if body.suggestion is not None:
        if body.suggestion >= len(line["suggestions"]):
            raise Problem(
                422,
                "invalid-suggestion",
                f"the line has {len(line['suggestions'])} suggestions",
            )
        s = line["suggestions"][body.suggestion]
        return UUID(s["customer_id"]), [UUID(i) for i in s["invoice_ids"]]
    if body.customer_id is not None:
        return body.customer_id, []
    invoice_ids = body.invoice_ids or []
    q = queries(request, None)
    customers = set()
    for invoice_id in invoice_ids:
        invoice = q.invoice(invoice_id)
        if invoice is None:
            raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found")
        customers.add(invoice["customer_id"])
    if len(customers) != 1:
        raise Problem(422, "invalid-input", "the invoices must be of one customer")
    return UUID(customers.pop()), invoice_ids


@router.post(
    "/v1/bank-lines/{line_id}/apply",
    summary="Apply a queued line by hand",
    response_model=answer(c.DecideBankLines),
)
def apply_line(
    line_id: UUID, body: ApplyLineBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Post the line as a payment as chosen; recorded with rule `manual` and the person. An
    applied line (or a duplicate, or a debit) is refused (409)."""
    line = queries(request, None).bank_line(line_id)
    if line is None:
        raise Problem(404, "bank-line-not-found", f"bank line {line_id} not found")
    customer_id, invoice_ids = _chosen(line, body, request)
    cmd = c.DecideBankLines(
        statement_id=UUID(line["statement_id"]),
        applied=[
            c.LineApplication(
                line_id=line["line_id"],
                customer_id=customer_id,
                amount=Decimal(line["amount"]),
                received_on=body.received_on or line["booked_on"],
                reference=(line["bank_reference"] or line["line_id"])[:200],
                allocations=[c.AllocationIn(invoice_id=i) for i in invoice_ids],
                rule="manual",
                score=1.0,
            )
        ],
        manual=True,
        decided_by=who.actor[:400],
    )
    return run(request, who, cmd, service)
