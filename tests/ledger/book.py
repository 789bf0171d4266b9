"""A random book driven through the service, and what its general ledger must agree with.

The book sells, receives cash (applied oldest first, left unapplied, or applied later), earns
early-payment discounts, undoes allocations, reverses payments, issues credit notes and writes
invoices off, with business dates that go back as well as forward. Some customers buy without
tax (as invoices were before taxes), the others lines at 19 %, 7 %, zero rated and exempt. The
checks compare the ledger with figures computed by other read models (aging, accounts, payments)
from the same log, and the tax report with the output-tax account.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select

from o2c import commands as c
from o2c.aggregates.invoice import Invoice
from o2c.domain.errors import DomainError
from o2c.domain.money import from_mills
from o2c.domain.tax import TaxCategory
from o2c.projections.readstore import ReadStore
from tests.read.conftest import ReadWorld

FAR = date(2100, 1, 1)
TAX_GROUPS = (("S", "19"), ("S", "7"), ("Z", "0"), ("E", "0"))
RECEIVABLE, BANK, UNAPPLIED, DISCOUNTS = "1100", "1000", "2100", "4900"
D = Decimal


@dataclass
class Book:
    """What a random book made, for the checks to pick dates and ids from."""

    customers: dict[UUID, str] = field(default_factory=dict)
    invoices: list[UUID] = field(default_factory=list)
    payments: list[UUID] = field(default_factory=list)
    allocations: list[tuple[UUID, UUID]] = field(default_factory=list)
    facts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    taxed: set[UUID] = field(default_factory=set)

    def currencies(self) -> list[str]:
        """The currencies the book's accounts are kept in."""
        return sorted(set(self.customers.values()))


def money(rnd: random.Random, currency: str, low: int, high: int) -> str:
    """A random amount the currency can hold (no decimals for JPY)."""
    whole = rnd.randint(low, high)
    return str(whole) if currency == "JPY" else f"{whole}.{rnd.randint(0, 99):02d}"


