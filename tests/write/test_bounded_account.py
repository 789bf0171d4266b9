"""The bounded account: settled items leave it, old items are found in their own streams,
long streams are snapshotted, the command cache is never left dirty, and a busy account
takes concurrent payments without false refusals."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.payment_link import PaymentLink
from o2c.application.service import O2CService
from o2c.domain.errors import DomainError, NotFound
from o2c.eventstore.store import EventStore
from tests.support.world import World, opened_store
from tests.write.chain_check import assert_chain_intact
from tests.write.ledger_check import check_account

D = Decimal
JAN = date(2026, 1, 1)


def _account(store: EventStore, cid: UUID) -> CustomerAccount:
    acc = store.get(cid)
    assert isinstance(acc, CustomerAccount)
    return acc


def test_settled_invoices_and_used_payments_leave_the_account(world: World) -> None:
    cid = world.account()
    invoices = [world.sell(cid, "100.00", JAN)["invoice_id"] for _ in range(3)]
    world.pay(cid, "250.00", date(2026, 1, 5))
    acc = _account(world.store, cid)
    assert acc.invoices_by_due_date() == [UUID(invoices[2])]
    assert acc.ar_balance == D("50.00") and not acc.open_payments
    world.pay(cid, "80.00", date(2026, 1, 6))
    acc = _account(world.store, cid)
    assert acc.invoices_by_due_date() == [] and acc.ar_balance == D("0.00")
    assert [p.unapplied for p in acc.open_payments.values()] == [D("30.00")]
    world.do(
        c.WriteOffInvoice(invoice_id=UUID(world.sell(cid, "5.00", JAN)["invoice_id"]), reason="x")
    )
    assert _account(world.store, cid).invoices_by_due_date() == []
    check_account(world.store, cid)


def test_old_allocations_are_undone_from_the_payment_and_invoice_streams(world: World) -> None:
    cid = world.account(discount=("2", 10))
    a = UUID(world.sell(cid, "100.00", JAN)["invoice_id"])
    b = UUID(world.sell(cid, "50.00", date(2026, 1, 2))["invoice_id"])
    pay = UUID(world.pay(cid, "147.00", date(2026, 1, 3))["payment_id"])
    world.clock.today = date(2026, 1, 10)  # undone and bounced after the cash arrived
    assert _account(world.store, cid).invoices_by_due_date() == []  # both settled, cash used
    world.do(c.DeallocatePayment(payment_id=pay, invoice_id=a, reason="misapplied"))
    acc = _account(world.store, cid)
    assert acc.invoices_by_due_date() == [a]
    assert acc.cash_of(pay).unapplied == D("98.00")
    assert acc.cash_of(pay).received_on == date(2026, 1, 3)
    # Re-applied later, the cash still earns the discount: it was received inside the window.
    again = world.do(c.AllocatePayment(payment_id=pay, allocated_on=date(2026, 2, 1)))
    assert again["allocations"] == [{"invoice_id": str(a), "amount": "98.00", "discount": "2.00"}]
    body = world.do(c.ReversePayment(payment_id=pay, reason="NSF"))
    assert {r["invoice_id"] for r in body["reversed_allocations"]} == {str(a), str(b)}
    acc = _account(world.store, cid)
    assert acc.invoices_by_due_date() == [a, b]
    assert (acc.ar_balance, acc.unapplied_cash) == (D("150.00"), D("0.00"))
    link = world.store.get(pay)
    assert isinstance(link, PaymentLink) and link.reversed
    check_account(world.store, cid)


def test_a_payment_recorded_before_links_listed_invoices_can_still_be_reversed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links written by the first version had no receipt date and no invoice list: the
    reversal finds the invoices in the account's history instead."""
    register = PaymentLink.register

    def first_version(
        payment_id: UUID,
        customer_id: UUID,
        amount: Decimal,
        received_on: date,
        invoice_ids: Sequence[UUID] = (),
    ) -> PaymentLink:
        return register(payment_id, customer_id, None, None)  # type: ignore[arg-type]

    cid = world.account()
    a = UUID(world.sell(cid, "60.00", JAN)["invoice_id"])
    monkeypatch.setattr(PaymentLink, "register", first_version)
    monkeypatch.setattr(PaymentLink, "link_invoice", lambda self, invoice_id: None)
    pay = UUID(world.pay(cid, "60.00", JAN)["payment_id"])
    monkeypatch.undo()
    link = world.store.get(pay)
    assert isinstance(link, PaymentLink) and link.is_legacy and link.invoice_ids == []
    body = world.do(c.ReversePayment(payment_id=pay, reason="NSF"))
    assert [r["invoice_id"] for r in body["reversed_allocations"]] == [str(a)]
    inv = world.store.get(a)
    assert isinstance(inv, Invoice) and inv.open_amount == D("60.00")


def test_a_refused_command_leaves_no_trace_in_the_cached_account(world: World) -> None:
    cid = world.account()
    first = UUID(world.sell(cid, "100.00", JAN)["invoice_id"])
    before = _account(world.store, cid).snapshot_state()
    with pytest.raises(NotFound):
        # The first allocation is planned before the unknown invoice is found.
        world.pay(cid, "150.00", JAN, [(first, "50.00"), (uuid4(), None)])
    assert _account(world.store, cid).snapshot_state() == before
    check_account(world.store, cid)


def test_long_accounts_are_snapshotted_and_load_from_the_snapshot(sqlite_url: str) -> None:
    with opened_store(sqlite_url) as store:
        store.app.snapshotting_intervals[CustomerAccount] = 10
        world = World(store)
        cid = world.account()
        for n in range(8):
            world.sell(cid, "10.00", JAN)
            if n % 2:
                world.pay(cid, "15.00", date(2026, 1, 2))
        version = store.version_of(cid)
        assert version is not None and version > 20
    with opened_store(sqlite_url) as store:
        assert store.app.snapshots is not None
        latest = list(store.app.snapshots.get(cid, desc=True, limit=1))
        # Taken at the end of the save that crossed the last multiple of the interval.
        assert latest and version - version % 10 <= latest[0].originator_version <= version
        from_snapshot = _account(store, cid)
        full: Any = None
        for event in store.app.events.get(cid):
            full = event.mutate(full)
        assert from_snapshot.snapshot_state() == full.snapshot_state()
        world = World(store)
        world.pay(cid, "1.00", date(2026, 1, 3))
        check_account(store, cid)
        assert_chain_intact(store)


def test_fifty_concurrent_payments_on_one_account_are_all_accepted(pg_url: str) -> None:
    """Two service instances (two processes' worth), 25 threads each, no allocations given:
    every payment is applied oldest due first on fresh state, none is refused."""
    with opened_store(pg_url) as store:
        world = World(store)
        cid = world.account(limit="1000000")
        for _ in range(30):
            world.sell(cid, "10.00", JAN)
    stores = [EventStore(pg_url) for _ in range(2)]
    services = [O2CService(s) for s in stores]
    refused: list[BaseException] = []

    def pay(service: O2CService) -> None:
        try:
            service.handle(c.ReceivePayment(customer_id=cid, amount=D("5.00"), received_on=JAN))
        except DomainError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=pay, args=(services[n % 2],)) for n in range(50)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in stores:
            s.close()
    assert refused == []
    with opened_store(pg_url) as store:
        acc = _account(store, cid)
        assert acc.ar_balance == D("300.00") - D("250.00")
        assert acc.unapplied_cash == D("0.00")
        check_account(store, cid)
