"""Payments: one payment with its allocations, and the payments of a customer or with cash left."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import select
from typing_extensions import TypedDict

from o2c.domain.days import from_day
from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


class AllocationView(TypedDict):
    """Cash of the payment applied to one invoice, with the discount it earned."""

    invoice_id: str
    amount: str
    discount: str


class PaymentView(TypedDict):
    """A payment: amount, what is still unapplied, and where the rest went."""

    payment_id: str
    customer_id: str
    currency: str
    amount: str
    applied: str
    unapplied: str
    received_on: str | None
    method: str
    reference: str
    reversed: bool
    allocations: list[AllocationView]


class PaymentPage(TypedDict):
    """Payments, newest receipt first."""

    items: list[PaymentView]
    next: str | None


def payment_view(row: Any) -> PaymentView:
    """A payments row (joined with its account's currency) as the API shows it."""
    cur = row["currency"]
    allocations = json.loads(row["allocations"])
    applied = sum(int(a["amount"]) for a in allocations.values())
    return PaymentView(
        payment_id=row["payment_id"],
        customer_id=row["customer_id"],
        currency=cur,
        amount=from_mills(row["amount"], cur),
        applied=from_mills(applied, cur),
        unapplied=from_mills(row["unapplied"], cur),
        received_on=from_day(row["received_day"]),
        method=row["method"],
        reference=row["reference"],
        reversed=bool(row["reversed"]),
        allocations=[
            AllocationView(
                invoice_id=invoice_id,
                amount=from_mills(a["amount"], cur),
                discount=from_mills(a["discount"], cur),
            )
            for invoice_id, a in sorted(allocations.items())
        ],
    )


class PaymentQueries(QueryBase):
    """Queries over the payments read model."""

    def payment(self, payment_id: UUID) -> PaymentView | None:
        """One payment with its allocations."""
        with self.rs.engine.connect() as conn:
            p = self._t(conn, "payments")["payments"]
            c = self._t(conn, "accounts")["customers"]
            row = (
                conn.execute(
                    select(p, c.c.currency)
                    .join(c, c.c.customer_id == p.c.customer_id)
                    .where(p.c.payment_id == str(payment_id))
                )
                .mappings()
                .first()
            )
        return None if row is None else payment_view(row)

    def payments(
        self,
        *,
        customer_id: UUID | None = None,
        unapplied: bool | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> PaymentPage:
        """Payments, newest receipt first (then by id); ``unapplied=true`` keeps those with cash
        still to apply, ``false`` those fully applied or reversed."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, str))
        with self.rs.engine.connect() as conn:
            p = self._t(conn, "payments")["payments"]
            c = self._t(conn, "accounts")["customers"]
            q = select(p, c.c.currency).join(c, c.c.customer_id == p.c.customer_id)
            if customer_id is not None:
                q = q.where(p.c.customer_id == str(customer_id))
            if unapplied is not None:
                q = q.where(p.c.unapplied > 0 if unapplied else p.c.unapplied <= 0)
            if cursor is not None:
                day, pid = int(cursor[0]), str(cursor[1])
                q = q.where(
                    (p.c.received_day < day) | ((p.c.received_day == day) & (p.c.payment_id > pid))
                )
            rows = (
                conn.execute(q.order_by(p.c.received_day.desc(), p.c.payment_id).limit(limit + 1))
                .mappings()
                .all()
            )
        last = rows[limit - 1] if len(rows) > limit else None
        return PaymentPage(
            items=[payment_view(r) for r in rows[:limit]],
            next=None
            if last is None
            else encode_cursor([int(last["received_day"]), last["payment_id"]]),
        )
