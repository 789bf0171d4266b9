"""Ports the application service needs; infrastructure implements them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from o2c.application.context import EventMetadata


class EventStorePort(Protocol):
    """Loads aggregates and saves their pending events atomically."""

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate rebuilt from its events, or ``None`` if it has none."""

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        """Save all pending events in one transaction; return the last global position.

        Raises ``ConcurrencyConflict`` when another save got there first (nothing is stored).
        """

    def last_position(self) -> int:
        """Highest global position in the log (0 when empty)."""

    def version_of(self, aggregate_id: UUID) -> int | None:
        """Stored version of an aggregate (``None`` if it has no events)."""

    def history(self, aggregate_id: UUID) -> Iterable[object]:
        """Every domain event of one stream, oldest first."""


class DunningCustomersPort(Protocol):
    """Lists the customers a dunning run should look at; each re-checks its own invoices."""

    def __call__(self, as_of: date, min_position: int) -> Iterable[UUID]:
        """Customers that may have invoices due before ``as_of``, counting every event up to
        ``min_position`` (a lister that follows the log waits until it got that far)."""
