"""PostgreSQL application recorder: cheaper inserts, and very large atomic saves that complete.

The library sends a save's events as one array of a composite type, which psycopg can only dump
as text, value by value in Python: a third of a bank import's save time went there. Here the
same ``INSERT … SELECT … FROM unnest(…)`` takes four arrays, one per column, dumped in binary
(ids, versions, topics, and the JSON state as ``bytea`` without escaping): same statement shape,
same table lock and ``NOTIFY``, same ``RETURNING notification_id`` order.

The library inserts a save's events inside psycopg's pipeline mode. Measured here (psycopg 3.3.9,
PostgreSQL 15): a pipeline whose single ``INSERT … unnest(%s)`` carries more than roughly 10 MB of
parameters never completes — the server waits in ``ClientRead`` for the rest of the message while
the client waits in ``Pipeline.sync`` — so one ``o2c import invoices`` of a few thousand rows hung
forever. Small saves keep the pipeline (one round trip); large ones take the plain path, which costs
a few extra round trips but is bounded by the data, not by a deadlock.

A save with conditions (``SaveConditions``: the period lock's version its command checked, the
log position a close's trial balance covers) inserts through the same statement with a ``WHERE``
that checks them: it runs after the table lock, so it sees every committed save and no other can
commit meanwhile, and it costs no extra round trip. If they no longer hold, nothing is inserted
and the save is refused (``StaleSave``, a version conflict to the command).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from o2c.application.context import NO_CONDITIONS, SaveConditions
from o2c.eventstore.group_commit import GroupCommit
from o2c.eventstore.save_conditions import StaleSave

# Well below the ~10 MB where the pipeline stalls; above it the extra round trips are noise.
PIPELINE_LIMIT_BYTES = 2_000_000


class LargeSaveSafeRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` inserting column arrays in binary, leaving pipeline
    mode for saves over 2 MB of state, and committing concurrent saves together
    (``group_commit``; ``None`` writes each save in its own transaction)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_commit: GroupCommit | None = GroupCommit(self._insert_now)
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "id_type": Identifier(self.datastore.originator_id_type),
        }
        insert = (
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], %b::bytea[]) "
        )
        self.insert_columns_statement = SQL(insert + "RETURNING notification_id").format(**names)
        # Both checks are uncorrelated subqueries (evaluated once) on indexes: each relied-on
        # stream's last version, the last notification id.
        self.insert_if_statement = SQL(
            insert + "WHERE NOT EXISTS ("
            " SELECT 1 FROM unnest(%b::{id_type}[], %b::bigint[]) AS k(id, version)"
            " WHERE coalesce((SELECT max(e.originator_version) FROM {schema}.{table} e"
            "  WHERE e.originator_id = k.id), 0) <> k.version)"
            " AND (%b::bigint IS NULL"
            "  OR coalesce((SELECT max(notification_id) FROM {schema}.{table}), 0) = %b::bigint) "
            "RETURNING notification_id"
        ).format(**names)

    def _insert_stored_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        conditions: SaveConditions = NO_CONDITIONS,
        **_: Any,
    ) -> None:
        self._lock_table(curs)
        self._notify_channel(curs)
        columns = (
            [e.originator_id for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )
        if conditions.empty:
            curs.execute(self.insert_columns_statement, columns)
            return
        checks = (
            [stream for stream, _ in conditions.unchanged],
            [version for _, version in conditions.unchanged],
            conditions.log_position,
            conditions.log_position,
        )
        curs.execute(self.insert_if_statement, columns + checks)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids is not None and len(ids) < len(stored_events):
            raise StaleSave  # the conditions failed: nothing was inserted
        return ids

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        conditions: SaveConditions = kwargs.pop("conditions", NO_CONDITIONS)
        if self.group_commit is not None and kwargs.get("tracking") is None:
            return self.group_commit.write(stored_events, conditions)
        return self._insert_now(stored_events, conditions, **kwargs)

    def _insert_now(
        self,
        stored_events: Sequence[StoredEvent],
        conditions: SaveConditions = NO_CONDITIONS,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """One transaction: the table lock, ``NOTIFY``, the insert if its conditions hold, the
        commit."""
        size = sum(len(e.state) for e in stored_events)
        by_function = self.datastore.enable_db_functions
        if by_function and not conditions.empty:
            # The library's database function would insert without checking them.
            return self._insert_without_pipeline(stored_events, conditions=conditions, **kwargs)
        if size <= PIPELINE_LIMIT_BYTES or by_function:
            ids: Sequence[int] | None = super().insert_events(
                stored_events, conditions=conditions, **kwargs
            )
            return ids
        return self._insert_without_pipeline(stored_events, conditions=conditions, **kwargs)

    def _insert_without_pipeline(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Same statements and the same table lock as the library's path, one transaction.
        with self.datastore.get_connection() as conn, conn.transaction():
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return None
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
