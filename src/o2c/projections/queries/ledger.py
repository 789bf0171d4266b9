"""General ledger: journal lines by posting date, the trial balance as of a date, and the export.

Lines are stored under a ledger *role*; the chart of accounts passed in (``O2C_GL_ACCOUNTS``)
names each role's account number and name as the ledger is read, so renumbering an account needs
no replay. Amounts are decimal strings at the currency's exponent, dates ISO strings. The export
walks the lines in keyset pages, so memory holds one page however long the period is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, func, select, tuple_
from typing_extensions import TypedDict

from o2c.domain.days import from_day
from o2c.domain.errors import InvalidInput
from o2c.domain.money import MillsFormat, from_mills
from o2c.ledger.postings import DEFAULT_CHART, Role
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor

Chart = Mapping[Role, tuple[str, str]]

EXPORT_PAGE = 5_000


class GlLine(TypedDict):
    """One debit or credit line of a journal entry (an entry is every line of one event)."""

    posting_date: str | None
    entry_id: int
    line: int
    event_id: str
    fact: str
    currency: str
    account: str
    account_name: str
    debit: str
    credit: str
    customer_id: str
    document_id: str
    document_number: str | None


class GlPage(TypedDict):
    """Journal lines by posting date, then entry, then line."""

    items: list[GlLine]
    next: str | None


class TrialBalanceAccount(TypedDict):
    """One account's debits and credits up to the date; balance = debit − credit."""

    account: str
    name: str
    debit: str
    credit: str
    balance: str


class TrialBalance(TypedDict):
    """Every account with postings up to ``as_of`` in one currency; debits equal credits."""

    as_of: str
    currency: str | None
    accounts: list[TrialBalanceAccount]
    debit: str
    credit: str


def account_of(role: Role, chart: Chart) -> tuple[str, str]:
    """(number, name) of a role's account in ``chart`` (the default one where it is silent)."""
    return chart.get(role, DEFAULT_CHART[role])


class LineFormat:
    """Rows of ``lines`` (selected as ``line_columns``) as ``GlLine``s under one chart.

    An export formats a million rows, so what repeats from row to row is worked out once per
    export: each role's account, each posting day's ISO date, each currency's decimals.
    """

    def __init__(self, chart: Chart) -> None:
        self.accounts = {role.value: account_of(role, chart) for role in Role}
        self.dates: dict[int, str | None] = {}
        self.formats: dict[str, MillsFormat] = {}

    def __call__(self, row: Sequence[Any]) -> GlLine:
        """One row as the API and the export show it."""
        day, position, seq, event_id, fact, cur, role, debit, credit, customer, document = row[:11]
        number, name = self.accounts[role]
        return GlLine(
            posting_date=self.date(day),
            entry_id=int(position),
            line=int(seq),
            event_id=event_id,
            fact=fact,
            currency=cur,
            account=number,
            account_name=name,
            debit=self.amount(debit, cur),
            credit=self.amount(credit, cur),
            customer_id=customer,
            document_id=document,
            document_number=row[11],
        )

    def date(self, day: int) -> str | None:
        """``from_day``, remembered: a period has few posting days and many lines."""
        if day not in self.dates:
            self.dates[day] = from_day(day)
        return self.dates[day]

    def amount(self, mills: int, currency: str) -> str:
        """A stored amount as text at its currency's exponent (one format per currency)."""
        format_ = self.formats.get(currency)
        if format_ is None:
            format_ = self.formats[currency] = MillsFormat.of(currency)
        return format_(mills)


def line_columns(lines: Table) -> tuple[Any, ...]:
    """The columns ``LineFormat`` reads, in the order it reads them (the sort key first)."""
    c = lines.c
    return (
        *_keys(lines),
        c.event_id,
        c.fact,
        c.currency,
        c.role,
        c.debit,
        c.credit,
        c.customer_id,
        c.document_id,
        c.document_number,
    )


def _keys(lines: Table) -> tuple[Any, Any, Any]:
    """The sort key of the journal, matching the ``lines_day`` index."""
    return lines.c.posting_day, lines.c.position, lines.c.seq


def _after(
    lines: Table, first: int | None, cursor: Sequence[int] | None, *, sqlite: bool
) -> list[ColumnElement[bool]]:
    """Lines from posting day ``first`` on, after the cursor's line.

    SQLite does not narrow an index scan by a row-value comparison, so there the cursor's day is
    also the plain lower bound: without it each page would rescan the period from its start.
    PostgreSQL does narrow it, and a second bound on the day would only spoil its row estimate
    (it then sorted the whole rest of the period for every page).
    """
    where: list[ColumnElement[bool]] = []
    if cursor is not None:
        where.append(tuple_(*_keys(lines)) > tuple_(*cursor))
        if sqlite:
            first = cursor[0] if first is None else max(first, cursor[0])
    if first is not None:
        where.append(lines.c.posting_day >= first)
    return where


def _cursor_of(row: Sequence[Any]) -> list[int]:
    return [int(row[0]), int(row[1]), int(row[2])]


