"""Test helpers that speak the domain: open an account, sell, invoice, pay — through the service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.audit.ledger_replay import LogLedger
from o2c.bootstrap import LogScanDunningCustomers
from o2c.domain.dunning import DunningPolicy
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore

D = Decimal


class Clock:
    """A settable business date for the service."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@contextmanager
def opened_store(url: str) -> Iterator[EventStore]:
    """Migrate and open an event store; close it afterwards."""
    migrate_event_store(url)
    store = EventStore(url)
    try:
        yield store
    finally:
        store.close()


class World:
    """A service over a store with a clock, and shorthands for the common commands."""

    def __init__(
        self, store: EventStore, today: date = date(2026, 1, 1), *, strict: bool = False
    ) -> None:
        self.store = store
        self.clock = Clock(today)
        # Time passes as the world books facts: a command dated after the clock moves it to that
        # date first (the service refuses a fact dated after today). ``strict`` keeps the clock
        # where the test sets it.
        self.strict = strict
        self.service = O2CService(
            store,
            today=self.clock,
            dunning_policy=DunningPolicy((1, 15, 30)),
            dunning_customers=LogScanDunningCustomers(store),
            serialize=True,
            ledger=LogLedger(store),
        )

    def do(self, cmd: c.Command, **ctx: Any) -> dict[str, Any]:
        """Run a command and return its body."""
        if not self.strict:
            dated = cmd.business_dates(self.clock.today)
            self.clock.today = max([self.clock.today, *dated])
        return self.service.handle(cmd, CommandContext(**ctx)).body

    def account(
        self,
        limit: str = "100000",
        currency: str = "EUR",
        net_days: int = 30,
        discount: tuple[str, int] | None = None,
    ) -> UUID:
        """Open an account; returns its id."""
        terms = c.PaymentTermsIn(
            net_days=net_days,
            discount_percent=D(discount[0]) if discount else None,
            discount_days=discount[1] if discount else None,
        )
        body = self.do(
            c.OpenAccount(
                name="Acme", currency=currency, credit_limit=D(limit), payment_terms=terms
            )
        )
        return UUID(body["customer_id"])

    def order(
        self, customer: UUID, *lines: tuple[str, int, str], on: date | None = None
    ) -> dict[str, Any]:
        """Place an order of (sku, quantity, unit price) lines."""
        return self.do(
            c.PlaceOrder(
                customer_id=customer,
                lines=[c.OrderLineIn(sku=s, quantity=q, unit_price=D(p)) for s, q, p in lines],
                ordered_on=on,
            )
        )

    def ship(
        self, order: str | UUID, *lines: tuple[str, int], on: date | None = None
    ) -> dict[str, Any]:
        """Ship (sku, quantity) lines."""
        return self.do(
            c.ShipOrder(
                order_id=UUID(str(order)),
                lines=[c.ShipmentLineIn(sku=s, quantity=q) for s, q in lines],
                shipped_on=on,
            )
        )

    def invoice(self, order: str | UUID, on: date | None = None) -> dict[str, Any]:
        """Invoice what was shipped."""
        return self.do(c.InvoiceOrder(order_id=UUID(str(order)), issued_on=on))

    def sell(self, customer: UUID, amount: str, on: date) -> dict[str, Any]:
        """Order, ship and invoice one line worth ``amount`` on ``on``; returns the invoice body."""
        order = self.order(customer, ("X", 1, amount), on=on)
        if order["status"] != "approved":
            self.do(c.ApproveOrder(order_id=UUID(order["order_id"])))
        self.ship(order["order_id"], ("X", 1), on=on)
        return self.invoice(order["order_id"], on=on)

    def pay(
        self,
        customer: UUID,
        amount: str,
        on: date,
        allocations: list[tuple[str | UUID, str | None]] | None = None,
    ) -> dict[str, Any]:
        """Receive a payment (explicit allocations or oldest due date first)."""
        allocs = (
            None
            if allocations is None
            else [
                c.AllocationIn(invoice_id=UUID(str(i)), amount=None if a is None else D(a))
                for i, a in allocations
            ]
        )
        return self.do(
            c.ReceivePayment(
                customer_id=customer, amount=D(amount), received_on=on, allocations=allocs
            )
        )
