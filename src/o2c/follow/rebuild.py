"""Rebuild projections from position 0 into a new generation, then switch over.

Why generations (a second table set per projection) rather than rebuilding in place: the API must
keep answering from complete tables while the rebuild runs, and a crash halfway must leave the
live model untouched. So the new generation's tables (``rm_<projection>_<n+1>_…``) are filled by
streaming the event log in batches (constant memory: one page of envelopes at a time), each batch
in one transaction with the new generation's checkpoint, while the live generation keeps serving
queries and following new events. When the new tables have reached the log's end, ``rm_generations``
is switched for every rebuilt projection in one transaction; a final catch-up covers what was
written meanwhile (the live runner follows the new generation from its checkpoint too — the
checkpoint row is locked per batch, so the two never apply the same events twice), and the old
tables are dropped. All projections being rebuilt share one pass over the log.

A rebuild applies pages as the live transport does (``LogParking``): an event no projection can
apply parks its customer under the live transport's group, from that event on, and the rebuild
goes on with everyone else; a customer parked already is passed over from where it was parked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import update

from o2c.eventstore.store import EventStore
from o2c.follow.parking import EMBEDDED_GROUP, LogParking
from o2c.follow.read_ahead import pages_ahead
from o2c.projections.base import Projection
from o2c.projections.checkpoints import load_position
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from o2c.projections.registry import BY_NAME, PROJECTIONS
from o2c.projections.schema import generations

Progress = Callable[[int, int], None]


def rebuild(
    store: EventStore,
    read_store: ReadStore,
    *,
    projection: str | None = None,
    batch: int = 2000,
    progress: Progress | None = None,
    group: str = EMBEDDED_GROUP,
) -> int:
    """Rebuild one projection (or all, in one pass); returns the number of events read.

    ``group``: the live transport's, under which customers are parked (the Kafka consumer
    group in Kafka mode)."""
    names = [projection] if projection else [p.name for p in PROJECTIONS]
    for name in names:
        if name not in BY_NAME:
            raise KeyError(f"unknown projection {name!r}; known: {sorted(BY_NAME)}")
    read_store.migrate()
    projections = [BY_NAME[n] for n in names]
    old, new = _new_generations(read_store, projections)
    parking = LogParking(ProjectionEngine(read_store, projections, generations=new), group)
    read = _replay(store, parking, batch, store.last_position(), progress)
    # Bulk-loaded tables have no planner statistics yet: fresh ones before the switch.
    read_store.analyze(new)
    with read_store.engine.begin() as conn:
        for name, generation in new.items():
            conn.execute(
                update(generations)
                .where(generations.c.projection == name)
                .values(generation=generation)
            )
    read += _replay(store, parking, batch, store.last_position(), None)
    with read_store.engine.begin() as conn:
        for name, generation in old.items():
            read_store.drop_tables(conn, name, generation)
    return read


def _new_generations(
    read_store: ReadStore, projections: Sequence[Projection]
) -> tuple[dict[str, int], dict[str, int]]:
    """Empty tables of generation n+1 for each projection, checkpoint 0; returns (old, new)."""
    with read_store.engine.begin() as conn:
        active = read_store.active_generations(conn)
        old = {p.name: active[p.name] for p in projections}
        new = {name: generation + 1 for name, generation in old.items()}
        for name, generation in new.items():
            # Drops what a rebuild that crashed may have left behind.
            read_store.start_generation(conn, name, generation)
    return old, new


def _replay(
    store: EventStore,
    parking: LogParking,
    batch: int,
    target: int,
    progress: Progress | None,
) -> int:
    engine = parking.engine
    with engine.read_store.engine.connect() as conn:
        generation = engine.generations(conn)
        after = min(load_position(conn, p.name, generation[p.name]) for p in engine.projections)
    read = 0
    for page in pages_ahead(store, after, batch):
        parking.apply(page)
        after = page[-1].position
        read += len(page)
        if progress is not None:
            progress(after, max(target, after))
    return read
