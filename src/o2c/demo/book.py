"""Generate the demo book by running real commands through the application service.

A seeded simulation walks day by day through the last 365 days: customers place orders, goods
ship, invoices go out, customers pay (early with discount, on time, late, partially or not at
all), clerks issue credit notes, customers dispute, dunning runs twice a month, credit managers
put a few accounts on hold and write off some bad debt. The controller closes each of the first
three months a few days after it ends, so the book has a lock date and a history of closes (a
command dated inside a closed month is refused from then on, as in production). On the last day
each customer gets a collector, and the customers who pay worst a note to follow up on. Every
figure of the dashboard is thus produced by the same code paths as production.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.domain.errors import DomainError

# The team began sending documents from o2c six weeks before today: contacts and billing
# policies are recorded then, so the outbox holds the letters of those weeks (reminders, and
# the invoices of every third customer) — a year of letters would make loading slow.
SENDING_SINCE_DAYS = 42
# Closed months, and how many days after its end a month is closed.
CLOSED_MONTHS = 3
CLOSE_AFTER_DAYS = 5

NAMES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Aperture",
    "Nakatomi",
    "Dunder",
    "Pied Piper",
    "Massive",
    "Prestige",
    "Vehement",
    "Bluth",
    "Sterling",
    "Duff",
)
# Who chases whom at the end of the year: customers are shared out among them in turn.
COLLECTORS = ("Eva Berger", "Max Roth", "Ana Silva")
SUFFIXES = ("GmbH", "Ltd", "SA", "BV", "AG", "Inc", "SpA", "Oy", "AB", "SARL")
TERMS = (
    c.PaymentTermsIn(net_days=30),
    c.PaymentTermsIn(net_days=30, discount_percent=Decimal("2"), discount_days=10),
    c.PaymentTermsIn(net_days=45),
    c.PaymentTermsIn(net_days=60),
    c.PaymentTermsIn(net_days=14),
)
CATALOG = [
    (f"SKU-{i:03d}", f"Article {i}", Decimal(random.Random(i).randint(5, 900)))
    for i in range(1, 41)
]


# Food and books are sold at the reduced rate to German customers.
REDUCED_RATE_SKUS = frozenset(sku for sku, _, _ in CATALOG[::5])
SELLER = {
    "legal_name": "Demo Handels GmbH",
    "address": {
        "lines": ["Friedrichstraße 100"],
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    },
    "vat_id": "DE136695976",
    "legal_registration_id": "HRB 123456 B",
    "peppol_id": "9930:DE136695976",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "contact_name": "Eva Berger",
    "email": "billing@demo-handels.example",
    "phone": "+49 30 1234567",
    "default_language": "de",
}
# Where customers are: most in Germany (domestic), some in France and Belgium with a VAT ID
# (intra-EU supplies), some in the US and Switzerland (exports).
PLACES: tuple[tuple[dict[str, Any], str | None, str], ...] = (
    (
        {"lines": ["Marienplatz 8"], "city": "München", "postal_code": "80331", "country": "DE"},
        None,
        "de",
    ),
    (
        {"lines": ["Jungfernstieg 1"], "city": "Hamburg", "postal_code": "20354", "country": "DE"},
        None,
        "de",
    ),
    (
        {"lines": ["Königsallee 2"], "city": "Düsseldorf", "postal_code": "40212", "country": "DE"},
        None,
        "de",
    ),
    (
        {"lines": ["12 rue de la Paix"], "city": "Paris", "postal_code": "75002", "country": "FR"},
        "FR40303265045",
        "fr",
    ),
    (
        {"lines": ["Rue Royale 3"], "city": "Bruxelles", "postal_code": "1000", "country": "BE"},
        "BE0403170701",
        "fr",
    ),
    (
        {
            "lines": ["350 Fifth Avenue"],
            "city": "New York",
            "postal_code": "10118",
            "country": "US",
        },
        None,
        "en",
    ),
    (
        {"lines": ["Bahnhofstrasse 1"], "city": "Zürich", "postal_code": "8001", "country": "CH"},
        None,
        "de",
    ),
)


@dataclass(order=True)
class _Action:
    day: date
    seq: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class DemoStats:
    """What the demo loaded."""

    customers: int = 0
    orders: int = 0
    invoices: int = 0
    payments: int = 0
    commands: int = 0
    rejected: int = 0
    closes: int = 0
    statements: int = 0


class DemoBook:
    """Seeded simulation of one year of accounts receivable."""

    def __init__(
        self, service: O2CService, *, customers: int = 200, seed: int = 7, today: date | None = None
    ) -> None:
        self.service = service
        self.n_customers = customers
        self.rnd = random.Random(seed)
        self.today = today or service.today()
        self.start = self.today - timedelta(days=365)
        self.queue: list[_Action] = []
        self.seq = 0
        self.stats = DemoStats()
        self.ctx = CommandContext(actor="demo")
        self.domestic: set[UUID] = set()
        self.customers: list[UUID] = []
        self.bad: list[UUID] = []

    # ---- plumbing -------------------------------------------------------------------------

    def _at(self, day: date, run: Callable[[], object]) -> None:
        if day <= self.today:
            self.seq += 1
            heapq.heappush(self.queue, _Action(day, self.seq, run))

    def _do(self, cmd: c.Command) -> dict[str, Any] | None:
        self.stats.commands += 1
        try:
            return self.service.handle(cmd, CommandContext(actor="demo")).body
        except DomainError:
            self.stats.rejected += 1
            return None

    # ---- the simulation -------------------------------------------------------------------

    def load(self, progress: Callable[[int, int], None] | None = None) -> DemoStats:
        """Run the whole year; ``progress(done_days, total_days)`` is called as days pass."""
        self._do(c.ReplaceCompanyProfile.model_validate(SELLER))
        for i in range(self.n_customers):
            self._open_customer(i)
        day = self.start
        while day <= self.today:
            if day.day in (1, 16):
                self._at(day, partial(self._dunning, day))
            day += timedelta(days=1)
        for month_end in self._month_ends(CLOSED_MONTHS):
            self._at(month_end + timedelta(days=CLOSE_AFTER_DAYS), partial(self._close, month_end))
        total = (self.today - self.start).days
        while self.queue:
            action = heapq.heappop(self.queue)
            action.run()
            if progress is not None:
                progress((action.day - self.start).days, total)
        self._collectors()
        return self.stats

    def _collectors(self) -> None:
        """Today's collections desk: each customer has a collector; the customers that pay
        worst have a note to follow up on."""
        for n, customer in enumerate(self.customers):
            collector = COLLECTORS[n % len(COLLECTORS)]
            self._do(c.AssignCollector(customer_id=customer, collector=collector))
        for customer in self.bad:
            follow_up = self.today + timedelta(days=self.rnd.randint(0, 5))
            self._do(
                c.AddNote(
                    customer_id=customer,
                    text="Left a voicemail with accounts payable; call again.",
                    follow_up_on=follow_up,
                )
            )

    def _open_customer(self, i: int) -> None:
        r = self.rnd
        name = f"{NAMES[i % len(NAMES)]} {SUFFIXES[(i // len(NAMES)) % len(SUFFIXES)]} {i + 1:03d}"
        behaviour = r.choices(["prompt", "discount", "late", "bad"], weights=[45, 20, 28, 7])[0]
        limit = Decimal(r.choice([5_000, 10_000, 25_000, 50_000, 100_000, 250_000]))
        terms = TERMS[1] if behaviour == "discount" else r.choice(TERMS)
        address, vat_id, language = PLACES[i % len(PLACES)]
        body = self._do(
            c.OpenAccount(
                name=name,
                currency="EUR",
                credit_limit=limit,
                payment_terms=terms,
                legal_name=name,
                address=address,
                vat_id=vat_id,
                language=language,
            )
        )
        if body is None:
            return
        self.stats.customers += 1
        customer = UUID(body["customer_id"])
        self.customers.append(customer)
        if behaviour == "bad":
            self.bad.append(customer)
        if address["country"] == "DE":
            self.domestic.add(customer)
        for _ in range(r.randint(3, 14)):
            self._at(
                self.start + timedelta(days=r.randint(0, 350)),
                partial(self._order, customer, behaviour),
            )
        self._at(
            self.today - timedelta(days=SENDING_SINCE_DAYS),
            partial(self._start_sending, customer, i),
        )
        if behaviour == "bad" and r.random() < 0.5:
            self._at(
                self.start + timedelta(days=r.randint(200, 330)),
                partial(
                    self._do,
                    c.PlaceCreditHold(customer_id=customer, reason="repeated late payment"),
                ),
            )

    def _order(self, customer: UUID, behaviour: str) -> None:
        r = self.rnd
        day = self.queue[0].day if self.queue else self.today
        reduced = customer in self.domestic
        lines = [
            c.OrderLineIn(
                sku=sku,
                description=desc,
                quantity=r.randint(1, 12),
                unit_price=price,
                tax_rate=Decimal(7) if reduced and sku in REDUCED_RATE_SKUS else None,
            )
            for sku, desc, price in r.sample(CATALOG, r.randint(1, 4))
        ]
        body = self._do(c.PlaceOrder(customer_id=customer, lines=lines, ordered_on=day))
        if body is None:
            return
        self.stats.orders += 1
        order = UUID(body["order_id"])
        if body["status"] == "credit_hold":
            if r.random() < 0.6:
                self._at(
                    day + timedelta(days=r.randint(1, 3)),
                    lambda: self._do(c.ApproveOrder(order_id=order, reason="known customer")),
                )
            else:
                self._at(
                    day + timedelta(days=r.randint(2, 6)),
                    lambda: self._do(c.CancelOrder(order_id=order, reason="credit refused")),
                )
                return
        partial = r.random() < 0.2
        ship_day = day + timedelta(days=r.randint(1, 5))
        ship_lines = [
            c.ShipmentLineIn(
                sku=ln.sku, quantity=max(1, ln.quantity // 2) if partial else ln.quantity
            )
            for ln in lines
        ]
        self._at(ship_day, lambda: self._ship_and_invoice(order, ship_lines, ship_day, behaviour))
        if partial:
            self._at(
                ship_day + timedelta(days=r.randint(3, 10)),
                lambda: self._do(c.CancelOrder(order_id=order, reason="rest not needed")),
            )

    def _ship_and_invoice(
        self, order: UUID, lines: list[c.ShipmentLineIn], day: date, behaviour: str
    ) -> None:
        if self._do(c.ShipOrder(order_id=order, lines=lines, shipped_on=day)) is None:
            return
        inv_day = day + timedelta(days=self.rnd.randint(0, 2))
        self._at(inv_day, lambda: self._invoice(order, inv_day, behaviour))

    def _invoice(self, order: UUID, day: date, behaviour: str) -> None:
        body = self._do(c.InvoiceOrder(order_id=order, issued_on=day))
        if body is None:
            return
        self.stats.invoices += 1
        invoice = UUID(body["invoice_id"])
        customer = UUID(body["customer_id"])
        total = Decimal(body["total"])
        due = date.fromisoformat(body["due_on"])
        self._after_invoice(customer, invoice, total, day, due, behaviour)

    def _after_invoice(
        self, customer: UUID, invoice: UUID, total: Decimal, issued: date, due: date, behaviour: str
    ) -> None:
        r = self.rnd
        if r.random() < 0.06:
            amount = (total * Decimal(r.choice([5, 10, 20])) / 100).quantize(Decimal("0.01"))
            self._at(
                issued + timedelta(days=r.randint(2, 20)),
                lambda: self._do(
                    c.ApplyCreditNote(
                        invoice_id=invoice,
                        amount=amount,
                        reason="damaged goods",
                        issued_on=issued + timedelta(days=2),
                    )
                ),
            )
        if r.random() < 0.05:
            self._at(
                issued + timedelta(days=r.randint(3, 25)),
                lambda: self._do(c.DisputeInvoice(invoice_id=invoice, reason="quantity disputed")),
            )
            if r.random() < 0.6:
                self._at(
                    issued + timedelta(days=r.randint(30, 70)),
                    lambda: self._do(
                        c.ResolveDispute(invoice_id=invoice, resolution="credit agreed")
                    ),
                )
        pay = self._payment_plan(total, issued, due, behaviour)
        for when, amount in pay:
            self._at(when, partial(self._pay, customer, invoice, amount, when))
        if behaviour == "bad" and r.random() < 0.3:
            self._at(
                due + timedelta(days=r.randint(100, 160)),
                lambda: self._do(
                    c.WriteOffInvoice(invoice_id=invoice, reason="customer insolvent")
                ),
            )

    def _payment_plan(
        self, total: Decimal, issued: date, due: date, behaviour: str
    ) -> list[tuple[date, Decimal]]:
        r = self.rnd
        if behaviour == "discount":
            return [(issued + timedelta(days=r.randint(3, 10)), total * Decimal("0.98"))]
        if behaviour == "prompt":
            return [(due - timedelta(days=r.randint(0, 10)), total)]
        if behaviour == "late":
            if r.random() < 0.3:
                half = (total / 2).quantize(Decimal("0.01"))
                return [
                    (due + timedelta(days=r.randint(5, 30)), half),
                    (due + timedelta(days=r.randint(35, 90)), total - half),
                ]
            return [(due + timedelta(days=r.randint(5, 75)), total)]
        if r.random() < 0.4:
            return [
                (
                    due + timedelta(days=r.randint(30, 120)),
                    (total * Decimal("0.4")).quantize(Decimal("0.01")),
                )
            ]
        return []

    def _pay(self, customer: UUID, invoice: UUID, amount: Decimal, day: date) -> None:
        amount = amount.quantize(Decimal("0.01"))
        if amount <= 0:
            return
        body = self._do(
            c.ReceivePayment(
                customer_id=customer,
                amount=amount,
                received_on=day,
                method="bank_transfer",
                reference=f"REMIT-{self.rnd.randint(100000, 999999)}",
                allocations=[c.AllocationIn(invoice_id=invoice)],
            )
        )
        if body is not None:
            self.stats.payments += 1

    def _start_sending(self, customer: UUID, i: int) -> None:
        mailbox = f"{NAMES[i % len(NAMES)].lower()}-{i + 1:03d}.example"
        contacts = [
            c.ContactIn(role="billing", name="Accounts payable", email=f"ap@{mailbox}"),
            c.ContactIn(role="dunning", name="Credit control", email=f"credit@{mailbox}"),
        ]
        policy = c.BillingPolicyIn(mode="manual", send=i % 3 == 0)
        self._do(
            c.ChangeCustomerDetails(customer_id=customer, contacts=contacts, billing_policy=policy)
        )

    def _dunning(self, day: date) -> None:
        self._do(c.RunDunning(as_of=day))

    def _month_ends(self, count: int) -> list[date]:
        """The last days of the first ``count`` months of the year (the first one partial)."""
        ends: list[date] = []
        day = self.start
        while len(ends) < count:
            first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
            ends.append(first_of_next - timedelta(days=1))
            day = first_of_next
        return ends

    def _close(self, month_end: date) -> None:
        reason = f"{month_end:%B %Y} closed"
        if self._do(c.ClosePeriod(through=month_end, reason=reason)) is not None:
            self.stats.closes += 1
