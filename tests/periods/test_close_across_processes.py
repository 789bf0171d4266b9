"""A period close and a command dated inside the period, run by two processes on one database.

Each "process" is a service over its own ``EventStore`` (own connections, own group commit, own
in-process locks): nothing but the database orders them. One of the two is stopped at its save,
after every check it makes, while the other runs; so each interleaving is forced, not hoped for.
Either the dated command is stored before the close and counted in its trial balance, or it is
refused with ``period-closed``; the log always verifies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate

from o2c import commands as c
from o2c.application.context import CommandContext, EventMetadata
from o2c.application.service import CommandResult, O2CService
from o2c.audit.ledger_replay import LogLedger
from o2c.audit.log_reader import decoder, raw_events
from o2c.audit.verify import verify_events
from o2c.domain.errors import RuleViolation
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore
from tests.periods.book import INSIDE, LOCK, TODAY

WAIT = 30.0


class PausedAtFirstSave(EventStore):
    """An event store whose first save waits, once its command checked everything, until the
    test lets it go on."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.reached = threading.Event()
        self.go = threading.Event()
        self._paused = False

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        if not self._paused:
            self._paused = True
            self.reached.set()
            assert self.go.wait(WAIT)
        return super().save(aggregates, meta)


class Outcome:
    """What a command run in another thread came to: its result or its error."""

    def __init__(self) -> None:
        self.result: CommandResult | None = None
        self.error: BaseException | None = None


@contextmanager
def running(service: O2CService, cmd: c.Command) -> Iterator[Outcome]:
    """Run ``cmd`` in a thread; wait for it when the block ends."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.result = service.handle(cmd, CommandContext(actor="other-process"))
        except BaseException as error:  # handed to the test
            outcome.error = error

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield outcome
    finally:
        thread.join(WAIT)
        assert not thread.is_alive()


def service_over(store: EventStore) -> O2CService:
    """One process's service (SQLite: one writer at a time within it, as bootstrap does)."""
    return O2CService(
        store, today=lambda: TODAY, ledger=LogLedger(store), serialize=store.is_sqlite
    )


def payment(customer: UUID) -> c.ReceivePayment:
    return c.ReceivePayment(customer_id=customer, amount=Decimal("7.00"), received_on=INSIDE)


def close() -> c.ClosePeriod:
    return c.ClosePeriod(through=LOCK, reason="January closed")


@contextmanager
def two_processes(url: str) -> Iterator[tuple[EventStore, PausedAtFirstSave, UUID]]:
    """A plain store and a store that pauses at its first save, both on ``url``, and a
    customer opened through the plain one."""
    migrate_event_store(url)
    plain, paused = EventStore(url), PausedAtFirstSave(url)
    try:
        opened = service_over(plain).handle(
            c.OpenAccount(name="Acme", currency="EUR", credit_limit=Decimal(1000))
        )
        yield plain, paused, UUID(opened.body["customer_id"])
    finally:
        paused.go.set()
        paused.close()
        plain.close()


def assert_log_verifies(store: EventStore) -> None:
    report = verify_events(raw_events(store), decode=decoder(store))
    assert report.ok and report.closes == 1, report.breaks


def test_a_payment_checked_before_a_close_and_saved_after_it_is_refused(store_url: str) -> None:
    with two_processes(store_url) as (plain, paused, customer):
        with running(service_over(paused), payment(customer)) as paying:
            assert paused.reached.wait(WAIT)  # the payment found the period open
            closed = service_over(plain).handle(close())
            paused.go.set()
        assert paying.result is None, "a payment dated inside the period landed after its close"
        assert isinstance(paying.error, RuleViolation) and paying.error.code == "period-closed"
        assert closed.body["trial_balance"] == {}
        assert_log_verifies(plain)


def test_a_payment_stored_while_a_close_replays_the_ledger_is_in_its_trial_balance(
    store_url: str,
) -> None:
    with two_processes(store_url) as (plain, paused, customer):
        with running(service_over(paused), close()) as closing:
            assert paused.reached.wait(WAIT)  # the close replayed the ledger without it
            paid = service_over(plain).handle(payment(customer))
            paused.go.set()
        assert closing.error is None and closing.result is not None
        assert paid.position < closing.result.position
        bank = closing.result.body["trial_balance"]["EUR"]["bank"]
        assert bank == {"debit": "7.00", "credit": "0.00"}
        assert_log_verifies(plain)
