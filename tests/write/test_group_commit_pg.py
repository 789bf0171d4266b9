"""Group commit on PostgreSQL: concurrent commands through one service share transactions, and
each keeps its own metadata, hash chain, idempotency record and outcome."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal as D
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from o2c import commands as c
from o2c.application.context import CommandContext, SaveConditions
from o2c.application.service import O2CService
from o2c.eventstore.group_commit import GroupCommit
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.postgres_recorder import LargeSaveSafeRecorder
from o2c.eventstore.store import EventStore
from tests.support.world import World, opened_store
from tests.write.chain_check import assert_chain_intact

JAN = date(2026, 1, 15)


def _group_of(store: EventStore) -> GroupCommit:
    recorder = store.app.recorder
    assert isinstance(recorder, LargeSaveSafeRecorder) and recorder.group_commit is not None
    return recorder.group_commit


def _hold_first_write(group: GroupCommit, queued: int) -> None:
    """Keep the first transaction open until ``queued`` saves wait behind it: which saves
    share a batch is then certain, not a matter of timing."""
    insert = group.insert
    first = threading.Event()

    def held(events: Sequence[StoredEvent], conditions: SaveConditions) -> Sequence[int] | None:
        if not first.is_set():
            first.set()
            deadline = time.monotonic() + 10
            while group.waiting < queued and time.monotonic() < deadline:
                time.sleep(0.005)
        return insert(events, conditions)

    group.insert = held


def _in_threads(work: Sequence[Callable[[], None]]) -> list[BaseException]:
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return failures


def _shipped_orders(pg_url: str, customers: int) -> tuple[list[UUID], list[str]]:
    """``customers`` accounts with one shipped, not yet invoiced order each."""
    with opened_store(pg_url) as store:
        world = World(store)
        accounts = [world.account() for _ in range(customers)]
        orders = [world.order(cid, ("X", 1, "10.00"), on=JAN)["order_id"] for cid in accounts]
        for order in orders:
            world.ship(order, ("X", 1), on=JAN)
    return accounts, orders


def test_concurrent_commands_share_transactions_and_keep_their_own_facts(pg_url: str) -> None:
    customers, orders = _shipped_orders(pg_url, 8)
    store = EventStore(pg_url)
    group = _group_of(store)
    service = O2CService(store)
    _hold_first_write(group, queued=6)
    actors = {UUID(order): f"clerk-{n}" for n, order in enumerate(orders)}
    numbers: list[str] = []

    def invoice(order: str) -> Callable[[], None]:
        def job() -> None:
            cmd = c.InvoiceOrder(order_id=UUID(order), issued_on=JAN)
            ctx = CommandContext(actor=actors[UUID(order)], idempotency_key=f"inv-{order}")
            numbers.append(service.handle(cmd, ctx).body["number"])

        return job

    def pay(customer: UUID) -> Callable[[], None]:
        def job() -> None:
            cmd = c.ReceivePayment(customer_id=customer, amount=D("4.00"), received_on=JAN)
            service.handle(cmd, CommandContext(actor=f"cashier-{customer}"))

        return job

    try:
        jobs = [invoice(o) for o in orders] + [pay(cid) for cid in customers]
        assert _in_threads(jobs) == []
        assert group.batches < group.saves  # some saves did share a transaction
        # Every invoice took a number from the one numbering stream: none twice.
        assert len(set(numbers)) == len(numbers) == 8
        again = service.handle(
            c.InvoiceOrder(order_id=UUID(orders[0]), issued_on=JAN),
            CommandContext(actor="clerk-0", idempotency_key=f"inv-{orders[0]}"),
        )
        assert again.replayed and again.body["number"] in numbers
    finally:
        store.close()
    with opened_store(pg_url) as store:
        assert_chain_intact(store)
        log = store.read(0, 10_000)
        positions = [e.position for e in log]
        assert positions == sorted(positions)
        by_command: dict[str, list[int]] = defaultdict(list)
        for env in log:
            by_command[env.command_id].append(env.position)
            if env.event_type == "InvoiceIssued":
                assert env.actor == actors[UUID(env.data["order_id"])]
            if env.event_type == "PaymentReceived":
                assert env.actor == f"cashier-{env.customer_id}"
        kinds = [e.event_type for e in log]
        assert kinds.count("InvoiceIssued") == kinds.count("PaymentReceived") == 8
        for command_positions in by_command.values():  # a command's events are never split
            first = command_positions[0]
            assert command_positions == list(range(first, first + len(command_positions)))


def test_a_lone_command_is_written_in_a_transaction_of_its_own(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        group = _group_of(store)
        World(store).account()
        assert (group.batches, group.saves) == (1, 1)


def test_group_commit_can_be_turned_off(pg_url: str) -> None:
    migrate_event_store(pg_url)
    store = EventStore(pg_url, group_commit=False)
    try:
        recorder = store.app.recorder
        assert isinstance(recorder, LargeSaveSafeRecorder) and recorder.group_commit is None
        service = O2CService(store)
        opened = service.handle(c.OpenAccount(name="Solo", currency="EUR", credit_limit=D("10")))
        assert store.last_position() == opened.position
    finally:
        store.close()


def test_invoices_queue_for_the_number_sequence_instead_of_racing_for_it(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Sixteen invoices at once in one process: each waits its turn on the numbering stream
    (none loses a race, so none retries or gives up), and the numbers have no gap."""
    # One customer each: the account locks do not order them, only the sequence's lock.
    _, orders = _shipped_orders(pg_url, 16)
    store = EventStore(pg_url)
    service = O2CService(store)
    numbers: list[str] = []

    def invoice(order: str) -> Callable[[], None]:
        def job() -> None:
            cmd = c.InvoiceOrder(order_id=UUID(order), issued_on=JAN)
            numbers.append(service.handle(cmd).body["number"])

        return job

    caplog.set_level(logging.INFO, logger="o2c.application.service")
    try:
        assert _in_threads([invoice(o) for o in orders]) == []
    finally:
        store.close()
    assert sorted(int(n.rsplit("-", 1)[-1]) for n in numbers) == list(range(1, 17))
    assert [r.message for r in caplog.records if "version conflict" in r.message] == []
