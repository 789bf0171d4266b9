"""SQLite application recorder that checks a save's conditions inside its transaction.

Two processes can write one SQLite file. SQLite lets one writer at a time in, but a transaction
that read first and writes second fails (the database is locked, or its snapshot is stale)
instead of waiting; so the events are inserted first, which waits for and then holds the write
lock, and the conditions are checked after, against the rows stored before this save's own
(a lower ``rowid``). A failed check rolls the save back (``StaleSave``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from o2c.application.context import NO_CONDITIONS, SaveConditions
from o2c.eventstore.save_conditions import StaleSave


class ConditionalSQLiteRecorder(SQLiteApplicationRecorder):
    """``SQLiteApplicationRecorder`` refusing a save whose ``SaveConditions`` no longer hold."""

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        conditions: SaveConditions = NO_CONDITIONS,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids and not conditions.empty and not self._hold(c, conditions, before=ids[0]):
            raise StaleSave
        return ids

    def _hold(self, c: SQLiteCursor, conditions: SaveConditions, before: int) -> bool:
        table = self.events_table_name
        for stream, version in conditions.unchanged:
            c.execute(
                f"SELECT max(originator_version) FROM {table} "
                "WHERE originator_id = ? AND rowid < ?",
                (stream.hex, before),
            )
            if (c.fetchone()[0] or 0) != version:
                return False
        if conditions.log_position is not None:
            c.execute(f"SELECT max(rowid) FROM {table} WHERE rowid < ?", (before,))
            if (c.fetchone()[0] or 0) != conditions.log_position:
                return False
        return True