class _Driver:
    """One random step at a time; each remembers what it created."""

    def __init__(self, rw: ReadWorld, rnd: random.Random, book: Book) -> None:
        self.rw, self.rnd, self.book = rw, rnd, book

    def back(self, days: int) -> date:
        """A business date up to ``days`` before today (backdated facts)."""
        return self.rw.clock.today - timedelta(days=self.rnd.randint(0, days))

    def customer(self) -> tuple[UUID, str]:
        cid = self.rnd.choice(list(self.book.customers))
        return cid, self.book.customers[cid]

    def sell(self) -> None:
        cid, cur = self.customer()
        if cid in self.book.taxed:
            body = self.sell_taxed(cid, cur)
        else:
            body = self.rw.sell(cid, money(self.rnd, cur, 50, 2000), on=self.back(5))
        self.book.invoices.append(UUID(body["invoice_id"]))

    def sell_taxed(self, cid: UUID, cur: str) -> dict[str, Any]:
        """Order, ship and invoice one to four lines, each in a random tax group."""
        on = self.back(5)
        lines = [
            c.OrderLineIn(
                sku=f"L{n}",
                quantity=self.rnd.randint(1, 4),
                unit_price=D(money(self.rnd, cur, 1, 500)),
                tax_category=TaxCategory(category),
                tax_rate=D(rate),
            )
            for n, (category, rate) in enumerate(
                self.rnd.choices(TAX_GROUPS, k=self.rnd.randint(1, 4))
            )
        ]
        order = self.rw.do(c.PlaceOrder(customer_id=cid, lines=lines, ordered_on=on))
        if order["status"] != "approved":
            self.rw.do(c.ApproveOrder(order_id=UUID(order["order_id"])))
        self.rw.ship(order["order_id"], *((ln.sku, ln.quantity) for ln in lines), on=on)
        return self.rw.invoice(order["order_id"], on=on)

    def pay(self, allocate: bool) -> None:
        cid, cur = self.customer()
        allocations: list[tuple[str | UUID, str | None]] | None = None if allocate else []
        body = self.rw.pay(cid, money(self.rnd, cur, 20, 2500), self.back(10), allocations)
        self._paid(body)

    def pay_on_time(self) -> None:
        # Cash on the issue day covers the open amount: the discount (if the terms have one)
        # is taken on the oldest item.
        if not self.book.invoices:
            return
        inv = self.invoice()
        self._paid(self.rw.pay(inv.customer_id, str(inv.total), inv.issued_on, [(inv.id, None)]))

    def _paid(self, body: dict[str, Any]) -> None:
        pid = UUID(body["payment_id"])
        self.book.payments.append(pid)
        self._allocated(pid, body)

    def _allocated(self, pid: UUID, body: dict[str, Any]) -> None:
        for a in body.get("allocations", []):
            self.book.allocations.append((pid, UUID(a["invoice_id"])))
            if D(a["discount"]) > 0:
                self.book.facts["discount"] += 1

    def allocate(self) -> None:
        pid = self.rnd.choice(self.book.payments)
        body = self.rw.do(c.AllocatePayment(payment_id=pid, allocated_on=self.back(8)))
        self._allocated(pid, body)

    def deallocate(self) -> None:
        pid, iid = self.rnd.choice(self.book.allocations)
        self.rw.do(
            c.DeallocatePayment(
                payment_id=pid, invoice_id=iid, reason="t", deallocated_on=self.back(6)
            )
        )
        self.book.facts["deallocation"] += 1

    def reverse(self) -> None:
        pid = self.rnd.choice(self.book.payments)
        self.rw.do(c.ReversePayment(payment_id=pid, reversed_on=self.rw.clock.today))
        self.book.facts["reversal"] += 1

    def invoice(self) -> Invoice:
        inv = self.rw.store.get(self.rnd.choice(self.book.invoices))
        assert isinstance(inv, Invoice)
        return inv

    def credit_note(self) -> None:
        inv = self.invoice()
        amount = D(money(self.rnd, inv.currency, 1, 80))
        self.rw.do(
            c.ApplyCreditNote(invoice_id=inv.id, amount=amount, reason="t", issued_on=self.back(8))
        )
        self.book.facts["credit_note"] += 1

    def write_off(self) -> None:
        iid = self.rnd.choice(self.book.invoices)
        partial = D(10) if self.rnd.random() < 0.5 else None
        self.rw.do(
            c.WriteOffInvoice(
                invoice_id=iid, amount=partial, reason="t", written_off_on=self.back(8)
            )
        )
        self.book.facts["write_off"] += 1


def random_book(rw: ReadWorld, seed: int, steps: int, currencies: Iterable[str]) -> Book:
    """Drive the service with a seeded random mix of every fact the ledger posts."""
    rnd = random.Random(seed)
    book = Book()
    kinds = list(currencies)
    for n, cur in enumerate([*kinds, rnd.choice(kinds)]):
        # The first account always has discount terms, so every book can earn a discount.
        discount = ("2", 10) if n == 0 or rnd.random() < 0.5 else None
        cid = rw.account(currency=cur, discount=discount)
        book.customers[cid] = cur
        # The first account is always taxed, so every book posts output tax.
        if n == 0 or rnd.random() < 0.5:
            book.taxed.add(cid)
    drive = _Driver(rw, rnd, book)
    # (cumulative weight, step, needs) — a step that needs ids waits until there are some.
    steps_by_weight = (
        (0.22, drive.sell, None),
        (0.34, lambda: drive.pay(allocate=True), None),
        (0.40, lambda: drive.pay(allocate=False), None),
        (0.48, drive.pay_on_time, None),
        (0.56, drive.allocate, book.payments),
        (0.66, drive.deallocate, book.allocations),
        (0.74, drive.reverse, book.payments),
        (0.86, drive.credit_note, book.invoices),
        (1.00, drive.write_off, book.invoices),
    )
    for _ in range(steps):
        rw.clock.today += timedelta(days=rnd.randint(0, 6))
        k = rnd.random()
        step, needs = next((s, n) for w, s, n in steps_by_weight if k < w)
        if needs is not None and not needs:
            continue
        # A step the rules refuse (settled invoice, reversed payment …) is simply not taken.
        with suppress(DomainError):
            step()
    return book


