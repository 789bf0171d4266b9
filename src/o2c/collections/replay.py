"""The worklist's inputs folded from the event log alone, as of a business date and as the
system knew it at a recorded time (``known_at``): "why was this customer first last Tuesday".

The rules are the read models' (``o2c.projections.collections`` and the receivables' dated
movements): a movement dated before its invoice's issue counts from the issue; a reminder level
counts from the day it was sent, a broken promise from the day it was recorded broken, an
invoice as settled from the day cash settled it (and no longer once cash is given back). Credit
limits, collectors, names and disputes are as known at ``known_at`` (they carry no business
date).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from o2c.collections.priority import Settled
from o2c.collections.worklist import (
    CustomerFacts,
    FollowUp,
    OverdueItem,
    PendingPromise,
    WorklistInputs,
)
from o2c.domain.promises import BROKEN, KEPT, PENDING
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope

# Facts that lower an invoice's open amount, with the field of their business date.
_REDUCING = {
    "PaymentApplied": "applied_on",
    "DiscountTaken": "taken_on",
    "CreditNoteApplied": "issued_on",
    "InvoiceWrittenOff": "written_off_on",
}


@dataclass
class _Invoice:
    customer_id: str
    number: str
    currency: str
    total: Decimal
    issued_on: date
    due_on: date
    moves: list[tuple[date, Decimal]] = field(default_factory=list)
    disputed: bool = False
    reminders: list[tuple[int, date]] = field(default_factory=list)
    settled_on: date | None = None


@dataclass
class _Promise:
    invoice_id: str
    customer_id: str
    promised_on: date
    deadline: date
    amount: Decimal
    made_on: date
    status: str = PENDING
    outcome_on: date | None = None


@dataclass
class _Fold:
    customers: dict[str, CustomerFacts] = field(default_factory=dict)
    invoices: dict[str, _Invoice] = field(default_factory=dict)
    promises: dict[str, _Promise] = field(default_factory=dict)


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _apply(fold: _Fold, env: EventEnvelope) -> None:
    d, kind, agg = env.data, env.event_type, env.aggregate_id
    if kind == "AccountOpened":
        fold.customers[agg] = CustomerFacts(
            agg, name=d["name"], credit_limit=Decimal(d["credit_limit"])
        )
    elif kind == "CreditLimitChanged":
        fold.customers[agg].credit_limit = Decimal(d["credit_limit"])
    elif kind == "CollectorAssigned":
        fold.customers[agg].collector = d["collector"]
    elif kind == "NoteAdded":
        up = d.get("follow_up_on")
        fold.customers[agg].follow_up = (
            None
            if up is None
            else FollowUp(str(d["note_id"]), d["text"], _day(up), _day(d["noted_on"]), env.actor)
        )
    elif kind == "InvoiceIssued":
        issued = _day(d["issued_on"])
        fold.invoices[agg] = _Invoice(
            d["customer_id"],
            d["number"],
            d["currency"],
            Decimal(d["total"]),
            issued,
            _day(d["due_on"]),
            moves=[(issued, Decimal(d["total"]))],
        )
    elif agg in fold.invoices:
        _invoice_fact(fold, fold.invoices[agg], env)


def _invoice_fact(fold: _Fold, inv: _Invoice, env: EventEnvelope) -> None:
    d, kind = env.data, env.event_type
    if kind in _REDUCING:
        inv.moves.append((_day(d[_REDUCING[kind]]), -Decimal(d["amount"])))
    elif kind in GIVEN_BACK_ON:
        back = Decimal(d["amount"]) + Decimal(d["discount"])
        inv.moves.append((_day(d[GIVEN_BACK_ON[kind]]), back))
        inv.settled_on = None
    elif kind == "InvoiceSettled" and d["how"] == "paid":
        inv.settled_on = _day(d["settled_on"])
    elif kind in ("InvoiceDisputed", "DisputeResolved"):
        inv.disputed = kind == "InvoiceDisputed"
    elif kind == "ReminderSent":
        inv.reminders.append((int(d["level"]), _day(d["as_of"])))
    elif kind == "PromiseMade":
        fold.promises[str(d["promise_id"])] = _Promise(
            env.aggregate_id,
            inv.customer_id,
            _day(d["promised_on"]),
            _day(d["deadline"]),
            Decimal(d["amount"]),
            _day(d["made_on"]),
        )
    elif kind in ("PromiseKept", "PromiseBroken"):
        promise = fold.promises[str(d["promise_id"])]
        promise.status = KEPT if kind == "PromiseKept" else BROKEN
        promise.outcome_on = _day(d["kept_on" if kind == "PromiseKept" else "broken_on"])


def fold_worklist_inputs(
    events: Iterable[EventEnvelope], as_of: date, known_at: datetime | None = None
) -> WorklistInputs:
    """The worklist's inputs on ``as_of`` from the events recorded by ``known_at`` (all of
    them when ``None``), in log order."""
    fold = _Fold()
    for env in events:
        if known_at is not None and datetime.fromisoformat(env.recorded_at) > known_at:
            continue
        if env.customer_id is not None or env.aggregate_type in ("CustomerAccount", "Invoice"):
            _apply(fold, env)
    return _inputs(fold, as_of)


def _inputs(fold: _Fold, as_of: date) -> WorklistInputs:
    items: list[OverdueItem] = []
    for invoice_id, inv in fold.invoices.items():
        if inv.issued_on > as_of:
            continue
        open_amount = sum(
            (amount for on, amount in inv.moves if max(on, inv.issued_on) <= as_of), Decimal(0)
        )
        customer = fold.customers.setdefault(inv.customer_id, CustomerFacts(inv.customer_id))
        customer.open_receivables += open_amount
        if inv.settled_on is not None and inv.settled_on <= as_of:
            customer.settled.append(Settled(invoice_id, inv.total, inv.due_on, inv.settled_on))
        if open_amount > 0 and inv.due_on < as_of:
            level = max((lv for lv, on in inv.reminders if on <= as_of), default=0)
            items.append(
                OverdueItem(
                    invoice_id,
                    inv.number,
                    inv.customer_id,
                    inv.currency,
                    open_amount,
                    inv.due_on,
                    inv.disputed,
                    level,
                )
            )
    pending: dict[str, PendingPromise] = {}
    for promise_id, p in fold.promises.items():
        if p.made_on > as_of:
            continue
        if p.status == BROKEN and p.outcome_on is not None and p.outcome_on <= as_of:
            fold.customers.setdefault(
                p.customer_id, CustomerFacts(p.customer_id)
            ).broken_promises += 1
        if p.status == PENDING or (p.outcome_on is not None and p.outcome_on > as_of):
            pending[p.invoice_id] = PendingPromise(promise_id, p.promised_on, p.deadline, p.amount)
    return WorklistInputs(as_of, items, fold.customers, pending)
