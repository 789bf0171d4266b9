"""Billing projection: what is shipped and not invoiced, billing policies, contracts.

``uninvoiced`` keeps, per order, the shipped quantities not yet invoiced with the day each was
shipped: an invoice takes the oldest first (by shipping date), as the order does. It answers the
uninvoiced report and which periodic customers a billing run looks at. ``contracts`` keeps each
contract's lines per period and the first day its next period may be invoiced.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from o2c.domain.billing_periods import Schedule
from o2c.domain.billing_policy import policy_of
from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import billing_tables

UNINVOICED, POLICIES, CONTRACTS = "uninvoiced", "policies", "contracts"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    if env.aggregate_type == "Order":
        return [(UNINVOICED, env.aggregate_id)]
    if env.aggregate_type == "Contract":
        return [(CONTRACTS, env.aggregate_id)]
    if env.event_type == "CustomerDetailsChanged":
        return [(POLICIES, env.aggregate_id)]
    return []


def _row(rows: RowCache, table: str, env: EventEnvelope) -> dict[str, Any]:
    row = rows.get(table, env.aggregate_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: {table} {env.aggregate_id} unknown")
    return row


# ---- shipped, not invoiced ----------------------------------------------------------------------


def _placed(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    prices = {
        ln["sku"]: {"description": ln["description"], "unit_price": str(ln["unit_price"])}
        for ln in d["lines"]
    }
    rows.put(
        UNINVOICED,
        env.aggregate_id,
        {
            "order_id": env.aggregate_id,
            "customer_id": d["customer_id"],
            "currency": d["currency"],
            "prices": json.dumps(prices),
            "lots": "[]",
            "oldest_day": None,
            "value": 0,
        },
    )


def _refresh(row: dict[str, Any], lots: list[list[Any]]) -> None:
    prices = json.loads(row["prices"])
    row["lots"] = json.dumps(lots)
    row["oldest_day"] = min((day for day, _, _ in lots), default=None)
    row["value"] = sum(to_mills(Decimal(prices[sku]["unit_price"]) * qty) for _, sku, qty in lots)


def _shipped(rows: RowCache, env: EventEnvelope) -> None:
    row = _row(rows, UNINVOICED, env)
    day = to_day(env.data["shipped_on"])
    lots = json.loads(row["lots"]) + [[day, ln["sku"], ln["quantity"]] for ln in env.data["lines"]]
    # Oldest shipping date first (stable): an invoice takes those first.
    lots.sort(key=lambda lot: lot[0])
    _refresh(row, lots)
    rows.touch(UNINVOICED, env.aggregate_id)


def _invoiced(rows: RowCache, env: EventEnvelope) -> None:
    row = _row(rows, UNINVOICED, env)
    lots = json.loads(row["lots"])
    for ln in env.data["lines"]:
        wanted = int(ln["quantity"])
        for lot in lots:
            if wanted == 0:
                break
            if lot[1] == ln["sku"] and lot[2] > 0:
                took = min(wanted, lot[2])
                lot[2] -= took
                wanted -= took
    _refresh(row, [lot for lot in lots if lot[2] > 0])
    rows.touch(UNINVOICED, env.aggregate_id)


# ---- billing policies ---------------------------------------------------------------------------


def _details_changed(rows: RowCache, env: EventEnvelope) -> None:
    changes = env.data["changes"]
    if "billing_policy" not in changes:
        return
    policy = policy_of(changes["billing_policy"])
    rows.put(
        POLICIES,
        env.aggregate_id,
        {"customer_id": env.aggregate_id, "mode": policy.mode, "period": policy.period},
    )


# ---- contracts ----------------------------------------------------------------------------------


def _next_due(row: dict[str, Any]) -> int | None:
    if row["end_index"] is not None and row["next_index"] >= row["end_index"]:
        return None
    schedule = Schedule(date.fromordinal(row["start_day"]), row["interval"])
    return schedule.period(row["next_index"]).due_on(row["billing"]).toordinal()


def _started(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    start = date.fromisoformat(d["start_on"])
    end = None if d["end_on"] is None else date.fromisoformat(d["end_on"])
    row: dict[str, Any] = {
        "contract_id": env.aggregate_id,
        "customer_id": d["customer_id"],
        "currency": d["currency"],
        "status": "active",
        "interval": d["interval"],
        "billing": d["billing"],
        "start_day": start.toordinal(),
        "end_day": None if end is None else end.toordinal(),
        "next_index": 0,
        "end_index": Schedule(start, d["interval"]).end_index(end),
        "versions": json.dumps([[0, d["lines"]]]),
        "invoice_ids": "[]",
        "version": env.version,
    }
    row["next_due_day"] = _next_due(row)
    rows.put(CONTRACTS, env.aggregate_id, row)


def _contract_change(change: Any) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = _row(rows, CONTRACTS, env)
        change(row, env.data)
        row["next_due_day"] = _next_due(row)
        row["version"] = env.version
        rows.touch(CONTRACTS, env.aggregate_id)

    return handler


def _lines_changed(row: dict[str, Any], d: dict[str, Any]) -> None:
    first = int(d["from_period"])
    kept = [v for v in json.loads(row["versions"]) if v[0] < first]
    row["versions"] = json.dumps([*kept, [first, d["lines"]]])


def _cancelled(row: dict[str, Any], d: dict[str, Any]) -> None:
    row["end_index"] = int(d["from_period"])
    row["status"] = "cancelled"


def _periods_invoiced(row: dict[str, Any], d: dict[str, Any]) -> None:
    row["next_index"] = int(d["periods"][-1]["index"]) + 1
    row["invoice_ids"] = json.dumps([*json.loads(row["invoice_ids"]), d["invoice_id"]])
    ended = row["end_index"] is not None and row["next_index"] >= row["end_index"]
    if ended and row["status"] == "active":
        row["status"] = "ended"


HANDLERS: dict[str, Handler] = {
    "OrderPlaced": _placed,
    "OrderShipped": _shipped,
    "OrderInvoiced": _invoiced,
    "CustomerDetailsChanged": _details_changed,
    "ContractStarted": _started,
    "ContractChanged": _contract_change(_lines_changed),
    "ContractCancelled": _contract_change(_cancelled),
    "ContractPeriodsInvoiced": _contract_change(_periods_invoiced),
}

PROJECTION = Projection("billing", billing_tables, _needs, HANDLERS)
