"""The cash forecast: open items placed in the week their customer is expected to pay them.

An item is expected on its due date plus its customer's usual days late (amount-weighted over
its last settled invoices; early payers are expected early), or on the date of a pending promise
to pay. An item already later than that on the forecast's day is late beyond the customer's
habit: it is expected as many days after the forecast's day as it is already past its expected
day (the longer it has been outstanding, the longer it is expected to take), so one that is more
than the horizon beyond falls out of the forecast. Back-tested on the demo book this kept the
backlog of chronic non-payers out of the first week, where the naive forecast puts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal


def expected_on(
    due_on: date, usual_days_late: int | None, promised_on: date | None, as_of: date
) -> date:
    """The day an open item's cash is expected, as of ``as_of``."""
    expected = promised_on or due_on + timedelta(days=usual_days_late or 0)
    if expected < as_of:
        return as_of + (as_of - expected)
    return expected


@dataclass(frozen=True)
class ExpectedReceipt:
    """Cash expected on a day."""

    on: date
    amount: Decimal


def weekly_expected(receipts: Iterable[ExpectedReceipt], as_of: date, weeks: int) -> list[Decimal]:
    """Sums per week: week ``i`` holds the days ``as_of + 7i … as_of + 7i + 6``. What was
    expected before ``as_of`` (and is still open) is expected in the first week; what is
    expected after the last week is left out."""
    totals = [Decimal(0)] * weeks
    for receipt in receipts:
        index = max((receipt.on - as_of).days, 0) // 7
        if index < weeks:
            totals[index] += receipt.amount
    return totals
