"""Bank statements and lines (the exception queue), and what the bank matcher reads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select
from typing_extensions import TypedDict

from o2c.domain.bank_matching import KnownPayer, OpenInvoiceRef
from o2c.domain.days import from_day
from o2c.domain.money import Money, from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor

LINE_STATUSES = ("pending", "applied", "unmatched", "duplicate", "debit")
_CHUNK = 500


class SuggestionView(TypedDict):
    """A candidate application of a queued line: these invoices of this customer (none: on
    account), with the matcher's score, named as a clerk knows them (the customer's name, the
    invoices' numbers)."""

    customer_id: str
    customer_name: str | None
    invoice_ids: list[str]
    invoice_numbers: list[str | None]
    score: float


class Names(TypedDict):
    """Customer names and invoice numbers by id, for the suggestions of a page of lines."""

    customers: dict[str, str]
    invoices: dict[str, str]


NO_NAMES = Names(customers={}, invoices={})


class BankLineView(TypedDict):
    """One statement line and what cash application did with it."""

    id: str
    statement_id: str
    line_id: str
    amount: str
    currency: str
    booked_on: str | None
    bank_reference: str | None
    payer_name: str | None
    payer_iban: str | None
    remittance: str
    status: str
    duplicate_of: str | None
    payment_id: str | None
    customer_id: str | None
    rule: str | None
    score: float | None
    decided_by: str | None
    reason: str | None
    suggestions: list[SuggestionView]


class BankStatementView(TypedDict):
    """A statement with a page of its lines, in file order."""

    statement_id: str
    account_id: str
    bank_statement_id: str
    currency: str
    period_start: str | None
    period_end: str | None
    file_format: str
    line_count: int
    imported_at: str
    lines: list[BankLineView]
    next: str | None


class BankLinePage(TypedDict):
    """Bank lines of a status, by statement and file order."""

    items: list[BankLineView]
    next: str | None


def line_view(row: Any, names: Names = NO_NAMES) -> BankLineView:
    """A lines row as the API shows it (its suggestions named from ``names``)."""
    cur = row["currency"]
    return BankLineView(
        id=row["line_key"],
        statement_id=row["statement_id"],
        line_id=row["line_id"],
        amount=from_mills(row["amount"], cur),
        currency=cur,
        booked_on=from_day(row["booked_day"]),
        bank_reference=row["bank_reference"],
        payer_name=row["payer_name"],
        payer_iban=row["payer_iban"],
        remittance=row["remittance"],
        status=row["status"],
        duplicate_of=row["duplicate_of"],
        payment_id=row["payment_id"],
        customer_id=row["customer_id"],
        rule=row["rule"],
        score=None if row["score"] is None else float(row["score"]),
        decided_by=row["decided_by"],
        reason=row["reason"],
        suggestions=[
            SuggestionView(
                customer_id=str(s["customer_id"]),
                customer_name=names["customers"].get(str(s["customer_id"])),
                invoice_ids=[str(i) for i in s["invoice_ids"]],
                invoice_numbers=[names["invoices"].get(str(i)) for i in s["invoice_ids"]],
                score=float(s["score"]),
            )
            for s in json.loads(row["suggestions"])
        ],
    )


