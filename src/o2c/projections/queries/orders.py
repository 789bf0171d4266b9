"""Orders: the current state of one order."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import select
from typing_extensions import TypedDict

from o2c.projections.queries.base import QueryBase
from o2c.projections.units import from_day, from_mills


class OrderView(TypedDict):
    """An order with its lines, invoices and credit decisions."""

    order_id: str
    customer_id: str
    status: str
    currency: str
    total: str
    ordered_on: str | None
    hold_reason: str | None
    lines: list[dict[str, Any]]
    invoice_ids: list[str]
    credit_decisions: list[dict[str, Any]]
    version: int


class OrderQueries(QueryBase):
    """Queries over the orders read model."""

    def order(self, order_id: UUID) -> OrderView | None:
        """Current state of an order."""
        with self.rs.engine.connect() as conn:
            o = self._t(conn, "orders")["orders"]
            row = conn.execute(select(o).where(o.c.order_id == str(order_id))).mappings().first()
            if row is None:
                return None
            cur = row["currency"]
            return OrderView(
                order_id=row["order_id"],
                customer_id=row["customer_id"],
                status=row["status"],
                currency=cur,
                total=from_mills(row["total"], cur),
                ordered_on=from_day(row["ordered_day"]),
                hold_reason=row["hold_reason"],
                lines=json.loads(row["lines"]),
                invoice_ids=json.loads(row["invoice_ids"]),
                credit_decisions=json.loads(row["credit_decisions"]),
                version=row["version"],
            )
