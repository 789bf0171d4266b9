"""Invoices: one invoice, a search over all of them, a customer's open items, and the customers
a dunning run should look at."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select, tuple_
from typing_extensions import TypedDict

from o2c.domain.days import from_day
from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor

STATUSES = ("open", "settled", "written_off")


class InvoiceView(TypedDict):
    """An invoice with its figures, dispute and dunning state."""

    invoice_id: str
    number: str
    customer_id: str
    order_id: str | None
    currency: str
    status: str
    total: str
    open_amount: str
    issued_on: str | None
    due_on: str | None
    days_past_due: int
    discount_taken: str
    paid: str
    credited: str
    written_off: str
    disputed: bool
    dunning_level: int
    last_reminder_on: str | None
    discount_amount: str
    discount_until: str | None
    external_reference: str | None


class TaxGroupView(TypedDict):
    """One row of an invoice's VAT breakdown; amounts and the rate as decimal strings."""

    category: str
    rate: str
    taxable: str
    tax: str
    exemption_reason_code: str | None
    exemption_reason: str | None


class InvoiceDetail(InvoiceView):
    """An invoice with its lines (each with its tax and net), its tax (``None`` on an invoice
    without tax data: ``total`` is then what it always was) and its parties as issued."""

    lines: list[dict[str, Any]]
    net_total: str | None
    tax_total: str | None
    tax_breakdown: list[TaxGroupView] | None
    purchase_order: str | None
    seller: dict[str, Any] | None
    buyer: dict[str, Any] | None


class InvoicePage(TypedDict):
    """Invoices matching a search, by due date."""

    items: list[InvoiceView]
    next: str | None


class OpenItems(TypedDict):
    """A customer's invoices open on a date, oldest due first."""

    customer_id: str
    as_of: str
    items: list[InvoiceView]
    next: str | None


def invoice_view(row: dict[str, Any], as_of: date) -> InvoiceView:
    """An invoices row as the API shows it (days past due counted on ``as_of``)."""
    cur = row["currency"]
    return InvoiceView(
        invoice_id=row["invoice_id"],
        number=row["number"],
        customer_id=row["customer_id"],
        order_id=row["order_id"],
        currency=cur,
        status=row["status"],
        total=from_mills(row["total"], cur),
        open_amount=from_mills(row["open_amount"], cur),
        issued_on=from_day(row["issued_day"]),
        due_on=from_day(row["due_day"]),
        days_past_due=as_of.toordinal() - int(row["due_day"]),
        discount_taken=from_mills(row["discount_taken"], cur),
        paid=from_mills(row["paid"], cur),
        credited=from_mills(row["credited"], cur),
        written_off=from_mills(row["written_off"], cur),
        disputed=bool(row["disputed"]),
        dunning_level=row["dunning_level"],
        last_reminder_on=from_day(row["last_reminder_day"]),
        discount_amount=from_mills(row["discount_amount"], cur),
        discount_until=from_day(row["discount_until_day"]),
        external_reference=row["external_reference"],
    )


