"""An order-to-cash flow through the application service on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore


def test_order_to_cash_with_early_payment_discount(store_url: str) -> None:
    migrate_event_store(store_url)
    store = EventStore(store_url)
    try:
        svc = O2CService(store, serialize=True)
        acc = svc.handle(
            c.OpenAccount(
                name="Acme",
                currency="EUR",
                credit_limit=Decimal("10000"),
                payment_terms=c.PaymentTermsIn(
                    net_days=30, discount_percent=Decimal("2"), discount_days=10
                ),
            )
        ).body
        order = svc.handle(
            c.PlaceOrder(
                customer_id=acc["customer_id"],
                lines=[c.OrderLineIn(sku="A", quantity=10, unit_price=Decimal("100.00"))],
                ordered_on=date(2026, 1, 1),
            )
        ).body
        assert order["status"] == "approved"
        svc.handle(
            c.ShipOrder(
                order_id=order["order_id"],
                lines=[c.ShipmentLineIn(sku="A", quantity=4)],
                shipped_on=date(2026, 1, 2),
            )
        )
        invoice = svc.handle(
            c.InvoiceOrder(order_id=order["order_id"], issued_on=date(2026, 1, 3))
        ).body
        assert (invoice["number"], invoice["total"], invoice["due_on"]) == (
            "INV-000001",
            "400.00",
            "2026-02-02",
        )
        ctx = CommandContext(actor="clerk-1", idempotency_key="pay-1")
        cmd = c.ReceivePayment(
            customer_id=acc["customer_id"], amount=Decimal("392.00"), received_on=date(2026, 1, 5)
        )
        first = svc.handle(cmd, ctx)
        again = svc.handle(cmd, ctx)
        assert first.body["allocations"][0]["discount"] == "8.00"
        assert again.replayed and again.body == first.body
        assert store.last_position() == first.position
        events = [e.event_type for e in store.read(0, 100)]
        assert events.count("InvoiceSettled") == 1
        assert events.count("PaymentReceived") == 1
    finally:
        store.close()
