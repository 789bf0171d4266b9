"""Billing automation: billing runs, recurring contracts, the uninvoiced report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from o2c import commands as c
from o2c.api import bodies as b
from o2c.api.auth import Clerk, Reader
from o2c.api.deps import Service, answer, container, context, run
from o2c.api.problems import Problem
from o2c.api.reads import After, Limit, MinPosition, queries
from o2c.application.billing_runs import BillingRuns
from o2c.billing.run_log import RunView, SqlRunLog
from o2c.commands.base import IsoDate
from o2c.projections.queries.billing import ContractPage, ContractView, UninvoicedPage

router = APIRouter(tags=["billing"])


class BillingRunBody(BaseModel):
    """A billing run's date (default today), whether it only says what it would invoice, and
    an optional run id (default: derived from the date, so the run of a date started again is
    the same run)."""

    model_config = ConfigDict(extra="forbid")

    as_of: IsoDate | None = None
    dry_run: bool = False
    run_id: UUID | None = None


class PlannedInvoiceView(BaseModel):
    """What a dry run would invoice one customer."""

    customer_id: UUID
    currency: str
    lines: list[dict[str, Any]]
    total: str


class DryRunView(BaseModel):
    """A dry run's answer: nothing was recorded."""

    run_id: UUID
    dry_run: bool = Field(True, description="always true: nothing was recorded")
    as_of: date
    invoices: list[PlannedInvoiceView]


class BillingRunView(BaseModel):
    """A billing run that went through every customer it listed: its progress record (as
    `GET /v1/billing/runs/{id}` answers) and the log position it reached."""

    run_id: UUID
    dry_run: bool = False
    as_of: date
    status: str
    customers: int
    done: int
    invoiced: int
    already_invoiced: int
    nothing_to_invoice: int
    failed: int
    started_at: str
    updated_at: str
    finished_at: str | None
    starts: int
    results: list[dict[str, Any]]
    next: str | None
    position: int


def _runs(request: Request) -> tuple[BillingRuns, SqlRunLog]:
    parts = container(request)
    if parts.billing is None or parts.billing_log is None:
        raise Problem(503, "read-side-unavailable", "no billing runs in this process")
    return parts.billing, parts.billing_log


@router.post(
    "/v1/billing/runs",
    status_code=201,
    summary="Run billing",
    response_model=BillingRunView | DryRunView,
)
def billing_run(body: BillingRunBody, request: Request, who: Clerk) -> dict[str, Any]:
    """Invoice, as of `as_of`, every periodic customer's goods shipped up to its cut-off (the
    end of the last whole week or month) and not invoiced, and every contract period due: one
    invoice per customer, each customer in a transaction of its own. The invoice id derives
    from the run and the customer: a run of the same date (or `run_id`) started again invoices
    nothing twice. The answer is the run's record once it went through every customer
    (`GET /v1/billing/runs/{id}` shows it while it runs); large books are billed with
    `o2c billing run`. With `dry_run`, the answer is what it would invoice, and nothing is
    recorded."""
    runs, log = _runs(request)
    as_of = body.as_of or runs.service.today()
    if body.dry_run:
        run_id, planned = runs.dry_run(as_of, body.run_id)
        return {
            "run_id": run_id,
            "dry_run": True,
            "as_of": as_of,
            "invoices": [
                {
                    "customer_id": p.customer_id,
                    "currency": p.currency,
                    "lines": p.lines,
                    "total": str(p.total),
                }
                for p in planned
            ],
        }
    done = runs.run(as_of, body.run_id, context(request, who))
    view = log.find(done.run_id)
    assert view is not None
    return {**view, "dry_run": False, "position": done.position}


@router.get("/v1/billing/runs/{run_id}", summary="A billing run's progress and results")
def get_billing_run(
    _: Reader,
    run_id: UUID,
    request: Request,
    after: str | None = After,
    limit: int = Limit,
) -> RunView:
    """Progress (`done` of `customers`, `status` running or completed), the counts by outcome
    and, by customer id (paged), each customer's outcome: `invoiced` (invoice id, number,
    total), `already_invoiced` (by an earlier start of the same run), `nothing_to_invoice`, or
    `failed` with the problem."""
    log = _runs(request)[1]
    found = log.find(run_id, after=after, limit=limit)
    if found is None:
        raise Problem(404, "billing-run-not-found", f"billing run {run_id} not found")
    return found


@router.post(
    "/v1/contracts",
    status_code=201,
    summary="Enter a recurring contract",
    response_model=answer(c.StartContract),
)
def start_contract(
    body: c.StartContract, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """Lines (taxed as order lines are), interval month, quarter or year, first day and
    optional last day, billing in_advance (a period is invoiced from its first day) or
    in_arrears (from the day after its last). Billing runs invoice each period exactly once,
    whole: no proration."""
    return run(request, who, body, service)


@router.post(
    "/v1/contracts/{contract_id}/changes",
    summary="Change a contract's lines",
    response_model=answer(c.ChangeContract),
)
def change_contract(
    contract_id: UUID, body: b.ContractChangeBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """New lines from the first period that starts after `changed_on` (the period running then
    is invoiced whole at its old lines: no proration). `effective_from` is that period's first
    day. A change that would reach an invoiced period is refused (409)."""
    cmd = c.ChangeContract(contract_id=contract_id, **body.model_dump())
    return run(request, who, cmd, service)


@router.post(
    "/v1/contracts/{contract_id}/cancel",
    summary="Cancel a contract",
    response_model=answer(c.CancelContract),
)
def cancel_contract(
    contract_id: UUID, body: b.ContractCancelBody, request: Request, service: Service, who: Clerk
) -> dict[str, Any]:
    """No period that starts after `cancelled_on` is invoiced; the period running then is
    invoiced whole (no proration). `effective_from` is the first period not invoiced."""
    cmd = c.CancelContract(contract_id=contract_id, **body.model_dump())
    return run(request, who, cmd, service)


@router.get("/v1/contracts/{contract_id}", summary="A contract")
def get_contract(
    _: Reader, contract_id: UUID, request: Request, min_position: int | None = MinPosition
) -> ContractView:
    """The contract with the lines of its next period, the periods invoiced and the next."""
    found = queries(request, min_position).contract(contract_id)
    if found is None:
        raise Problem(404, "contract-not-found", f"contract {contract_id} not found")
    return found


@router.get("/v1/contracts", summary="Find contracts")
def find_contracts(
    _: Reader,
    request: Request,
    customer_id: UUID | None = None,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> ContractPage:
    """Contracts (of one customer), by id; paged."""
    return queries(request, min_position).contracts(
        customer_id=customer_id, after=after, limit=limit
    )


@router.get("/v1/reports/uninvoiced", summary="Shipped, not invoiced")
def uninvoiced(
    _: Reader,
    request: Request,
    older_than_days: Annotated[
        int, Query(ge=0, le=36_500, description="shipped at least this many days ago")
    ] = 0,
    as_of: Annotated[IsoDate | None, Query(description="default today")] = None,
    customer_id: UUID | None = None,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> UninvoicedPage:
    """Orders with goods shipped on or before `as_of − older_than_days` and not invoiced, oldest
    shipment first, with the quantities left per shipping day and their net value (EU ViDA
    asks for an invoice within 10 days of the supply: `older_than_days=10`)."""
    return queries(request, min_position).uninvoiced(
        as_of=as_of or container(request).service.today(),
        older_than_days=older_than_days,
        customer_id=customer_id,
        after=after,
        limit=limit,
    )
