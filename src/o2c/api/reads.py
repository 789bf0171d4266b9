"""The typed read side for query routes: the read models, once they reached ``min_position``."""

from __future__ import annotations

from fastapi import Query, Request

from o2c.api.deps import read_side
from o2c.projections.queries import ReadQueries

MinPosition = Query(None, ge=0, description="wait (≤ 5 s) until read models reach this position")
After = Query(None, max_length=200, description="cursor: `next` of the previous page")
Limit = Query(100, ge=1, le=1000, description="page length")
Currency = Query(
    None, pattern="^[A-Z]{3}$", description="only this ISO-4217 currency (figures never mix)"
)


def queries(request: Request, min_position: int | None) -> ReadQueries:
    """The read-model queries, after waiting (bounded) for ``min_position``."""
    found = read_side(request, min_position)
    assert isinstance(found, ReadQueries)
    return found
