"""The collections worklist as of a day: overdue items ranked by their explained priority.

The inputs (``WorklistInputs``) are facts as of the day: the read models gather them with a few
queries, ``o2c.collections.replay`` folds them from the event log (as the system knew it at any
recorded time). Both hand them to ``rank``, so the two answers can be compared row by row.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.collections.priority import (
    Components,
    Settled,
    customer_weight,
    priority_key,
    usual_days_late,
)


@dataclass(frozen=True)
class OverdueItem:
    """An invoice open and past due on the day: its open amount then, its reminder level then,
    and whether it is disputed (as known now)."""

    invoice_id: str
    number: str
    customer_id: str
    currency: str
    open_amount: Decimal
    due_on: date
    disputed: bool
    dunning_level: int


@dataclass(frozen=True)
class PendingPromise:
    """A promise to pay made on or before the day and not kept or broken by then."""

    promise_id: str
    promised_on: date
    deadline: date
    amount: Decimal


@dataclass(frozen=True)
class FollowUp:
    """A customer's latest note, and the day it says to follow up."""

    note_id: str
    text: str
    follow_up_on: date
    noted_on: date
    author: str


@dataclass
class CustomerFacts:
    """What the priority needs of a customer on the day."""

    customer_id: str
    name: str | None = None
    credit_limit: Decimal | None = None
    open_receivables: Decimal = Decimal(0)
    broken_promises: int = 0
    settled: list[Settled] = field(default_factory=list)
    collector: str | None = None
    follow_up: FollowUp | None = None

    @property
    def exposure_over_limit(self) -> Decimal:
        """Open receivables on the day beyond the credit limit (zero within it)."""
        if self.credit_limit is None:
            return Decimal(0)
        return max(self.open_receivables - self.credit_limit, Decimal(0))


@dataclass(frozen=True)
class WorklistInputs:
    """Everything ``rank`` needs, as of ``as_of``."""

    as_of: date
    items: list[OverdueItem]
    customers: dict[str, CustomerFacts]
    promises: dict[str, PendingPromise]


@dataclass(frozen=True)
class WorkRow:
    """One ranked item with its customer, components and pending promise."""

    item: OverdueItem
    customer: CustomerFacts
    components: Components
    promise: PendingPromise | None

    @property
    def days_past_due(self) -> int:
        """Days past due on the day."""
        return self.components.days_past_due


def components_of(
    item: OverdueItem, customer: CustomerFacts, as_of: date, lateness: int | None
) -> Components:
    """The item's components on ``as_of`` (``lateness``: its customer's usual days late)."""
    return Components(
        overdue_amount=item.open_amount,
        days_past_due=(as_of - item.due_on).days,
        dunning_level=item.dunning_level,
        broken_promises=customer.broken_promises,
        exposure_over_limit=customer.exposure_over_limit,
        usual_days_late=lateness,
    )


def _wanted(customer: CustomerFacts, collector: str | None, follow_ups_due: bool, on: date) -> bool:
    if collector is not None and customer.collector != collector:
        return False
    return not follow_ups_due or is_due(customer.follow_up, on)


def is_due(follow_up: FollowUp | None, on: date) -> bool:
    """True when a follow-up is due on ``on`` (its day reached)."""
    return follow_up is not None and follow_up.follow_up_on <= on


def rank(
    inputs: WorklistInputs,
    *,
    collector: str | None = None,
    follow_ups_due: bool = False,
    after: tuple[int, str] | None = None,
    limit: int | None = None,
) -> tuple[list[WorkRow], bool]:
    """The overdue items, highest score first (then by invoice id), optionally only those of
    one collector's customers or of customers with a follow-up due; from after the item keyed
    ``after`` (its exact key and invoice id), at most ``limit`` of them, and whether more follow.

    Every item is keyed with integers (``priority_key``); only the page's rows are built."""
    keyed: list[tuple[int, str, OverdueItem]] = []
    weights: dict[str, tuple[int, int | None]] = {}
    for item in inputs.items:
        customer = inputs.customers.get(item.customer_id) or CustomerFacts(item.customer_id)
        if not _wanted(customer, collector, follow_ups_due, inputs.as_of):
            continue
        found = weights.get(item.customer_id)
        if found is None:
            late = usual_days_late(customer.settled, inputs.as_of)
            over = customer.exposure_over_limit > 0
            found = weights[item.customer_id] = (
                customer_weight(customer.broken_promises, over, late),
                late,
            )
        days = (inputs.as_of - item.due_on).days
        key = priority_key(item.open_amount, days, found[0] + 25 * item.dunning_level)
        if after is not None and (-key, item.invoice_id) <= (-after[0], after[1]):
            continue  # on an earlier page
        keyed.append((-key, item.invoice_id, item))
    top = sorted(keyed) if limit is None else heapq.nsmallest(limit + 1, keyed)
    page = top if limit is None else top[:limit]
    rows = []
    for _, _, item in page:
        customer = inputs.customers.get(item.customer_id) or CustomerFacts(item.customer_id)
        late = weights[item.customer_id][1]
        components = components_of(item, customer, inputs.as_of, late)
        rows.append(WorkRow(item, customer, components, inputs.promises.get(item.invoice_id)))
    return rows, limit is not None and len(top) > limit


def follow_ups_due(inputs: WorklistInputs, collector: str | None = None) -> list[CustomerFacts]:
    """Customers whose latest note's follow-up day is reached, earliest first."""
    due = [
        c
        for c in inputs.customers.values()
        if is_due(c.follow_up, inputs.as_of) and (collector is None or c.collector == collector)
    ]
    return sorted(
        due, key=lambda c: (c.follow_up.follow_up_on if c.follow_up else date.min, c.customer_id)
    )
