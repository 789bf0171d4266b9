"""Billing run: a monthly run over the book, invoices per second against invoicing one by one.

The book is made through commands: periodic (monthly) customers, each with an order of two lines
shipped last month, every fourth with a monthly contract; and a tenth as many manual customers
with the same order. The raw limit is the manual customers invoiced one ``InvoiceOrder`` each
(the cheapest way the same invoices can be issued); the run lists its customers from the billing
read model (waited for) and issues one ``BillCustomer`` command per customer, each its own
transaction. Without PDFs or mail: the invoices are issued, not sent. Every customer must come
out invoiced (a run that misses one fails the scenario), and the run of the same date started
again must issue nothing (timed: what a restart after a completed run costs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.service import O2CService
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.domain.billing_periods import cut_off
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale

Progress = Callable[[str], None]
CTX = CommandContext(actor="bench:billing")
LINES = [
    c.OrderLineIn(sku="A", quantity=3, unit_price=Decimal("10.00")),
    c.OrderLineIn(sku="B", quantity=1, unit_price=Decimal("99.90")),
]
SHIPMENT = [c.ShipmentLineIn(sku="A", quantity=2), c.ShipmentLineIn(sku="B", quantity=1)]


def _customer(service: O2CService, n: int, policy: dict[str, str] | None, on: date) -> UUID:
    """A customer with one order shipped ``on``; its order id."""
    opened = service.handle(
        c.OpenAccount(
            name=f"Billing {n}",
            currency="EUR",
            credit_limit=Decimal("100000"),
            billing_policy=policy,
        ),
        CTX,
    ).body
    cid = UUID(opened["customer_id"])
    order = service.handle(c.PlaceOrder(customer_id=cid, lines=LINES, ordered_on=on), CTX).body
    oid = UUID(order["order_id"])
    service.handle(c.ShipOrder(order_id=oid, lines=SHIPMENT, shipped_on=on), CTX)
    if policy is not None and n % 4 == 0:
        sub = c.OrderLineIn(sku="SUPPORT", quantity=1, unit_price=Decimal("49.00"))
        service.handle(
            c.StartContract(customer_id=cid, lines=[sub], interval="month", start_on=on), CTX
        )
    return oid


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Fill the book, invoice the manual customers one by one, then run billing as of today."""
    url = url_for(dbname)
    settings = Settings(event_store_url=url, read_store_url=url)
    container = build_container(settings, start_webhooks=False, start_delivery=False)
    count = scale.billing_customers
    manual = max(5, count // 10)
    as_of = date.today()
    shipped_on = cut_off("month", as_of) - timedelta(days=5)
    size = f"{count} customers"
    try:
        service, runs, read = container.service, container.billing, container.read
        assert runs is not None and read is not None
        progress(f"billing: filling {count} periodic and {manual} manual customers")
        started = time.perf_counter()
        for n in range(count):
            _customer(service, n, {"mode": "periodic", "period": "month"}, shipped_on)
            if n % 1000 == 999:
                progress(f"billing: {n + 1} customers")
        orders = [_customer(service, n, None, shipped_on) for n in range(manual)]
        fill = time.perf_counter() - started

        started = time.perf_counter()
        for order_id in orders:
            service.handle(c.InvoiceOrder(order_id=order_id, issued_on=as_of), CTX)
        one_by_one = manual / (time.perf_counter() - started)

        if not read.wait_for(container.store.last_position(), 600):
            raise TimeoutError("the read models did not catch up with the book")
        progress(f"billing: running as of {as_of}")
        started = time.perf_counter()
        done = runs.run(as_of, ctx=CTX)
        elapsed = time.perf_counter() - started
        if done.count("invoiced") != count:
            raise AssertionError(f"the run invoiced {done.count('invoiced')} of {count}")

        if not read.wait_for(done.position, 600):
            raise TimeoutError("the read models did not catch up with the run")
        started = time.perf_counter()
        again = runs.run(as_of, ctx=CTX)
        rerun = time.perf_counter() - started
        if again.count("invoiced"):
            raise AssertionError("the run started again issued invoices")
    finally:
        container.close()
    rate = count / elapsed
    return [
        Figure(
            "billing run (monthly, no PDF)",
            size,
            "invoices/s",
            rate,
            "inv/s",
            baseline=one_by_one,
            ratio=rate / one_by_one,
            note="raw limit: one InvoiceOrder per customer",
        ),
        Figure("billing run (monthly, no PDF)", size, "run time", elapsed, "s"),
        Figure("billing run (monthly, no PDF)", size, "run again (nothing due)", rerun, "s"),
        Figure("billing run (monthly, no PDF)", size, "fill time", fill, "s"),
    ]
