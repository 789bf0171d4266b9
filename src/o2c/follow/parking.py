"""Parking: a customer whose event a projection cannot apply is set aside; everyone else goes on.

One event that no projection can apply (a figure a read table cannot hold, a handler's bug) would
otherwise stop the read models for every customer, and stop every start-up, catch-up and rebuild
that reaches it. Both transports therefore treat such an error the same way:

- an error that says "not now" (``is_transient``: the database away, a deadlock) parks nothing:
  the batch is retried;
- any other error belongs to an event: the batch is split by customer until the customer it
  fails for is found (``isolate``), that customer is parked from that event on — applying its
  later events on an inconsistent base would corrupt its figures — and everything else applies.

A parked customer is a row of ``rm_parked_customers`` (``o2c.projections.parking``) under a
group name: the Kafka consumer group, or ``EMBEDDED_GROUP`` for the transport that follows the
event log (the in-process runner, ``o2c project`` without Kafka, ``o2c rebuild``). The Kafka
projector sends the parked messages to its DLQ topic; the event log transport needs no copy,
since the log itself keeps them: ``replay`` re-applies a parked customer's events from the log
after a fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.follow.failures import describe, is_transient
from o2c.projections.checkpoints import ParkedCustomer, PositionCheckpoint
from o2c.projections.engine import ProjectionEngine, held_back, projectable
from o2c.projections.parking import parked, unpark_within

log = logging.getLogger(__name__)

# The group under which the event log transport parks customers.
EMBEDDED_GROUP = "embedded"

T = TypeVar("T")


def now() -> str:
    """When a customer is parked (ISO timestamp, UTC)."""
    return datetime.now(UTC).isoformat()


# ---- finding the customer a batch fails for -------------------------------------------------


def isolate(
    items: Sequence[T], customer_of: Callable[[T], str], attempt: Callable[[Sequence[T]], None]
) -> dict[str, tuple[T, str]]:
    """Apply what can be applied; returns each failing customer's first bad item and its error.

    ``attempt`` applies items (committing them) or raises. Customers are split in halves until a
    part applies or holds one customer; of that customer's items, the longest prefix that applies
    is found by halving too, so a batch of thousands costs a few dozen transactions. The attempts
    store no checkpoint: the engine skips the versions they applied when the batch is applied
    again. A transient error propagates (the caller retries the batch).
    """
    by_customer: dict[str, list[T]] = {}
    for item in items:
        by_customer.setdefault(customer_of(item), []).append(item)
    failed: dict[str, tuple[T, str]] = {}
    _split(list(by_customer.values()), customer_of, attempt, failed)
    return failed


def _split(
    groups: list[list[T]],
    customer_of: Callable[[T], str],
    attempt: Callable[[Sequence[T]], None],
    failed: dict[str, tuple[T, str]],
) -> None:
    if len(groups) > 1:
        half = len(groups) // 2
        for part in (groups[:half], groups[half:]):
            if not _try(attempt, [item for group in part for item in group]):
                _split(part, customer_of, attempt, failed)
        return
    items = groups[0]
    while items:
        # The longest prefix that applies (it is committed); the item after it fails.
        good, bad = 0, len(items)
        while bad - good > 1:
            mid = (good + bad) // 2
            if _try(attempt, items[:mid]):
                good = mid
            else:
                bad = mid
        culprit = items[good]
        try:
            attempt([culprit])
        except Exception as exc:
            if is_transient(exc):
                raise
            failed[customer_of(culprit)] = (culprit, describe(exc))
            return
        # It applied on its own this time: go on with the rest.
        rest = items[good + 1 :]
        items = [] if not rest or _try(attempt, rest) else rest


def _try(attempt: Callable[[Sequence[T]], None], items: Sequence[T]) -> bool:
    try:
        attempt(items)
    except Exception as exc:
        if is_transient(exc):
            raise
        return False
    return True


# ---- the event log transport ----------------------------------------------------------------


class LogParking:
    """Applies pages of the event log, parking each customer an event cannot be applied for.

    Used by everything that follows the log: the in-process runner, ``o2c project`` without
    Kafka, and ``o2c rebuild`` (whose engine writes the generations being built).
    """

    def __init__(self, engine: ProjectionEngine, group: str = EMBEDDED_GROUP) -> None:
        self.engine = engine
        self.group = group
        self.parked = 0  # customers this applier parked

    def apply(self, page: Sequence[EventEnvelope]) -> int:
        """Apply a page and its checkpoint (its last position); returns the events applied."""
        if not page:
            return 0
        checkpoint = PositionCheckpoint(self.group, page[-1].position)
        try:
            return self.engine.apply(page, checkpoint=checkpoint)
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning(
                "batch of %d events failed (%s): looking for the customer it fails for",
                len(page),
                describe(exc),
            )
        parks = parked(self.engine, self.group)
        flowing = [e for e in projectable(page) if not held_back(e, parks)]
        applied = 0

        def attempt(envelopes: Sequence[EventEnvelope]) -> None:
            nonlocal applied
            applied += self.engine.apply(envelopes, checkpoint=None)

        failed = isolate(flowing, lambda e: e.partition_key, attempt)
        new = {
            customer: ParkedCustomer(reason, bad.position, now())
            for customer, (bad, reason) in failed.items()
        }
        self.engine.apply([], checkpoint=replace(checkpoint, parked=new))
        for customer, park in new.items():
            self.parked += 1
            log.error(
                "parked customer %s from position %d (group %s): %s. Its events wait in the "
                "event log; `o2c dlq replay` re-applies them after a fix",
                customer,
                park.first_position,
                self.group,
                park.reason,
            )
        return applied


def parked_events(
    store: EventStore, customer: str, after: int, batch: int = 2000
) -> Iterator[EventEnvelope]:
    """A customer's events in the log after position ``after``, in order."""
    position = max(0, after)
    while True:
        page = store.read(position, batch)
        if not page:
            return
        yield from (e for e in page if e.partition_key == customer)
        position = page[-1].position


def replay(engine: ProjectionEngine, store: EventStore, group: str) -> dict[str, int]:
    """Re-apply each parked customer's events from the log, then unpark it; returns the events
    applied per customer, -1 for one whose events still fail (it stays parked).

    Re-applying is safe: the engine skips aggregate versions it already has. The log is read
    twice: up to its head without holding anything (the live transport passes over the
    customer's events meanwhile), then what came after, applied and unparked in one transaction
    that holds the checkpoint rows, so that no batch of the live transport passes over an event
    that the replay did not apply.
    """
    result: dict[str, int] = {}
    for customer, park in parked(engine, group).items():
        try:
            events = list(parked_events(store, customer, park.first_position - 1))
            applied = engine.apply(events, checkpoint=None)
            high = events[-1].position if events else park.first_position - 1
            with engine.read_store.engine.begin() as conn:
                engine.lock_positions(conn)
                late = projectable(list(parked_events(store, customer, high)))
                applied += engine.apply_within(conn, late, None)
                unpark_within(conn, group, customer)
        except Exception as exc:  # stays parked; reported
            log.error("customer %s still fails: %s", customer, describe(exc))
            result[customer] = -1
            continue
        result[customer] = applied
    return result
