"""Customer statements: opening balance, each debit and credit with its running balance, closing
balance — the lines paged, each page's running balances continuing from the page before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, case, func, select, tuple_
from typing_extensions import TypedDict

from o2c.domain.days import from_day
from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


class StatementLine(TypedDict):
    """One debit or credit on the statement."""

    date: str | None
    kind: str
    reference: str
    document_id: str
    invoice_number: str | None
    # A numbered credit note's own id (its PDF is found by it); None on every other line.
    credit_note_id: str | None
    debit: str
    credit: str
    balance: str


Statement = TypedDict(
    "Statement",
    {
        "customer_id": str,
        "name": str,
        "currency": str,
        "from": str,
        "to": str,
        "opening_balance": str,
        "lines": list[StatementLine],
        "closing_balance": str,
        "next": str | None,
    },
)


class StatementQueries(QueryBase):
    """Queries over the statements read model."""

    def statement(
        self,
        customer_id: UUID,
        *,
        start: date,
        end: date,
        after: str | None = None,
        limit: int = 100,
    ) -> Statement | None:
        """The statement of ``start`` … ``end`` (both included); ``None`` for an unknown id."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, int, int))
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            cust = conn.execute(
                select(c.c.name, c.c.currency).where(c.c.customer_id == str(customer_id))
            ).first()
            if cust is None:
                return None
            e = self._t(conn, "statements")["entries"]
            mine = e.c.customer_id == str(customer_id)
            first, last = start.toordinal(), end.toordinal()
            keys = (e.c.business_day, e.c.position, e.c.seq)

            def total(*where: ColumnElement[bool]) -> int:
                found = conn.execute(
                    select(func.coalesce(func.sum(e.c.amount), 0)).where(mine, *where)
                ).scalar()
                return int(found or 0)

            opening = total(e.c.business_day < first)
            closing = opening + total(e.c.business_day >= first, e.c.business_day <= last)
            in_period = (mine, e.c.business_day >= first, e.c.business_day <= last)
            carried = opening
            q = select(e).where(*in_period)
            if cursor is not None:
                before = tuple_(*keys) <= tuple_(*cursor)
                carried += total(e.c.business_day >= first, before)
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            rows = conn.execute(q.order_by(*keys).limit(limit + 1)).mappings().all()
            credit_notes = self._credit_note_ids(conn, rows[:limit])
        cur = cust[1]
        balance = carried
        lines: list[StatementLine] = []
        for r in rows[:limit]:
            amount = int(r["amount"])
            balance += amount
            lines.append(
                StatementLine(
                    date=from_day(r["business_day"]),
                    kind=r["kind"],
                    reference=r["reference"],
                    document_id=r["document"],
                    invoice_number=r["invoice_number"],
                    credit_note_id=credit_notes.get((r["document"], r["reference"]))
                    if r["kind"] == "credit_note"
                    else None,
                    debit=from_mills(max(amount, 0), cur),
                    credit=from_mills(max(-amount, 0), cur),
                    balance=from_mills(balance, cur),
                )
            )
        more = len(rows) > limit
        last_row = rows[limit - 1] if more else None
        statement: Statement = {
            "customer_id": str(customer_id),
            "name": cust[0],
            "currency": cur,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "opening_balance": from_mills(opening, cur),
            "lines": lines,
            "closing_balance": from_mills(closing, cur),
            "next": None
            if last_row is None
            else encode_cursor([last_row["business_day"], last_row["position"], last_row["seq"]]),
        }
        return statement

    def _credit_note_ids(self, conn: Connection, rows: Sequence[Any]) -> dict[tuple[str, str], str]:
        """The ids of the numbered credit notes among ``rows``, by (invoice, number)."""
        invoices = {r["document"] for r in rows if r["kind"] == "credit_note"}
        if not invoices:
            return {}
        cn = self._t(conn, "receivables")["credit_notes"]
        found = conn.execute(
            select(cn.c.invoice_id, cn.c.number, cn.c.credit_note_id).where(
                cn.c.invoice_id.in_(sorted(invoices)), cn.c.number.is_not(None)
            )
        )
        return {(str(i), str(n)): str(c) for i, n, c in found}

    def statement_customers(self, start: date, end: date) -> list[UUID]:
        """Customers with a non-zero balance on ``end`` or a booking in ``start`` … ``end``."""
        with self.rs.engine.connect() as conn:
            e = self._t(conn, "statements")["entries"]
            first, last = start.toordinal(), end.toordinal()
            booked = func.sum(case((e.c.business_day >= first, 1), else_=0))
            rows = conn.execute(
                select(e.c.customer_id)
                .where(e.c.business_day <= last)
                .group_by(e.c.customer_id)
                .having((func.sum(e.c.amount) != 0) | (booked > 0))
                .order_by(e.c.customer_id)
            )
            return [UUID(r[0]) for r in rows]
