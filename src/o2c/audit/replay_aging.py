"""Aging recomputed by replaying one customer's events — never from the read models.

``as_of`` is the business date (what was issued, paid, credited or written off on or before it);
``known_at`` the recorded time (only events the system had recorded by then count): "what the
ledger said on date D, as the system knew it at time T". The bucket rule and the response shape
are the read model's, so the two can be compared figure by figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from o2c.domain.money import quantum
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.aging import DEFAULT_BOUNDS, bucket_index, labels
from o2c.projections.queries.aging import CustomerAging

_REDUCING = {
    "PaymentApplied": "applied_on",
    "DiscountTaken": "taken_on",
    "CreditNoteApplied": "issued_on",
    "InvoiceWrittenOff": "written_off_on",
}


@dataclass
class _Item:
    issued_on: date
    due_on: date
    currency: str
    open: Decimal


def fold_open_items(
    events: Iterable[EventEnvelope], as_of: date, known_at: datetime | None = None
) -> dict[str, _Item]:
    """Invoice id → open amount on ``as_of`` from invoice events recorded by ``known_at``."""
    items: dict[str, _Item] = {}
    for env in events:
        if known_at is not None and datetime.fromisoformat(env.recorded_at) > known_at:
            continue
        d = env.data
        if env.event_type == "InvoiceIssued":
            issued = date.fromisoformat(d["issued_on"])
            if issued <= as_of:
                items[env.aggregate_id] = _Item(
                    issued, date.fromisoformat(d["due_on"]), d["currency"], Decimal(d["total"])
                )
            continue
        item = items.get(env.aggregate_id)
        if item is None:
            continue
        item.open += _movement(env, item, as_of)
    return {k: v for k, v in items.items() if v.open != 0}


def _movement(env: EventEnvelope, item: _Item, as_of: date) -> Decimal:
    """Signed change of the open amount by one event, if dated on or before ``as_of``.

    A movement dated before its invoice was issued counts from the issue date (as in the read
    model): the ledger cannot hold a payment against an invoice not yet issued.
    """
    d = env.data
    if env.event_type in _REDUCING:
        on, change = d[_REDUCING[env.event_type]], -Decimal(d["amount"])
    elif env.event_type in GIVEN_BACK_ON:
        on = d[GIVEN_BACK_ON[env.event_type]]
        change = Decimal(d["amount"]) + Decimal(d["discount"])
    else:
        return Decimal(0)
    return change if max(date.fromisoformat(on), item.issued_on) <= as_of else Decimal(0)


class ReplayedAging(CustomerAging):
    """A customer's aging as the read model answers it, replayed from the events alone."""

    known_at: str | None
    source: str


def replay_aging(
    customer_id: str,
    events: Iterable[EventEnvelope],
    *,
    as_of: date,
    basis: str = "due",
    bounds: Sequence[int] = DEFAULT_BOUNDS,
    known_at: datetime | None = None,
    currency: str | None = None,
) -> ReplayedAging:
    """Aging of one customer from its events, in the read model's response shape."""
    names = labels(bounds)
    sums = [Decimal(0)] * len(names)
    items = fold_open_items(events, as_of, known_at)
    for item in items.values():
        age = (as_of - (item.due_on if basis == "due" else item.issued_on)).days
        sums[bucket_index(age, bounds)] += item.open
        currency = currency or item.currency
    q = quantum(currency) if currency else Decimal("0.01")
    return {
        "customer_id": customer_id,
        "as_of": as_of.isoformat(),
        "known_at": None if known_at is None else known_at.isoformat(),
        "basis": basis,
        "currency": currency,
        "buckets": [
            {"label": n, "amount": str(s.quantize(q))} for n, s in zip(names, sums, strict=True)
        ],
        "total": str(sum(sums, Decimal(0)).quantize(q)),
        "source": "event replay",
    }
