"""Collections: the worklist with its explained priority and the follow-ups due, a customer's
notes, an invoice's promises, and the cash forecast.

The worklist's inputs are gathered as of a day with a few set-based queries and ranked by
``o2c.collections.worklist.rank``; ``worklist_page`` shapes any such inputs (also those a replay
of the log folded) into the response, so the two can be compared row by row.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, case, func, or_, select
from typing_extensions import TypedDict

from o2c.collections.forecast import ExpectedReceipt, expected_on, weekly_expected
from o2c.collections.priority import BEHAVIOUR_INVOICES, Settled, usual_days_late
from o2c.collections.worklist import (
    CustomerFacts,
    FollowUp,
    OverdueItem,
    PendingPromise,
    WorklistInputs,
    WorkRow,
    follow_ups_due,
    rank,
)
from o2c.domain.days import from_day
from o2c.domain.errors import InvalidInput
from o2c.domain.money import MILLS, from_mills, quantum
from o2c.domain.promises import BROKEN, PENDING
from o2c.projections.queries.base import QueryBase
from o2c.projections.queries.paging import clamp, decode_cursor, encode_cursor


class HeldLetter(TypedDict):
    """A letter to the customer kept back because its address bounced."""

    delivery_id: str
    document: str
    address: str
    reason: str
    queued_at: str


class PromiseView(TypedDict):
    """A promise to pay: pending, kept or broken (``outcome_on``: the day it was decided)."""

    promise_id: str
    invoice_id: str
    promised_on: str
    deadline: str
    amount: str
    status: str
    made_on: str | None
    made_by: str | None
    note: str | None
    outcome_on: str | None


class WorkItem(TypedDict):
    """An overdue open item to chase: its priority ``score`` and the ``components`` it was
    computed from, the customer's collector, a pending promise and held letters."""

    invoice_id: str
    number: str
    customer_id: str
    customer_name: str | None
    currency: str
    open_amount: str
    due_on: str | None
    days_past_due: int
    priority: str
    score: str
    components: dict[str, Any]
    dunning_level: int
    disputed: bool
    collector: str | None
    promise: PromiseView | None
    held_letters: list[HeldLetter]


class FollowUpView(TypedDict):
    """A customer whose latest note asks to follow up on or before the worklist's day."""

    customer_id: str
    customer_name: str | None
    collector: str | None
    note_id: str
    text: str
    follow_up_on: str
    noted_on: str
    author: str


class Worklist(TypedDict):
    """Overdue open items by priority score, the follow-ups due, and how it was worked out."""

    as_of: str
    known_at: str | None
    sorted_by: str
    source: str
    items: list[WorkItem]
    follow_ups: list[FollowUpView]
    next: str | None


class NoteView(TypedDict):
    """A collector's note."""

    note_id: str
    customer_id: str
    text: str
    follow_up_on: str | None
    noted_on: str
    author: str


class NotePage(TypedDict):
    """A customer's notes, newest first."""

    customer_id: str
    items: list[NoteView]
    next: str | None


class PromisePage(TypedDict):
    """An invoice's promises to pay, newest first."""

    invoice_id: str
    items: list[PromiseView]


class ForecastWeek(TypedDict):
    """Receipts expected in the seven days from ``week_start``."""

    week_start: str
    expected: str


class Forecast(TypedDict):
    """Expected receipts per week from ``as_of`` (week 1 starts on it)."""

    currency: str
    as_of: str
    method: str
    weeks: list[ForecastWeek]
    total: str


SORTED_BY = (
    "score = overdue amount × days past due × (1 + 0.25 × dunning level + 0.5 × broken "
    "promises + 0.5 if over the credit limit + usual days late / 100), highest first"
)


def _money(mills: Any) -> Decimal:
    return Decimal(int(mills or 0)) / MILLS


def _promise_view(p: PendingPromise, invoice_id: str, currency: str) -> PromiseView:
    return PromiseView(
        promise_id=p.promise_id,
        invoice_id=invoice_id,
        promised_on=p.promised_on.isoformat(),
        deadline=p.deadline.isoformat(),
        amount=str(p.amount.quantize(quantum(currency))),
        status=PENDING,
        made_on=None,
        made_by=None,
        note=None,
        outcome_on=None,
    )


