"""Unit of work: the aggregates one command loads and changes, saved together or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from o2c.aggregates.account import CustomerAccount
from o2c.application.context import SaveConditions
from o2c.application.locks import KeyedLocks
from o2c.application.ports import EventStorePort, LedgerSnapshot, LedgerSnapshotPort
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import NotFound, RuleViolation
from o2c.domain.tax import TaxPolicy

A = TypeVar("A", bound=Aggregate)

_NOT_FOUND_CODES: dict[str, str] = {
    "CustomerAccount": "customer-not-found",
    "Order": "order-not-found",
    "Invoice": "invoice-not-found",
    "Contract": "contract-not-found",
    "PaymentLink": "payment-not-found",
    "BankStatement": "bank-statement-not-found",
}


class UnitOfWork:
    """Tracks the aggregates of one command attempt and the customer each belongs to."""

    def __init__(
        self,
        store: EventStorePort,
        today: date,
        dunning_policy: DunningPolicy,
        account_locks: KeyedLocks | None = None,
        ledger: LedgerSnapshotPort | None = None,
        tax_policy: TaxPolicy | None = None,
    ) -> None:
        self.store = store
        self.tax_policy = tax_policy or TaxPolicy.default()
        self.today = today
        self.dunning_policy = dunning_policy
        self.account_locks = account_locks
        self.ledger = ledger
        self.locked: UUID | None = None
        self.locked_singleton: UUID | None = None
        self.seen: dict[UUID, Aggregate] = {}
        self.customer_of: dict[UUID, UUID | None] = {}
        # Aggregates about no one customer (a bank statement): their events stay keyed by
        # themselves instead of taking the command's primary customer.
        self.about_no_customer: set[UUID] = set()
        self.created: set[UUID] = set()
        self.loaded_versions: dict[UUID, int] = {}
        # Loaded ahead by ``prefetch``, not yet asked for: tracked only once ``find`` hands
        # them out, so a prefetch changes neither what is saved nor the command's customer.
        self.prefetched: dict[UUID, Aggregate] = {}
        # Streams this command relies on without loading them (the period lock it checked),
        # and the log position a close's trial balance covers: see ``save_conditions``.
        self.relied_on: dict[UUID, int] = {}
        self.ledger_position: int | None = None

    def prefetch(self, aggregate_ids: Iterable[UUID]) -> None:
        """Load the aggregates a command is about to ask for with a couple of queries."""
        wanted = [i for i in aggregate_ids if i not in self.seen and i not in self.prefetched]
        if wanted:
            self.prefetched.update(self.store.get_many(wanted))

    def find(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        """Load an aggregate of type ``cls`` once per unit of work, or ``None``."""
        agg = self.seen.get(aggregate_id)
        if agg is None:
            if cls is CustomerAccount and self._lock(aggregate_id):
                # Locked now: read it again, after the lock, as without a prefetch.
                self.prefetched.pop(aggregate_id, None)
            agg = self.prefetched.pop(aggregate_id, None)
            if agg is None:
                agg = self.store.get(aggregate_id)
            if agg is None:
                return None
            self.loaded_versions[agg.id] = agg.version
            self._track(agg)
        return agg if isinstance(agg, cls) else None

    def find_or_start(self, aggregate_id: UUID, cls: type[A], start: Callable[[], A]) -> A:
        """A singleton aggregate (numbering, the period lock): loaded, or started and tracked.

        Every invoice of every customer takes its number from one stream: commands of this
        process queue for it (until their save is done) instead of racing for it. Under group
        commit a race lost inside a batch was retried until some commands gave up.
        """
        if aggregate_id not in self.seen:
            self._lock_singleton(aggregate_id)
        agg = self.find(aggregate_id, cls)
        if agg is None:
            agg = start()
            self.add(agg)
        return agg

    def get(self, aggregate_id: UUID, cls: type[A]) -> A:
        """Load an aggregate or raise ``NotFound``."""
        agg = self.find(aggregate_id, cls)
        if agg is None:
            code = _NOT_FOUND_CODES.get(cls.__name__, "not-found")
            raise NotFound(f"{cls.__name__} {aggregate_id} not found", code=code)
        return agg

    def _lock(self, account_id: UUID) -> bool:
        """Lock the first account asked for (True if this call took the lock)."""
        # Only the first account, and never after a singleton: locks are taken in one order
        # (an account, then a singleton), so no two commands can wait for each other. The rare
        # command that touches several accounts (an import) relies on the version check for
        # the others.
        free = self.locked is None and self.locked_singleton is None
        if self.account_locks is not None and free:
            self.account_locks.acquire(account_id)
            self.locked = account_id
            return True
        return False

    def _lock_singleton(self, aggregate_id: UUID) -> None:
        # The first singleton only (the same one-order rule); read it again after the lock.
        if self.account_locks is not None and self.locked_singleton is None:
            self.account_locks.acquire(aggregate_id)
            self.locked_singleton = aggregate_id
            self.prefetched.pop(aggregate_id, None)

    def release(self) -> None:
        """Release the locks, once the command is saved or refused."""
        if self.account_locks is None:
            return
        for key in (self.locked_singleton, self.locked):
            if key is not None:
                self.account_locks.release(key)
        self.locked = self.locked_singleton = None

    def ledger_snapshot(self, through: date) -> LedgerSnapshot:
        """The trial balance as of ``through`` replayed from the event log (for a close)."""
        if self.ledger is None:
            raise RuleViolation(
                "this service has no ledger replay configured: periods cannot be closed",
                code="close-unavailable",
            )
        snapshot = self.ledger(through)
        # The trial balance covers the log up to here: an event stored after it must not be.
        self.ledger_position = snapshot.position
        return snapshot

    def rely_on(self, aggregate_id: UUID, version: int | None) -> None:
        """The command was decided on ``aggregate_id`` at ``version`` (``None``: no events)."""
        self.relied_on[aggregate_id] = version or 0

    def save_conditions(self) -> SaveConditions:
        """What must still hold when this command's events are stored."""
        unchanged = tuple(
            (agg_id, version)
            for agg_id, version in self.relied_on.items()
            # A stream the command writes is checked by its own version already.
            if agg_id not in self.seen or not self.seen[agg_id].pending_events
        )
        return SaveConditions(unchanged, self.ledger_position)

    def history(self, aggregate_id: UUID) -> Iterable[object]:
        """Every event of one stream, oldest first (for the rare rule that needs old facts)."""
        return self.store.history(aggregate_id)

    def new_id(self, supplied: UUID | None) -> UUID:
        """The caller's id once checked to be unused, or a fresh one.

        A fresh uuid4 cannot collide (122 random bits), so it costs no query; an import of
        thousands of rows spent a third of its time proving that it had not.
        """
        if supplied is None:
            return uuid4()
        self.require_new(supplied)
        return supplied

    def require_new(self, aggregate_id: UUID) -> None:
        """Refuse a caller-supplied id that is already taken."""
        # version_of is one indexed query; get() would also look for a snapshot and replay.
        if aggregate_id in self.seen or self.store.version_of(aggregate_id) is not None:
            raise RuleViolation(f"id {aggregate_id} already exists", code="already-exists")

    def add(self, agg: Aggregate) -> None:
        """Track a newly created aggregate."""
        self.created.add(agg.id)
        self._track(agg)

    def _track(self, agg: Aggregate) -> None:
        self.seen[agg.id] = agg
        self.customer_of[agg.id] = _customer_of(agg)
        if getattr(agg, "ABOUT_NO_CUSTOMER", False):
            self.about_no_customer.add(agg.id)

    def is_stale(self) -> bool:
        """True if another command changed an aggregate after this unit of work loaded it.

        A rule that fails on a mix of old and new state (the account read before, an invoice
        after a concurrent payment) is then retried on fresh state instead of reported.
        """
        return any(
            self.store.version_of(agg_id) != version
            for agg_id, version in self.loaded_versions.items()
        )

    def has_changes(self) -> bool:
        """True if any aggregate of this unit of work has events to save."""
        return any(agg.pending_events for agg in self.seen.values())

    def primary_customer(self) -> UUID | None:
        """The customer the command is about (the first one it touched)."""
        return next((c for c in self.customer_of.values() if c is not None), None)

    def aggregates(self) -> list[Aggregate]:
        """Everything loaded or created, new aggregates first so a stream's creation comes before
        the events that refer to it; those without pending events save nothing."""
        return sorted(self.seen.values(), key=lambda agg: agg.id not in self.created)


def _customer_of(agg: Aggregate) -> UUID | None:
    if isinstance(agg, CustomerAccount):
        return agg.id
    customer = getattr(agg, "customer_id", None)
    return customer if isinstance(customer, UUID) else None
