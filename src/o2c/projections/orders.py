"""Orders projection: status, per-line ordered, shipped, cancelled, invoiced; decisions."""

from __future__ import annotations

import json
from typing import Any

from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import orders_tables

T = "orders"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    return [(T, env.aggregate_id)] if env.aggregate_type == "Order" else []


def _placed(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    lines = [{**ln, "shipped": 0, "cancelled": 0, "invoiced": 0} for ln in d["lines"]]
    rows.put(
        T,
        env.aggregate_id,
        {
            "order_id": env.aggregate_id,
            "customer_id": d["customer_id"],
            "currency": d["currency"],
            "status": "credit_hold",
            "total": to_mills(d["total"]),
            "ordered_day": to_day(d["ordered_on"]),
            "hold_reason": None,
            "lines": json.dumps(lines),
            "invoice_ids": "[]",
            "credit_decisions": "[]",
            "version": env.version,
        },
    )


def _update(rows: RowCache, env: EventEnvelope, change: Any) -> None:
    row = rows.get(T, env.aggregate_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: order {env.aggregate_id} unknown")
    change(row)
    row["version"] = env.version
    rows.touch(T, env.aggregate_id)


def _decision(status: str) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        def change(row: dict[str, Any]) -> None:
            decisions = json.loads(row["credit_decisions"])
            decisions.append(
                {
                    "decision": "approved" if status == "approved" else "held",
                    "override": bool(env.data.get("override", False)),
                    "reason": env.data["reason"],
                    "exposure": env.data["exposure"],
                    "actor": env.actor,
                    "at": env.recorded_at,
                }
            )
            row["credit_decisions"] = json.dumps(decisions)
            row["status"] = status
            row["hold_reason"] = env.data["reason"] if status == "credit_hold" else None

        _update(rows, env, change)

    return handler


def _quantities(field: str) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        def change(row: dict[str, Any]) -> None:
            lines = {ln["sku"]: ln for ln in json.loads(row["lines"])}
            for ln in env.data["lines"]:
                lines[ln["sku"]][field] += ln["quantity"]
            row["lines"] = json.dumps(list(lines.values()))
            row["status"] = _status(row["status"], list(lines.values()))
            if field == "invoiced":
                ids = json.loads(row["invoice_ids"])
                ids.append(env.data["invoice_id"])
                row["invoice_ids"] = json.dumps(ids)

        _update(rows, env, change)

    return handler


def _status(current: str, lines: list[dict[str, Any]]) -> str:
    """Same rule as the aggregate: cancelled if nothing shipped, completed once all is settled."""
    if all(ln["cancelled"] + ln["shipped"] == ln["quantity"] for ln in lines) and not any(
        ln["shipped"] for ln in lines
    ):
        return "cancelled"
    if all(ln["invoiced"] + ln["cancelled"] == ln["quantity"] for ln in lines):
        return "completed"
    return current


HANDLERS: dict[str, Handler] = {
    "OrderPlaced": _placed,
    "OrderApproved": _decision("approved"),
    "OrderCreditHeld": _decision("credit_hold"),
    "OrderShipped": _quantities("shipped"),
    "OrderCancelled": _quantities("cancelled"),
    "OrderInvoiced": _quantities("invoiced"),
}

PROJECTION = Projection("orders", orders_tables, _needs, HANDLERS)
