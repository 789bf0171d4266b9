"""Aging (per customer and for the portfolio) and the KPIs, per currency.

Every figure is a sum of dated movements with ``business_day <= as_of``, bucketed by the
invoice's due (or issue) day: today and any past date are the same query. Portfolio totals come
from the day-book (one row per currency × business day × due day × issue day), the page of
customers from the covering index on movements, so neither touches every invoice. Amounts of
different currencies are never added: the portfolio answers per currency (``by_currency``), and
its top-level figures are those of the one currency counted — null when several are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, case, func, select, tuple_
from typing_extensions import TypedDict

from o2c.domain.errors import InvalidInput
from o2c.domain.money import from_mills
from o2c.projections.aging import DEFAULT_BOUNDS, bucket_sums, labels, parse_bounds
from o2c.projections.queries.base import Bucket, QueryBase, buckets
from o2c.projections.queries.paging import PageSpec, clamp

BASES = ("due", "invoice")
SORTS = ("id", "name")

KPI_FORMULAS = {
    "dso": "closing AR / credit sales in period × days in period",
    "best_possible_dso": "closing current (not yet due) AR / credit sales × days",
    "average_days_delinquent": "DSO − best possible DSO",
    "cei": "(opening AR + credit sales − closing AR) / "
    "(opening AR + credit sales − closing current AR) × 100",
    "overdue_share": "overdue AR / closing AR × 100 (percent)",
}


class CustomerAging(TypedDict):
    """One customer's open AR by age bucket."""

    customer_id: str
    as_of: str
    basis: str
    currency: str | None
    buckets: list[Bucket]
    total: str


class CustomerLine(TypedDict):
    """One customer's line of the portfolio aging."""

    customer_id: str
    name: str
    currency: str
    buckets: list[Bucket]
    total: str


class CurrencyAging(TypedDict):
    """The portfolio's buckets in one currency."""

    currency: str
    totals: list[Bucket]
    total: str


class PortfolioAging(TypedDict):
    """The portfolio's buckets (per currency) and a page of its customers."""

    as_of: str
    basis: str
    currency: str | None
    totals: list[Bucket] | None
    total: str | None
    by_currency: list[CurrencyAging]
    customers: list[CustomerLine]
    next: str | None


class KpiFigures(TypedDict):
    currency: str | None
    opening_ar: str | None
    credit_sales: str | None
    closing_ar: str | None
    closing_current_ar: str | None
    overdue_ar: str | None
    dso: str | None
    best_possible_dso: str | None
    average_days_delinquent: str | None
    cei: str | None
    overdue_share: str | None


Kpis = TypedDict(
    "Kpis",
    {
        "from": str,
        "to": str,
        "days": int,
        "currency": str | None,
        "opening_ar": str | None,
        "credit_sales": str | None,
        "closing_ar": str | None,
        "closing_current_ar": str | None,
        "overdue_ar": str | None,
        "dso": str | None,
        "best_possible_dso": str | None,
        "average_days_delinquent": str | None,
        "cei": str | None,
        "overdue_share": str | None,
        "by_currency": list[KpiFigures],
        "formulas": dict[str, str],
    },
)