# ---- the ledger as stored ---------------------------------------------------------------------


def ledger_rows(read_store: ReadStore, table: str) -> list[tuple[Any, ...]]:
    """Every row of a live ledger table, sorted (order-independent comparison)."""
    with read_store.engine.connect() as conn:
        t = read_store.live_tables(conn, "ledger")[table]
        rows = [tuple(sorted(r.items())) for r in conn.execute(select(t)).mappings()]
    return sorted(rows, key=repr)


def line_rows(read_store: ReadStore) -> list[dict[str, Any]]:
    """Every journal line in journal order (posting day, entry, line)."""
    with read_store.engine.connect() as conn:
        t = read_store.live_tables(conn, "ledger")["lines"]
        q = select(t).order_by(t.c.posting_day, t.c.position, t.c.seq)
        return [dict(r) for r in conn.execute(q).mappings()]


def posting_days(read_store: ReadStore) -> list[date]:
    """Every distinct posting date of the ledger."""
    return sorted({date.fromordinal(r["posting_day"]) for r in line_rows(read_store)})


def sample_dates(rnd: random.Random, days: list[date], n: int) -> list[date]:
    """Every posting date and the day before it (where a backdated fact would show), ``n``
    random dates between, and a date after everything."""
    if not days:
        return [FAR]
    picks = {FAR, *days, *(d - timedelta(days=1) for d in days)}
    span = (days[-1] - days[0]).days
    picks |= {days[0] + timedelta(days=rnd.randint(0, span)) for _ in range(n)}
    return sorted(picks)


# ---- the checks --------------------------------------------------------------------------------


def balance(tb: dict[str, Any], account: str) -> Decimal:
    """debit − credit of one account of a trial balance (zero when it has no postings)."""
    found = next((a for a in tb["accounts"] if a["account"] == account), None)
    return D(0) if found is None else D(found["balance"])


def check_entries_balance(read_store: ReadStore) -> int:
    """Every entry (the lines of one event) balances, in one currency, on one posting day."""
    entries: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in line_rows(read_store):
        entries[row["position"]].append(row)
    for position, lines in entries.items():
        assert sum(x["debit"] for x in lines) == sum(x["credit"] for x in lines), (position, lines)
        assert len({(x["currency"], x["posting_day"], x["fact"]) for x in lines}) == 1, lines
        assert all((x["debit"] > 0) != (x["credit"] > 0) for x in lines), lines
        assert sorted(x["seq"] for x in lines) == list(range(len(lines)))
    return len(entries)


def check_trial_balances(rw: ReadWorld, book: Book, dates: list[date]) -> None:
    """Debits equal credits, and AR equals the aging total, per currency on every date."""
    for day in dates:
        aging = {
            b["currency"]: D(b["total"]) for b in rw.q.portfolio_aging(as_of=day)["by_currency"]
        }
        for cur in book.currencies():
            tb = rw.q.trial_balance(as_of=day, currency=cur)
            assert tb["debit"] == tb["credit"], (day, tb)
            assert balance(tb, RECEIVABLE) == aging.get(cur, D(0)), (day, cur, tb, aging)


