"""A scenario that produces every event type in the catalog (used by fixture and audit tests)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from o2c import commands as c
from tests.support.world import D, World


def every_event_type(world: World) -> None:
    """Run commands that, between them, emit each catalogued event at least once."""
    jan = date(2026, 1, 1)
    cid = world.account(limit="1000", discount=("2", 10))
    world.do(c.ChangeCreditLimit(customer_id=cid, credit_limit=D("5000"), reason="growth"))
    world.do(
        c.ChangePaymentTerms(
            customer_id=cid,
            payment_terms=c.PaymentTermsIn(net_days=30, discount_percent=D("2"), discount_days=10),
        )
    )
    world.do(c.PlaceCreditHold(customer_id=cid, reason="review"))
    held = world.order(cid, ("A", 2, "100.00"), on=jan)
    world.do(c.ApproveOrder(order_id=UUID(held["order_id"]), reason="ok"))
    world.do(c.ReleaseCreditHold(customer_id=cid, reason="done"))
    world.ship(held["order_id"], ("A", 1), on=jan)
    world.do(c.CancelOrder(order_id=UUID(held["order_id"]), reason="rest not needed"))
    first = world.invoice(held["order_id"], on=jan)
    second = world.sell(cid, "300.00", jan)
    third = world.sell(cid, "50.00", jan)
    world.pay(cid, "98.00", date(2026, 1, 5), [(first["invoice_id"], None)])
    pay = world.pay(cid, "100.00", date(2026, 1, 6), [(second["invoice_id"], None)])
    world.do(
        c.DeallocatePayment(
            payment_id=UUID(pay["payment_id"]),
            invoice_id=UUID(second["invoice_id"]),
            reason="misapplied",
        )
    )
    world.do(c.AllocatePayment(payment_id=UUID(pay["payment_id"])))
    world.do(c.ReversePayment(payment_id=UUID(pay["payment_id"]), reason="NSF"))
    world.do(
        c.ApplyCreditNote(invoice_id=UUID(second["invoice_id"]), amount=D("10"), reason="damaged")
    )
    world.do(c.DisputeInvoice(invoice_id=UUID(third["invoice_id"]), reason="qty"))
    world.do(c.ResolveDispute(invoice_id=UUID(third["invoice_id"]), resolution="ok"))
    world.do(c.RunDunning(as_of=date(2026, 3, 1)))
    world.do(c.WriteOffInvoice(invoice_id=UUID(third["invoice_id"]), reason="insolvent"))
    world.do(c.WriteOffInvoice(invoice_id=UUID(second["invoice_id"]), reason="insolvent"))
    world.do(
        c.PlaceOrder(
            customer_id=cid, lines=[c.OrderLineIn(sku="Z", quantity=1, unit_price=D("1"))]
        ),
        idempotency_key="fixture-key",
    )
    other = world.account(limit="0")
    world.do(c.CloseAccount(customer_id=other, reason="duplicate account"))
    world.order(world.account(limit="0"), ("A", 1, "1.00"))