def _work_item(row: WorkRow) -> WorkItem:
    item, c = row.item, row.components
    q = quantum(item.currency)
    priority = (item.open_amount * c.days_past_due).quantize(Decimal("0.01"))
    return WorkItem(
        invoice_id=item.invoice_id,
        number=item.number,
        customer_id=item.customer_id,
        customer_name=row.customer.name,
        currency=item.currency,
        open_amount=str(item.open_amount.quantize(q)),
        due_on=item.due_on.isoformat(),
        days_past_due=c.days_past_due,
        priority=str(priority),
        score=str(c.score),
        components=c.as_json(q),
        dunning_level=item.dunning_level,
        disputed=item.disputed,
        collector=row.customer.collector,
        promise=(
            None
            if row.promise is None
            else _promise_view(row.promise, item.invoice_id, item.currency)
        ),
        held_letters=[],
    )


def _follow_up_view(c: CustomerFacts) -> FollowUpView:
    f = c.follow_up
    assert f is not None
    return FollowUpView(
        customer_id=c.customer_id,
        customer_name=c.name,
        collector=c.collector,
        note_id=f.note_id,
        text=f.text,
        follow_up_on=f.follow_up_on.isoformat(),
        noted_on=f.noted_on.isoformat(),
        author=f.author,
    )


def worklist_cursor(after: str | None) -> tuple[int, str] | None:
    """The (exact key, invoice id) a worklist page continues after."""
    # The key travels as text: it may exceed what a JSON integer safely holds.
    cursor = decode_cursor(after, (str, str))
    if cursor is None:
        return None
    if not str(cursor[0]).isdigit():
        raise InvalidInput("bad page cursor", code="invalid-cursor")
    return int(cursor[0]), str(cursor[1])


def shaped_worklist(
    inputs: WorklistInputs,
    rows: list[WorkRow],
    *,
    more: bool,
    collector: str | None,
    known_at: str | None = None,
    source: str,
) -> Worklist:
    """The response for ranked ``rows`` (``more``: another page follows)."""
    last = rows[-1] if rows else None
    return Worklist(
        as_of=inputs.as_of.isoformat(),
        known_at=known_at,
        sorted_by=SORTED_BY,
        source=source,
        items=[_work_item(r) for r in rows],
        follow_ups=[_follow_up_view(c) for c in follow_ups_due(inputs, collector)],
        next=(
            encode_cursor([str(last.components.key), last.item.invoice_id])
            if last is not None and more
            else None
        ),
    )


def worklist_page(
    inputs: WorklistInputs,
    *,
    collector: str | None = None,
    follow_ups_due_only: bool = False,
    after: str | None = None,
    limit: int = 100,
    known_at: str | None = None,
    source: str = "event replay",
) -> Worklist:
    """One page of the worklist ranked from ``inputs`` (``after``: the ``next`` of the page
    before), as the replay of the log answers it."""
    rows, more = rank(
        inputs,
        collector=collector,
        follow_ups_due=follow_ups_due_only,
        after=worklist_cursor(after),
        limit=clamp(limit),
    )
    return shaped_worklist(
        inputs, rows, more=more, collector=collector, known_at=known_at, source=source
    )