class AgingQueries(QueryBase):
    """Queries over the receivables read model's movements and day-book."""

    def customer_aging(
        self,
        customer_id: UUID,
        *,
        as_of: date,
        basis: str = "due",
        buckets: Sequence[int] | str | None = DEFAULT_BOUNDS,
    ) -> CustomerAging:
        """One customer's open AR by age bucket as of a date."""
        bounds, names = _checked(basis, buckets)
        with self.rs.engine.connect() as conn:
            return self._customer_aging(conn, customer_id, as_of, basis, bounds, names)

    def portfolio_aging(
        self,
        *,
        as_of: date,
        basis: str = "due",
        buckets: Sequence[int] | str | None = DEFAULT_BOUNDS,
        currency: str | None = None,
        after: str | None = None,
        limit: int = 100,
        sort: str = "id",
    ) -> PortfolioAging:
        """The book's buckets per currency (of ``currency`` only, if given) and a page of its
        customers by id or name (``sort``); ``after`` is the ``next`` cursor of the last page."""
        bounds, names = _checked(basis, buckets)
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {SORTS}", code="invalid-sort")
        with self.rs.engine.connect() as conn:
            page = PageSpec(after, clamp(limit), sort)
            return self._portfolio_aging(conn, as_of, basis, bounds, names, page, currency)

    def _customer_aging(
        self,
        conn: Connection,
        customer_id: UUID,
        as_of: date,
        basis: str,
        bounds: Sequence[int],
        names: list[str],
    ) -> CustomerAging:
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
        return CustomerAging(
            customer_id=str(customer_id),
            as_of=as_of.isoformat(),
            basis=basis,
            currency=currency,
            buckets=buckets(names, row[:-1], currency),
            total=from_mills(row[-1], currency),
        )

    def _portfolio_aging(
        self,
        conn: Connection,
        as_of: date,
        basis: str,
        bounds: Sequence[int],
        names: list[str],
        page_spec: PageSpec,
        currency: str | None,
    ) -> PortfolioAging:
        day = as_of.toordinal()
        book = self._dated(conn, "daybook")
        book_age = day - (book.c.due_day if basis == "due" else book.c.issued_day)
        q = select(
            book.c.currency,
            *bucket_sums(book_age, book.c.amount, bounds),
            func.coalesce(func.sum(book.c.amount), 0),
        ).where(book.c.business_day <= day)
        if currency is not None:
            q = q.where(book.c.currency == currency)
        per_currency = conn.execute(q.group_by(book.c.currency).order_by(book.c.currency)).all()
        by_currency = [
            CurrencyAging(
                currency=r[0], totals=buckets(names, r[1:-1], r[0]), total=from_mills(r[-1], r[0])
            )
            for r in per_currency
        ]
        single = self._single(conn, currency, [b["currency"] for b in by_currency])
        chosen = next((b for b in by_currency if b["currency"] == single), None)
        if single is not None and chosen is None:  # nothing open in that currency
            chosen = CurrencyAging(
                currency=single,
                totals=buckets(names, [0] * len(names), single),
                total=from_mills(0, single),
            )
        rows = self._customer_page(conn, day, basis, bounds, page_spec, currency)
        limit = page_spec.limit
        return PortfolioAging(
            as_of=as_of.isoformat(),
            basis=basis,
            currency=single,
            totals=None if chosen is None else chosen["totals"],
            total=None if chosen is None else chosen["total"],
            by_currency=by_currency,
            customers=[
                CustomerLine(
                    customer_id=r["customer_id"],
                    name=r["name"],
                    currency=r["currency"],
                    buckets=buckets(names, [r[f"b{i}"] for i in range(len(names))], r["currency"]),
                    total=from_mills(r["total"], r["currency"]),
                )
                for r in rows[:limit]
            ],
            next=page_spec.cursor_of(rows[limit - 1]) if len(rows) > limit else None,
        )

    def _single(self, conn: Connection, currency: str | None, counted: list[str]) -> str | None:
        """The currency the top-level figures are in: the one asked for, else the only one the
        book keeps (or counted); none when several are mixed."""
        if currency is not None:
            return currency
        if len(counted) > 1:
            return None
        kept = self._currencies(conn)
        if len(kept) == 1:
            return kept[0]
        return counted[0] if counted else None

    def _customer_page(
        self,
        conn: Connection,
        day: int,
        basis: str,
        bounds: Sequence[int],
        spec: PageSpec,
        currency: str | None,
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
            if currency is not None:
                q = q.where(c.c.currency == currency)
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

    # ---- KPIs -----------------------------------------------------------------------------

    def kpis(self, *, start: date, end: date, currency: str | None = None) -> Kpis:
        """DSO, best possible DSO, average days delinquent, CEI and overdue share for a period,
        per currency; the top-level figures are the single currency's (null when mixed)."""
        if end < start:
            raise InvalidInput("the period ends before it starts", code="invalid-period")
        days = (end - start).days + 1
        with self.rs.engine.connect() as conn:
            closing = self._ar_as_of(conn, end)
            opening = self._ar_as_of(conn, start - timedelta(days=1))
            sales = self._sales(conn, start, end)
            present = sorted(set(closing) | set(opening) | set(sales))
            if currency is not None:
                present = [currency]
            per = [
                _kpi_figures(
                    cur,
                    days,
                    opening.get(cur, (0, 0))[0],
                    sales.get(cur, 0),
                    *closing.get(cur, (0, 0)),
                )
                for cur in present
            ]
            single = self._single(conn, currency, present)
        top = next((f for f in per if f["currency"] == single), None)
        if top is None:
            top = _kpi_figures(single, days, 0, 0, 0, 0) if single else _no_figures()
        kpis: Kpis = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "days": days,
            **top,
            "by_currency": per,
            "formulas": KPI_FORMULAS,
        }
        return kpis

    def _ar_as_of(self, conn: Connection, as_of: date) -> dict[str, tuple[int, int]]:
        """Currency → (open AR, of which not yet due) on ``as_of``, from the day-book."""
        book = self._dated(conn, "daybook")
        day = as_of.toordinal()
        rows = conn.execute(
            select(
                book.c.currency,
                func.coalesce(func.sum(book.c.amount), 0),
                func.coalesce(func.sum(case((book.c.due_day >= day, book.c.amount), else_=0)), 0),
            )
            .where(book.c.business_day <= day)
            .group_by(book.c.currency)
        ).all()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def _sales(self, conn: Connection, start: date, end: date) -> dict[str, int]:
        """Currency → credit sales (invoices issued) in the period."""
        book = self._dated(conn, "daybook")
        rows = conn.execute(
            select(book.c.currency, func.coalesce(func.sum(book.c.invoiced), 0))
            .where(
                book.c.business_day >= start.toordinal(),
                book.c.business_day <= end.toordinal(),
            )
            .group_by(book.c.currency)
        ).all()
        return {str(r[0]): int(r[1]) for r in rows}


