"""A dunning run: one transaction per customer, customers listed once the read models caught up
with everything stored before the run, invoices chosen on the write side."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.bootstrap import Container, build_container
from o2c.config import Settings

JAN = date(2026, 1, 1)


def _sell(container: Container, customer: UUID, amount: str) -> UUID:
    svc = container.service
    lines = [c.OrderLineIn(sku="X", quantity=1, unit_price=Decimal(amount))]
    order = svc.handle(c.PlaceOrder(customer_id=customer, lines=lines, ordered_on=JAN)).body
    oid = UUID(order["order_id"])
    svc.handle(c.ShipOrder(order_id=oid, lines=[c.ShipmentLineIn(sku="X", quantity=1)]))
    return UUID(svc.handle(c.InvoiceOrder(order_id=oid, issued_on=JAN)).body["invoice_id"])


def _customer(container: Container, name: str) -> UUID:
    body = container.service.handle(
        c.OpenAccount(
            name=name,
            currency="EUR",
            credit_limit=Decimal("1000"),
            payment_terms=c.PaymentTermsIn(net_days=30),
        )
    ).body
    return UUID(body["customer_id"])


def test_a_run_reminds_invoices_issued_just_before_it_once_per_date(tmp_path: Path) -> None:
    settings = Settings.from_env({}).model_copy(
        update=dict(
            event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
            read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        )
    )
    container = build_container(settings, start_runner=False)
    try:
        read = container.read
        assert read is not None and read.runner is not None
        first, second = _customer(container, "A"), _customer(container, "B")
        invoices = {_sell(container, first, "10.00"), _sell(container, second, "20.00")}
        # No runner follows the log: the read models have seen none of it, and a run that
        # asked them straight away would remind nobody.
        assert read.queries.customers_with_overdue(date(2026, 3, 1)) == []
        run = c.RunDunning(as_of=date(2026, 3, 1))
        result = container.service.handle(run, CommandContext(actor="t"))
        assert {UUID(r["invoice_id"]) for r in result.body["reminders"]} == invoices
        assert result.body["reminders_sent"] == 2
        # One command per customer, one conversation for the run.
        events = [e for e in container.store.read(0, 10_000) if e.event_type == "ReminderSent"]
        assert len({e.command_id for e in events}) == 2
        assert len({e.correlation_id for e in events}) == 1
        again = container.service.handle(run, CommandContext(actor="t"))
        assert again.body["reminders_sent"] == 0
    finally:
        container.close()