class CollectionsQueries(QueryBase):
    """Queries over the collections read model (with the receivables and accounts)."""

    def worklist(
        self,
        *,
        as_of: date,
        collector: str | None = None,
        follow_ups_due: bool = False,
        after: str | None = None,
        limit: int = 100,
    ) -> Worklist:
        """Overdue open items on ``as_of`` by priority score, paged; the follow-ups due.

        The database ranks every item by its exact key (each customer's weight worked out in
        one pass, in integers, as ``o2c.collections.priority`` does); only the page's items and
        customers are then read and ranked again in Python, which shapes the rows."""
        limit = clamp(limit)
        cursor = worklist_cursor(after)
        day = as_of.toordinal()
        with self.rs.engine.connect() as conn:
            col = self._t(conn, "collections")
            open_sq = self._open_items(conn, as_of)
            overdue = self._overdue(open_sq, day)
            levels = self._levels(conn, day)
            weights = self._weights(conn, day, open_sq, overdue)
            level = func.coalesce(levels.c.level, 0)
            key = overdue.c.open * (day - overdue.c.due_day) * (weights.c.weight + 25 * level)
            q = (
                select(overdue.c.invoice_id, overdue.c.customer_id)
                .join(weights, weights.c.customer_id == overdue.c.customer_id)
                .join(levels, levels.c.invoice_id == overdue.c.invoice_id, isouter=True)
            )
            if collector is not None:
                cl = col["collectors"]
                q = q.join(cl, cl.c.customer_id == overdue.c.customer_id).where(
                    cl.c.collector == collector
                )
            if follow_ups_due:
                f = col["follow_ups"]
                q = q.join(f, f.c.customer_id == overdue.c.customer_id).where(
                    f.c.follow_up_day <= day
                )
            if cursor is not None:
                q = q.where(
                    or_(key < cursor[0], and_(key == cursor[0], overdue.c.invoice_id > cursor[1]))
                )
            top = conn.execute(q.order_by(key.desc(), overdue.c.invoice_id).limit(limit + 1)).all()
            page = [str(r[0]) for r in top[:limit]]
            items = self._overdue_items(conn, overdue, levels, page)
            customers = self._customer_facts(
                conn, as_of, sorted({str(r[1]) for r in top[:limit]}), open_sq
            )
            self._follow_ups(conn, day, customers)
            promises = self._pending_promises(conn, day, page)
        inputs = WorklistInputs(as_of, items, customers, promises)
        rows, _ = rank(inputs, collector=collector, follow_ups_due=follow_ups_due)
        return shaped_worklist(
            inputs, rows, more=len(top) > limit, collector=collector, source="read models"
        )

    def worklist_inputs(self, as_of: date) -> WorklistInputs:
        """Every fact the worklist ranks on ``as_of``, from the read models."""
        day = as_of.toordinal()
        with self.rs.engine.connect() as conn:
            open_sq = self._open_items(conn, as_of)
            overdue = self._overdue(open_sq, day)
            levels = self._levels(conn, day)
            items = self._overdue_items(conn, overdue, levels, None)
            chased = select(overdue.c.customer_id).distinct()
            customers = self._customer_facts(conn, as_of, chased, open_sq)
            self._follow_ups(conn, day, customers)
            promises = self._pending_promises(conn, day, select(overdue.c.invoice_id))
        return WorklistInputs(as_of, items, customers, promises)

    def _open_items(self, conn: Connection, as_of: date) -> Any:
        """The items open on ``as_of`` as a common table expression: the worklist reads them
        several times (its items, each customer's receivables), the database works them out
        once."""
        return self._open_as_of(conn, as_of, None).element.cte("open_items")

    @staticmethod
    def _overdue(open_sq: Any, day: int) -> Any:
        return (
            select(open_sq)
            .where(open_sq.c.due_day < day, open_sq.c.open > 0, open_sq.c.issued_day <= day)
            .subquery()
        )

    def _levels(self, conn: Connection, day: int) -> Any:
        r = self._t(conn, "collections")["reminders"]
        return (
            select(r.c.invoice_id, func.max(r.c.level).label("level"))
            .where(r.c.day <= day)
            .group_by(r.c.invoice_id)
            .subquery()
        )

    def _weights(self, conn: Connection, day: int, open_sq: Any, overdue: Any) -> Any:
        """Per customer with an overdue item, its weight in hundredths (``customer_weight``):
        100 + 50 per broken promise + 50 over the limit + the usual days late when positive."""
        col = self._t(conn, "collections")
        acc = self._t(conn, "accounts")["customers"]
        chased = select(overdue.c.customer_id).distinct()
        owed = (
            select(open_sq.c.customer_id, func.sum(open_sq.c.open).label("open"))
            .where(open_sq.c.customer_id.in_(chased), open_sq.c.issued_day <= day)
            .group_by(open_sq.c.customer_id)
            .subquery()
        )
        p = col["promises"]
        broken = (
            select(p.c.customer_id, func.count().label("broken"))
            .where(p.c.status == BROKEN, p.c.outcome_day <= day)
            .group_by(p.c.customer_id)
            .subquery()
        )
        ci = col["invoices"]
        order = func.row_number().over(
            partition_by=ci.c.customer_id,
            order_by=(ci.c.settled_day.desc(), ci.c.invoice_id.desc()),
        )
        latest = (
            select(ci.c.customer_id, ci.c.total, ci.c.due_day, ci.c.settled_day, order.label("n"))
            .where(ci.c.customer_id.in_(chased), ci.c.settled_day <= day, ci.c.total > 0)
            .subquery()
        )
        late = (
            select(
                latest.c.customer_id,
                func.sum(latest.c.total * (latest.c.settled_day - latest.c.due_day)).label("n"),
                func.sum(latest.c.total).label("d"),
            )
            .where(latest.c.n <= BEHAVIOUR_INVOICES)
            .group_by(latest.c.customer_id)
            .subquery()
        )
        # Rounded half away from zero, as ``rounded_ratio`` (only a positive lateness counts).
        halves = 2 * late.c.n + late.c.d
        rounded = (
            func.div(halves, 2 * late.c.d)
            if conn.dialect.name == "postgresql"
            else halves / (2 * late.c.d)
        )
        weight = (
            100
            + 50 * func.coalesce(broken.c.broken, 0)
            + case((owed.c.open > acc.c.credit_limit, 50), else_=0)
            + case((late.c.n > 0, rounded), else_=0)
        )
        return (
            select(owed.c.customer_id, weight.label("weight"))
            .join(acc, acc.c.customer_id == owed.c.customer_id, isouter=True)
            .join(broken, broken.c.customer_id == owed.c.customer_id, isouter=True)
            .join(late, late.c.customer_id == owed.c.customer_id, isouter=True)
            .subquery()
        )

    def _overdue_items(
        self, conn: Connection, overdue: Any, levels: Any, only: list[str] | None
    ) -> list[OverdueItem]:
        inv = self._t(conn, "receivables")["invoices"]
        q = (
            select(
                overdue.c.invoice_id,
                overdue.c.customer_id,
                overdue.c.open,
                overdue.c.due_day,
                inv.c.number,
                inv.c.currency,
                inv.c.disputed,
                func.coalesce(levels.c.level, 0).label("level"),
            )
            .join(inv, inv.c.invoice_id == overdue.c.invoice_id)
            .join(levels, levels.c.invoice_id == overdue.c.invoice_id, isouter=True)
        )
        if only is not None:
            q = q.where(overdue.c.invoice_id.in_(only))
        found = conn.execute(q).all()  # fetched at once: row by row cost more than the query
        quanta: dict[str, Decimal] = {}
        return [
            OverdueItem(
                r[0],
                r[4],
                r[1],
                r[5],
                (Decimal(int(r[2])) / MILLS).quantize(
                    quanta.get(r[5]) or quanta.setdefault(r[5], quantum(r[5]))
                ),
                date.fromordinal(int(r[3])),
                bool(r[6]),
                int(r[7]),
            )
            for r in found
        ]

    def _customer_facts(
        self, conn: Connection, as_of: date, chased: Any, open_sq: Any
    ) -> dict[str, CustomerFacts]:
        day = as_of.toordinal()
        col = self._t(conn, "collections")
        acc = self._t(conn, "accounts")["customers"]
        facts: dict[str, CustomerFacts] = {}
        for m in (
            conn.execute(
                select(acc.c.customer_id, acc.c.name, acc.c.credit_limit, acc.c.currency).where(
                    acc.c.customer_id.in_(chased)
                )
            )
            .mappings()
            .all()
        ):
            facts[m["customer_id"]] = CustomerFacts(
                m["customer_id"],
                name=m["name"],
                credit_limit=_money(m["credit_limit"]).quantize(quantum(m["currency"])),
            )

        def fact(customer_id: str) -> CustomerFacts:
            return facts.setdefault(customer_id, CustomerFacts(customer_id))

        for customer_id, total in conn.execute(
            select(open_sq.c.customer_id, func.sum(open_sq.c.open))
            .where(open_sq.c.customer_id.in_(chased), open_sq.c.issued_day <= day)
            .group_by(open_sq.c.customer_id)
        ):
            fact(customer_id).open_receivables = _money(total)
        p = col["promises"]
        for customer_id, count in conn.execute(
            select(p.c.customer_id, func.count())
            .where(p.c.customer_id.in_(chased), p.c.status == BROKEN, p.c.outcome_day <= day)
            .group_by(p.c.customer_id)
        ):
            fact(customer_id).broken_promises = int(count)
        ci = col["invoices"]
        order = func.row_number().over(
            partition_by=ci.c.customer_id,
            order_by=(ci.c.settled_day.desc(), ci.c.invoice_id.desc()),
        )
        latest = (
            select(ci, order.label("n"))
            .where(ci.c.customer_id.in_(chased), ci.c.settled_day <= day)
            .subquery()
        )
        for m in (
            conn.execute(select(latest).where(latest.c.n <= BEHAVIOUR_INVOICES)).mappings().all()
        ):
            fact(m["customer_id"]).settled.append(
                Settled(
                    m["invoice_id"],
                    _money(m["total"]),
                    date.fromordinal(int(m["due_day"])),
                    date.fromordinal(int(m["settled_day"])),
                )
            )
        cl = col["collectors"]
        for customer_id, collector in conn.execute(
            select(cl.c.customer_id, cl.c.collector).where(cl.c.customer_id.in_(chased))
        ):
            fact(customer_id).collector = collector
        return facts

    def _follow_ups(self, conn: Connection, day: int, facts: dict[str, CustomerFacts]) -> None:
        """Add the follow-ups due on ``day`` (each customer's latest note's, if its day is
        reached); their customers join the facts (with name and collector) even without
        overdue items. A follow-up not yet due changes no answer, so it is not read."""
        col = self._t(conn, "collections")
        acc = self._t(conn, "accounts")["customers"]
        f, n, cl = col["follow_ups"], col["notes"], col["collectors"]
        q = (
            select(f.c.customer_id, n, acc.c.name, cl.c.collector)
            .join(n, n.c.note_id == f.c.note_id)
            .join(acc, acc.c.customer_id == f.c.customer_id, isouter=True)
            .join(cl, cl.c.customer_id == f.c.customer_id, isouter=True)
            .where(f.c.follow_up_day <= day)
        )
        for m in conn.execute(q).mappings().all():
            customer_id = m["customer_id"]
            known = customer_id in facts
            fact = facts.setdefault(customer_id, CustomerFacts(customer_id, name=m["name"]))
            if not known:
                fact.collector = m["collector"]
            fact.follow_up = FollowUp(
                m["note_id"],
                m["text"],
                date.fromordinal(int(m["follow_up_day"])),
                date.fromordinal(int(m["noted_day"])),
                m["author"],
            )

    def _pending_promises(
        self, conn: Connection, day: int, invoices: Any
    ) -> dict[str, PendingPromise]:
        p = self._t(conn, "collections")["promises"]
        rows = conn.execute(
            select(p)
            .where(
                p.c.invoice_id.in_(invoices),
                p.c.made_day <= day,
                or_(p.c.status == PENDING, p.c.outcome_day > day),
            )
            .order_by(p.c.made_day, p.c.promise_id)
        ).mappings()
        return {
            m["invoice_id"]: PendingPromise(
                m["promise_id"],
                date.fromordinal(int(m["promised_day"])),
                date.fromordinal(int(m["deadline_day"])),
                _money(m["amount"]),
            )
            for m in rows
        }

    # ---- notes and promises -----------------------------------------------------------------

    def notes(self, customer_id: UUID, *, after: str | None = None, limit: int = 100) -> NotePage:
        """A customer's notes, newest first, paged."""
        limit = clamp(limit)
        cursor = decode_cursor(after, (int,))
        with self.rs.engine.connect() as conn:
            n = self._t(conn, "collections")["notes"]
            q = select(n).where(n.c.customer_id == str(customer_id))
            if cursor is not None:
                q = q.where(n.c.position < int(cursor[0]))
            rows = conn.execute(q.order_by(n.c.position.desc()).limit(limit + 1)).mappings().all()
        items = [
            NoteView(
                note_id=m["note_id"],
                customer_id=m["customer_id"],
                text=m["text"],
                follow_up_on=from_day(m["follow_up_day"]),
                noted_on=date.fromordinal(int(m["noted_day"])).isoformat(),
                author=m["author"],
            )
            for m in rows[:limit]
        ]
        more = len(rows) > limit
        return NotePage(
            customer_id=str(customer_id),
            items=items,
            next=encode_cursor([int(rows[limit - 1]["position"])]) if more else None,
        )

    def promises(self, invoice_id: UUID) -> PromisePage:
        """An invoice's promises to pay, newest first."""
        with self.rs.engine.connect() as conn:
            p = self._t(conn, "collections")["promises"]
            i = self._t(conn, "receivables")["invoices"]
            rows = conn.execute(
                select(p, i.c.currency)
                .join(i, i.c.invoice_id == p.c.invoice_id)
                .where(p.c.invoice_id == str(invoice_id))
                .order_by(p.c.made_day.desc(), p.c.promise_id.desc())
            ).mappings()
            items = [
                PromiseView(
                    promise_id=m["promise_id"],
                    invoice_id=m["invoice_id"],
                    promised_on=date.fromordinal(int(m["promised_day"])).isoformat(),
                    deadline=date.fromordinal(int(m["deadline_day"])).isoformat(),
                    amount=from_mills(m["amount"], m["currency"]),
                    status=m["status"],
                    made_on=from_day(m["made_day"]),
                    made_by=m["made_by"],
                    note=m["note"],
                    outcome_on=from_day(m["outcome_day"]),
                )
                for m in rows
            ]
        return PromisePage(invoice_id=str(invoice_id), items=items)

    # ---- cash forecast ----------------------------------------------------------------------

    def forecast(
        self,
        *,
        as_of: date,
        weeks: int = 13,
        currency: str | None = None,
        method: str = "behaviour",
    ) -> Forecast:
        """Receipts expected per week from ``as_of``: each open, undisputed item on the day its
        customer usually pays it (``o2c.collections.forecast.expected_on``), or, with
        ``method=due_date``, on its due date (what is overdue then falls in the first week)."""
        with self.rs.engine.connect() as conn:
            currency = self._forecast_currency(conn, currency)
            receipts = self._expected(conn, as_of, currency, method == "behaviour")
        expected = weekly_expected(receipts, as_of, weeks)
        q = quantum(currency)
        return Forecast(
            currency=currency,
            as_of=as_of.isoformat(),
            method=method,
            weeks=[
                ForecastWeek(
                    week_start=(as_of + timedelta(days=7 * i)).isoformat(),
                    expected=str(amount.quantize(q)),
                )
                for i, amount in enumerate(expected)
            ],
            total=str(sum(expected, Decimal(0)).quantize(q)),
        )

    def _forecast_currency(self, conn: Connection, currency: str | None) -> str:
        kept = self._currencies(conn)
        if currency is not None:
            return currency
        if len(kept) > 1:
            raise InvalidInput(
                f"the book keeps {', '.join(kept)}: name one with currency=",
                code="currency-required",
            )
        return kept[0] if kept else "EUR"

    def _expected(
        self, conn: Connection, as_of: date, currency: str, by_behaviour: bool
    ) -> list[ExpectedReceipt]:
        day = as_of.toordinal()
        inv = self._t(conn, "receivables")["invoices"]
        open_sq = self._open_items(conn, as_of)
        items = conn.execute(
            select(open_sq.c.invoice_id, open_sq.c.customer_id, open_sq.c.open, open_sq.c.due_day)
            .join(inv, inv.c.invoice_id == open_sq.c.invoice_id)
            .where(
                open_sq.c.open > 0,
                open_sq.c.issued_day <= day,
                inv.c.currency == currency,
                inv.c.disputed.is_(False),
            )
        ).all()
        lateness: dict[str, int | None] = {}
        promises: dict[str, PendingPromise] = {}
        if by_behaviour:
            chased = (
                select(inv.c.customer_id)
                .where(inv.c.currency == currency, inv.c.open_amount != 0)
                .distinct()
            )
            facts = self._customer_facts(conn, as_of, chased, open_sq)
            lateness = {k: usual_days_late(f.settled, as_of) for k, f in facts.items()}
            promises = self._pending_promises(conn, day, select(open_sq.c.invoice_id))
        receipts: list[ExpectedReceipt] = []
        for invoice_id, customer_id, open_mills, due_day in items:
            due_on = date.fromordinal(int(due_day))
            if by_behaviour:
                promise = promises.get(invoice_id)
                promised_on = None if promise is None else promise.promised_on
                on = expected_on(due_on, lateness.get(customer_id), promised_on, as_of)
            else:
                on = due_on
            receipts.append(ExpectedReceipt(on, _money(open_mills)))
        return receipts

    def receipts(self, *, as_of: date, weeks: int, currency: str) -> list[Decimal]:
        """Cash actually applied per week from ``as_of`` to the items open on ``as_of`` (what
        a forecast made that day is measured against)."""
        day = as_of.toordinal()
        with self.rs.engine.connect() as conn:
            t = self._t(conn, "receivables")
            m, inv = t["movements"], t["invoices"]
            rows = conn.execute(
                select(m.c.business_day, func.sum(m.c.amount))
                .join(inv, inv.c.invoice_id == m.c.invoice_id)
                .where(
                    and_(
                        m.c.kind == "payment",
                        m.c.business_day >= day,
                        m.c.business_day < day + 7 * weeks,
                        m.c.issued_day <= day,
                        inv.c.currency == currency,
                    )
                )
                .group_by(m.c.business_day)
            ).all()
        totals = [Decimal(0)] * weeks
        for business_day, amount in rows:
            totals[(int(business_day) - day) // 7] += -_money(amount)
        return totals
