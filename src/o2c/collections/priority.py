"""The worklist's priority, and the components it is computed from.

For an overdue open item on a day D::

    score = overdue amount × days past due
            × (1 + 0.25 × dunning level + 0.5 × broken promises
                 + 0.5 if the customer is over its credit limit
                 + usual days late / 100, when the customer usually pays late)

Overdue amount, days past due and dunning level are the item's on D; broken promises (the
customer's promises recorded broken on or before D), exposure over limit (the customer's open
receivables on D beyond its credit limit) and usual days late (amount-weighted, over its last
settled invoices) are the customer's. Every component is shown beside the score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# How many of a customer's most recently settled invoices its usual lateness is taken over.
BEHAVIOUR_INVOICES = 12

LEVEL_WEIGHT = Decimal("0.25")
BROKEN_PROMISE_WEIGHT = Decimal("0.5")
OVER_LIMIT_WEIGHT = Decimal("0.5")
LATENESS_DIVISOR = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Settled:
    """An invoice cash settled: its total, due date and the day it was settled."""

    invoice_id: str
    amount: Decimal
    due_on: date
    settled_on: date


def usual_days_late(settled: Iterable[Settled], as_of: date) -> int | None:
    """Amount-weighted days late (negative: early) over the last ``BEHAVIOUR_INVOICES``
    invoices settled on or before ``as_of``; ``None`` without any."""
    known = sorted(
        (s for s in settled if s.settled_on <= as_of and s.amount > 0),
        key=lambda s: (s.settled_on, s.invoice_id),
        reverse=True,
    )[:BEHAVIOUR_INVOICES]
    weight = sum((s.amount for s in known), Decimal(0))
    if weight <= 0:
        return None
    late = sum((s.amount * (s.settled_on - s.due_on).days for s in known), Decimal(0))
    return int((late / weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Components:
    """What an item's score is computed from."""

    overdue_amount: Decimal
    days_past_due: int
    dunning_level: int
    broken_promises: int
    exposure_over_limit: Decimal
    usual_days_late: int | None

    @property
    def factor(self) -> Decimal:
        """The multiplier on amount × days: 1 plus each aggravating component's weight."""
        factor = Decimal(1) + LEVEL_WEIGHT * self.dunning_level
        factor += BROKEN_PROMISE_WEIGHT * self.broken_promises
        if self.exposure_over_limit > 0:
            factor += OVER_LIMIT_WEIGHT
        if self.usual_days_late is not None and self.usual_days_late > 0:
            factor += Decimal(self.usual_days_late) / LATENESS_DIVISOR
        return factor

    @property
    def score(self) -> Decimal:
        """The priority: overdue amount × days past due × factor, to the cent."""
        base = self.overdue_amount * self.days_past_due
        return (base * self.factor).quantize(CENT, rounding=ROUND_HALF_UP)

    def as_json(self, currency_quantum: Decimal) -> dict[str, Any]:
        """The components as the worklist shows them (amounts as strings)."""
        return {
            "overdue_amount": str(self.overdue_amount.quantize(currency_quantum)),
            "days_past_due": self.days_past_due,
            "dunning_level": self.dunning_level,
            "broken_promises": self.broken_promises,
            "exposure_over_limit": str(self.exposure_over_limit.quantize(currency_quantum)),
            "usual_days_late": self.usual_days_late,
        }