class InvoiceQueries(QueryBase):
    """Queries over the receivables read model's invoices."""

    def invoice(self, invoice_id: UUID) -> InvoiceDetail | None:
        """Current state of an invoice, with its lines."""
        with self.rs.engine.connect() as conn:
            tables = self._t(conn, "receivables")
            i, ln = tables["invoices"], tables["invoice_lines"]
            row = (
                conn.execute(
                    select(i, ln.c.lines, ln.c.document)
                    .join(ln, ln.c.invoice_id == i.c.invoice_id, isouter=True)
                    .where(i.c.invoice_id == str(invoice_id))
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        lines = json.loads(row["lines"] or "[]")
        doc = json.loads(row["document"] or "{}")
        return InvoiceDetail(
            **invoice_view(dict(row), date.today()),
            lines=lines,
            net_total=doc.get("net_total"),
            tax_total=doc.get("tax_total"),
            tax_breakdown=doc.get("tax_breakdown"),
            purchase_order=doc.get("purchase_order"),
            seller=doc.get("seller"),
            buyer=doc.get("buyer"),
        )

    def credit_note_invoice(self, credit_note_id: UUID) -> str | None:
        """The id of the invoice a credit note corrects, or ``None`` for an unknown one."""
        with self.rs.engine.connect() as conn:
            cn = self._t(conn, "receivables")["credit_notes"]
            found = conn.execute(
                select(cn.c.invoice_id).where(cn.c.credit_note_id == str(credit_note_id))
            ).scalar()
        return None if found is None else str(found)

    def invoices(
        self,
        *,
        today: date,
        customer_id: UUID | None = None,
        status: str | None = None,
        number: str | None = None,
        due_before: date | None = None,
        overdue: bool | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> InvoicePage:
        """Invoices by due date (then number), filtered; ``overdue`` counts on ``today``."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, str, str))
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            q = select(i)
            if customer_id is not None:
                q = q.where(i.c.customer_id == str(customer_id))
            if status is not None:
                q = q.where(i.c.status == status)
            if number is not None:
                # An imported invoice is also found by the number it had before.
                q = q.where((i.c.number == number) | (i.c.external_reference == number))
            if due_before is not None:
                q = q.where(i.c.due_day < due_before.toordinal())
            if overdue is not None:
                late = (i.c.due_day < today.toordinal()) & (i.c.open_amount > 0)
                q = q.where(late if overdue else ~late)
            keys = (i.c.due_day, i.c.number, i.c.invoice_id)
            if cursor is not None:
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            rows = conn.execute(q.order_by(*keys).limit(limit + 1)).mappings().all()
        return InvoicePage(
            items=[invoice_view(dict(r), today) for r in rows[:limit]],
            next=_next(rows, limit, ("due_day", "number", "invoice_id")),
        )

    def open_items(
        self,
        customer_id: UUID,
        *,
        as_of: date,
        status: str | None = None,
        overdue: bool | None = None,
        disputed: bool | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> OpenItems:
        """Invoices of a customer open on ``as_of``, with their open amount and days past due
        on that date (a past date shows what was open then; status, dispute and dunning
        level are the invoices' current ones), oldest due first, paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, str, str))
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            items_sq = self._open_as_of(conn, as_of, customer_id)
            q = (
                select(i, items_sq.c.open.label("open_then"))
                .join(items_sq, items_sq.c.invoice_id == i.c.invoice_id)
                .where(i.c.issued_day <= as_of.toordinal())
            )
            if status is not None:
                q = q.where(i.c.status == status)
            if disputed is not None:
                q = q.where(i.c.disputed == disputed)
            if overdue is not None:
                cond = i.c.due_day < as_of.toordinal()
                q = q.where(cond if overdue else ~cond)
            keys = (i.c.due_day, i.c.number, i.c.invoice_id)
            if cursor is not None:
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            rows = conn.execute(q.order_by(*keys).limit(limit + 1)).mappings().all()
        items = [invoice_view({**r, "open_amount": r["open_then"]}, as_of) for r in rows[:limit]]
        return OpenItems(
            customer_id=str(customer_id),
            as_of=as_of.isoformat(),
            items=items,
            next=_next(rows, limit, ("due_day", "number", "invoice_id")),
        )

    def reminded_since(self, customer_id: UUID, as_of: date) -> list[UUID]:
        """The customer's invoices last reminded on or after ``as_of`` (each reminded on
        ``as_of`` is among them)."""
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            rows = conn.execute(
                select(i.c.invoice_id)
                .where(
                    i.c.customer_id == str(customer_id),
                    i.c.last_reminder_day >= as_of.toordinal(),
                )
                .order_by(i.c.invoice_id)
            )
            return [UUID(r[0]) for r in rows]

    def customers_with_overdue(self, as_of: date) -> list[UUID]:
        """Customers with an open, undisputed invoice due before ``as_of``."""
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            rows = conn.execute(
                select(i.c.customer_id)
                .where(
                    i.c.open_amount > 0, i.c.disputed.is_(False), i.c.due_day < as_of.toordinal()
                )
                .distinct()
                .order_by(i.c.customer_id)
            )
            return [UUID(r[0]) for r in rows]


def _next(rows: Any, limit: int, keys: tuple[str, ...]) -> str | None:
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor([last[k] for k in keys])
