"""The application service: one entry point that runs any command atomically and idempotently.

A command runs in a fresh unit of work: its handler loads aggregates, applies the domain's rules
and returns a typed result; every aggregate it changed is then saved in one transaction. A
version conflict (another command got there first) is retried on freshly loaded aggregates, so a
retry never works on stale state. With an idempotency key, the first response is stored with the
command's own events and handed back on every retry.

A dunning run is the one command that is not a single transaction: it becomes one
``SendReminders`` command per customer with overdue invoices.

Business dates are checked here, once for every command, before its handler runs: a
command dated later than today, or whose business date (``Command.business_dates``) is on or
before the lock date, is refused and stores nothing. The lock check is a read, so the save
carries the lock's version it read and the event store refuses it (a version conflict, retried)
if a close of any process moved the lock in between; a close's save likewise carries the log
position its trial balance covers (``SaveConditions``). Within one process a close also runs
alone (``ReadersWriterLock``), so its commands wait instead of retrying.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from o2c.aggregates.command_record import CommandRecord, record_id
from o2c.aggregates.period_lock import PERIOD_LOCK_ID, PeriodLock
from o2c.application.context import CommandContext, EventMetadata
from o2c.application.errors import ConcurrencyConflict, IdempotencyKeyReused
from o2c.application.handlers import HANDLERS
from o2c.application.locks import KeyedLocks, ReadersWriterLock
from o2c.application.ports import (
    BankBookPort,
    DunningCustomersPort,
    EventStorePort,
    LedgerSnapshotPort,
)
from o2c.application.results import (
    LetterResult,
    PromiseOutcomeResult,
    PromisesCheckedResult,
    ReminderResult,
    RemindersResult,
    Result,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.commands import (
    CheckCustomerPromises,
    CheckPromises,
    ClosePeriod,
    Command,
    RunDunning,
    SendReminders,
)
from o2c.domain.business_dates import ensure_not_in_future
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import DomainError
from o2c.domain.tax import TaxPolicy

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12

# Runs after a command's handler, in the same unit of work: it may add aggregates to the save
# (a dunning run's reminder letter) and answers the result to return instead.
Follower = Callable[[Any, Result, UnitOfWork], Result]


@dataclass(frozen=True)
class CommandResult:
    """A command's typed result and the global position of its last event."""

    position: int
    result: Result
    replayed: bool = False

    @property
    def body(self) -> dict[str, Any]:
        """The result as JSON-native data (what the API answers with)."""
        return self.result.to_json()


def result_type(cmd_type: type[Command]) -> type[Result]:
    """The result type a command's handler returns."""
    if cmd_type is RunDunning:
        return RemindersResult
    if cmd_type is CheckPromises:
        return PromisesCheckedResult
    found = typing.get_type_hints(HANDLERS[cmd_type])["return"]
    assert isinstance(found, type) and issubclass(found, Result)
    return found


