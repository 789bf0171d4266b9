"""The projection engine: applies a batch of envelopes to every projection in one transaction.

Both transports call ``apply``: the event log transport (embedded runner, rebuild) with a
``PositionCheckpoint``, the Kafka consumer with a ``KafkaCheckpoint``; both park a customer an
event cannot be applied for the same way (``o2c.projections.parking``). The checkpoint is
written in the same transaction as the rows, so a crash anywhere neither loses nor doubles an
event; an event whose aggregate version a projection has already applied is skipped, so
redelivery changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection

from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Projection
from o2c.projections.checkpoints import (
    Checkpoint,
    KafkaCheckpoint,
    OffsetMark,
    ParkedCustomer,
    PositionCheckpoint,
    load_marks,
    load_offsets,
    load_parked,
    load_position,
    raise_position,
    store_offsets,
    store_parked,
    store_position,
)
from o2c.projections.readstore import ReadStore
from o2c.projections.registry import PROJECTIONS
from o2c.projections.rows import RowCache
from o2c.projections.text import storable_envelope

log = logging.getLogger(__name__)


def kafka_position_key(group: str) -> str:
    """Checkpoint key under which a consumer group's highest applied position is kept."""
    return f"kafka:{group}"


def projectable(envelopes: Sequence[EventEnvelope]) -> list[EventEnvelope]:
    """The envelopes projections apply, once per batch for all of them: internal events left
    out, and text a read table cannot hold (NUL) replaced, so an old event never stops a batch."""
    return [storable_envelope(e) for e in envelopes if not e.internal]


def held_back(envelope: EventEnvelope, parks: Mapping[str, ParkedCustomer]) -> bool:
    """True for an event of a parked customer at or after the event it was parked at."""
    park = parks.get(envelope.partition_key)
    return park is not None and envelope.position >= park.first_position


# Events applied between two refreshes of the read models' planner statistics.
ANALYZE_AFTER = 100_000


