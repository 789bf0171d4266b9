"""The lock date: books closed through a date take no fact dated on or before it.

One singleton aggregate (like the invoice numbering) holds the lock date. Each close records
``PeriodClosed`` with its evidence: the trial balance as of the closed date, replayed from the
event log, and the hash-chain head that replay covered, so an auditor can later prove that
nothing changed the closed period behind the close's back. The date only moves forward; a
correction is booked in the open period.
"""

from __future__ import annotations

from datetime import date
from typing import TypeAlias
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.events.catalog import topic

PERIOD_LOCK_ID = uuid5(UUID("8d6c9a8e-3c1f-4a55-9a53-0f1d6f0c2a11"), "period-lock")

# Currency → ledger role → {"debit": "…", "credit": "…"}: each role's balance on its side, as
# decimal strings at the currency's exponent.
TrialBalance: TypeAlias = dict[str, dict[str, dict[str, str]]]


class PeriodLock(Aggregate):
    """The lock date and how many closes moved it."""

    TOPIC = "o2c.PeriodLock"

    class Event(Aggregate.Event):
        TOPIC = "o2c.PeriodLock.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.PeriodLock.Created"

    @classmethod
    def start(cls) -> PeriodLock:
        """Create the record (first close only)."""
        return cls._create(
            cls.PeriodLockStarted,  # type: ignore[attr-defined]  # defined by @event
            id=PERIOD_LOCK_ID,
        )

    @event("PeriodLockStarted", topic=topic("PeriodLockStarted"))
    def __init__(self) -> None:
        self.locked_through: date | None = None

    def ensure_open(self, on: date) -> None:
        """Refuse a fact dated ``on`` when its period is closed."""
        if self.locked_through is not None and on <= self.locked_through:
            raise RuleViolation(
                f"the books are closed through {self.locked_through}: nothing dated {on} can be "
                "booked; book a correction dated after the lock date",
                code="period-closed",
            )

    def ensure_can_close(self, through: date, today: date) -> None:
        """Only a past date after the current lock date can be closed."""
        if through >= today:
            raise InvalidInput(
                f"only a past period can be closed: {through} is not before today ({today})",
                code="invalid-close-date",
            )
        if self.locked_through is not None and through <= self.locked_through:
            raise RuleViolation(
                f"the books are already closed through {self.locked_through}; the lock date "
                "only moves forward",
                code="period-already-closed",
            )

    def close(
        self,
        through: date,
        reason: str,
        today: date,
        trial_balance: TrialBalance,
        head: tuple[int, str],
    ) -> None:
        """Close the books through ``through``; ``head`` is (last position, digest) the trial
        balance was computed over."""
        self.ensure_can_close(through, today)
        self._closed(through, reason, trial_balance, head[0], head[1])

    @event("PeriodClosed", topic=topic("PeriodClosed"))
    def _closed(
        self,
        through: date,
        reason: str,
        trial_balance: TrialBalance,
        head_position: int,
        head: str,
    ) -> None:
        self.locked_through = through
