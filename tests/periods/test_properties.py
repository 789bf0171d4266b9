"""Property: for random books and random close dates, the close records the trial balance the log
replays to (and the GL read model shows), and the lock refuses exactly what is dated ≤ through.

Each example is a fresh store in two currencies: sales (some taxed at 19 % and 7 %), payments
(allocated or not, dated before or after their invoices), credit notes, write-offs, reversals
and deallocations on random dates in January and February, in random order. The books are then
closed through a random date, and random commands dated around it are sent.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c import commands as c
from o2c.audit.ledger_replay import trial_balance_from_log
from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.verify import verify_events
from o2c.domain.errors import DomainError, RuleViolation
from o2c.domain.tax import TaxCategory
from o2c.follow.embedded import EmbeddedRunner
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from tests.periods.ledger import read_model_net, recorded_net, sides_balance
from tests.support.world import World, opened_store

START = date(2026, 1, 1)
TODAY = date(2026, 3, 20)
KINDS = (
    "sell",
    "sell",
    "sell_taxed",
    "pay",
    "pay_to",
    "credit",
    "write_off",
    "reverse",
    "deallocate",
)

step = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 58),  # business date: days after 1 January
    st.integers(1, 900),  # amount
    st.integers(0, 1),  # customer
    st.integers(0, 50),  # which earlier invoice or payment
)
probe = st.tuples(st.sampled_from(("pay", "order", "dunning")), st.integers(0, 77))


class RandomBook:
    """Runs random steps on a world, remembering invoices and payments per customer."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.customers = [world.account(currency="EUR"), world.account(currency="JPY")]
        self.invoices: list[list[UUID]] = [[], []]
        self.payments: list[list[UUID]] = [[], []]
        self.allocations: list[list[tuple[UUID, UUID]]] = [[], []]  # (payment, invoice)

    def run(self, kind: str, on: date, amount: int, who: int, pick: int) -> None:
        cid, invoices, payments = self.customers[who], self.invoices[who], self.payments[who]
        invoice = invoices[pick % len(invoices)] if invoices else None
        payment = payments[pick % len(payments)] if payments else None
        # A step the state refuses (nothing left to credit, …) books nothing.
        with contextlib.suppress(DomainError):
            self._run(kind, on, Decimal(amount), cid, invoice, payment)

    def _run(
        self,
        kind: str,
        on: date,
        amount: Decimal,
        cid: UUID,
        invoice: UUID | None,
        payment: UUID | None,
    ) -> None:
        w, who = self.world, self.customers.index(cid)
        if kind == "sell":
            self.invoices[who].append(UUID(w.sell(cid, str(amount), on)["invoice_id"]))
        elif kind == "sell_taxed":
            self.invoices[who].append(UUID(self._sell_taxed(cid, amount, on)["invoice_id"]))
        elif kind == "pay" or (kind == "pay_to" and invoice is None):
            self.payments[who].append(UUID(w.pay(cid, str(amount), on)["payment_id"]))
        elif kind == "pay_to" and invoice:
            body = w.pay(cid, str(amount), on, [(str(invoice), None)])
            self.payments[who].append(UUID(body["payment_id"]))
            self.allocations[who].append((self.payments[who][-1], invoice))
        elif kind == "credit" and invoice:
            w.do(c.ApplyCreditNote(invoice_id=invoice, amount=amount, reason="r", issued_on=on))
        elif kind == "write_off" and invoice:
            w.do(c.WriteOffInvoice(invoice_id=invoice, reason="r", written_off_on=on))
        elif kind == "reverse" and payment:
            w.do(c.ReversePayment(payment_id=payment, reversed_on=on))
        elif kind == "deallocate" and self.allocations[who]:
            paid_by, paid = self.allocations[who][int(amount) % len(self.allocations[who])]
            w.do(
                c.DeallocatePayment(
                    payment_id=paid_by, invoice_id=paid, reason="r", deallocated_on=on
                )
            )

    def _sell_taxed(self, cid: UUID, amount: Decimal, on: date) -> dict[str, Any]:
        w = self.world
        order = w.do(c.PlaceOrder(customer_id=cid, lines=_taxed_lines(amount), ordered_on=on))
        if order["status"] != "approved":
            w.do(c.ApproveOrder(order_id=UUID(order["order_id"])))
        w.ship(order["order_id"], ("S19", 1), ("S7", 1), on=on)
        return w.invoice(order["order_id"], on=on)

    def probe(self, kind: str, on: date) -> c.Command:
        """A command dated ``on``."""
        cid = self.customers[0]
        if kind == "pay":
            return c.ReceivePayment(customer_id=cid, amount=Decimal(3), received_on=on)
        if kind == "order":
            line = c.OrderLineIn(sku="P", quantity=1, unit_price=Decimal(2))
            return c.PlaceOrder(customer_id=cid, lines=[line], ordered_on=on)
        return c.RunDunning(as_of=on)


def _taxed_lines(amount: Decimal) -> list[c.OrderLineIn]:
    """A line at 19 % and one at 7 % (each posting revenue and output tax per rate)."""
    return [
        c.OrderLineIn(
            sku=sku,
            quantity=1,
            unit_price=price,
            tax_category=TaxCategory.STANDARD,
            tax_rate=Decimal(rate),
        )
        for sku, price, rate in (("S19", amount, "19"), ("S7", amount // 2 + 1, "7"))
    ]


def _projected(read_url: str, world: World) -> ReadStore:
    """The read models over the world's log, caught up."""
    read_store = ReadStore(read_url)
    read_store.migrate()
    EmbeddedRunner(world.store, ProjectionEngine(read_store)).catch_up()
    return read_store


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    steps=st.lists(step, min_size=1, max_size=20),
    close_day=st.integers(0, 70),
    probes=st.lists(probe, min_size=1, max_size=5),
)
def test_the_close_records_the_replayed_trial_balance_and_the_lock_refuses_exactly_its_period(
    steps: list[tuple[str, int, int, int, int]],
    close_day: int,
    probes: list[tuple[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    through = START + timedelta(days=close_day)
    tmp = tmp_path_factory.mktemp("close")  # a fresh store per example
    with opened_store(f"sqlite:///{tmp}/e.db") as store:
        world = World(store, today=START)
        book = RandomBook(world)
        for kind, day, amount, who, pick in steps:
            book.run(kind, START + timedelta(days=day), amount, who, pick)
        world.clock.today = TODAY
        closed: dict[str, Any] = world.do(c.ClosePeriod(through=through, reason="property"))
        recorded = closed["trial_balance"]

        assert recorded == trial_balance_from_log(store, through)
        assert recorded == trial_balance_from_log(store, through, closed["head_position"])
        sides_balance(recorded)
        read_store = _projected(f"sqlite:///{tmp}/r.db", world)
        try:
            assert recorded_net(recorded) == read_model_net(read_store, through)
        finally:
            read_store.close()

        for kind, day in probes:
            on = START + timedelta(days=day)
            before = store.last_position()
            try:
                world.do(book.probe(kind, on))
            except RuleViolation as refused:
                assert refused.code == "period-closed" and on <= through, (on, through)
                assert store.last_position() == before
            else:
                assert on > through, (on, through)
        report = verify_events(raw_events(store), decode=decoder(store))
        assert report.ok and report.closes == 1, report.breaks
