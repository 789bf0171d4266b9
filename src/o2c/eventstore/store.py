"""``EventStore``: the application service's port onto the library, plus log reading.

Saves run with the command's metadata in scope; a version clash, or a save whose conditions no
longer hold (``SaveConditions``: the period lock or the log moved since the command read them),
becomes ``ConcurrencyConflict`` (nothing of that save is stored) and a dead database
``BackendUnavailable``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    Notification,
    OperationalError,
    StoredEvent,
)

from o2c.application.context import EventMetadata
from o2c.application.errors import BackendUnavailable, ConcurrencyConflict
from o2c.database_url import is_sqlite
from o2c.events.catalog import BY_STORED_TOPIC
from o2c.events.envelope import EventEnvelope, to_json_native
from o2c.eventstore.application import DEFAULT_SNAPSHOT_INTERVAL, O2CEventStoreApp
from o2c.eventstore.mapper import CURRENT_SAVE, SaveInProgress
from o2c.eventstore.postgres_recorder import LargeSaveSafeRecorder
from o2c.eventstore.settings import events_table, library_env

log = logging.getLogger(__name__)

_NOT_DATA = ("timestamp", "originator_topic")


class EventStore:
    """Loads and saves aggregates; reads the notification log as envelopes."""

    def __init__(
        self,
        url: str,
        *,
        create_tables: bool = False,
        snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL,
        group_commit: bool = True,
    ) -> None:
        self.url = url
        self.table = events_table(url)
        self.app = O2CEventStoreApp(
            env=library_env(url, create_tables=create_tables),
            snapshot_interval=snapshot_interval,
        )
        self.app.audit_mapper.head_lookup = self._stored_hash
        recorder = self.app.recorder
        if isinstance(recorder, LargeSaveSafeRecorder) and not group_commit:
            recorder.group_commit = None

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store (one writer at a time)."""
        return is_sqlite(self.url)

    def close(self) -> None:
        """Release connections."""
        self.app.close()

    # ---- EventStorePort -------------------------------------------------------------------

    def get(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc

    def get_many(self, aggregate_ids: Iterable[UUID]) -> dict[UUID, Aggregate]:
        """Several aggregates at once, as ``get`` would load each but in two queries instead of
        one or two per aggregate; ids with no events are left out.

        Like the library's repository: an aggregate in its cache is a copy of the cached one
        brought up to date with the events stored since (the cache then keeps the newer state);
        any other starts from its latest snapshot, or its first event.
        """
        wanted = list(dict.fromkeys(aggregate_ids))
        if not wanted:
            return {}
        if self.is_sqlite:
            found = {i: self.get(i) for i in wanted}
            return {i: agg for i, agg in found.items() if agg is not None}
        cache = self.app.repository.cache
        cached: dict[UUID, Any] = {}
        if cache is not None:
            for aggregate_id in wanted:
                with contextlib.suppress(KeyError):
                    cached[aggregate_id] = cache.get(aggregate_id)
        try:
            snapshots = self._latest_snapshots([i for i in wanted if i not in cached])
            start = {i: stored.originator_version for i, stored in snapshots.items()}
            start.update({i: agg.version for i, agg in cached.items()})
            after = [start.get(i, 0) for i in wanted]
            rows = self._select(
                f"SELECT e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM {self.table} e JOIN unnest(%s::uuid[], %s::bigint[]) AS k(id, after) "
                "ON e.originator_id = k.id AND e.originator_version > k.after "
                "ORDER BY e.originator_id, e.originator_version",
                (wanted, after),
            )
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        streams: dict[UUID, list[StoredEvent]] = {i: [s] for i, s in snapshots.items()}
        for aggregate_id, row in rows:
            streams.setdefault(aggregate_id, []).append(row)
        aggregates: dict[UUID, Aggregate] = {}
        for aggregate_id in wanted:
            stream = streams.get(aggregate_id, [])
            agg = cached.get(aggregate_id)
            if stream:
                # The library's project_aggregate, without its per-event isinstance check
                # against a runtime protocol (a third of the replay's time); on a copy, as the
                # cached aggregate may be in use by another thread.
                agg = copy.deepcopy(agg)
                for stored in stream:
                    event: Any = self.app.mapper.to_domain_event(stored)
                    agg = event.mutate(agg)
                if agg is not None and cache is not None:
                    cache.put(aggregate_id, agg)
            if agg is not None:
                # Commands change what they load: never the cached object itself.
                aggregates[aggregate_id] = copy.deepcopy(agg)
        return aggregates

    def _latest_snapshots(self, aggregate_ids: list[UUID]) -> dict[UUID, StoredEvent]:
        """The latest snapshot of each aggregate that has one."""
        if self.app.snapshots is None or not aggregate_ids:
            return {}
        table = self.app.snapshots.recorder.events_table_name  # type: ignore[attr-defined]
        rows = self._select(
            f"SELECT DISTINCT ON (originator_id) originator_id, originator_version, topic, state "
            f"FROM {table} WHERE originator_id = ANY(%s) "
            "ORDER BY originator_id, originator_version DESC",
            (aggregate_ids,),
        )
        return dict(rows)

    def _select(self, sql: str, params: tuple[object, ...]) -> list[tuple[UUID, StoredEvent]]:
        """Stored events (or snapshots) selected by ``sql``, each with its aggregate id."""
        datastore: Any = self.app.recorder.datastore  # type: ignore[attr-defined]
        with datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return [
                (
                    row["originator_id"],
                    StoredEvent(
                        originator_id=row["originator_id"],
                        originator_version=row["originator_version"],
                        topic=row["topic"],
                        state=bytes(row["state"]),
                    ),
                )
                for row in cur.fetchall()
            ]

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        save = SaveInProgress(meta)
        token = CURRENT_SAVE.set(save)
        try:
            # The recorder checks the conditions inside the save's transaction.
            recordings = self.app.save(*aggregates, conditions=meta.conditions)
        except IntegrityError as exc:
            raise ConcurrencyConflict(
                "another command changed the same record first; nothing was stored"
            ) from exc
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        finally:
            CURRENT_SAVE.reset(token)
        self.app.audit_mapper.confirm(save)
        positions = [r.notification.id for r in recordings if r.notification.id is not None]
        return max(positions) if positions else self.last_position()

    def last_position(self) -> int:
        try:
            return int(self.app.recorder.max_notification_id() or 0)
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc

    def version_of(self, aggregate_id: UUID) -> int | None:
        try:
            rows = self.app.recorder.select_events(aggregate_id, desc=True, limit=1)
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        return rows[0].originator_version if rows else None

    def history(self, aggregate_id: UUID) -> Iterator[object]:
        try:
            yield from self.app.events.get(aggregate_id)
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc

    # ---- reading the log ------------------------------------------------------------------

    def _stored_hash(self, aggregate_id: UUID, version: int) -> str | None:
        stored = self.app.recorder.select_events(aggregate_id, gt=version - 1, lte=version)
        if not stored:
            return None
        _state, _meta, hash_hex = self.app.audit_mapper.decode_state(stored[0])
        return hash_hex

    def notifications(self, after: int, limit: int) -> Sequence[Notification]:
        """Raw stored events after ``after`` in commit order."""
        return self.app.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )

    def envelope(
        self, stored: StoredEvent, position: int, *, strict: bool = False
    ) -> EventEnvelope:
        """Decode one stored event (upcast to the current schema) into an envelope.

        ``strict`` decodes every value into its type first, as loading the aggregate does (an
        amount that is not a number fails): what an auditor's check of the log needs. Readers
        of the log take the stored JSON as it is.
        """
        native = None if strict else self.app.audit_mapper.decode_native(stored)
        if native is not None:
            state, meta, hash_hex = native
            recorded_at = str(state.get("timestamp") or "")
            data: dict[str, Any] = {k: v for k, v in state.items() if k not in _NOT_DATA}
        else:  # an older form: upcast to the current schema first
            state, meta, hash_hex = self.app.audit_mapper.decode_state(stored)
            recorded = state.get("timestamp")
            recorded_at = recorded.isoformat() if recorded is not None else ""
            data = to_json_native({k: v for k, v in state.items() if k not in _NOT_DATA})
        spec = BY_STORED_TOPIC[stored.topic]
        return EventEnvelope(
            position=position,
            event_id=meta.get("event_id", ""),
            event_type=spec.name,
            aggregate_type=spec.aggregate,
            aggregate_id=str(stored.originator_id),
            version=stored.originator_version,
            customer_id=meta.get("customer_id"),
            recorded_at=recorded_at,
            actor=meta.get("actor", ""),
            command_id=meta.get("command_id", ""),
            correlation_id=meta.get("correlation_id", ""),
            causation_id=meta.get("causation_id", ""),
            schema_version=int(meta.get("schema_version", 1)),
            prev_hash=meta.get("prev_hash", ""),
            hash=hash_hex,
            data=data,
        )

    def read(self, after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        """Up to ``limit`` envelopes after position ``after``, in commit order."""
        try:
            return [self.envelope(n, n.id) for n in self.notifications(after, limit)]
        except (OperationalError, InterfaceError) as exc:
            raise BackendUnavailable(str(exc)) from exc

    def positions_of(
        self, aggregate_id: UUID, after_version: int = 0, upto_version: int = 2**62
    ) -> dict[int, int]:
        """Version → global position of one stream's versions in (after, upto]."""
        mark = "?" if self.is_sqlite else "%s"
        sql = (
            f"SELECT originator_version, {'rowid' if self.is_sqlite else 'notification_id'} "
            f"FROM {self.table} WHERE originator_id = {mark} "
            f"AND originator_version > {mark} AND originator_version <= {mark}"
        )
        key: object = aggregate_id.hex if self.is_sqlite else aggregate_id
        params = (key, after_version, upto_version)
        datastore: Any = self.app.recorder.datastore  # type: ignore[attr-defined]
        if self.is_sqlite:
            with datastore.transaction(commit=False) as cur:
                cur.execute(sql, params)
                return {int(r[0]): int(r[1]) for r in cur.fetchall()}
        with datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return {int(r["originator_version"]): int(r["notification_id"]) for r in cur.fetchall()}

    def read_stream(
        self, aggregate_id: UUID, after_version: int = 0, limit: int | None = None
    ) -> list[EventEnvelope]:
        """One aggregate's events after ``after_version`` (at most ``limit``) as envelopes,
        with their global positions."""
        stored = self.app.recorder.select_events(aggregate_id, gt=after_version, limit=limit)
        if not stored:
            return []
        positions = self.positions_of(aggregate_id, after_version, stored[-1].originator_version)
        return [self.envelope(s, positions.get(s.originator_version, 0)) for s in stored]

    def read_all(self, after: int = 0, batch: int = 1000) -> Iterator[EventEnvelope]:
        """Every envelope after ``after``, streamed in batches (constant memory)."""
        while True:
            page = self.read(after, batch)
            if not page:
                return
            yield from page
            after = page[-1].position
