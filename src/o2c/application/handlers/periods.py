"""Handler for closing a period: the lock date moves forward with the ledger's evidence."""

from __future__ import annotations

from o2c import commands as c
from o2c.aggregates.period_lock import PERIOD_LOCK_ID, PeriodLock
from o2c.application.results import PeriodClosedResult
from o2c.application.unit_of_work import UnitOfWork


def period_lock(uow: UnitOfWork) -> PeriodLock:
    """The lock-date record (created by the first close)."""
    return uow.find_or_start(PERIOD_LOCK_ID, PeriodLock, PeriodLock.start)


def close_period(cmd: c.ClosePeriod, uow: UnitOfWork) -> PeriodClosedResult:
    """Close the books through ``cmd.through``, recording the trial balance replayed from the log.

    The rule is checked before the replay (which reads the whole log), and again by the close.
    """
    lock = period_lock(uow)
    lock.ensure_can_close(cmd.through, uow.today)
    snapshot = uow.ledger_snapshot(cmd.through)
    head = (snapshot.position, snapshot.head)
    lock.close(cmd.through, cmd.reason, uow.today, snapshot.trial_balance, head)
    return PeriodClosedResult(
        through=cmd.through,
        reason=cmd.reason,
        trial_balance=snapshot.trial_balance,
        head_position=snapshot.position,
        head=snapshot.head,
    )
