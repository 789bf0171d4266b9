"""Payments projection: each payment with its unapplied cash and allocations."""

from __future__ import annotations

import json
from typing import Any

from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import payments_tables

T = "payments"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    pid = env.data.get("payment_id")
    return [(T, pid)] if pid and env.aggregate_type == "CustomerAccount" else []


def _received(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    rows.put(
        T,
        d["payment_id"],
        {
            "payment_id": d["payment_id"],
            "customer_id": env.aggregate_id,
            "amount": to_mills(d["amount"]),
            "unapplied": to_mills(d["amount"]),
            "received_day": to_day(d["received_on"]),
            "method": d["method"],
            "reference": d["reference"],
            "reversed": False,
            "allocations": "{}",
        },
    )


def _change(change: Any) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = rows.get(T, env.data["payment_id"])
        if row is None:
            raise MissingRow(f"{env.event_type} at {env.position}: payment unknown")
        change(row, env.data)
        rows.touch(T, env.data["payment_id"])

    return handler


def _allocated(row: dict[str, Any], d: dict[str, Any]) -> None:
    allocations = json.loads(row["allocations"])
    prior = allocations.get(d["invoice_id"], {"amount": 0, "discount": 0})
    allocations[d["invoice_id"]] = {
        "amount": prior["amount"] + to_mills(d["amount"]),
        "discount": prior["discount"] + to_mills(d["discount"]),
    }
    row["allocations"] = json.dumps(allocations)
    row["unapplied"] -= to_mills(d["amount"])


def _deallocated(row: dict[str, Any], d: dict[str, Any]) -> None:
    allocations = json.loads(row["allocations"])
    allocations.pop(d["invoice_id"], None)
    row["allocations"] = json.dumps(allocations)
    row["unapplied"] += to_mills(d["amount"])


def _reversed(row: dict[str, Any], d: dict[str, Any]) -> None:
    row["reversed"] = True
    row["unapplied"] = 0


def _refunded(row: dict[str, Any], d: dict[str, Any]) -> None:
    row["unapplied"] -= to_mills(d["amount"])


HANDLERS: dict[str, Handler] = {
    "PaymentReceived": _received,
    "PaymentAllocated": _change(_allocated),
    "PaymentDeallocated": _change(_deallocated),
    "PaymentReversed": _change(_reversed),
    "PaymentRefunded": _change(_refunded),
}

PROJECTION = Projection("payments", payments_tables, _needs, HANDLERS)
