"""Orders: the current state of one order."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import select, tuple_
from typing_extensions import TypedDict

from o2c.domain.days import from_day
from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


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


class OrderPage(TypedDict):
    """Orders matching a search, oldest first."""

    items: list[OrderView]
    next: str | None


def _order_view(row: Any) -> OrderView:
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


class OrderQueries(QueryBase):
    """Queries over the orders read model."""

    def order(self, order_id: UUID) -> OrderView | None:
        """Current state of an order."""
        with self.rs.engine.connect() as conn:
            o = self._t(conn, "orders")["orders"]
            row = conn.execute(select(o).where(o.c.order_id == str(order_id))).mappings().first()
            if row is None:
                return None
            return _order_view(row)

    def orders(
        self,
        *,
        customer_id: UUID | None = None,
        status: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> OrderPage:
        """Orders by order date (then id), filtered by customer and status (``credit_hold``:
        what a credit manager may release); paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, str))
        with self.rs.engine.connect() as conn:
            o = self._t(conn, "orders")["orders"]
            q = select(o)
            if customer_id is not None:
                q = q.where(o.c.customer_id == str(customer_id))
            if status is not None:
                q = q.where(o.c.status == status)
            keys = (o.c.ordered_day, o.c.order_id)
            if cursor is not None:
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            rows = conn.execute(q.order_by(*keys).limit(limit + 1)).mappings().all()
        page = rows[:limit]
        last = page[-1] if page else None
        return OrderPage(
            items=[_order_view(r) for r in page],
            next=(
                encode_cursor([last["ordered_day"], last["order_id"]])
                if last is not None and len(rows) > limit
                else None
            ),
        )