def _checked(basis: str, text: Sequence[int] | str | None) -> tuple[tuple[int, ...], list[str]]:
    if basis not in BASES:
        raise InvalidInput(f"basis must be one of {BASES}", code="invalid-basis")
    bounds = parse_bounds(text)
    return bounds, labels(bounds)


def _ratio(num: int, den: int, scale: int) -> str | None:
    if den == 0:
        return None
    return str((Decimal(num) * scale / Decimal(den)).quantize(Decimal("0.01")))


def _no_figures() -> KpiFigures:
    return KpiFigures(
        currency=None,
        opening_ar=None,
        credit_sales=None,
        closing_ar=None,
        closing_current_ar=None,
        overdue_ar=None,
        dso=None,
        best_possible_dso=None,
        average_days_delinquent=None,
        cei=None,
        overdue_share=None,
    )


def _kpi_figures(
    currency: str, days: int, opening: int, sales: int, closing: int, current: int
) -> KpiFigures:
    dso = None if sales == 0 else Decimal(closing) / sales * days
    best = None if sales == 0 else Decimal(current) / sales * days
    add = None if dso is None or best is None else dso - best
    q = Decimal("0.01")
    return KpiFigures(
        currency=currency,
        opening_ar=from_mills(opening, currency),
        credit_sales=from_mills(sales, currency),
        closing_ar=from_mills(closing, currency),
        closing_current_ar=from_mills(current, currency),
        overdue_ar=from_mills(closing - current, currency),
        dso=None if dso is None else str(dso.quantize(q)),
        best_possible_dso=None if best is None else str(best.quantize(q)),
        average_days_delinquent=None if add is None else str(add.quantize(q)),
        cei=_ratio(opening + sales - closing, opening + sales - current, 100),
        overdue_share=_ratio(closing - current, closing, 100),
    )
