"""Customer accounts: current state, search by name, and credit exposure (one or the book)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Table, func, or_, select
from typing_extensions import TypedDict

from o2c.domain.money import from_mills
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


class TermsView(TypedDict):
    """Payment terms."""

    net_days: int
    discount_percent: str | None
    discount_days: int | None


class ExposureView(TypedDict):
    """exposure = AR balance + open orders − unapplied cash; available = limit − exposure."""

    customer_id: str
    currency: str
    credit_limit: str
    ar_balance: str
    open_orders: str
    unapplied_cash: str
    exposure: str
    available: str
    utilization: str | None
    on_hold: bool
    over_limit: bool


class BankAccountView(TypedDict):
    """A bank account the customer pays from."""

    iban: str
    holder: str | None


class BillingPolicyView(TypedDict):
    """When invoices are made (mode, period) and whether they are sent."""

    mode: str
    period: str | None
    send: bool


class AddressView(TypedDict):
    """A postal address."""

    lines: list[str]
    city: str
    postal_code: str | None
    country: str


class ContactView(TypedDict):
    """A contact for one purpose: billing, dunning or statements."""

    role: str
    name: str | None
    email: str


class CustomerView(TypedDict):
    """An account with its balances and exposure."""

    customer_id: str
    name: str
    currency: str
    credit_limit: str
    payment_terms: TermsView
    on_hold: bool
    hold_reason: str | None
    closed: bool
    ar_balance: str
    unapplied_cash: str
    open_orders: str
    opened_at: str
    credit_exposure: ExposureView
    # Bank accounts (compact IBANs) the customer pays from, as recorded.
    ibans: list[str]
    # The same with their holders' names (``None`` where none was given).
    bank_accounts: list[BankAccountView]
    customer_number: str | None
    legal_name: str | None
    address: AddressView | None
    vat_id: str | None
    peppol_id: str | None
    buyer_reference: str | None
    language: str | None
    contacts: list[ContactView]
    # domestic, intra_eu, export or exempt; null while the address or the seller's country is
    # unknown. ``tax_treatment_source``: ``set`` by a person or ``derived`` from the address.
    tax_treatment: str | None
    tax_treatment_source: str
    billing_policy: BillingPolicyView | None


class CustomerPage(TypedDict):
    """Customers matching a search, by name."""

    items: list[CustomerView]
    next: str | None


class ExposureTotals(TypedDict):
    """Exposure figures of every listed customer of one currency, added up."""

    currency: str
    customers: int
    credit_limit: str
    ar_balance: str
    open_orders: str
    unapplied_cash: str
    exposure: str


class ExposurePage(TypedDict):
    """Exposure per customer, paged by customer id, with totals per currency."""

    currency: str | None
    items: list[ExposureView]
    by_currency: list[ExposureTotals]
    next: str | None


def customer_view(row: dict[str, Any]) -> CustomerView:
    """A customers row as the API shows it."""
    cur = row["currency"]
    limit, ar = int(row["credit_limit"]), int(row["ar_balance"])
    orders, cash = int(row["open_orders"]), int(row["unapplied_cash"])
    exposure = ar + orders - cash
    utilization = (
        None if limit == 0 else str((Decimal(exposure) * 100 / limit).quantize(Decimal("0.01")))
    )
    ibans: list[str] = json.loads(row.get("ibans") or "[]")
    holders: dict[str, str] = json.loads(row.get("bank_holders") or "{}")
    return CustomerView(
        customer_id=row["customer_id"],
        name=row["name"],
        currency=cur,
        credit_limit=from_mills(limit, cur),
        payment_terms=TermsView(
            net_days=row["net_days"],
            discount_percent=row["discount_percent"],
            discount_days=row["discount_days"],
        ),
        on_hold=bool(row["on_hold"]),
        hold_reason=row["hold_reason"],
        closed=bool(row["closed"]),
        ar_balance=from_mills(ar, cur),
        unapplied_cash=from_mills(cash, cur),
        open_orders=from_mills(orders, cur),
        opened_at=row["opened_at"],
        credit_exposure=ExposureView(
            customer_id=row["customer_id"],
            currency=cur,
            credit_limit=from_mills(limit, cur),
            ar_balance=from_mills(ar, cur),
            open_orders=from_mills(orders, cur),
            unapplied_cash=from_mills(cash, cur),
            exposure=from_mills(exposure, cur),
            available=from_mills(limit - exposure, cur),
            utilization=utilization,
            on_hold=bool(row["on_hold"]),
            over_limit=exposure > limit,
        ),
        ibans=ibans,
        bank_accounts=[BankAccountView(iban=i, holder=holders.get(i)) for i in ibans],
        customer_number=row.get("customer_number"),
        legal_name=row.get("legal_name"),
        address=json.loads(row["address"]) if row.get("address") else None,
        vat_id=row.get("vat_id"),
        peppol_id=row.get("peppol_id"),
        buyer_reference=row.get("buyer_reference"),
        language=row.get("language"),
        contacts=json.loads(row.get("contacts") or "[]"),
        tax_treatment=row.get("tax_treatment"),
        tax_treatment_source=row.get("tax_treatment_source") or "derived",
        billing_policy=json.loads(row["billing_policy"]) if row.get("billing_policy") else None,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _matching(c: Table, q: str) -> ColumnElement[bool]:
    """Any of the searchable texts contains ``q``, ignoring case."""
    pattern = f"%{_escape_like(q.lower())}%"
    compact = f"%{_escape_like(''.join(q.split()).lower())}%"
    return or_(
        func.lower(c.c.name).like(pattern, escape="\\"),
        func.lower(c.c.legal_name).like(pattern, escape="\\"),
        func.lower(c.c.customer_number).like(pattern, escape="\\"),
        func.lower(c.c.vat_id).like(compact, escape="\\"),
        c.c.contact_emails.like(pattern, escape="\\"),
    )


class AccountQueries(QueryBase):
    """Queries over the accounts read model."""

    def customer(self, customer_id: UUID) -> CustomerView | None:
        """Current state of an account with its exposure figures."""
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            row = (
                conn.execute(select(c).where(c.c.customer_id == str(customer_id)))
                .mappings()
                .first()
            )
            return None if row is None else customer_view(dict(row))

    def customers(
        self, *, q: str | None = None, after: str | None = None, limit: int = 100
    ) -> CustomerPage:
        """Customers whose name, legal name, customer number, VAT ID or a contact's e-mail
        contains ``q`` (any case; spaces ignored for the VAT ID), ordered by name then id."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (str, str))
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            query = select(c)
            if q:
                query = query.where(_matching(c, q))
            if cursor is not None:
                query = query.where(
                    (c.c.name > cursor[0])
                    | ((c.c.name == cursor[0]) & (c.c.customer_id > cursor[1]))
                )
            rows = (
                conn.execute(query.order_by(c.c.name, c.c.customer_id).limit(limit + 1))
                .mappings()
                .all()
            )
        page = [customer_view(dict(r)) for r in rows[:limit]]
        more = len(rows) > limit
        return CustomerPage(
            items=page,
            next=encode_cursor([page[-1]["name"], page[-1]["customer_id"]]) if more else None,
        )

    def credit_exposure(self, customer_id: UUID) -> ExposureView | None:
        """Exposure of one customer."""
        view = self.customer(customer_id)
        return None if view is None else view["credit_exposure"]

    def credit_exposures(
        self,
        *,
        over_limit: bool | None = None,
        currency: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> ExposurePage:
        """Exposure of every customer (of ``currency``), paged by customer id; ``over_limit``
        filters. Totals come per currency: amounts of different currencies are never added."""
        limit = clamp(limit)
        with self.rs.engine.connect() as conn:
            c = self._t(conn, "accounts")["customers"]
            exposure = c.c.ar_balance + c.c.open_orders - c.c.unapplied_cash
            filters = []
            if over_limit is not None:
                filters.append(
                    exposure > c.c.credit_limit if over_limit else exposure <= c.c.credit_limit
                )
            if currency is not None:
                filters.append(c.c.currency == currency)
            q = select(c).where(*filters)
            if after:
                q = q.where(c.c.customer_id > after)
            rows = conn.execute(q.order_by(c.c.customer_id).limit(limit + 1)).mappings().all()
            sums = conn.execute(
                select(
                    c.c.currency,
                    func.count(),
                    func.sum(c.c.credit_limit),
                    func.sum(c.c.ar_balance),
                    func.sum(c.c.open_orders),
                    func.sum(c.c.unapplied_cash),
                    func.sum(exposure),
                )
                .where(*filters)
                .group_by(c.c.currency)
                .order_by(c.c.currency)
            ).all()
        by_currency = [
            ExposureTotals(
                currency=cur,
                customers=int(n),
                credit_limit=from_mills(lim, cur),
                ar_balance=from_mills(ar, cur),
                open_orders=from_mills(orders, cur),
                unapplied_cash=from_mills(cash, cur),
                exposure=from_mills(exp, cur),
            )
            for cur, n, lim, ar, orders, cash, exp in sums
        ]
        single = currency or (by_currency[0]["currency"] if len(by_currency) == 1 else None)
        return ExposurePage(
            currency=single,
            items=[customer_view(dict(r))["credit_exposure"] for r in rows[:limit]],
            by_currency=by_currency,
            next=rows[limit - 1]["customer_id"] if len(rows) > limit else None,
        )
