"""What every read-model query shares: the live tables, open items as of a date, currencies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Subquery, Table, func, select
from typing_extensions import TypedDict

from o2c.domain.money import from_mills
from o2c.projections.readstore import ReadStore


class Bucket(TypedDict):
    """One aging bucket and its amount."""

    label: str
    amount: str


def buckets(names: list[str], values: Sequence[Any], currency: str | None) -> list[Bucket]:
    """Bucket labels paired with amounts formatted in ``currency``."""
    return [
        Bucket(label=n, amount=from_mills(v, currency)) for n, v in zip(names, values, strict=True)
    ]


class QueryBase:
    """Access to the live generation of the read models."""

    def __init__(self, read_store: ReadStore) -> None:
        self.rs = read_store

    def _t(self, conn: Connection, projection: str) -> dict[str, Table]:
        return self.rs.live_tables(conn, projection)

    def _dated(self, conn: Connection, table: str) -> Table:
        return self._t(conn, "receivables")[table]

    def _currencies(self, conn: Connection) -> list[str]:
        """Every currency an account of the book is kept in, sorted.

        A loose scan of the currency index (the next currency after the last, recursively): a
        probe per currency, where ``DISTINCT`` read every account (45 ms at 100,000).
        """
        c = self._t(conn, "accounts")["customers"]
        first = select(func.min(c.c.currency).label("currency")).cte("kept", recursive=True)
        following = (
            select(func.min(c.c.currency)).where(c.c.currency > first.c.currency).scalar_subquery()
        )
        kept = first.union_all(select(following).where(first.c.currency.is_not(None)))
        found = conn.execute(
            select(kept.c.currency).where(kept.c.currency.is_not(None)).order_by(kept.c.currency)
        )
        return [str(r[0]) for r in found]

    def _latest_movement_day(self, conn: Connection) -> int:
        book = self._dated(conn, "daybook")
        return int(conn.execute(select(func.max(book.c.business_day))).scalar() or 0)

    def _open_as_of(self, conn: Connection, as_of: date, customer_id: UUID | None) -> Subquery:
        """(invoice_id, customer_id, due_day, issued_day, open) of items open on ``as_of``.

        As of today (or any date on or after the latest movement) the invoices' current open
        amounts are the answer; as of an earlier date each invoice's movements up to that date
        are summed — the report the team would have printed that day.
        """
        t = self._t(conn, "receivables")
        i, m = t["invoices"], t["movements"]
        day = as_of.toordinal()
        if day >= self._latest_movement_day(conn):
            q = select(
                i.c.invoice_id,
                i.c.customer_id,
                i.c.due_day,
                i.c.issued_day,
                i.c.open_amount.label("open"),
            ).where(i.c.open_amount != 0)
            if customer_id is not None:
                q = q.where(i.c.customer_id == str(customer_id))
            return q.subquery()
        sums = select(
            m.c.invoice_id,
            m.c.customer_id,
            m.c.due_day,
            m.c.issued_day,
            func.sum(m.c.amount).label("open"),
        ).where(m.c.business_day <= day)
        if customer_id is not None:
            sums = sums.where(m.c.customer_id == str(customer_id))
        return (
            sums.group_by(m.c.invoice_id, m.c.customer_id, m.c.due_day, m.c.issued_day)
            .having(func.sum(m.c.amount) != 0)
            .subquery()
        )
