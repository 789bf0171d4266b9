"""Big customer: command latency on a customer with ten years of history vs a new customer.

The acceptance figure for "a customer with ten years of history is as fast as a new one". One
big customer gets ``scale.big_settled`` invoices settled by payments and ``scale.big_open``
invoices still open; a new customer opened in the same run gets a few open invoices. The history
goes in through the service's own commands — opening-balance imports of thousands of rows, then
payments with explicit allocations of up to 500 invoices each — so every event and hash is real.

Then three commands are timed through ``O2CService.handle`` on both customers, alternating
between them (and which one goes first) so both see the same database, cache and garbage
collector: a payment without allocations (oldest due date first), a one-line order under the
credit check, and a credit note on an open invoice. The new customer's p95 is the limit the big
customer's p95 is held to (target: at most twice as slow).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import quantiles
from typing import Any
from uuid import UUID, uuid5

from o2c import commands as c
from o2c.application.service import O2CService
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale

Progress = Callable[[str], None]

_NS = UUID("5b2d0c7e-4f1a-4c39-8e0d-6a1f2b3c4d5e")
BIG = uuid5(_NS, "big-customer")
NEW = uuid5(_NS, "new-customer")
TODAY = date(2026, 6, 30)
HISTORY_DAYS = 3_650  # ten years of settled invoices before the open ones
OPEN_DAYS = 365  # the open invoices were issued in the last year
IMPORT_CHUNK = 10_000  # rows per import command (the command allows 100,000)
PER_PAYMENT = 500  # invoices settled by one payment (the most a payment may allocate)
NEW_OPEN = 5  # open invoices of the new customer
OPEN_AMOUNT = Decimal("1000.00")
# Payments and credit notes take a sliver of one invoice, so every sample acts on exactly one
# invoice and even the new customer's few invoices are never used up.
NIBBLE = Decimal("1.00")
WARMUP = 3  # untimed rounds first: connections, caches, plans
TARGET = 2.0
COMMANDS = ("payment", "order", "credit note")


def _account(customer_id: UUID, name: str) -> c.OpenAccount:
    # A limit far above the big customer's AR keeps every order approved: a held order would
    # time a different path.
    return c.OpenAccount(
        customer_id=customer_id,
        name=name,
        currency="EUR",
        credit_limit=Decimal("100000000000"),
        payment_terms=c.PaymentTermsIn(net_days=30),
    )


def _settled_rows(n: int) -> Iterator[c.OpeningInvoice]:
    """The big customer's history: ``n`` invoices spread evenly over ten years before the open
    ones, with varied amounts."""
    span = HISTORY_DAYS - OPEN_DAYS
    first = TODAY - timedelta(days=HISTORY_DAYS)
    for k in range(n):
        issued = first + timedelta(days=k * span // max(n, 1))
        yield c.OpeningInvoice(
            customer_id=BIG,
            reference=f"H-{k}",
            issued_on=issued,
            due_on=issued + timedelta(days=30),
            open_amount=Decimal(100 + k % 900) + Decimal("0.25"),
        )


def _open_rows(customer_id: UUID, n: int, prefix: str) -> Iterator[c.OpeningInvoice]:
    """``n`` open invoices issued over the last year, all due after every settled one."""
    first = TODAY - timedelta(days=OPEN_DAYS)
    for k in range(n):
        issued = first + timedelta(days=k * OPEN_DAYS // max(n, 1))
        yield c.OpeningInvoice(
            customer_id=customer_id,
            reference=f"{prefix}-{k}",
            issued_on=issued,
            due_on=issued + timedelta(days=30),
            open_amount=OPEN_AMOUNT,
        )


@dataclass
class _FillProgress:
    """Reports every tenth of the fill (rows imported plus invoices settled)."""

    total: int
    progress: Progress
    done: int = 0
    reported: int = 0

    def advance(self, units: int) -> None:
        self.done += units
        tenth = self.done * 10 // max(self.total, 1)
        if tenth > self.reported:
            self.reported = tenth
            self.progress(f"big customer: fill {tenth * 10}% ({self.done}/{self.total})")


def _import(service: O2CService, rows: list[c.OpeningInvoice]) -> list[UUID]:
    """Book ``rows`` in one command; returns the invoice ids in row order."""
    body = service.handle(c.ImportOpeningInvoices(rows=rows)).body
    return [UUID(inv["invoice_id"]) for inv in body["invoices"]]


def _settle(service: O2CService, ids: list[UUID], rows: list[c.OpeningInvoice]) -> None:
    """Pay off ``ids`` (booked from ``rows``) with one payment allocated to each of them."""
    amount = sum((r.open_amount for r in rows), Decimal(0))
    body = service.handle(
        c.ReceivePayment(
            customer_id=BIG,
            amount=amount,
            received_on=max(r.due_on or r.issued_on for r in rows),
            reference=f"remittance {rows[0].reference}..{rows[-1].reference}",
            allocations=[c.AllocationIn(invoice_id=i) for i in ids],
        )
    ).body
    if Decimal(body["unapplied"]) != 0:
        raise RuntimeError(f"settling payment left {body['unapplied']} unapplied")


@dataclass
class Book:
    """What the fill produced: the open invoices the timed commands act on."""

    big_open: list[UUID]
    new_open: list[UUID]
    fill_seconds: float
    big_stream_events: int
    log_events: int


def fill(service: O2CService, scale: Scale, progress: Progress) -> Book:
    """Open both customers and book the big one's history; returns the open invoice ids."""
    started = time.perf_counter()
    service.handle(c.ImportCustomers(rows=[_account(BIG, "Big Customer"), _account(NEW, "New")]))
    tick = _FillProgress(2 * scale.big_settled + scale.big_open, progress)
    settled = list(_settled_rows(scale.big_settled))
    for start in range(0, len(settled), IMPORT_CHUNK):
        rows = settled[start : start + IMPORT_CHUNK]
        ids = _import(service, rows)
        tick.advance(len(rows))
        # Settled right after booking, as a real history would be: each payment then loads an
        # account of the size it would have had at the time.
        for k in range(0, len(rows), PER_PAYMENT):
            _settle(service, ids[k : k + PER_PAYMENT], rows[k : k + PER_PAYMENT])
            tick.advance(len(ids[k : k + PER_PAYMENT]))
    big_open: list[UUID] = []
    opened = list(_open_rows(BIG, scale.big_open, "O"))
    for start in range(0, len(opened), IMPORT_CHUNK):
        rows = opened[start : start + IMPORT_CHUNK]
        big_open += _import(service, rows)
        tick.advance(len(rows))
    new_open = _import(service, list(_open_rows(NEW, NEW_OPEN, "N")))
    seconds = time.perf_counter() - started
    store = service.store
    return Book(big_open, new_open, seconds, store.version_of(BIG) or 0, store.last_position())


