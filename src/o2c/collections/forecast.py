"""The cash forecast: open items placed in the week their customer is expected to pay them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


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
