"""Aging buckets as SQL: the bucket rule, evaluated set-based in the database.

Age in days = as_of − due date (basis ``due``) or − issue date (basis ``invoice``). An item is
``current`` while its age is ≤ 0; a bucket with upper bound r holds ages prev+1 … r; past the
last bound is ``last+``. Every item falls in exactly one bucket, so the buckets add up to the total.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal

from o2c.domain.errors import InvalidInput

DEFAULT_BOUNDS: tuple[int, ...] = (30, 60, 90, 120)
# A hundred years: any age a receivable can have, and far inside what a database integer holds.
MAX_BOUND = 36_500


def parse_bounds(text: str | Sequence[int] | None) -> tuple[int, ...]:
    """``"30,60,90,120"`` → bounds; strictly increasing positive integers."""
    if text is None or text == "":
        return DEFAULT_BOUNDS
    try:
        bounds = tuple(int(p) for p in text.split(",")) if isinstance(text, str) else tuple(text)
    except ValueError as exc:
        raise InvalidInput(f"bad buckets {text!r}", code="invalid-buckets") from exc
    if (
        not bounds
        or bounds[0] < 1
        or bounds[-1] > MAX_BOUND
        or list(bounds) != sorted(set(bounds))
        or len(bounds) > 12
    ):
        raise InvalidInput(
            f"buckets must be 1-12 strictly increasing day counts from 1 to {MAX_BOUND}",
            code="invalid-buckets",
        )
    return bounds


def labels(bounds: Sequence[int]) -> list[str]:
    """Bucket labels: ``current``, ``1-30``, ``31-60``, …, ``120+``."""
    out = ["current"]
    prev = 0
    for bound in bounds:
        out.append(f"{prev + 1}-{bound}")
        prev = bound
    out.append(f"{prev}+")
    return out


def bucket_index(age: int, bounds: Sequence[int]) -> int:
    """Index into ``labels(bounds)`` for an age in days (the same rule in Python)."""
    if age <= 0:
        return 0
    for i, bound in enumerate(bounds, start=1):
        if age <= bound:
            return i
    return len(bounds) + 1


def bucket_sums(
    age: ColumnElement[Any], amount: ColumnElement[Any], bounds: Sequence[int]
) -> list[ColumnElement[Any]]:
    """One ``SUM(CASE …)`` column per bucket, labelled ``b0``, ``b1``, …"""
    cols: list[ColumnElement[Any]] = []
    lower: int | None = None
    for i in range(len(bounds) + 2):
        if i == 0:
            cond = age <= 0
        elif i <= len(bounds):
            upper = bounds[i - 1]
            cond = (age > (lower or 0)) & (age <= upper)
        else:
            cond = age > bounds[-1]
        lower = 0 if i == 0 else bounds[i - 1] if i <= len(bounds) else lower
        cols.append(
            func.coalesce(func.sum(case((cond, amount), else_=literal(0))), 0).label(f"b{i}")
        )
    return cols
