"""Ports the application service needs; infrastructure implements them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate

from o2c.aggregates.period_lock import TrialBalance
from o2c.application.context import EventMetadata
from o2c.domain.bank_matching import KnownPayer, OpenInvoiceRef


class EventStorePort(Protocol):
    """Loads aggregates and saves their pending events atomically."""

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        """The aggregate rebuilt from its events, or ``None`` if it has none."""

    def get_many(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Several aggregates at once (few round trips); ids with no events are left out."""

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


@dataclass(frozen=True)
class LedgerSnapshot:
    """The general ledger as the event log shows it: a trial balance as of a date, and the
    hash-chain head (last global position, digest) of the events it was computed over."""

    trial_balance: TrialBalance
    position: int
    head: str


class LedgerSnapshotPort(Protocol):
    """Replays the event log into a trial balance (what a period close records)."""

    def __call__(self, through: date) -> LedgerSnapshot:
        """The trial balance as of ``through`` over every event stored so far, with the head."""


@dataclass(frozen=True)
class BankBook:
    """What the bank matcher works on: the open invoices and the customers of one currency."""

    invoices: tuple[OpenInvoiceRef, ...]
    payers: tuple[KnownPayer, ...]


class BankBookPort(Protocol):
    """The read side as bank cash application needs it; each call first waits until the read
    models counted every event up to ``min_position`` (and fails if they do not get there)."""

    def book(self, currency: str, min_position: int) -> BankBook:
        """Open invoices (with number, open amount, due date, discount, dispute) and customers
        (with names and IBANs) in ``currency``."""

    def seen_lines(
        self, account_id: str, line_ids: Sequence[str], min_position: int
    ) -> dict[str, str]:
        """Of ``line_ids``, those already recorded on a statement of ``account_id``: line id →
        the statement (aggregate id) that has it."""