class ProjectionEngine:
    """Applies envelopes to the live generation of each projection."""

    def __init__(
        self,
        read_store: ReadStore,
        projections: Sequence[Projection] = PROJECTIONS,
        *,
        analyze_after: int = ANALYZE_AFTER,
        generations: Mapping[str, int] | None = None,
    ) -> None:
        self.read_store = read_store
        self.projections = tuple(projections)
        self.fixed_generations = generations
        self.analyze_after = analyze_after
        self._unanalyzed = 0

    def apply(self, envelopes: Sequence[EventEnvelope], *, checkpoint: Checkpoint | None) -> int:
        """Apply a batch and its checkpoint atomically; returns the number of events applied.

        ``checkpoint=None`` applies rows only, from no position and recording none: the trial
        applies that find the customer a batch fails for, and replays of parked customers.
        """
        ready = projectable(envelopes)
        with self.read_store.engine.begin() as conn:
            applied = self.apply_within(conn, ready, checkpoint)
        self._count_for_statistics(len(ready))
        return applied

    def apply_within(
        self,
        conn: Connection,
        ready: Sequence[EventEnvelope],
        checkpoint: Checkpoint | None,
    ) -> int:
        """``apply`` inside the caller's transaction, for envelopes ``projectable`` returned.

        With a ``PositionCheckpoint`` the events of customers parked for its group, from the
        event they were parked at on, are passed over; the parked customers are read after the
        checkpoint rows are locked, so a replay that unparks a customer under the same locks
        (``lock_positions``) is seen whole or not at all.
        """
        active = self.generations(conn)
        done: dict[str, int] = {}
        if isinstance(checkpoint, PositionCheckpoint):
            done = self.lock_positions(conn, active)
            parks = load_parked(conn, checkpoint.name)
            if parks:
                ready = [e for e in ready if not held_back(e, parks)]
            store_parked(conn, checkpoint.name, checkpoint.parked)
        applied = 0
        for projection in self.projections:
            generation = active[projection.name]
            applied += self.apply_to(
                conn, projection, generation, ready, checkpoint, done.get(projection.name)
            )
        if isinstance(checkpoint, KafkaCheckpoint):
            store_offsets(conn, checkpoint)
            if ready:
                high = max(e.position for e in ready)
                raise_position(conn, kafka_position_key(checkpoint.group), 0, high)
        return applied

    def generations(self, conn: Connection) -> dict[str, int]:
        """The generation each projection writes: the live one, unless the engine was built for
        the generations a rebuild fills."""
        if self.fixed_generations is not None:
            return dict(self.fixed_generations)
        return self.read_store.active_generations(conn)

    def lock_positions(
        self, conn: Connection, active: dict[str, int] | None = None
    ) -> dict[str, int]:
        """Hold every projection's checkpoint row until the transaction ends (in one order, so
        two holders never deadlock): a batch of the event log transport waits meanwhile.
        Returns each projection's position."""
        active = active if active is not None else self.generations(conn)
        return {
            projection.name: load_position(
                conn, projection.name, active[projection.name], lock=True
            )
            for projection in sorted(self.projections, key=lambda p: p.name)
        }

    def _count_for_statistics(self, applied: int) -> None:
        """Fresh planner statistics once enough events went in since the last ones: tables
        filled in bulk (a catch-up after an import, on either transport) have none until
        autovacuum comes by, and PostgreSQL then plans queries over them as if they were empty."""
        self._unanalyzed += applied
        if self._unanalyzed >= self.analyze_after:
            self._unanalyzed = 0
            self.read_store.analyze(self.fixed_generations)

    def apply_to(
        self,
        conn: Connection,
        projection: Projection,
        generation: int,
        envelopes: Sequence[EventEnvelope],
        checkpoint: Checkpoint | None,
        done: int | None = None,
    ) -> int:
        """Apply a batch (as ``projectable`` returns it) to one projection generation inside
        the caller's transaction; ``done``: its position, if the caller locked it already."""
        relevant = [e for e in envelopes if projection.handles(e)]
        if isinstance(checkpoint, PositionCheckpoint):
            if done is None:
                done = load_position(conn, projection.name, generation, lock=True)
            relevant = [e for e in relevant if e.position > done]
        applied = 0
        if relevant:
            applied = self._apply_rows(conn, projection, generation, relevant)
        if isinstance(checkpoint, PositionCheckpoint):
            store_position(conn, projection.name, generation, checkpoint.position)
        return applied

    def _apply_rows(
        self,
        conn: Connection,
        projection: Projection,
        generation: int,
        envelopes: Sequence[EventEnvelope],
    ) -> int:
        cache = RowCache(self.read_store.tables(projection.name, generation))
        cache.load(conn, "applied", (e.aggregate_id for e in envelopes))
        needed: dict[str, set[str]] = defaultdict(set)
        for env in envelopes:
            for table, key in projection.needs(env):
                needed[table].add(key)
        for table, keys in needed.items():
            cache.load(conn, table, keys)
        applied = 0
        for env in envelopes:
            seen = cache.get("applied", env.aggregate_id)
            if seen is not None and int(seen["version"]) >= env.version:
                continue
            projection.handlers[env.event_type](cache, env)
            if seen is None:
                cache.put(
                    "applied",
                    env.aggregate_id,
                    {"aggregate_id": env.aggregate_id, "version": env.version},
                )
            else:
                seen["version"] = env.version
                cache.touch("applied", env.aggregate_id)
            applied += 1
        cache.flush(conn)
        return applied

    def position(self, name: str = "embedded") -> int:
        """The position every live projection has reached (the minimum over projections).

        ``name="kafka:<group>"`` gives the highest position a consumer group has applied. That
        is approximate across partitions (another partition may still lag behind it), but exact
        for read-your-writes on one customer, whose events all travel in one partition in order.
        """
        with self.read_store.engine.connect() as conn:
            if name.startswith("kafka:"):
                return load_position(conn, name, 0)
            active = self.read_store.active_generations(conn)
            return min(
                (load_position(conn, p.name, active[p.name]) for p in self.projections), default=0
            )

    def kafka_offsets(self, group: str) -> dict[tuple[str, int], int]:
        """Next offsets stored for ``group``."""
        with self.read_store.engine.connect() as conn:
            return load_offsets(conn, group)

    def kafka_marks(self, group: str) -> dict[tuple[str, int], OffsetMark]:
        """What ``group`` last handled in each partition (see ``OffsetMark``)."""
        with self.read_store.engine.connect() as conn:
            return load_marks(conn, group)
