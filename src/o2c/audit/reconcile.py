"""Reconcile every read model against a recomputation from the events (expected: no difference).

One pass over the log groups each customer's events; for every customer the read model's
exposure figures are compared with the ``CustomerAccount`` aggregate, its aging with the aging
replayed from the events, and each of its orders and invoices with the aggregate rebuilt from
its stream. The same pass replays the general ledger, whose trial balance as of the date must
equal the GL read model's, account by account, in every currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from o2c.aggregates.account import CustomerAccount
from o2c.audit.ledger_replay import LedgerReplay
from o2c.audit.replay_aging import replay_aging
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.ledger.postings import DEFAULT_CHART
from o2c.projections.queries import ReadQueries

_FIGURES = ("credit_limit", "ar_balance", "open_orders", "unapplied_cash")
_ORDER_FIELDS = ("status", "total", "version")
_INVOICE_FIELDS = (
    "status",
    "total",
    "open_amount",
    "paid",
    "discount_taken",
    "credited",
    "written_off",
    "disputed",
    "dunning_level",
)


def reconcile(
    store: EventStore,
    queries: ReadQueries,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Every difference between read models and the events, one dict per difference."""
    by_customer: dict[str, list[EventEnvelope]] = defaultdict(list)
    ledger = LedgerReplay()
    for env in store.read_all(0, 5000):
        ledger.feed(env)
        if env.customer_id and not env.internal:
            by_customer[env.customer_id].append(env)
    differences: list[dict[str, Any]] = _compare_ledger(queries, ledger, as_of)
    accounts = [
        c for c, evs in by_customer.items() if any(e.event_type == "AccountOpened" for e in evs)
    ]
    for n, customer in enumerate(sorted(accounts), start=1):
        differences += _compare_customer(store, queries, customer, by_customer[customer], as_of)
        differences += _compare_documents(store, queries, customer, by_customer[customer])
        if progress is not None:
            progress(n, len(accounts))
    return differences


def _compare_ledger(
    queries: ReadQueries, ledger: LedgerReplay, as_of: date
) -> list[dict[str, Any]]:
    """The GL read model's balance of every role against the ledger replayed from the log."""
    replayed = ledger.trial_balance(as_of)
    role_of = {number: role for role, (number, _name) in DEFAULT_CHART.items()}
    out: list[dict[str, Any]] = []
    for currency in sorted(set(replayed) | set(queries.ledger_currencies())):
        read = queries.trial_balance(as_of=as_of, currency=currency)
        mine = {role_of[a["account"]].value: Decimal(a["balance"]) for a in read["accounts"]}
        theirs = {
            role: Decimal(sides["debit"]) - Decimal(sides["credit"])
            for role, sides in replayed.get(currency, {}).items()
        }
        for role in sorted(set(mine) | set(theirs)):
            if mine.get(role, 0) != theirs.get(role, 0):
                out.append(
                    {
                        "model": "gl",
                        "currency": currency,
                        "field": role,
                        "read_model": str(mine.get(role, 0)),
                        "events": str(theirs.get(role, 0)),
                    }
                )
    return out


def _compare_customer(
    store: EventStore, queries: ReadQueries, customer: str, events: list[EventEnvelope], as_of: date
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cid = UUID(customer)
    exposure = queries.credit_exposure(cid)
    read: dict[str, Any] | None = None if exposure is None else dict(exposure)
    acc = store.get(cid)
    if read is None or not isinstance(acc, CustomerAccount):
        return [
            {
                "customer_id": customer,
                "model": "accounts",
                "field": "row",
                "read_model": read is not None,
                "events": acc is not None,
            }
        ]
    truth = {
        "credit_limit": acc.credit_limit,
        "ar_balance": acc.ar_balance,
        "open_orders": acc.open_order_value,
        "unapplied_cash": acc.unapplied_cash,
    }
    for name in _FIGURES:
        if str(read[name]) != str(truth[name]):
            out.append(
                {
                    "customer_id": customer,
                    "model": "credit-exposure",
                    "field": name,
                    "read_model": read[name],
                    "events": str(truth[name]),
                }
            )
    aging = queries.customer_aging(cid, as_of=as_of)
    replayed = replay_aging(customer, events, as_of=as_of, currency=acc.currency)
    for mine, theirs in zip(aging["buckets"], replayed["buckets"], strict=True):
        if mine["amount"] != theirs["amount"]:
            out.append(
                {
                    "customer_id": customer,
                    "model": "aging",
                    "field": mine["label"],
                    "read_model": mine["amount"],
                    "events": theirs["amount"],
                }
            )
    return out


def _compare_documents(
    store: EventStore, queries: ReadQueries, customer: str, events: list[EventEnvelope]
) -> list[dict[str, Any]]:
    """Each order and invoice row of the customer against its aggregate."""
    out: list[dict[str, Any]] = []
    fields: tuple[str, ...]
    read: dict[str, Any] | None
    seen: dict[str, str] = {e.aggregate_id: e.aggregate_type for e in events}
    for agg_id, kind in sorted(seen.items()):
        if kind == "Order":
            order = queries.order(UUID(agg_id))
            model, fields, read = "orders", _ORDER_FIELDS, None if order is None else dict(order)
        elif kind == "Invoice":
            invoice = queries.invoice(UUID(agg_id))
            model, fields = "invoices", _INVOICE_FIELDS
            read = None if invoice is None else dict(invoice)
        else:
            continue
        truth = store.get(UUID(agg_id))
        if read is None or truth is None:
            out.append(_difference(customer, model, agg_id, "row", read is not None, truth))
            continue
        for name in fields:
            mine, theirs = read[name], getattr(truth, name)
            if str(mine) != str(theirs):
                out.append(_difference(customer, model, agg_id, name, mine, str(theirs)))
    return out


def _difference(
    customer: str, model: str, agg_id: str, field: str, read: Any, events: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "model": model,
        "aggregate_id": agg_id,
        "field": field,
        "read_model": read,
        "events": events is not None if field == "row" else events,
    }
