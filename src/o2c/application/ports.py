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


class DunningCandidatesPort(Protocol):
    """Finds invoices that may be due a reminder; each is re-checked on its aggregate."""

    def __call__(self, as_of: date) -> Iterable[UUID]:
        """Ids of open invoices due before ``as_of``."""
