"""General ledger: journal lines, the trial balance, and the export for an accounting system.

Accounts are shown with the configured chart (``O2C_GL_ACCOUNTS``): the ledger stores each
line's role, so a renumbered account shows up at once, without a replay. Any reader may read.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from o2c.api.auth import Reader
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.api.reads import After, Currency, Limit, MinPosition, queries
from o2c.commands.base import IsoDate
from o2c.ledger.postings import Role
from o2c.projections.queries.ledger import Chart, GlPage, TrialBalance
from o2c.projections.queries.ledger_export import MEDIA_TYPES, filename, render

router = APIRouter(prefix="/v1/gl", tags=["general ledger"])

# What the export's 200 documents: a file in either format (parameters stripped from the keys).
_FILE = {
    "description": "the export file: CSV with a header row, or JSON lines",
    "content": {m.split(";")[0]: {"schema": {"type": "string"}} for m in MEDIA_TYPES.values()},
}


def _chart(request: Request) -> Chart:
    return container(request).settings.gl_accounts


def _role(chart: Chart, account: str | None) -> Role | None:
    """The role the configured chart gives account number ``account``."""
    if account is None:
        return None
    for role, (number, _) in chart.items():
        if number == account:
            return role
    known = ", ".join(sorted(number for number, _ in chart.values()))
    raise Problem(422, "unknown-account", f"no account {account!r} in the chart ({known})")


def _period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")


@router.get("/entries", summary="Journal lines")
def entries(
    _: Reader,
    request: Request,
    start: IsoDate | None = Query(None, alias="from", description="first posting date (included)"),
    end: IsoDate | None = Query(None, alias="to", description="last posting date (included)"),
    account: str | None = Query(None, max_length=20, description="only this account number"),
    currency: str | None = Currency,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> GlPage:
    """Every debit and credit line of the journal entries (one entry per fact, `entry_id` its
    event's position) by posting date, entry and line; paged with `next`."""
    _period(start, end)
    chart = _chart(request)
    return queries(request, min_position).gl_entries(
        start=start,
        end=end,
        role=_role(chart, account),
        currency=currency,
        chart=chart,
        after=after,
        limit=limit,
    )


@router.get("/trial-balance", summary="Trial balance")
def trial_balance(
    _: Reader,
    request: Request,
    as_of: IsoDate | None = Query(None, description="last posting date counted (today)"),
    currency: str | None = Query(
        None, pattern="^[A-Z]{3}$", description="required when the book keeps several currencies"
    ),
    min_position: int | None = MinPosition,
) -> TrialBalance:
    """Debits, credits and balance (debit − credit) of every account with postings up to
    `as_of`, in one currency (by default the book's only one; `currency-required` when it keeps
    several); total debits equal total credits."""
    return queries(request, min_position).trial_balance(
        as_of=as_of or date.today(), currency=currency, chart=_chart(request)
    )


@router.get(
    "/export",
    summary="Export the journal lines of a period",
    response_class=StreamingResponse,
    responses={200: _FILE},
)
def export(
    _: Reader,
    request: Request,
    start: Annotated[IsoDate, Query(alias="from", description="first posting date (included)")],
    end: Annotated[IsoDate, Query(alias="to", description="last posting date (included)")],
    fmt: str = Query("csv", alias="format", max_length=10, description="csv or jsonl"),
    min_position: int | None = MinPosition,
) -> StreamingResponse:
    """Every journal line posted in the period, streamed as CSV (header row; columns as in
    `/v1/gl/entries`) or JSON lines, in journal order; lines projected after the export
    started are left out."""
    if fmt not in MEDIA_TYPES:
        raise Problem(422, "invalid-format", f"unknown export format {fmt!r}: use csv or jsonl")
    _period(start, end)
    pages = queries(request, min_position).gl_export(start=start, end=end, chart=_chart(request))
    disposition = f"attachment; filename={filename(start, end, fmt)}"
    return StreamingResponse(
        render(pages, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": disposition},
    )
