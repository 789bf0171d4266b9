"""Checking a save's conditions inside its transaction, on PostgreSQL and on SQLite.

A command reads the period lock (and a close the whole log) before it saves; another process can
change either in between. Both recorders write under a store-wide writer lock (PostgreSQL's
table lock, SQLite's single writer), so a check made inside the save's transaction, after that
lock, sees every save that committed before and none can commit until this one is done. A save
whose conditions no longer hold is refused like a lost version race: nothing is stored and the
command is retried on fresh state.
"""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import IntegrityError

from o2c.application.context import NO_CONDITIONS, SaveConditions


class StaleSave(IntegrityError):
    """A record the save relied on changed after its command read it."""

    def __init__(self) -> None:
        super().__init__(
            "a record this save relied on (the period lock, or the log a close replayed) "
            "changed since its command read it"
        )


def all_of(conditions: Sequence[SaveConditions]) -> SaveConditions:
    """The conditions of saves written in one transaction, checked before any of them.

    A log position holds only before anything of the transaction is inserted, so only the first
    save may carry one (group commit starts a new batch with such a save).
    """
    if not conditions:
        return NO_CONDITIONS
    assert all(c.log_position is None for c in conditions[1:])
    unchanged = tuple(pair for c in conditions for pair in c.unchanged)
    return SaveConditions(unchanged, conditions[0].log_position)
