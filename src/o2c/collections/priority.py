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
from functools import cached_property
from typing import Any

# How many of a customer's most recently settled invoices its usual lateness is taken over.
BEHAVIOUR_INVOICES = 12

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
    invoices settled on or before ``as_of``, rounded half away from zero; ``None`` without
    any. Worked in whole mills, so the database can work it out the same way."""
    known = sorted(
        (s for s in settled if s.settled_on <= as_of and s.amount > 0),
        key=lambda s: (s.settled_on, s.invoice_id),
        reverse=True,
    )[:BEHAVIOUR_INVOICES]
    weight = sum(int(s.amount * 1000) for s in known)
    if weight <= 0:
        return None
    late = sum(int(s.amount * 1000) * (s.settled_on - s.due_on).days for s in known)
    return rounded_ratio(late, weight)


def rounded_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` (> 0) rounded half away from zero, in integers."""
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def customer_weight(broken_promises: int, over_limit: bool, usual_days_late: int | None) -> int:
    """The customer's part of the factor, in hundredths: 100 (the 1) + 50 per broken promise +
    50 when over the limit + the usual days late when positive."""
    weight = 100 + 50 * broken_promises + (50 if over_limit else 0)
    if usual_days_late is not None and usual_days_late > 0:
        weight += usual_days_late
    return weight


def priority_key(overdue_amount: Decimal, days_past_due: int, weight: int) -> int:
    """The score as an exact integer (mills × days × factor in hundredths): what items are
    ranked and paged by, without rounding; the score shown is it divided by 100,000."""
    return int(overdue_amount * 1000) * days_past_due * weight


@dataclass(frozen=True)
class Components:
    """What an item's score is computed from."""

    overdue_amount: Decimal
    days_past_due: int
    dunning_level: int
    broken_promises: int
    exposure_over_limit: Decimal
    usual_days_late: int | None

    @cached_property
    def weight(self) -> int:
        """The factor in hundredths: the customer's weight + 25 per dunning level."""
        over = self.exposure_over_limit > 0
        customer = customer_weight(self.broken_promises, over, self.usual_days_late)
        return customer + 25 * self.dunning_level

    @property
    def factor(self) -> Decimal:
        """The multiplier on amount × days: 1 plus each aggravating component's weight."""
        return Decimal(self.weight) / 100

    @cached_property
    def key(self) -> int:
        """The exact ranking key (see ``priority_key``)."""
        return priority_key(self.overdue_amount, self.days_past_due, self.weight)

    @cached_property
    def score(self) -> Decimal:
        """The priority: overdue amount × days past due × factor, to the cent."""
        return (Decimal(self.key) / 100_000).quantize(CENT, rounding=ROUND_HALF_UP)

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
