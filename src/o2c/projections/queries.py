"""Read-model queries, answering in the response shapes of SPEC §7 (JSON-native values).

Aging, KPIs and the worklist are set-based SQL over the receivables tables. As of today (or any
date on or after the latest movement) they read the invoices' current open amounts; as of an
earlier date they sum each invoice's movements up to that date — the report the team would have
printed that day.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Subquery, Table, case, func, select, tuple_

from o2c.domain.errors import InvalidInput
from o2c.projections.aging import DEFAULT_BOUNDS, bucket_sums, labels, parse_bounds
from o2c.projections.readstore import ReadStore
from o2c.projections.units import MILLS, from_day, from_mills

BASES = ("due", "invoice")
SORTS = ("id", "name")


@dataclass(frozen=True)
class PageSpec:
    """A page of the portfolio: where it starts, how long it is, what it is ordered by.

    Sorted by id the cursor is the last customer id; sorted by name it is the last
    (name, id) pair, base64url-encoded JSON so it travels in a query string untouched.
    """

    after: str | None
    limit: int
    sort: str

    def position(self) -> tuple[str, ...] | None:
        """The cursor as key values (``None`` on the first page)."""
        if not self.after:
            return None
        if self.sort == "id":
            return (self.after,)
        try:
            name, cid = json.loads(base64.urlsafe_b64decode(self.after.encode()))
        except (ValueError, TypeError) as exc:
            raise InvalidInput("bad page cursor", code="invalid-cursor") from exc
        return (str(name), str(cid))

    def cursor_of(self, row: dict[str, Any]) -> str:
        """The cursor that continues after ``row``."""
        if self.sort == "id":
            return str(row["customer_id"])
        raw = json.dumps([row["name"], row["customer_id"]]).encode()
        return base64.urlsafe_b64encode(raw).decode()


class ReadQueries:
    """Queries over the live generation of every projection."""

    def __init__(self, read_store: ReadStore) -> None:
        self.rs = read_store

    def _t(self, conn: Connection, projection: str) -> dict[str, Table]:
        return self.rs.live_tables(conn, projection)

    # ---- customers, orders, invoices ------------------------------------------------------

    def customer(self, customer_id: UUID) -> dict[str, Any] | None:
        """Current state of an account with its exposure figures."""
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            row = (
                conn.execute(select(c).where(c.c.customer_id == str(customer_id)))
                .mappings()
                .first()
            )
            return None if row is None else _customer_view(dict(row))

    def order(self, order_id: UUID) -> dict[str, Any] | None:
        """Current state of an order."""
        with self.rs.engine.connect() as conn:
            o = self._t(conn, "orders")["orders"]
            row = conn.execute(select(o).where(o.c.order_id == str(order_id))).mappings().first()
            if row is None:
                return None
            cur = row["currency"]
            return {
                "order_id": row["order_id"],
                "customer_id": row["customer_id"],
                "status": row["status"],
                "currency": cur,
                "total": from_mills(row["total"], cur),
                "ordered_on": from_day(row["ordered_day"]),
                "hold_reason": row["hold_reason"],
                "lines": json.loads(row["lines"]),
                "invoice_ids": json.loads(row["invoice_ids"]),
                "credit_decisions": json.loads(row["credit_decisions"]),
                "version": row["version"],
            }

    def invoice(self, invoice_id: UUID) -> dict[str, Any] | None:
        """Current state of an invoice."""
        with self.rs.engine.connect() as conn:
            i = self._t(conn, "receivables")["invoices"]
            row = (
                conn.execute(select(i).where(i.c.invoice_id == str(invoice_id))).mappings().first()
            )
            return None if row is None else _invoice_view(dict(row), date.today())

    # ---- open items -----------------------------------------------------------------------

    def open_items(
        self,
        customer_id: UUID,
        *,
        as_of: date,
        status: str | None = None,
        overdue: bool | None = None,
        disputed: bool | None = None,
    ) -> dict[str, Any]:
        """Invoices of a customer open on ``as_of``, with their open amount and days past due
        on that date (a past date shows what was open then; status, dispute and dunning
        level are the invoices' current ones)."""
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
            rows = conn.execute(q.order_by(i.c.due_day, i.c.number)).mappings()
            items = [_invoice_view({**r, "open_amount": r["open_then"]}, as_of) for r in rows]
        return {"customer_id": str(customer_id), "as_of": as_of.isoformat(), "items": items}

    # ---- aging ----------------------------------------------------------------------------

    def aging(
        self,
        *,
        as_of: date,
        basis: str = "due",
        buckets: Sequence[int] | str | None = DEFAULT_BOUNDS,
        customer_id: UUID | None = None,
        after: str | None = None,
        limit: int = 100,
        sort: str = "id",
    ) -> dict[str, Any]:
        """Aging per customer (``customer_id``) or for the portfolio, paged by customer id or
        name (``sort``); ``after`` is the ``next`` cursor of the previous page.

        Every figure is a sum of dated movements with ``business_day <= as_of``, bucketed by the
        invoice's due (or issue) day: today and any past date are the same query. Portfolio totals
        come from the day-book (one row per business day × due day × issue day), the page of
        customers from the covering index on movements, so neither touches 250k invoices.
        """
        bounds = parse_bounds(buckets)
        if basis not in BASES:
            raise InvalidInput(f"basis must be one of {BASES}", code="invalid-basis")
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {SORTS}", code="invalid-sort")
        names = labels(bounds)
        with self.rs.engine.connect() as conn:
            if customer_id is not None:
                return self._customer_aging(conn, customer_id, as_of, basis, bounds, names)
            page = PageSpec(after, max(1, min(limit, 1000)), sort)
            return self._portfolio_aging(conn, as_of, basis, bounds, names, page)

    def _dated(self, conn: Connection, table: str) -> Table:
        return self._t(conn, "receivables")[table]

    def _customer_aging(
        self,
        conn: Connection,
        customer_id: UUID,
        as_of: date,
        basis: str,
        bounds: Sequence[int],
        names: list[str],
    ) -> dict[str, Any]:
        m = self._dated(conn, "movements")
        age = as_of.toordinal() - (m.c.due_day if basis == "due" else m.c.issued_day)
        row = conn.execute(
            select(*bucket_sums(age, m.c.amount, bounds), func.coalesce(func.sum(m.c.amount), 0))
            .where(m.c.customer_id == str(customer_id))
            .where(m.c.business_day <= as_of.toordinal())
        ).one()
        c = self._t(conn, "accounts")["customers"]
        currency = conn.execute(
            select(c.c.currency).where(c.c.customer_id == str(customer_id))
        ).scalar()
        return {
            "customer_id": str(customer_id),
            "as_of": as_of.isoformat(),
            "basis": basis,
            "currency": currency,
            "buckets": _buckets(names, row[:-1], currency),
            "total": from_mills(row[-1], currency),
        }

    def _portfolio_aging(
        self,
        conn: Connection,
        as_of: date,
        basis: str,
        bounds: Sequence[int],
        names: list[str],
        page_spec: PageSpec,
    ) -> dict[str, Any]:
        limit = page_spec.limit
        day = as_of.toordinal()
        book = self._dated(conn, "daybook")
        book_age = day - (book.c.due_day if basis == "due" else book.c.issued_day)
        totals = conn.execute(
            select(
                *bucket_sums(book_age, book.c.amount, bounds),
                func.coalesce(func.sum(book.c.amount), 0),
            ).where(book.c.business_day <= day)
        ).one()
        rows = self._customer_page(conn, day, basis, bounds, page_spec)
        page = rows[:limit]
        single = self._single_currency(conn)
        customers = [
            {
                "customer_id": r["customer_id"],
                "name": r["name"],
                "currency": r["currency"],
                "buckets": _buckets(names, [r[f"b{i}"] for i in range(len(names))], r["currency"]),
                "total": from_mills(r["total"], r["currency"]),
            }
            for r in page
        ]
        return {
            "as_of": as_of.isoformat(),
            "basis": basis,
            "currency": single,
            "totals": _buckets(names, totals[:-1], single),
            "total": from_mills(totals[-1], single),
            "customers": customers,
            "next": page_spec.cursor_of(page[-1]) if len(rows) > limit else None,
        }

    def _customer_page(
        self,
        conn: Connection,
        day: int,
        basis: str,
        bounds: Sequence[int],
        spec: PageSpec,
    ) -> list[dict[str, Any]]:
        """Up to ``limit + 1`` customers after the cursor (by id or name) with a balance on ``day``.

        Walks the customers in id order in growing chunks and sums only their movements
        (covering index), so a page costs the same whether the book has 100 or 100,000
        customers — a GROUP BY over every movement would not.
        """
        c = self._t(conn, "accounts")["customers"]
        m = self._dated(conn, "movements")
        age = day - (m.c.due_day if basis == "due" else m.c.issued_day)
        found: list[dict[str, Any]] = []
        cursor, chunk, limit = spec.position(), spec.limit + 1, spec.limit
        keys = (c.c.name, c.c.customer_id) if spec.sort == "name" else (c.c.customer_id,)
        while len(found) <= limit:
            q = select(c.c.customer_id, c.c.name, c.c.currency).order_by(*keys)
            if cursor is not None:
                q = q.where(tuple_(*keys) > tuple_(*cursor))
            listed = conn.execute(q.limit(chunk)).all()
            if not listed:
                break
            accounts = {r.customer_id: r for r in listed}
            sums = conn.execute(
                select(m.c.customer_id, *bucket_sums(age, m.c.amount, bounds))
                .add_columns(func.sum(m.c.amount).label("total"))
                .where(m.c.customer_id.in_(list(accounts)), m.c.business_day <= day)
                .group_by(m.c.customer_id)
                .having(func.sum(m.c.amount) != 0)
            ).mappings()
            order = {cid: n for n, cid in enumerate(accounts)}
            for r in sorted(sums, key=lambda r: order[r["customer_id"]]):
                account = accounts[r["customer_id"]]
                found.append({**r, "name": account.name, "currency": account.currency})
            last = listed[-1]
            cursor = (last.name, last.customer_id) if spec.sort == "name" else (last.customer_id,)
            chunk = min(chunk * 4, 4000)
        return found[: limit + 1]

    def _single_currency(self, conn: Connection) -> str | None:
        """The book's currency when every account has the same one (else totals mix them)."""
        c = self._t(conn, "accounts")["customers"]
        found = conn.execute(select(c.c.currency).distinct().limit(2)).scalars().all()
        return str(found[0]) if len(found) == 1 else None

    def _latest_movement_day(self, conn: Connection) -> int:
        book = self._dated(conn, "daybook")
        return int(conn.execute(select(func.max(book.c.business_day))).scalar() or 0)

    def _open_as_of(self, conn: Connection, as_of: date, customer_id: UUID | None) -> Subquery:
        """(invoice_id, customer_id, due_day, issued_day, open) of items open on ``as_of``."""
        t = self._t(conn, "receivables")
        i, m = t["invoices"], t["movements"]
        day = as_of.toordinal()
        if day >= self._latest_movement_day(conn):
            # Nothing is dated after ``as_of``: the invoices' current open amounts are the answer.
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

    # ---- credit exposure ------------------------------------------------------------------

    def credit_exposure(self, customer_id: UUID) -> dict[str, Any] | None:
        """Exposure of one customer."""
        view = self.customer(customer_id)
        return None if view is None else view["credit_exposure"]

    def credit_exposures(
        self, *, over_limit: bool | None = None, after: str | None = None, limit: int = 100
    ) -> dict[str, Any]:
        """Exposure of every customer, paged by customer id; ``over_limit`` filters."""
        limit = max(1, min(limit, 1000))
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            exposure = c.c.ar_balance + c.c.open_orders - c.c.unapplied_cash
            q = select(c)
            if over_limit is not None:
                q = q.where(
                    exposure > c.c.credit_limit if over_limit else exposure <= c.c.credit_limit
                )
            if after:
                q = q.where(c.c.customer_id > after)
            rows = conn.execute(q.order_by(c.c.customer_id).limit(limit + 1)).mappings().all()
        items = [_customer_view(dict(r))["credit_exposure"] for r in rows[:limit]]
        return {
            "items": items,
            "next": rows[limit - 1]["customer_id"] if len(rows) > limit else None,
        }

    # ---- statement ------------------------------------------------------------------------

    def statement(self, customer_id: UUID, *, start: date, end: date) -> dict[str, Any] | None:
        """Opening balance, each debit and credit with a running balance, closing balance."""
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            cust = conn.execute(
                select(c.c.name, c.c.currency).where(c.c.customer_id == str(customer_id))
            ).first()
            if cust is None:
                return None
            e = self._t(conn, "statements")["entries"]
            mine = e.c.customer_id == str(customer_id)
            opening = int(
                conn.execute(
                    select(func.coalesce(func.sum(e.c.amount), 0)).where(
                        mine, e.c.business_day < start.toordinal()
                    )
                ).scalar()
                or 0
            )
            rows = (
                conn.execute(
                    select(e)
                    .where(
                        mine,
                        e.c.business_day >= start.toordinal(),
                        e.c.business_day <= end.toordinal(),
                    )
                    .order_by(e.c.business_day, e.c.position, e.c.seq)
                )
                .mappings()
                .all()
            )
        cur = cust[1]
        balance = opening
        lines = []
        for r in rows:
            balance += int(r["amount"])
            lines.append(
                {
                    "date": from_day(r["business_day"]),
                    "kind": r["kind"],
                    "reference": r["reference"],
                    "document_id": r["document"],
                    "debit": from_mills(r["amount"], cur)
                    if r["amount"] > 0
                    else from_mills(0, cur),
                    "credit": from_mills(-r["amount"], cur)
                    if r["amount"] < 0
                    else from_mills(0, cur),
                    "balance": from_mills(balance, cur),
                }
            )
        return {
            "customer_id": str(customer_id),
            "name": cust[0],
            "currency": cur,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "opening_balance": from_mills(opening, cur),
            "lines": lines,
            "closing_balance": from_mills(balance, cur),
        }

    # ---- KPIs -----------------------------------------------------------------------------

    def _ar_as_of(self, conn: Connection, as_of: date) -> tuple[int, int]:
        """(open AR, of which not yet due) on ``as_of``, from the day-book."""
        book = self._dated(conn, "daybook")
        day = as_of.toordinal()
        row = conn.execute(
            select(
                func.coalesce(func.sum(book.c.amount), 0),
                func.coalesce(func.sum(case((book.c.due_day >= day, book.c.amount), else_=0)), 0),
            ).where(book.c.business_day <= day)
        ).one()
        return int(row[0]), int(row[1])

    def kpis(self, *, start: date, end: date) -> dict[str, Any]:
        """DSO, best possible DSO, average days delinquent, CEI and overdue share for a period."""
        if end < start:
            raise InvalidInput("the period ends before it starts", code="invalid-period")
        days = (end - start).days + 1
        with self.rs.engine.connect() as conn:
            closing, closing_current = self._ar_as_of(conn, end)
            opening, _ = self._ar_as_of(conn, start - timedelta(days=1))
            book = self._dated(conn, "daybook")
            sales = int(
                conn.execute(
                    select(func.coalesce(func.sum(book.c.invoiced), 0)).where(
                        book.c.business_day >= start.toordinal(),
                        book.c.business_day <= end.toordinal(),
                    )
                ).scalar()
                or 0
            )
            currency = self._single_currency(conn)
        return _kpi_view(start, end, days, opening, sales, closing, closing_current, currency)

    # ---- collections ----------------------------------------------------------------------

    def worklist(self, *, as_of: date, limit: int = 100) -> dict[str, Any]:
        """Overdue open items ranked by amount × days past due."""
        limit = max(1, min(limit, 1000))
        with self.rs.engine.connect() as conn:
            items = self._open_as_of(conn, as_of, None)
            i = self._t(conn, "receivables")["invoices"]
            c = self._t(conn, "accounts")["customers"]
            age = as_of.toordinal() - items.c.due_day
            # Rank on the narrow item set first; join names and dunning state to the top N only.
            top = (
                select(items.c.invoice_id, items.c.customer_id, items.c.open, age.label("age"))
                .where(age > 0, items.c.open > 0)
                .order_by((items.c.open * age).desc(), items.c.invoice_id)
                .limit(limit)
                .subquery()
            )
            rows = (
                conn.execute(
                    select(
                        top,
                        i.c.number,
                        i.c.currency,
                        i.c.due_day,
                        i.c.dunning_level,
                        i.c.disputed,
                        c.c.name,
                    )
                    .join(i, i.c.invoice_id == top.c.invoice_id)
                    .join(c, c.c.customer_id == top.c.customer_id, isouter=True)
                    .order_by((top.c.open * top.c.age).desc(), top.c.invoice_id)
                )
                .mappings()
                .all()
            )
        return {
            "as_of": as_of.isoformat(),
            "items": [
                {
                    "invoice_id": r["invoice_id"],
                    "number": r["number"],
                    "customer_id": r["customer_id"],
                    "customer_name": r["name"],
                    "open_amount": from_mills(r["open"], r["currency"]),
                    "due_on": from_day(r["due_day"]),
                    "days_past_due": int(r["age"]),
                    "priority": str(
                        (Decimal(int(r["open"])) / MILLS * int(r["age"])).quantize(Decimal("0.01"))
                    ),
                    "dunning_level": r["dunning_level"],
                    "disputed": bool(r["disputed"]),
                }
                for r in rows
            ],
        }

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


def _buckets(names: list[str], values: Sequence[Any], currency: str | None) -> list[dict[str, str]]:
    return [
        {"label": n, "amount": from_mills(v, currency)} for n, v in zip(names, values, strict=True)
    ]


def _customer_view(row: dict[str, Any]) -> dict[str, Any]:
    cur = row["currency"]
    limit, ar = int(row["credit_limit"]), int(row["ar_balance"])
    orders, cash = int(row["open_orders"]), int(row["unapplied_cash"])
    exposure = ar + orders - cash
    utilization = (
        None if limit == 0 else str((Decimal(exposure) * 100 / limit).quantize(Decimal("0.01")))
    )
    return {
        "customer_id": row["customer_id"],
        "name": row["name"],
        "currency": cur,
        "credit_limit": from_mills(limit, cur),
        "payment_terms": {
            "net_days": row["net_days"],
            "discount_percent": row["discount_percent"],
            "discount_days": row["discount_days"],
        },
        "on_hold": bool(row["on_hold"]),
        "hold_reason": row["hold_reason"],
        "closed": bool(row["closed"]),
        "ar_balance": from_mills(ar, cur),
        "unapplied_cash": from_mills(cash, cur),
        "open_orders": from_mills(orders, cur),
        "opened_at": row["opened_at"],
        "credit_exposure": {
            "customer_id": row["customer_id"],
            "currency": cur,
            "credit_limit": from_mills(limit, cur),
            "ar_balance": from_mills(ar, cur),
            "open_orders": from_mills(orders, cur),
            "unapplied_cash": from_mills(cash, cur),
            "exposure": from_mills(exposure, cur),
            "available": from_mills(limit - exposure, cur),
            "utilization": utilization,
            "on_hold": bool(row["on_hold"]),
            "over_limit": exposure > limit,
        },
    }


def _invoice_view(row: dict[str, Any], as_of: date) -> dict[str, Any]:
    cur = row["currency"]
    return {
        "invoice_id": row["invoice_id"],
        "number": row["number"],
        "customer_id": row["customer_id"],
        "order_id": row["order_id"],
        "currency": cur,
        "status": row["status"],
        "total": from_mills(row["total"], cur),
        "open_amount": from_mills(row["open_amount"], cur),
        "issued_on": from_day(row["issued_day"]),
        "due_on": from_day(row["due_day"]),
        "days_past_due": as_of.toordinal() - int(row["due_day"]),
        "discount_taken": from_mills(row["discount_taken"], cur),
        "paid": from_mills(row["paid"], cur),
        "credited": from_mills(row["credited"], cur),
        "written_off": from_mills(row["written_off"], cur),
        "disputed": bool(row["disputed"]),
        "dunning_level": row["dunning_level"],
        "last_reminder_on": from_day(row["last_reminder_day"]),
    }


def _ratio(num: int, den: int, scale: int) -> str | None:
    if den == 0:
        return None
    return str((Decimal(num) * scale / Decimal(den)).quantize(Decimal("0.01")))


def _kpi_view(
    start: date,
    end: date,
    days: int,
    opening: int,
    sales: int,
    closing: int,
    current: int,
    currency: str | None = None,
) -> dict[str, Any]:
    dso = None if sales == 0 else Decimal(closing) / sales * days
    best = None if sales == 0 else Decimal(current) / sales * days
    add = None if dso is None or best is None else dso - best
    q = Decimal("0.01")
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "days": days,
        "currency": currency,
        "opening_ar": from_mills(opening, currency),
        "credit_sales": from_mills(sales, currency),
        "closing_ar": from_mills(closing, currency),
        "closing_current_ar": from_mills(current, currency),
        "overdue_ar": from_mills(closing - current, currency),
        "dso": None if dso is None else str(dso.quantize(q)),
        "best_possible_dso": None if best is None else str(best.quantize(q)),
        "average_days_delinquent": None if add is None else str(add.quantize(q)),
        "cei": _ratio(opening + sales - closing, opening + sales - current, 100),
        "overdue_share": _ratio(closing - current, closing, 100),
        "formulas": {
            "dso": "closing AR / credit sales in period × days in period",
            "best_possible_dso": "closing current (not yet due) AR / credit sales × days",
            "average_days_delinquent": "DSO − best possible DSO",
            "cei": "(opening AR + credit sales − closing AR) / "
            "(opening AR + credit sales − closing current AR) × 100",
            "overdue_share": "overdue AR / closing AR × 100 (percent)",
        },
    }