def check_cash(rw: ReadWorld, book: Book) -> None:
    """Unapplied cash (2100) equals the accounts' unapplied cash; the bank (1000) holds what was
    received less what was reversed — per currency, after every posting."""
    exposure = rw.q.credit_exposures(limit=1000)["by_currency"]
    unapplied = {e["currency"]: D(e["unapplied_cash"]) for e in exposure}
    banked: defaultdict[str, Decimal] = defaultdict(Decimal)
    after: str | None = None
    while True:
        page = rw.q.payments(after=after, limit=7)
        for p in page["items"]:
            banked[p["currency"]] += D(0) if p["reversed"] else D(p["amount"])
        after = page["next"]
        if after is None:
            break
    for cur in book.currencies():
        tb = rw.q.trial_balance(as_of=FAR, currency=cur)
        assert -balance(tb, UNAPPLIED) == unapplied.get(cur, D(0)), (cur, tb, unapplied)
        assert balance(tb, BANK) == banked[cur], (cur, tb, dict(banked))
        # Sales discounts hold the net of the discounts still taken: a discount given back
        # takes its tax part back out of them too, so they never end on the credit side.
        assert balance(tb, DISCOUNTS) >= 0, (cur, tb)


def check_paging(rw: ReadWorld) -> None:
    """Paging the entries with a small page and the export with a tiny one both give every line
    of the ledger exactly once, in journal order."""
    stored = [(r["position"], r["seq"]) for r in line_rows(rw.read_store)]
    paged: list[tuple[int, int]] = []
    after: str | None = None
    while True:
        page = rw.q.gl_entries(after=after, limit=5)
        paged += [(x["entry_id"], x["line"]) for x in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert paged == stored
    exported = [
        (x["entry_id"], x["line"])
        for chunk in rw.q.gl_export(start=date(1, 1, 1), end=FAR, page=3)
        for x in chunk
    ]
    assert exported == stored


def output_tax(read_store: ReadStore, currency: str, start: date, end: date) -> dict[Any, int]:
    """Per (category, rate), the output-tax account's movements (credit − debit, in mills) posted
    from ``start`` to ``end``, read from the journal lines."""
    moved: defaultdict[Any, int] = defaultdict(int)
    for r in line_rows(read_store):
        day = date.fromordinal(r["posting_day"])
        if r["role"] == "output_tax" and r["currency"] == currency and start <= day <= end:
            moved[(r["tax_category"], r["tax_rate"])] += r["credit"] - r["debit"]
    return moved


def check_tax_report(rw: ReadWorld, book: Book, dates: list[date], rnd: random.Random) -> None:
    """The tax report's tax equals the output-tax movements of the period, per (category, rate)
    and in total, over random periods of every currency; its totals add up its rows."""
    periods = [(date(1, 1, 1), FAR)]
    periods += [tuple(sorted(rnd.sample(dates, 2))) for _ in range(4) if len(dates) > 1]
    for start, end in periods:
        for cur in book.currencies():
            report = rw.q.tax_report(start=start, end=end, currency=cur)
            moved = output_tax(rw.read_store, cur, start, end)
            rows = {(x["category"], x["rate"]): D(x["tax"]) for x in report["rows"]}
            assert {k: v for k, v in rows.items() if v} == {
                k: D(from_mills(v, cur)) for k, v in moved.items() if v
            }, (start, end, cur, report)
            assert D(report["tax"]) == D(from_mills(sum(moved.values()), cur))
            assert D(report["tax"]) == sum(rows.values(), D(0))
            assert D(report["taxable"]) == sum((D(x["taxable"]) for x in report["rows"]), D(0))


def check_ledger(rw: ReadWorld, book: Book, seed: int) -> int:
    """Every check above on a projected book; returns the number of entries."""
    entries = check_entries_balance(rw.read_store)
    rnd = random.Random(seed)
    dates = sample_dates(rnd, posting_days(rw.read_store), 6)
    check_trial_balances(rw, book, dates)
    check_cash(rw, book)
    check_paging(rw)
    check_tax_report(rw, book, dates, rnd)
    return entries


def posted_facts(read_store: ReadStore) -> set[str]:
    """The facts with lines in the ledger, and ``discount`` when a discount was posted."""
    rows = line_rows(read_store)
    return {r["fact"] for r in rows} | {"discount" for r in rows if r["role"] == "discounts"}
