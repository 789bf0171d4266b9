"""Billing: who a billing run looks at, what is shipped and not invoiced, contracts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select, tuple_
from typing_extensions import TypedDict

from o2c.domain.billing_periods import MONTH, WEEK, Schedule, cut_off
from o2c.domain.days import from_day
from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


class UninvoicedLine(TypedDict):
    """Quantity of one sku shipped on one day and not invoiced."""

    sku: str
    description: str
    quantity: int
    shipped_on: str | None


class UninvoicedOrder(TypedDict):
    """An order with shipped goods not invoiced: the oldest shipment's day and age, the lines
    left, and their net value."""

    order_id: str
    customer_id: str
    currency: str
    oldest_shipped_on: str | None
    days_since_shipped: int
    lines: list[UninvoicedLine]
    value: str


class UninvoicedPage(TypedDict):
    """The uninvoiced report: orders shipped at least ``older_than_days`` before ``as_of``
    and not (fully) invoiced, oldest first."""

    as_of: str
    older_than_days: int
    items: list[UninvoicedOrder]
    next: str | None


class ContractPeriodView(TypedDict):
    """A contract's next period to invoice and the first day it may be."""

    index: int
    start: str
    end: str
    due_on: str


class ContractView(TypedDict):
    """A contract as the read model has it."""

    contract_id: str
    customer_id: str
    currency: str
    status: str
    interval: str
    billing: str
    start_on: str | None
    end_on: str | None
    lines: list[dict[str, Any]]
    periods_invoiced: int
    next_period: ContractPeriodView | None
    invoice_ids: list[str]
    version: int


class ContractPage(TypedDict):
    """Contracts, by id."""

    items: list[ContractView]
    next: str | None


def _contract_view(row: Any) -> ContractView:
    versions = json.loads(row["versions"])
    index = row["next_index"]
    lines = next((ls for first, ls in reversed(versions) if first <= index), versions[0][1])
    nxt: ContractPeriodView | None = None
    if row["next_due_day"] is not None:
        p = Schedule(date.fromordinal(row["start_day"]), row["interval"]).period(index)
        nxt = ContractPeriodView(
            index=p.index,
            start=p.start.isoformat(),
            end=p.end.isoformat(),
            due_on=p.due_on(row["billing"]).isoformat(),
        )
    return ContractView(
        contract_id=row["contract_id"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        status=row["status"],
        interval=row["interval"],
        billing=row["billing"],
        start_on=from_day(row["start_day"]),
        end_on=from_day(row["end_day"]),
        lines=lines,
        periods_invoiced=index,
        next_period=nxt,
        invoice_ids=json.loads(row["invoice_ids"]),
        version=row["version"],
    )


class BillingQueries(QueryBase):
    """Queries over the billing read model."""

    def billing_candidates(self, as_of: date) -> list[tuple[str, list[str]]]:
        """Customers a billing run as of ``as_of`` looks at, each with its contracts that have a
        period due: periodic customers with goods shipped up to their cut-off and not invoiced,
        and customers with a contract period due; by customer id."""
        week, month = cut_off(WEEK, as_of).toordinal(), cut_off(MONTH, as_of).toordinal()
        found: dict[str, list[str]] = {}
        with self.rs.engine.connect() as conn:
            t = self._t(conn, "billing")
            u, p, k = t["uninvoiced"], t["policies"], t["contracts"]
            due_goods = (
                select(u.c.customer_id)
                .join(p, p.c.customer_id == u.c.customer_id)
                .where(
                    p.c.mode == "periodic",
                    u.c.oldest_day.is_not(None),
                    or_(
                        and_(p.c.period == WEEK, u.c.oldest_day <= week),
                        and_(p.c.period == MONTH, u.c.oldest_day <= month),
                    ),
                )
                .distinct()
            )
            for (customer,) in conn.execute(due_goods):
                found.setdefault(str(customer), [])
            due_periods = select(k.c.customer_id, k.c.contract_id).where(
                k.c.next_due_day.is_not(None), k.c.next_due_day <= as_of.toordinal()
            )
            for customer, contract in conn.execute(due_periods):
                found.setdefault(str(customer), []).append(str(contract))
        return [(c, sorted(found[c])) for c in sorted(found)]

    def uninvoiced(
        self,
        *,
        as_of: date,
        older_than_days: int = 0,
        customer_id: UUID | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> UninvoicedPage:
        """Orders with goods shipped on or before ``as_of − older_than_days`` not invoiced
        (EU ViDA: an invoice within 10 days of the supply), oldest shipment first; paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, str))
        latest = (as_of - timedelta(days=older_than_days)).toordinal()
        with self.rs.engine.connect() as conn:
            u = self._t(conn, "billing")["uninvoiced"]
            q = select(u).where(u.c.oldest_day.is_not(None), u.c.oldest_day <= latest)
            if customer_id is not None:
                q = q.where(u.c.customer_id == str(customer_id))
            keys = (u.c.oldest_day, u.c.order_id)
            if cursor is not None:
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            rows = conn.execute(q.order_by(*keys).limit(limit + 1)).mappings().all()
        page = rows[:limit]
        items: list[UninvoicedOrder] = []
        for r in page:
            prices = json.loads(r["prices"])
            items.append(
                UninvoicedOrder(
                    order_id=r["order_id"],
                    customer_id=r["customer_id"],
                    currency=r["currency"],
                    oldest_shipped_on=from_day(r["oldest_day"]),
                    days_since_shipped=as_of.toordinal() - r["oldest_day"],
                    lines=[
                        UninvoicedLine(
                            sku=sku,
                            description=prices[sku]["description"],
                            quantity=qty,
                            shipped_on=from_day(day),
                        )
                        for day, sku, qty in json.loads(r["lots"])
                    ],
                    value=from_mills(r["value"], r["currency"]),
                )
            )
        last = page[-1] if page else None
        return UninvoicedPage(
            as_of=as_of.isoformat(),
            older_than_days=older_than_days,
            items=items,
            next=(
                encode_cursor([last["oldest_day"], last["order_id"]])
                if last is not None and len(rows) > limit
                else None
            ),
        )

    def contract(self, contract_id: UUID) -> ContractView | None:
        """A contract as of the read model."""
        with self.rs.engine.connect() as conn:
            k = self._t(conn, "billing")["contracts"]
            row = (
                conn.execute(select(k).where(k.c.contract_id == str(contract_id)))
                .mappings()
                .first()
            )
        return None if row is None else _contract_view(row)

    def contracts(
        self, *, customer_id: UUID | None = None, after: str | None = None, limit: int = 100
    ) -> ContractPage:
        """Contracts (of one customer), by id; paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str,))
        with self.rs.engine.connect() as conn:
            k = self._t(conn, "billing")["contracts"]
            q = select(k)
            if customer_id is not None:
                q = q.where(k.c.customer_id == str(customer_id))
            if cursor is not None:
                q = q.where(k.c.contract_id > cursor[0])
            rows = conn.execute(q.order_by(k.c.contract_id).limit(limit + 1)).mappings().all()
        page = rows[:limit]
        return ContractPage(
            items=[_contract_view(r) for r in page],
            next=encode_cursor([page[-1]["contract_id"]]) if len(rows) > limit else None,
        )
