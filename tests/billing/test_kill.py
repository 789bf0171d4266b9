"""A billing run killed with ``kill -9`` half-way, then started again: no duplicate, no gap.

The book (periodic customers with goods shipped last month, some with a contract) is written
by this process on PostgreSQL; ``o2c billing run`` runs in a fresh process and is killed once
it has issued some of the invoices, then run again to the end. What landed in the event store
is then checked: one invoice per customer, numbers INV-000001 … INV-N without a gap, every
shipped unit invoiced once, every contract period once, and the run's record shows two starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from o2c import commands as c
from o2c.aggregates.order import Order
from o2c.application.billing_runs import run_id_for
from o2c.application.context import CommandContext
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.eventstore.store import EventStore
from tests.cold.processes import CLI, cold_env, run_cli

CUSTOMERS = 240
D = Decimal


def write_book(settings: Settings, shipped_on: date) -> tuple[list[UUID], list[UUID]]:
    """Periodic customers with one order shipped; every third with a monthly contract."""
    container = build_container(settings, start_runner=False, start_delivery=False)
    customers: list[UUID] = []
    orders: list[UUID] = []
    ctx = CommandContext(actor="test")
    try:
        handle = container.service.handle
        for n in range(CUSTOMERS):
            opened = handle(
                c.OpenAccount(
                    name=f"C{n}",
                    currency="EUR",
                    credit_limit=D("100000"),
                    billing_policy={"mode": "periodic", "period": "month"},
                ),
                ctx,
            ).body
            cid = UUID(opened["customer_id"])
            line = c.OrderLineIn(sku="A", quantity=3, unit_price=D("10.00"))
            order = handle(
                c.PlaceOrder(customer_id=cid, lines=[line], ordered_on=shipped_on), ctx
            ).body
            oid = UUID(order["order_id"])
            ship = [c.ShipmentLineIn(sku="A", quantity=2)]
            handle(c.ShipOrder(order_id=oid, lines=ship, shipped_on=shipped_on), ctx)
            if n % 3 == 0:
                sub = c.OrderLineIn(sku="SUB", quantity=1, unit_price=D("5.00"))
                handle(
                    c.StartContract(
                        customer_id=cid, lines=[sub], interval="month", start_on=shipped_on
                    ),
                    ctx,
                )
            customers.append(cid)
            orders.append(oid)
    finally:
        container.close()
    return customers, orders


def issued(url: str) -> list[dict[str, object]]:
    store = EventStore(url)
    try:
        return [e.data for e in store.read_all() if e.event_type == "InvoiceIssued"]
    finally:
        store.close()


def wait_until(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_billing_run_killed_half_way_and_started_again_leaves_no_duplicate_and_no_gap(
    pg_databases: Callable[[], str], tmp_path: Path
) -> None:
    events, reads = pg_databases(), pg_databases()
    today = date.today()
    shipped_on = today.replace(day=1) - timedelta(days=20)  # last month (or the one before)
    settings = Settings(event_store_url=events, read_store_url=reads)
    customers, orders = write_book(settings, shipped_on)
    env = cold_env(events, reads)
    as_of = today.isoformat()

    run = subprocess.Popen(
        [CLI, "billing", "run", "--as-of", as_of],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        some = wait_until(lambda: len(issued(events)) >= CUSTOMERS // 4, timeout=120)
        os.kill(run.pid, signal.SIGKILL)
    finally:
        run.wait(timeout=30)
    assert some, "the run issued nothing before the deadline"
    killed_at = len(issued(events))
    assert 0 < killed_at < CUSTOMERS, f"the kill came too late ({killed_at} invoices)"

    out = run_cli(env, "billing", "run", "--as-of", as_of, "--quiet")
    assert '"failed": 0' in out

    landed = issued(events)
    assert len(landed) == CUSTOMERS
    assert sorted(str(i["customer_id"]) for i in landed) == sorted(str(x) for x in customers)
    numbers = sorted(int(str(i["number"]).removeprefix("INV-")) for i in landed)
    assert numbers == list(range(1, CUSTOMERS + 1))
    periods = [
        (ln["contract_id"], ln["period_start"])
        for i in landed
        for ln in i["lines"]  # type: ignore[attr-defined]
        if ln.get("contract_id")
    ]
    assert len(periods) == len(set(periods)) and len(periods) >= CUSTOMERS // 3
    store = EventStore(events)
    try:
        for oid in orders:
            order = store.get(oid)
            assert isinstance(order, Order) and order.invoiced == {"A": 2}
    finally:
        store.close()
    total_goods = sum(
        D(str(ln["amount"]))
        for i in landed
        for ln in i["lines"]  # type: ignore[attr-defined]
        if ln.get("order_id")
    )
    assert total_goods == D("20.00") * CUSTOMERS

    container = build_container(settings, start_runner=False, start_delivery=False)
    try:
        assert container.billing_log is not None
        record = container.billing_log.find(run_id_for(today), limit=1000)
        assert record is not None
        assert (record["status"], record["starts"], record["failed"]) == ("completed", 2, 0)
        assert record["invoiced"] + record["already_invoiced"] >= CUSTOMERS - 1
    finally:
        container.close()
