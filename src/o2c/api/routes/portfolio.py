"""Portfolio reports: aging, credit exposure, KPIs and the collections worklist.

Figures of different currencies are never added together: each report answers per currency
(`by_currency`) and takes `currency=`; its top-level figures are those of the one currency
counted, and null when the book mixes several and no `currency=` is given.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Query, Request

from o2c.api.auth import Reader
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.api.reads import After, Currency, Limit, MinPosition, queries
from o2c.collections.replay import fold_worklist_inputs
from o2c.commands.base import IsoDate
from o2c.projections.queries.accounts import ExposurePage
from o2c.projections.queries.aging import Kpis, PortfolioAging
from o2c.projections.queries.collections import HeldLetter, Worklist, worklist_page

router = APIRouter(prefix="/v1", tags=["reports"])


@router.get("/aging", summary="Portfolio aging")
def aging(
    _: Reader,
    request: Request,
    as_of: IsoDate | None = None,
    basis: str = Query("due", pattern="^(due|invoice)$"),
    buckets: str = Query("30,60,90,120", max_length=100),
    currency: str | None = Currency,
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> PortfolioAging:
    """Buckets for the whole book per currency (`by_currency`; `totals` and `total` for the one
    currency counted) and per customer (paged with `next`).

    Age in days = as_of − due date (or invoice date); `current` while ≤ 0; a bucket with upper
    bound r holds ages prev+1…r; past the last bound is `last+`.
    """
    return queries(request, min_position).portfolio_aging(
        as_of=as_of or date.today(),
        basis=basis,
        buckets=buckets,
        currency=currency,
        after=after,
        limit=limit,
    )


@router.get("/credit-exposure", summary="Credit exposure of every customer")
def credit_exposure(
    _: Reader,
    request: Request,
    over_limit: bool | None = None,
    currency: str | None = Currency,
    after: str | None = Query(None, max_length=64, description="cursor: `next` of the last page"),
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> ExposurePage:
    """Exposure per customer, with totals per currency; `over_limit=true` lists customers above
    their limit."""
    return queries(request, min_position).credit_exposures(
        over_limit=over_limit, currency=currency, after=after, limit=limit
    )


@router.get("/kpis", summary="DSO, best possible DSO, ADD, CEI, overdue share")
def kpis(
    _: Reader,
    request: Request,
    start: IsoDate | None = Query(None, alias="from"),
    end: IsoDate | None = Query(None, alias="to"),
    currency: str | None = Currency,
    min_position: int | None = MinPosition,
) -> Kpis:
    """KPIs for the period (default: the last 90 days), per currency.

    DSO = closing AR / credit sales × N days; best possible DSO = closing current AR / credit
    sales × N; ADD = DSO − best possible DSO; CEI = (opening AR + credit sales − closing AR) /
    (opening AR + credit sales − closing current AR) × 100; overdue share = overdue AR / AR.
    """
    end = end or date.today()
    if start is None:
        if end.toordinal() <= 90:
            raise Problem(422, "invalid-period", "'to' is too early for the default 90 days")
        start = end - timedelta(days=89)
    if start.toordinal() <= 1:
        # The opening balance is taken the day before 'from'.
        raise Problem(422, "invalid-period", "'from' must be after 0001-01-01")
    if end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")
    if (end - start).days > 3660:
        raise Problem(422, "invalid-period", "the period may span at most ten years")
    return queries(request, min_position).kpis(start=start, end=end, currency=currency)


@router.get("/collections/worklist", summary="Collections worklist")
def worklist(
    _: Reader,
    request: Request,
    as_of: IsoDate | None = None,
    known_at: datetime | None = Query(
        None,
        description="recorded time (ISO 8601 with a zone): the worklist as the system knew it "
        "then, replayed from the event log",
    ),
    collector: str | None = Query(None, max_length=200, description="only this collector's"),
    follow_ups_due: bool = Query(
        False, description="only customers whose follow-up day is reached"
    ),
    after: str | None = After,
    limit: int = Limit,
    min_position: int | None = MinPosition,
) -> Worklist:
    """Overdue open items on `as_of` ranked by `score` = overdue amount × days past due × (1 +
    0.25 × dunning level + 0.5 × broken promises + 0.5 if over the credit limit + usual days
    late / 100), each row with the `components` it came from (`sorted_by` says so); paged.
    `follow_ups`: customers whose latest note's follow-up day is reached. With `known_at` the
    answer is replayed from the events recorded by then (`source: "event replay"`): the
    worklist as it was that day. `held_letters`: the customer's letters kept back because their
    address bounced (address and reason), until someone records a corrected contact."""
    day = as_of or date.today()
    if known_at is not None:
        if known_at.tzinfo is None:
            raise Problem(422, "invalid-input", "known_at needs a time zone")
        store = container(request).store
        found = worklist_page(
            fold_worklist_inputs(store.read_all(), day, known_at),
            collector=collector,
            follow_ups_due_only=follow_ups_due,
            after=after,
            limit=limit,
            known_at=known_at.isoformat(),
            source="event replay",
        )
    else:
        found = queries(request, min_position).worklist(
            as_of=day,
            collector=collector,
            follow_ups_due=follow_ups_due,
            after=after,
            limit=limit,
        )
    parts = container(request).delivery
    if parts is not None:
        parts.queue.catch_up(container(request).store)
        held = parts.queue.held_letters([item["customer_id"] for item in found["items"]])
        for item in found["items"]:
            item["held_letters"] = [
                HeldLetter(
                    delivery_id=h["delivery_id"],
                    document=h["document"],
                    address=h["address"],
                    reason=h["reason"],
                    queued_at=h["queued_at"],
                )
                for h in held.get(item["customer_id"], [])
            ]
    return found