@dataclass
class Samples:
    """Milliseconds per command and customer."""

    ms: dict[tuple[str, UUID], list[float]] = field(default_factory=dict)

    def add(self, command: str, customer: UUID, elapsed: float) -> None:
        self.ms.setdefault((command, customer), []).append(elapsed * 1000)

    def p50_p95(self, command: str, customer: UUID) -> tuple[float, float]:
        """Median and 95th percentile (inclusive method: stays within the observed range)."""
        p = quantiles(self.ms[(command, customer)], n=100, method="inclusive")
        return p[49], p[94]


def _command(kind: str, customer: UUID, invoices: list[UUID], i: int) -> c.Command:
    if kind == "payment":
        return c.ReceivePayment(customer_id=customer, amount=NIBBLE, received_on=TODAY)
    if kind == "order":
        lines = [c.OrderLineIn(sku="A", quantity=1, unit_price=Decimal("10.00"))]
        return c.PlaceOrder(customer_id=customer, lines=lines, ordered_on=TODAY)
    # Newest first, so the payments (oldest first) and credit notes touch different invoices.
    invoice = invoices[len(invoices) - 1 - i % len(invoices)]
    return c.ApplyCreditNote(
        invoice_id=invoice, amount=NIBBLE, reason="price dispute", issued_on=TODAY
    )


def _check(kind: str, body: dict[str, Any]) -> None:
    # A sample that took another path (held order, payment spread over invoices) would time
    # something else than the figure claims.
    if kind == "payment" and len(body["allocations"]) != 1:
        raise RuntimeError(f"payment applied to {len(body['allocations'])} invoices, not 1")
    if kind == "order" and not body["credit_decision"]["approved"]:
        raise RuntimeError(f"order not approved: {body['credit_decision']['reason']}")


def measure(service: O2CService, book: Book, rounds: int, progress: Progress) -> Samples:
    """Time every command on both customers, alternating which one goes first."""
    samples = Samples()
    invoices = {BIG: book.big_open, NEW: book.new_open}
    for i in range(WARMUP + rounds):
        order = (BIG, NEW) if i % 2 == 0 else (NEW, BIG)
        for kind in COMMANDS:
            for customer in order:
                cmd = _command(kind, customer, invoices[customer], i)
                started = time.perf_counter()
                body = service.handle(cmd).body
                elapsed = time.perf_counter() - started
                _check(kind, body)
                if i >= WARMUP:
                    samples.add(kind, customer, elapsed)
        done = i + 1 - WARMUP
        if done > 0 and done * 10 // rounds > (done - 1) * 10 // rounds:
            progress(f"big customer: {done}/{rounds} rounds timed")
    return samples


def figures(scale: Scale, book: Book, samples: Samples) -> list[Figure]:
    """Per command: big vs new p50 and p95 (the new customer is the limit), plus the fill."""
    size = f"{scale.big_settled} settled / {scale.big_open} open inv"
    out: list[Figure] = []
    for kind in COMMANDS:
        big50, big95 = samples.p50_p95(kind, BIG)
        new50, new95 = samples.p50_p95(kind, NEW)
        scenario = f"big customer: {kind}"
        out.append(Figure(scenario, size, "p50 latency", big50, "ms", new50, big50 / new50))
        ratio = big95 / new95
        note = f"raw limit = the new customer, {len(samples.ms[(kind, BIG)])} samples each"
        out.append(
            Figure(
                scenario,
                size,
                "p95 latency",
                big95,
                "ms",
                new95,
                ratio,
                f"<= {TARGET}",
                ratio <= TARGET,
                note,
            )
        )
    note = f"{book.log_events} events in the log in all"
    out.append(Figure("big customer: fill", size, "fill time", book.fill_seconds, "s"))
    out.append(
        Figure(
            "big customer: fill",
            size,
            "account stream",
            book.big_stream_events,
            "ev",
            note=note,
        )
    )
    return out


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Fill the big customer's history, then time the commands on it and on a new customer."""
    url = url_for(dbname)
    container = build_container(
        Settings(event_store_url=url, read_store_url=url), with_read_side=False
    )
    try:
        book = fill(container.service, scale, progress)
        progress(
            f"big customer: filled in {book.fill_seconds:.1f}s, "
            f"{book.big_stream_events} events in its account stream; timing"
        )
        samples = measure(container.service, book, scale.big_samples, progress)
    finally:
        container.close()
    return figures(scale, book, samples)
