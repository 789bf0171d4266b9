"""Late-payment interest: simple interest, actual/365, on what was open each day past due.

An invoice's open amount moves on business dates (issued, paid, credited, written off, a payment
given back); interest for a day past the due date is charged on the amount open at the end of
that day (cash received on a day stops that day's interest). The sum is rounded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from o2c.domain.money import round_money

DAYS_PER_YEAR = 365


def open_amount_days(
    changes: Iterable[tuple[date, Decimal]], start: date, through: date
) -> Decimal:
    """Σ over the days ``start+1 … through`` of the amount open at the end of each day.

    ``changes`` are the dated movements of the open amount (the issue counts positive).
    """
    if through <= start:
        return Decimal(0)
    by_day: dict[date, Decimal] = {}
    for on, delta in changes:
        by_day[on] = by_day.get(on, Decimal(0)) + delta
    balance = sum((d for on, d in by_day.items() if on <= start), Decimal(0))
    total = Decimal(0)
    day = start
    for on in sorted(o for o in by_day if start < o <= through):
        total += balance * (on - timedelta(days=1) - day).days
        balance += by_day[on]
        day = on - timedelta(days=1)
    total += balance * (through - day).days
    return total


def late_interest(
    changes: Iterable[tuple[date, Decimal]],
    *,
    due_on: date,
    charged_through: date | None,
    through: date,
    rate: Decimal,
    currency: str,
) -> Decimal:
    """Interest at ``rate`` percent a year on what was open past ``due_on``, for the days after
    ``charged_through`` (or after the due date) up to ``through``, rounded to the currency."""
    start = max(due_on, charged_through or due_on)
    amount_days = open_amount_days(changes, start, through)
    return round_money(amount_days * rate / 100 / DAYS_PER_YEAR, currency)
