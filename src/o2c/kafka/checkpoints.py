"""Where a Kafka consumer group got to: its next offsets, what each partition proves, and the
highest position it applied, stored in the transaction that applies its batch.

The tables live beside the read store's control tables (one Alembic history migrates them all);
the projection engine knows none of this: it stores a ``KafkaCheckpoint`` through the engine's
checkpoint protocol, so what the group says it handled and where it resumes never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, select

from o2c.events.envelope import EventEnvelope
from o2c.projections.checkpoints import (
    Applied,
    ParkedCustomer,
    load_position,
    raise_position,
    store_parked,
    upsert,
)
from o2c.projections.engine import ProjectionEngine
from o2c.projections.schema import CONTROL

kafka_offsets = Table(
    "rm_kafka_offsets",
    CONTROL,
    Column("group_id", String(128), primary_key=True),
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
)

# What a consumer group last handled from each partition, written with its offset. After a broker
# lost its log the stored offset points into a different log (or past its end): the mark is what
# tells the two apart. Created by Alembic revision 0003.
kafka_marks = Table(
    "rm_kafka_marks",
    CONTROL,
    Column("group_id", String(128), primary_key=True),
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("offset", BigInteger, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("epoch", String(64)),
    Column("applied_position", BigInteger, nullable=False),
    Column("partitions", Integer, nullable=False),
)


def kafka_position_key(group: str) -> str:
    """Checkpoint key under which a consumer group's highest applied position is kept."""
    return f"kafka:{group}"


@dataclass(frozen=True)
class OffsetMark:
    """The message a group handled last in one partition, and what that partition proves.

    ``offset`` and ``fingerprint`` (its event id) identify the message; ``epoch`` is the relay's
    log epoch it carried. ``applied_position``: every event this partition held at or below that
    global position has been handled (applied, or parked in the DLQ) — valid while the topic keeps
    ``partitions`` partitions, since a customer's partition depends on that count.
    """

    offset: int
    fingerprint: str
    epoch: str | None
    applied_position: int
    partitions: int


@dataclass(frozen=True)
class KafkaCheckpoint:
    """The next offset to read per (topic, partition) for a consumer group.

    ``marks`` (per partition) and ``parked`` (per customer) are written in the same transaction,
    so what the group says it handled and where it resumes never disagree. Nothing of a batch is
    passed over on its account: a redelivered message's aggregate version is already applied,
    and the engine skips it.
    """

    group: str
    offsets: dict[tuple[str, int], int]
    marks: dict[tuple[str, int], OffsetMark] = field(default_factory=dict)
    parked: dict[str, ParkedCustomer] = field(default_factory=dict)

    def applied(self, conn: Connection, lock_positions: Callable[[], dict[str, int]]) -> Applied:
        """Nothing to pass over (see the class)."""
        return Applied()

    def store(
        self, conn: Connection, batch: Sequence[EventEnvelope], generations: Mapping[str, int]
    ) -> None:
        """The offsets, marks and parked customers, and the group's highest applied position."""
        store_offsets(conn, self)
        if batch:
            high = max(e.position for e in batch)
            raise_position(conn, kafka_position_key(self.group), 0, high)


def store_offsets(conn: Connection, cp: KafkaCheckpoint) -> None:
    """Record the consumer group's next offsets, their marks and the customers it parked."""
    # Sorted: two members of the group never take row locks in opposite orders.
    for (topic, partition), offset in sorted(cp.offsets.items()):
        upsert(
            conn,
            kafka_offsets,
            {"group_id": cp.group, "topic": topic, "partition": partition},
            {"next_offset": offset},
        )
    for (topic, partition), mark in sorted(cp.marks.items()):
        upsert(
            conn,
            kafka_marks,
            {"group_id": cp.group, "topic": topic, "partition": partition},
            {
                "offset": mark.offset,
                "fingerprint": mark.fingerprint[:128],
                "epoch": mark.epoch,
                "applied_position": mark.applied_position,
                "partitions": mark.partitions,
            },
        )
    store_parked(conn, cp.group, cp.parked)


def load_offsets(conn: Connection, group: str) -> dict[tuple[str, int], int]:
    """Next offsets stored for a consumer group."""
    rows = conn.execute(
        select(kafka_offsets.c.topic, kafka_offsets.c.partition, kafka_offsets.c.next_offset).where(
            kafka_offsets.c.group_id == group
        )
    )
    return {(str(t), int(p)): int(o) for t, p, o in rows}


def load_marks(conn: Connection, group: str) -> dict[tuple[str, int], OffsetMark]:
    """Marks stored for a consumer group (none for offsets written before marks existed)."""
    m = kafka_marks
    rows = conn.execute(select(m).where(m.c.group_id == group)).mappings()
    return {
        (str(r["topic"]), int(r["partition"])): OffsetMark(
            int(r["offset"]),
            str(r["fingerprint"]),
            None if r["epoch"] is None else str(r["epoch"]),
            int(r["applied_position"]),
            int(r["partitions"]),
        )
        for r in rows
    }


def group_offsets(engine: ProjectionEngine, group: str) -> dict[tuple[str, int], int]:
    """Next offsets stored for ``group`` in ``engine``'s read store."""
    with engine.read_store.engine.connect() as conn:
        return load_offsets(conn, group)


def group_marks(engine: ProjectionEngine, group: str) -> dict[tuple[str, int], OffsetMark]:
    """What ``group`` last handled in each partition (see ``OffsetMark``)."""
    with engine.read_store.engine.connect() as conn:
        return load_marks(conn, group)


def group_position(engine: ProjectionEngine, group: str) -> int:
    """The highest position ``group`` has applied.

    Approximate across partitions (another partition may still lag behind it), but exact for
    read-your-writes on one customer, whose events all travel in one partition in order.
    """
    with engine.read_store.engine.connect() as conn:
        return load_position(conn, kafka_position_key(group), 0)