def request_digest(cmd: Command) -> str:
    """Digest of a command's type and content: the same key must come with the same request."""
    payload = json.dumps(
        {"command": type(cmd).__name__, "body": cmd.model_dump(mode="json")}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _no_customers(as_of: date, min_position: int) -> Iterable[UUID]:
    return ()


class O2CService:
    """Runs commands against the event store."""

    def __init__(
        self,
        store: EventStorePort,
        *,
        today: Callable[[], date] = date.today,
        dunning_policy: DunningPolicy | None = None,
        tax_policy: TaxPolicy | None = None,
        dunning_customers: DunningCustomersPort = _no_customers,
        serialize: bool = False,
        ledger: LedgerSnapshotPort | None = None,
        bank_book: BankBookPort | None = None,
        listeners: Sequence[Callable[[int], None]] = (),
        followers: Mapping[type[Command], Follower] | None = None,
    ) -> None:
        self.store = store
        self.today = today
        self.dunning_policy = dunning_policy or DunningPolicy()
        self.tax_policy = tax_policy or TaxPolicy.default()
        self.dunning_customers = dunning_customers
        self.ledger = ledger
        self.account_locks = KeyedLocks()
        # Commands read the books, a period close writes them (see locks.py).
        self.books = ReadersWriterLock()
        self._period_lock: PeriodLock | None = None
        # One writer at a time where the store cannot arbitrate between threads (SQLite).
        self._lock: AbstractContextManager[Any] = threading.RLock() if serialize else nullcontext()
        # Told each command's last stored position (the embedded runner, webhook delivery).
        self.listeners: list[Callable[[int], None]] = list(listeners)
        # The read side bank cash application matches against (where read models run).
        self.bank_book = bank_book
        # What follows a command in its own save, by command type (a dunning run's letters).
        self.followers: dict[type[Command], Follower] = dict(followers or {})

    def handle(self, cmd: Command, ctx: CommandContext | None = None) -> CommandResult:
        """Run ``cmd``; all of it is stored or none of it."""
        ctx = ctx or CommandContext()
        if isinstance(cmd, RunDunning):
            return self._run_dunning(cmd, ctx)
        if isinstance(cmd, CheckPromises):
            return self._check_promises(cmd, ctx)
        handler = HANDLERS[type(cmd)]
        digest = request_digest(cmd) if ctx.idempotency_key else ""
        books = self.books.writing if isinstance(cmd, ClosePeriod) else self.books.reading
        with self._lock, books():
            for attempt in range(1, MAX_ATTEMPTS + 1):
                replay = self._replay(ctx, cmd, digest)
                if replay is not None:
                    return replay
                uow = UnitOfWork(
                    self.store,
                    self.today(),
                    self.dunning_policy,
                    self.account_locks,
                    ledger=self.ledger,
                    tax_policy=self.tax_policy,
                )
                try:
                    result = self._attempt(cmd, ctx, digest, handler, uow, attempt)
                finally:
                    uow.release()
                if result is not None:
                    self._notify(result.position)
                    return result
        raise ConcurrencyConflict("unreachable")  # pragma: no cover

    def locked_through(self) -> date | None:
        """The lock date as stored now (``None``: no period was ever closed)."""
        lock = self._current_period_lock()
        return None if lock is None else lock.locked_through

    def _current_period_lock(self) -> PeriodLock | None:
        # One indexed query per command; the record is loaded again only after a close.
        version = self.store.version_of(PERIOD_LOCK_ID)
        if version is None:
            return None
        cached = self._period_lock
        if cached is None or cached.version != version:
            loaded = self.store.get(PERIOD_LOCK_ID)
            assert isinstance(loaded, PeriodLock)
            self._period_lock = cached = loaded
        return cached

    def check_dates(self, cmd: Command) -> None:
        """Refuse ``cmd`` now if it is dated in the future or inside a closed period (a run
        checks its date once before it starts its commands)."""
        self._check_dates(cmd, self.today())

    def _check_dates(self, cmd: Command, today: date) -> int | None:
        """Refuse a command dated in the future or on or before the lock date (before its
        handler runs); the lock's version checked (0: no close yet), ``None`` for a command
        with no date."""
        ensure_not_in_future(cmd.dates_not_after_today(today), today)
        dates = cmd.business_dates(today)
        if not dates:
            return None
        lock = self._current_period_lock()
        if lock is None:
            return 0
        lock.ensure_open(min(dates))
        return lock.version

    def _attempt(
        self,
        cmd: Command,
        ctx: CommandContext,
        digest: str,
        handler: Callable[[Any, UnitOfWork], Result],
        uow: UnitOfWork,
        attempt: int,
    ) -> CommandResult | None:
        """One try of a command; ``None`` when it lost a race and should be retried."""
        try:
            checked = self._check_dates(cmd, uow.today)
            if checked is not None:
                uow.rely_on(PERIOD_LOCK_ID, checked)
            result = handler(cmd, uow)
            follower = self.followers.get(type(cmd))
            if follower is not None:
                result = follower(cmd, result, uow)
        except DomainError:
            if attempt < MAX_ATTEMPTS and uow.is_stale():
                return None
            raise
        if ctx.idempotency_key:
            uow.add(
                CommandRecord.accept(
                    ctx.idempotency_key, type(cmd).__name__, digest, result.to_json()
                )
            )
        if not uow.has_changes():
            # Nothing to record (a customer with no reminder due): no transaction, no table lock.
            return CommandResult(self.store.last_position(), result)
        try:
            position = self.store.save(uow.aggregates(), self._metadata(ctx, uow))
        except ConcurrencyConflict:
            log.info("version conflict on %s, attempt %d", type(cmd).__name__, attempt)
            if attempt == MAX_ATTEMPTS:
                raise
            # Exponential jittered backoff: a linear one of a few ms is shorter than loading a
            # busy account, so writers from several processes on one account could starve one.
            time.sleep(random.uniform(0, min(0.25, 0.002 * 2**attempt)))
            return None
        return CommandResult(position, result)

    @staticmethod
    def _metadata(ctx: CommandContext, uow: UnitOfWork) -> EventMetadata:
        customer_of = dict(uow.customer_of)
        primary = uow.primary_customer()
        for agg_id, customer in customer_of.items():
            if customer is None and agg_id not in uow.about_no_customer:
                customer_of[agg_id] = primary
        return EventMetadata.for_command(ctx, customer_of, uow.save_conditions())

    def _run_dunning(self, cmd: RunDunning, ctx: CommandContext) -> CommandResult:
        """A dunning run: one ``SendReminders`` per customer with overdue invoices.

        Customers are listed once everything stored before the run is visible to the lister
        (the read models wait for the run's start position); each customer's invoices are then
        chosen from its account on the write side, in that customer's own transaction.
        """
        digest = request_digest(cmd) if ctx.idempotency_key else ""
        replay = self._replay(ctx, cmd, digest)
        if replay is not None:
            return replay
        today = self.today()
        as_of = cmd.as_of or today
        self._check_dates(cmd, today)
        start = self.store.last_position()
        reminders: list[ReminderResult] = []
        letters: list[LetterResult] = []
        broken: list[PromiseOutcomeResult] = []
        position = start
        for customer_id in self.dunning_customers(as_of, start):
            part = CommandContext(
                actor=ctx.actor, correlation_id=ctx.correlation, causation_id=ctx.command_id
            )
            result = self.handle(SendReminders(customer_id=customer_id, as_of=as_of), part)
            assert isinstance(result.result, RemindersResult)
            reminders.extend(result.result.reminders)
            letters.extend(result.result.letters)
            broken.extend(result.result.promises_broken)
            position = max(position, result.position)
        summary = RemindersResult(
            as_of=as_of,
            reminders_sent=len(reminders),
            reminders=reminders,
            letters=letters,
            promises_broken=broken,
        )
        if ctx.idempotency_key:
            position = self._record_response(cmd, ctx, digest, summary)
        return CommandResult(position, summary)

    def _check_promises(self, cmd: CheckPromises, ctx: CommandContext) -> CommandResult:
        """A promise check: one ``CheckCustomerPromises`` per customer with overdue invoices
        (the customers a dunning run would look at), each its own transaction."""
        digest = request_digest(cmd) if ctx.idempotency_key else ""
        replay = self._replay(ctx, cmd, digest)
        if replay is not None:
            return replay
        today = self.today()
        as_of = cmd.as_of or today
        self._check_dates(cmd, today)
        start = self.store.last_position()
        broken: list[PromiseOutcomeResult] = []
        position = start
        for customer_id in self.dunning_customers(as_of, start):
            part = CommandContext(
                actor=ctx.actor, correlation_id=ctx.correlation, causation_id=ctx.command_id
            )
            one = CheckCustomerPromises(customer_id=customer_id, as_of=as_of)
            result = self.handle(one, part)
            assert isinstance(result.result, PromisesCheckedResult)
            broken.extend(result.result.promises_broken)
            position = max(position, result.position)
        summary = PromisesCheckedResult(as_of=as_of, promises_broken=broken)
        if ctx.idempotency_key:
            position = self._record_response(cmd, ctx, digest, summary)
        return CommandResult(position, summary)

    def _record_response(
        self, cmd: Command, ctx: CommandContext, digest: str, result: Result
    ) -> int:
        uow = UnitOfWork(self.store, self.today(), self.dunning_policy)
        key = ctx.idempotency_key or ""
        uow.add(CommandRecord.accept(key, type(cmd).__name__, digest, result.to_json()))
        with self._lock:
            position = self.store.save(uow.aggregates(), self._metadata(ctx, uow))
        self._notify(position)
        return position

    def _replay(self, ctx: CommandContext, cmd: Command, digest: str) -> CommandResult | None:
        if not ctx.idempotency_key:
            return None
        record = self.store.get(record_id(ctx.idempotency_key))
        if record is None:
            return None
        assert isinstance(record, CommandRecord)
        if record.request_digest != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request"
            )
        first = result_type(type(cmd)).model_validate(record.response)
        return CommandResult(self.store.last_position(), first, replayed=True)

    def _notify(self, position: int) -> None:
        for listener in self.listeners:
            try:
                listener(position)
            except Exception:  # a listener (e.g. the embedded runner) must not fail a command
                log.exception("command listener failed")
