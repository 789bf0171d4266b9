"""Where a projection batch says it got to, stored in the same transaction as its rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, select

from o2c.projections.schema import checkpoints, kafka_offsets


@dataclass(frozen=True)
class PositionCheckpoint:
    """Embedded mode (and rebuilds): the last global position applied."""

    name: str
    position: int


@dataclass(frozen=True)
class KafkaCheckpoint:
    """Kafka mode: the next offset to read per (topic, partition) for a consumer group."""

    group: str
    offsets: dict[tuple[str, int], int]


Checkpoint = PositionCheckpoint | KafkaCheckpoint


def _upsert(
    conn: Connection, table: Table, keys: dict[str, object], values: dict[str, object]
) -> None:
    where = and_(*(table.c[k] == v for k, v in keys.items()))
    if conn.execute(table.update().where(where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**keys, **values))


def store_position(conn: Connection, projection: str, generation: int, position: int) -> None:
    """Record the position a projection generation has applied."""
    _upsert(
        conn,
        checkpoints,
        {"projection": projection, "generation": generation},
        {"position": position},
    )


def load_position(conn: Connection, projection: str, generation: int, *, lock: bool = False) -> int:
    """Position applied by a projection generation (0 if none).

    ``lock`` holds the checkpoint row until the transaction ends (``FOR UPDATE`` on PostgreSQL;
    SQLite serialises writers anyway and fails a writer whose snapshot went stale), so two
    appliers of the same generation — the live runner and a rebuild's final catch-up — take
    turns instead of both applying the same events.
    """
    q = select(checkpoints.c.position).where(
        checkpoints.c.projection == projection, checkpoints.c.generation == generation
    )
    value = conn.execute(q.with_for_update() if lock else q).scalar()
    return int(value or 0)


def store_offsets(conn: Connection, cp: KafkaCheckpoint) -> None:
    """Record the consumer group's next offsets."""
    for (topic, partition), offset in cp.offsets.items():
        _upsert(
            conn,
            kafka_offsets,
            {"group_id": cp.group, "topic": topic, "partition": partition},
            {"next_offset": offset},
        )


def load_offsets(conn: Connection, group: str) -> dict[tuple[str, int], int]:
    """Next offsets stored for a consumer group."""
    rows = conn.execute(
        select(kafka_offsets.c.topic, kafka_offsets.c.partition, kafka_offsets.c.next_offset).where(
            kafka_offsets.c.group_id == group
        )
    )
    return {(str(t), int(p)): int(o) for t, p, o in rows}
