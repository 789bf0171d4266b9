"""What the query routes share: the typed read side and the paging, position and currency
parameters."""

from __future__ import annotations

from fastapi import Query

from o2c.api.deps import read_side

MinPosition = Query(None, ge=0, description="wait (≤ 5 s) until read models reach this position")
After = Query(None, max_length=200, description="cursor: `next` of the previous page")
Limit = Query(100, ge=1, le=1000, description="page length")
Currency = Query(
    None, pattern="^[A-Z]{3}$", description="only this ISO-4217 currency (figures never mix)"
)


# The typed read side, after waiting (bounded) for ``min_position``.
queries = read_side
