"""All or nothing: failed commands leave no events; concurrent writers keep every invariant."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.application.context import CommandContext, EventMetadata
from o2c.application.errors import ConcurrencyConflict
from o2c.application.service import MAX_ATTEMPTS, O2CService
from o2c.domain.errors import DomainError, NotFound
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore
from tests.support.world import D, World, opened_store
from tests.write.chain_check import assert_chain_intact
from tests.write.ledger_check import check_account, check_open_orders

JAN = date(2026, 1, 1)


class FailingStore(EventStore):
    """A store whose save dies after the library wrote nothing (like a lost connection)."""

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        raise ConcurrencyConflict("simulated: someone else saved first")


def test_save_failure_leaves_no_event_and_surfaces_after_retries(sqlite_url: str) -> None:
    with opened_store(sqlite_url) as store:
        world = World(store)
        cid = world.account()
        world.sell(cid, "100.00", JAN)
        before = store.last_position()
        failing = FailingStore(sqlite_url)
        try:
            svc = O2CService(failing)
            with pytest.raises(ConcurrencyConflict):
                svc.handle(c.ReceivePayment(customer_id=cid, amount=D("50"), received_on=JAN))
        finally:
            failing.close()
        assert store.last_position() == before


def test_racing_writers_on_postgres_conflict_and_retry_without_partial_saves(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        world = World(store)
        cid = world.account(limit="1000000")
        invoices = [world.sell(cid, "10.00", JAN)["invoice_id"] for _ in range(5)]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        local = EventStore(pg_url)
        try:
            svc = O2CService(local)
            for _ in range(6):
                svc.handle(c.ReceivePayment(customer_id=cid, amount=D("1.00"), received_on=JAN))
                svc.handle(
                    c.PlaceOrder(
                        customer_id=cid,
                        lines=[c.OrderLineIn(sku=f"S{n}", quantity=1, unit_price=D("2.00"))],
                    )
                )
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            local.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, [repr(e) for e in errors]
    with opened_store(pg_url) as store:
        acc = store.get(cid)
        assert isinstance(acc, CustomerAccount)
        assert not acc.open_payments  # 18 payments, every cent applied
        assert acc.open_order_value == D("36.00")
        opens = []
        for iid in invoices:
            inv = store.get(UUID(iid))
            assert isinstance(inv, Invoice)
            opens.append(inv.open_amount)
        assert sum(opens) == acc.ar_balance == D("50.00") - D("18.00")
        assert acc.unapplied_cash == D("0.00")


# ---- a save that dies in the middle of its transaction -------------------------------------


def test_save_dying_after_some_inserts_rolls_back_and_keeps_the_chain(sqlite_url: str) -> None:
    """The recorder inserts the rows, then the save dies before commit: nothing remains."""
    with opened_store(sqlite_url) as store:
        world = World(store)
        cid = world.account()
        iid = world.sell(cid, "100.00", JAN)["invoice_id"]
        before = store.last_position()
        recorder = store.app.recorder
        original = recorder._insert_events  # type: ignore[attr-defined]

        def insert_then_die(*args: object, **kwargs: object) -> object:
            original(*args, **kwargs)
            raise RuntimeError("disk died before commit")

        recorder._insert_events = insert_then_die  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError):
            world.pay(cid, "60.00", JAN, [(iid, None)])
        del recorder._insert_events  # type: ignore[attr-defined]
        assert store.last_position() == before
        check_account(store, cid)
        world.pay(cid, "60.00", JAN, [(iid, None)])
        check_account(store, cid)
        assert_chain_intact(store)


def test_second_explicit_allocation_to_unknown_invoice_stores_nothing(store_url: str) -> None:
    with opened_store(store_url) as store:
        world = World(store)
        cid = world.account()
        iid = world.sell(cid, "100.00", JAN)["invoice_id"]
        before = store.last_position()
        cmd = c.ReceivePayment(
            customer_id=cid,
            amount=D("100.00"),
            received_on=JAN,
            allocations=[
                c.AllocationIn(invoice_id=UUID(iid), amount=D("40")),
                c.AllocationIn(invoice_id=uuid4()),
            ],
        )
        with pytest.raises(NotFound):
            world.do(cmd)
        assert store.last_position() == before
        acc = store.get(cid)
        assert isinstance(acc, CustomerAccount)
        assert not acc.open_payments and acc.ar_balance == D("100.00")
        assert acc.invoices_by_due_date() == [UUID(iid)]


# ---- version conflicts between two service instances ----------------------------------------


class RivalledStore(EventStore):
    """Before each of its saves, another service instance changes the same invoice first."""

    def __init__(self, url: str, rival: World, invoice_id: UUID, rival_saves: int) -> None:
        super().__init__(url)
        self.rival = rival
        self.invoice_id = invoice_id
        self.rival_saves = rival_saves
        self.attempts = 0

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        self.attempts += 1
        if self.attempts <= self.rival_saves:
            self.rival.do(
                c.ApplyCreditNote(invoice_id=self.invoice_id, amount=D("1.00"), reason="rival")
            )
        return super().save(aggregates, meta)


def _race(url: str, rival_saves: int) -> tuple[World, UUID, UUID, RivalledStore, int]:
    """A payment on a second instance while the first keeps changing the invoice it pays."""
    store = EventStore(url)
    world = World(store)
    cid = world.account()
    iid = UUID(world.sell(cid, "100.00", JAN)["invoice_id"])
    racing = RivalledStore(url, world, iid, rival_saves)
    return world, cid, iid, racing, store.last_position()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_persistent_conflict_surfaces_after_every_retry_and_stores_nothing(
    backend: str, sqlite_url: str, request: pytest.FixtureRequest
) -> None:
    url = sqlite_url if backend == "sqlite" else request.getfixturevalue("pg_url")
    migrate_event_store(url)
    world, cid, iid, racing, _ = _race(url, rival_saves=MAX_ATTEMPTS)
    try:
        with pytest.raises(ConcurrencyConflict) as err:
            O2CService(racing).handle(
                c.ReceivePayment(
                    customer_id=cid,
                    amount=D("50.00"),
                    received_on=JAN,
                    allocations=[c.AllocationIn(invoice_id=iid)],
                )
            )
        assert err.value.code == "version-conflict"
        assert racing.attempts == MAX_ATTEMPTS
        types = [e.event_type for e in world.store.read(0, 10_000)]
        assert "PaymentReceived" not in types and "PaymentApplied" not in types
        assert types.count("CreditNoteApplied") == MAX_ATTEMPTS
        check_account(world.store, cid)
        assert_chain_intact(world.store)
    finally:
        racing.close()
        world.store.close()


def test_one_lost_race_is_retried_on_fresh_state(pg_url: str) -> None:
    migrate_event_store(pg_url)
    world, cid, iid, racing, _ = _race(pg_url, rival_saves=1)
    try:
        body = (
            O2CService(racing)
            .handle(
                c.ReceivePayment(
                    customer_id=cid,
                    amount=D("100.00"),
                    received_on=JAN,
                    allocations=[c.AllocationIn(invoice_id=iid)],
                )
            )
            .body
        )
        assert racing.attempts == 2
        assert (body["applied"], body["unapplied"]) == ("99.00", "1.00")
        check_account(world.store, cid)
        assert_chain_intact(world.store)
    finally:
        racing.close()
        world.store.close()


# ---- many writers, many command kinds -------------------------------------------------------


def test_concurrent_mixed_commands_on_postgres_keep_every_invariant(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        world = World(store)
        customers = [world.account(limit="5000") for _ in range(2)]
        seeded = {
            cid: [world.sell(cid, "100.00", JAN)["invoice_id"] for _ in range(3)]
            for cid in customers
        }
    orders: list[UUID] = []
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        local = EventStore(pg_url)
        try:
            w = World(local)
            for i in range(5):
                cid = customers[(n + i) % 2]
                inv = UUID(seeded[cid][i % 3])
                try:
                    w.pay(cid, "7.00", JAN)
                    w.do(c.ApplyCreditNote(invoice_id=inv, amount=D("1.00"), reason="t"))
                    oid = w.order(cid, ("A", 2, "3.00"))["order_id"]
                    orders.append(UUID(oid))
                    w.ship(oid, ("A", 1))
                    w.invoice(oid)
                    if i % 2:
                        w.do(c.CancelOrder(order_id=UUID(oid)))
                except DomainError as exc:
                    if isinstance(exc, ConcurrencyConflict):
                        raise
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            local.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, [repr(e) for e in errors]
    with opened_store(pg_url) as store:
        for cid in customers:
            check_account(store, cid)
        check_open_orders(store, customers, orders)
        numbers = sorted(
            e.data["number"] for e in store.read(0, 100_000) if e.event_type == "InvoiceIssued"
        )
        assert numbers == [f"INV-{n:06d}" for n in range(1, len(numbers) + 1)]
        assert_chain_intact(store)


def test_same_idempotency_key_from_two_instances_at_once_records_one_command(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        cid = World(store).account()
        before = store.last_position()
    cmd = c.ReceivePayment(customer_id=cid, amount=D("25.00"), received_on=JAN)
    bodies: list[dict[str, object]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def client() -> None:
        local = EventStore(pg_url)
        try:
            start.wait()
            bodies.append(O2CService(local).handle(cmd, CommandContext(idempotency_key="k")).body)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            local.close()

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, [repr(e) for e in errors]
    assert len(bodies) == 3 and all(b == bodies[0] for b in bodies)
    with opened_store(pg_url) as store:
        types = [e.event_type for e in store.read(before, 1000)]
        assert types.count("PaymentReceived") == 1 and types.count("CommandAccepted") == 1
        acc = store.get(cid)
        assert isinstance(acc, CustomerAccount) and acc.unapplied_cash == D("25.00")
