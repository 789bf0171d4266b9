"""``EventStore``: the application service's port onto the library, plus log reading.

Saves run with the command's metadata in scope; a version clash becomes ``ConcurrencyConflict``
(nothing of that save is stored) and a dead database ``BackendUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
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
from o2c.events.catalog import BY_STORED_TOPIC
from o2c.events.envelope import EventEnvelope, to_json_native
from o2c.eventstore.application import DEFAULT_SNAPSHOT_INTERVAL, O2CEventStoreApp
from o2c.eventstore.mapper import CURRENT_SAVE, SaveInProgress
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
    ) -> None:
        self.url = url
        self.table = events_table(url)
        self.app = O2CEventStoreApp(
            env=library_env(url, create_tables=create_tables),
            snapshot_interval=snapshot_interval,
        )
        self.app.audit_mapper.head_lookup = self._stored_hash

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite store (one writer at a time)."""
        return self.url.startswith("sqlite:")

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

    def save(self, aggregates: Sequence[Aggregate], meta: EventMetadata) -> int:
        save = SaveInProgress(meta)
        token = CURRENT_SAVE.set(save)
        try:
            recordings = self.app.save(*aggregates)
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

    def envelope(self, stored: StoredEvent, position: int) -> EventEnvelope:
        """Decode one stored event (upcast to the current schema) into an envelope."""
        state, meta, hash_hex = self.app.audit_mapper.decode_state(stored)
        spec = BY_STORED_TOPIC[stored.topic]
        recorded = state.get("timestamp")
        data: dict[str, Any] = to_json_native(
            {k: v for k, v in state.items() if k not in _NOT_DATA}
        )
        return EventEnvelope(
            position=position,
            event_id=meta.get("event_id", ""),
            event_type=spec.name,
            aggregate_type=spec.aggregate,
            aggregate_id=str(stored.originator_id),
            version=stored.originator_version,
            customer_id=meta.get("customer_id"),
            recorded_at=recorded.isoformat() if recorded is not None else "",
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
