"""A deterministic order-to-cash workload: the commands the write-path scenarios send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from o2c import commands as c

_NS = UUID("7f3c9f1e-0b7a-4d4e-9a55-b3e1c0d2a001")
START = date(2026, 1, 5)


def customer_id(i: int) -> UUID:
    """Stable id of workload customer ``i``."""
    return uuid5(_NS, f"customer-{i}")


def order_id(i: int, j: int) -> UUID:
    """Stable id of order ``j`` of customer ``i``."""
    return uuid5(_NS, f"order-{i}-{j}")


def open_account(i: int) -> c.OpenAccount:
    """Open workload customer ``i`` (generous limit: credit checks pass)."""
    return c.OpenAccount(
        customer_id=customer_id(i),
        name=f"Customer {i:06d}",
        currency="EUR",
        credit_limit=Decimal("10000000"),
        payment_terms=c.PaymentTermsIn(net_days=30),
    )


def order_to_cash(i: int, j: int) -> Iterator[c.Command]:
    """Place, ship, invoice and part-pay one order of customer ``i``."""
    day = START + timedelta(days=j)
    oid = order_id(i, j)
    lines = [c.OrderLineIn(sku="A", quantity=3, unit_price=Decimal("12.50"))]
    yield c.PlaceOrder(order_id=oid, customer_id=customer_id(i), lines=lines, ordered_on=day)
    ship = [c.ShipmentLineIn(sku="A", quantity=3)]
    yield c.ShipOrder(order_id=oid, lines=ship, shipped_on=day)
    yield c.InvoiceOrder(order_id=oid, issued_on=day)
    yield c.ReceivePayment(
        customer_id=customer_id(i), amount=Decimal("10.00"), received_on=day + timedelta(days=5)
    )


def commands(customers: int, orders_per_customer: int) -> Iterator[c.Command]:
    """Every command of the workload, customer by customer."""
    for i in range(customers):
        yield open_account(i)
        for j in range(orders_per_customer):
            yield from order_to_cash(i, j)
