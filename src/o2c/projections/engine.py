"""The projection engine: applies a batch of envelopes to every projection in one transaction.

Both transports call ``apply`` with their own ``Checkpoint``: the event log transport (embedded
runner, rebuild: ``o2c.follow``) with a ``PositionCheckpoint``, the Kafka consumer with its
offsets (``o2c.kafka.checkpoints``); both park a customer an event cannot be applied for the same
way. The checkpoint is written in the same transaction as the rows, so a crash anywhere neither
loses nor doubles an event; an event whose aggregate version a projection has already applied is
skipped, so redelivery changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection

from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Projection
from o2c.projections.checkpoints import (
    Applied,
    Checkpoint,
    ParkedCustomer,
    load_position,
)
from o2c.projections.readstore import ReadStore
from o2c.projections.registry import PROJECTIONS
from o2c.projections.rows import RowCache
from o2c.projections.text import storable_envelope

log = logging.getLogger(__name__)


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
        """``apply`` inside the caller's transaction, for envelopes ``projectable`` returned:
        what the checkpoint says was applied already is passed over, the rest applied, and the
        checkpoint stored."""
        active = self.generations(conn)
        seen = Applied()
        if checkpoint is not None:
            seen = checkpoint.applied(conn, lambda: self.lock_positions(conn, active))
        if seen.parked:
            ready = [e for e in ready if not held_back(e, seen.parked)]
        applied = 0
        for projection in self.projections:
            done = None if seen.positions is None else seen.positions[projection.name]
            applied += self.apply_to(conn, projection, active[projection.name], ready, done)
        if checkpoint is not None:
            checkpoint.store(conn, ready, {p.name: active[p.name] for p in self.projections})
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
        done: int | None = None,
    ) -> int:
        """Apply a batch (as ``projectable`` returns it) to one projection generation inside
        the caller's transaction; ``done``: the position it has applied, if the checkpoint
        counts in positions (events at or below it are passed over)."""
        relevant = [e for e in envelopes if projection.handles(e)]
        if done is not None:
            relevant = [e for e in relevant if e.position > done]
        if not relevant:
            return 0
        return self._apply_rows(conn, projection, generation, relevant)

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

    def position(self) -> int:
        """The position every live projection has reached (the minimum over projections)."""
        with self.read_store.engine.connect() as conn:
            active = self.read_store.active_generations(conn)
            return min(
                (load_position(conn, p.name, active[p.name]) for p in self.projections), default=0
            )