class LedgerQueries(QueryBase):
    """Queries over the general-ledger read model."""

    def _lines(self, conn: Connection) -> Table:
        return self._t(conn, "ledger")["lines"]

    def gl_entries(
        self,
        *,
        start: date | None = None,
        end: date | None = None,
        role: Role | None = None,
        currency: str | None = None,
        chart: Chart = DEFAULT_CHART,
        after: str | None = None,
        limit: int = 100,
    ) -> GlPage:
        """Journal lines posted from ``start`` to ``end`` (both included, either open), of one
        account's role and currency if given, by posting date, entry and line; paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int, int, int))
        with self.rs.engine.connect() as conn:
            lines = self._lines(conn)
            where = _after(
                lines, start.toordinal() if start else None, cursor, sqlite=self.rs.is_sqlite
            )
            if end is not None:
                where.append(lines.c.posting_day <= end.toordinal())
            if role is not None:
                where.append(lines.c.role == role.value)
            if currency is not None:
                where.append(lines.c.currency == currency)
            q = select(*line_columns(lines)).where(*where)
            rows = conn.execute(q.order_by(*_keys(lines)).limit(limit + 1)).all()
        last = rows[limit - 1] if len(rows) > limit else None
        line = LineFormat(chart)
        return GlPage(
            items=[line(r) for r in rows[:limit]],
            next=None if last is None else encode_cursor(_cursor_of(last)),
        )

    def ledger_currencies(self) -> list[str]:
        """Every currency the ledger keeps accounts in (those of the opened accounts), sorted."""
        with self.rs.engine.connect() as conn:
            customers = self._t(conn, "ledger")["account_currencies"]
            found = conn.execute(
                select(customers.c.currency).distinct().order_by(customers.c.currency)
            )
            return [str(r[0]) for r in found]

    def trial_balance(
        self, *, as_of: date, currency: str | None = None, chart: Chart = DEFAULT_CHART
    ) -> TrialBalance:
        """Debits, credits and balance of every account with postings up to ``as_of``, in
        ``currency`` — by default the ledger's only one; a book kept in several currencies
        must name one (``currency-required``): amounts of two currencies are never added."""
        currency = currency or self._only_currency()
        with self.rs.engine.connect() as conn:
            book = self._t(conn, "ledger")["daybook"]
            sums = conn.execute(
                select(book.c.role, func.sum(book.c.debit), func.sum(book.c.credit))
                .where(book.c.currency == currency, book.c.posting_day <= as_of.toordinal())
                .group_by(book.c.role)
            ).all()
        accounts = sorted(
            (_balance_line(Role(r[0]), int(r[1]), int(r[2]), currency, chart) for r in sums),
            key=lambda a: a["account"],
        )
        return TrialBalance(
            as_of=as_of.isoformat(),
            currency=currency,
            accounts=accounts,
            debit=from_mills(sum(int(r[1]) for r in sums), currency),
            credit=from_mills(sum(int(r[2]) for r in sums), currency),
        )

    def _only_currency(self) -> str | None:
        kept = self.ledger_currencies()
        if len(kept) > 1:
            raise InvalidInput(
                f"the ledger is kept in {', '.join(kept)}: name one with currency=",
                code="currency-required",
            )
        return kept[0] if kept else None

    def gl_export(
        self, *, start: date, end: date, chart: Chart = DEFAULT_CHART, page: int = EXPORT_PAGE
    ) -> Iterator[list[GlLine]]:
        """Every line posted from ``start`` to ``end`` (both included) in journal order, one
        keyset page (``page`` lines) at a time: memory holds one page, never the period.

        The end of the ledger is taken now (eagerly, so an unreachable database fails before a
        response starts): lines projected while the export runs are left out of it, and a page
        is read on a connection of its own, so a slow reader never holds one open.
        """
        with self.rs.engine.connect() as conn:
            lines = self._lines(conn)
            newest = conn.execute(select(func.max(lines.c.position))).scalar()
        bounds = (start.toordinal(), end.toordinal(), int(newest or 0))
        return self._pages(bounds, chart, max(1, page))

    def _pages(
        self, bounds: tuple[int, int, int], chart: Chart, page: int
    ) -> Iterator[list[GlLine]]:
        first, last, newest = bounds
        line = LineFormat(chart)
        cursor: list[int] | None = None
        while True:
            with self.rs.engine.connect() as conn:
                lines = self._lines(conn)
                where = _after(lines, first, cursor, sqlite=self.rs.is_sqlite)
                q = select(*line_columns(lines)).where(
                    *where, lines.c.posting_day <= last, lines.c.position <= newest
                )
                rows = conn.execute(q.order_by(*_keys(lines)).limit(page)).all()
            if rows:
                yield [line(r) for r in rows]
            if len(rows) < page:
                return
            cursor = _cursor_of(rows[-1])


def _balance_line(
    role: Role, debit: int, credit: int, currency: str | None, chart: Chart
) -> TrialBalanceAccount:
    number, name = account_of(role, chart)
    return TrialBalanceAccount(
        account=number,
        name=name,
        debit=from_mills(debit, currency),
        credit=from_mills(credit, currency),
        balance=from_mills(debit - credit, currency),
    )
