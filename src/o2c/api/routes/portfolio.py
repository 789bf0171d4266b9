"""Portfolio reports: aging, credit exposure, KPIs and the collections worklist."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from o2c.api.auth import Principal, reader
from o2c.api.deps import read_side
from o2c.api.problems import Problem

router = APIRouter(prefix="/v1", tags=["reports"])

MinPosition = Query(None, ge=0, description="wait (≤ 5 s) until read models reach this position")


@router.get("/aging", summary="Portfolio aging")
def aging(
    request: Request,
    as_of: date | None = None,
    basis: str = Query("due", pattern="^(due|invoice)$"),
    buckets: str = Query("30,60,90,120", max_length=100),
    after: str | None = Query(None, max_length=64, description="cursor: `next` of the last page"),
    limit: int = Query(100, ge=1, le=1000),
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> dict[str, Any]:
    """Buckets for the whole book (`totals`, `total`) and per customer (paged with `next`).

    Age in days = as_of − due date (or invoice date); `current` while ≤ 0; a bucket with upper
    bound r holds ages prev+1…r; past the last bound is `last+`.
    """
    result: dict[str, Any] = read_side(request, min_position).aging(
        as_of=as_of or date.today(), basis=basis, buckets=buckets, after=after, limit=limit
    )
    return result


@router.get("/credit-exposure", summary="Credit exposure of every customer")
def credit_exposure(
    request: Request,
    over_limit: bool | None = None,
    after: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> dict[str, Any]:
    """Exposure per customer; `over_limit=true` lists customers above their limit."""
    result: dict[str, Any] = read_side(request, min_position).credit_exposures(
        over_limit=over_limit, after=after, limit=limit
    )
    return result


@router.get("/kpis", summary="DSO, best possible DSO, ADD, CEI, overdue share")
def kpis(
    request: Request,
    start: date | None = Query(None, alias="from"),
    end: date | None = Query(None, alias="to"),
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> dict[str, Any]:
    """KPIs for the period (default: the last 90 days).

    DSO = closing AR / credit sales × N days; best possible DSO = closing current AR / credit
    sales × N; ADD = DSO − best possible DSO; CEI = (opening AR + credit sales − closing AR) /
    (opening AR + credit sales − closing current AR) × 100; overdue share = overdue AR / AR.
    """
    end = end or date.today()
    start = start or end - timedelta(days=89)
    if end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")
    if (end - start).days > 3660:
        raise Problem(422, "invalid-period", "the period may span at most ten years")
    result: dict[str, Any] = read_side(request, min_position).kpis(start=start, end=end)
    return result


@router.get("/collections/worklist", summary="Collections worklist")
def worklist(
    request: Request,
    as_of: date | None = None,
    limit: int = Query(100, ge=1, le=1000),
    min_position: int | None = MinPosition,
    _: Principal = Depends(reader),
) -> dict[str, Any]:
    """Overdue open items ranked by amount × days past due, with dunning level and disputes."""
    result: dict[str, Any] = read_side(request, min_position).worklist(
        as_of=as_of or date.today(), limit=limit
    )
    return result
