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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import update

from o2c.eventstore.store import EventStore
from o2c.projections.base import Projection
from o2c.projections.checkpoints import PositionCheckpoint, load_position
from o2c.projections.engine import ProjectionEngine, projectable
from o2c.projections.read_ahead import pages_ahead
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
) -> int:
    """Rebuild one projection (or all, in one pass); returns the number of events read."""
    names = [projection] if projection else [p.name for p in PROJECTIONS]
    for name in names:
        if name not in BY_NAME:
            raise KeyError(f"unknown projection {name!r}; known: {sorted(BY_NAME)}")
    read_store.migrate()
    projections = [BY_NAME[n] for n in names]
    old, new = _new_generations(read_store, projections)
    read = _replay(store, read_store, projections, new, batch, store.last_position(), progress)
    # Bulk-loaded tables have no planner statistics yet: fresh ones before the switch.
    read_store.analyze(new)
    with read_store.engine.begin() as conn:
        for name, generation in new.items():
            conn.execute(
                update(generations)
                .where(generations.c.projection == name)
                .values(generation=generation)
            )
    read += _replay(store, read_store, projections, new, batch, store.last_position(), None)
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
    read_store: ReadStore,
    projections: Sequence[Projection],
    generation: dict[str, int],
    batch: int,
    target: int,
    progress: Progress | None,
) -> int:
    engine = ProjectionEngine(read_store, projections)
    with read_store.engine.connect() as conn:
        after = min(load_position(conn, p.name, generation[p.name]) for p in projections)
    read = 0
    for page in pages_ahead(store, after, batch):
        checkpoint = PositionCheckpoint("rebuild", page[-1].position)
        ready = projectable(page)
        with read_store.engine.begin() as conn:
            for proj in projections:
                engine.apply_to(conn, proj, generation[proj.name], ready, checkpoint)
        after = page[-1].position
        read += len(page)
        if progress is not None:
            progress(after, max(target, after))
    return read