class BankQueries(QueryBase):
    """Queries over the bank read model, and the book the matcher reads."""

    def _names(self, conn: Any, rows: Sequence[Any]) -> Names:
        """The names the suggestions of ``rows`` refer to: one query per kind of id."""
        customers: set[str] = set()
        invoices: set[str] = set()
        for row in rows:
            for s in json.loads(row["suggestions"]):
                customers.add(str(s["customer_id"]))
                invoices.update(str(i) for i in s["invoice_ids"])
        names = Names(customers={}, invoices={})
        if customers:
            c = self._t(conn, "accounts")["customers"]
            found = conn.execute(
                select(c.c.customer_id, c.c.name).where(c.c.customer_id.in_(sorted(customers)))
            )
            names["customers"] = {str(r[0]): str(r[1]) for r in found}
        if invoices:
            i = self._t(conn, "receivables")["invoices"]
            found = conn.execute(
                select(i.c.invoice_id, i.c.number).where(i.c.invoice_id.in_(sorted(invoices)))
            )
            names["invoices"] = {str(r[0]): str(r[1]) for r in found}
        return names

    def bank_statement(
        self, statement_id: UUID, *, after: str | None = None, limit: int = 100
    ) -> BankStatementView | None:
        """A statement and a page of its lines in file order."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int,))
        with self.rs.engine.connect() as conn:
            t = self._t(conn, "bank")
            s, ln = t["statements"], t["lines"]
            head = (
                conn.execute(select(s).where(s.c.statement_id == str(statement_id)))
                .mappings()
                .first()
            )
            if head is None:
                return None
            q = select(ln).where(ln.c.statement_id == str(statement_id))
            if cursor is not None:
                q = q.where(ln.c.seq > int(cursor[0]))
            rows = conn.execute(q.order_by(ln.c.seq).limit(limit + 1)).mappings().all()
            names = self._names(conn, rows[:limit])
        more = len(rows) > limit
        return BankStatementView(
            statement_id=head["statement_id"],
            account_id=head["account_id"],
            bank_statement_id=head["bank_statement_id"],
            currency=head["currency"],
            period_start=from_day(head["period_start_day"]),
            period_end=from_day(head["period_end_day"]),
            file_format=head["file_format"],
            line_count=int(head["lines"]),
            imported_at=head["imported_at"],
            lines=[line_view(r, names) for r in rows[:limit]],
            next=encode_cursor([int(rows[limit - 1]["seq"])]) if more else None,
        )

    def bank_line(self, line_key: UUID) -> BankLineView | None:
        """One line by its id."""
        with self.rs.engine.connect() as conn:
            ln = self._t(conn, "bank")["lines"]
            row = conn.execute(select(ln).where(ln.c.line_key == str(line_key))).mappings().first()
            return None if row is None else line_view(row, self._names(conn, [row]))

    def bank_lines(
        self,
        *,
        status: str | None = None,
        statement_id: UUID | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> BankLinePage:
        """Lines of a status (``unmatched``: the exception queue), by statement then file order."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str, int))
        with self.rs.engine.connect() as conn:
            ln = self._t(conn, "bank")["lines"]
            q = select(ln)
            if status is not None:
                q = q.where(ln.c.status == status)
            if statement_id is not None:
                q = q.where(ln.c.statement_id == str(statement_id))
            if cursor is not None:
                sid, seq = str(cursor[0]), int(cursor[1])
                q = q.where(
                    (ln.c.statement_id > sid) | ((ln.c.statement_id == sid) & (ln.c.seq > seq))
                )
            rows = (
                conn.execute(q.order_by(ln.c.statement_id, ln.c.seq).limit(limit + 1))
                .mappings()
                .all()
            )
            names = self._names(conn, rows[:limit])
        last = rows[limit - 1] if len(rows) > limit else None
        return BankLinePage(
            items=[line_view(r, names) for r in rows[:limit]],
            next=None if last is None else encode_cursor([last["statement_id"], int(last["seq"])]),
        )

    def seen_bank_lines(self, account_id: str, line_ids: Sequence[str]) -> dict[str, str]:
        """Of ``line_ids``, those some statement of ``account_id`` recorded: id → statement."""
        found: dict[str, str] = {}
        wanted = list(dict.fromkeys(line_ids))
        with self.rs.engine.connect() as conn:
            ln = self._t(conn, "bank")["lines"]
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                rows = conn.execute(
                    select(ln.c.line_id, ln.c.statement_id).where(
                        ln.c.account_id == account_id, ln.c.line_id.in_(chunk)
                    )
                )
                for line_id, statement in rows:
                    found.setdefault(str(line_id), str(statement))
        return found

    def open_invoice_refs(self, currency: str) -> list[OpenInvoiceRef]:
        """Every invoice of ``currency`` with an open amount, as the matcher reads it (a
        discount already taken is no longer offered)."""
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            rows = conn.execute(
                select(
                    i.c.invoice_id,
                    i.c.customer_id,
                    i.c.number,
                    i.c.open_amount,
                    i.c.due_day,
                    i.c.discount_amount,
                    i.c.discount_until_day,
                    i.c.discount_taken,
                    i.c.disputed,
                ).where(i.c.currency == currency, i.c.open_amount > 0)
            ).all()
        return [
            OpenInvoiceRef(
                invoice_id=UUID(r.invoice_id),
                customer_id=UUID(r.customer_id),
                number=r.number,
                open_amount=Money.from_mills(r.open_amount, currency).amount,
                currency=currency,
                due_on=_date(r.due_day),
                discount_amount=Money.from_mills(
                    0 if r.discount_taken else r.discount_amount, currency
                ).amount,
                discount_until=None
                if r.discount_until_day is None
                else _date(r.discount_until_day),
                disputed=bool(r.disputed),
            )
            for r in rows
        ]

    def known_payers(self, currency: str) -> list[KnownPayer]:
        """Every open account of ``currency`` with its name and IBANs."""
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            rows = conn.execute(
                select(c.c.customer_id, c.c.name, c.c.ibans).where(
                    c.c.currency == currency, c.c.closed.is_(False)
                )
            ).all()
        return [
            KnownPayer(
                customer_id=UUID(r.customer_id),
                name=r.name,
                ibans=tuple(json.loads(r.ibans)),
                currency=currency,
            )
            for r in rows
        ]


def _date(day: int) -> date:
    return date.fromordinal(int(day))
