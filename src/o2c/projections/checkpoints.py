"""Where a projection batch says it got to, stored in the same transaction as its rows.

Every write here is an upsert (``INSERT … ON CONFLICT DO UPDATE``) rather than update-then-insert:
two projectors of one group share some rows (the group's position), and the insert race of the
read-then-write form would surface as a unique violation, an error that says nothing about the
event being applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from o2c.projections.schema import checkpoints, kafka_marks, kafka_offsets, parked_customers


@dataclass(frozen=True)
class ParkedCustomer:
    """A customer a batch parked: its first unapplied position and the error."""

    reason: str
    first_position: int
    parked_at: str


@dataclass(frozen=True)
class PositionCheckpoint:
    """The event log transport (the embedded runner, ``o2c project`` without Kafka, rebuilds):
    the last global position applied.

    ``name`` is the group its parked customers are recorded under; ``parked`` (per customer) is
    written in the same transaction as the position that passes over their events.
    """

    name: str
    position: int
    parked: dict[str, ParkedCustomer] = field(default_factory=dict)


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
    """Kafka mode: the next offset to read per (topic, partition) for a consumer group.

    ``marks`` (per partition) and ``parked`` (per customer) are written in the same transaction,
    so what the group says it handled and where it resumes never disagree.
    """

    group: str
    offsets: dict[tuple[str, int], int]
    marks: dict[tuple[str, int], OffsetMark] = field(default_factory=dict)
    parked: dict[str, ParkedCustomer] = field(default_factory=dict)


Checkpoint = PositionCheckpoint | KafkaCheckpoint


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _upsert(
    conn: Connection, table: Table, keys: dict[str, object], values: dict[str, object]
) -> None:
    stmt = _insert(conn, table).values(**keys, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values))


def store_position(conn: Connection, projection: str, generation: int, position: int) -> None:
    """Record the position a projection generation has applied."""
    _upsert(
        conn,
        checkpoints,
        {"projection": projection, "generation": generation},
        {"position": position},
    )


def raise_position(conn: Connection, name: str, generation: int, position: int) -> None:
    """Record ``position`` unless a higher one is stored: never moves back.

    Two projectors of one group each store the highest position they applied; the comparison
    runs in the same statement as the write, so the later commit cannot lower it.
    """
    stmt = _insert(conn, checkpoints).values(
        projection=name, generation=generation, position=position
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["projection", "generation"],
            set_={"position": stmt.excluded.position},
            where=checkpoints.c.position < stmt.excluded.position,
        )
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
    """Record the consumer group's next offsets, their marks and the customers it parked."""
    # Sorted: two members of the group never take row locks in opposite orders.
    for (topic, partition), offset in sorted(cp.offsets.items()):
        _upsert(
            conn,
            kafka_offsets,
            {"group_id": cp.group, "topic": topic, "partition": partition},
            {"next_offset": offset},
        )
    for (topic, partition), mark in sorted(cp.marks.items()):
        _upsert(
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


def store_parked(conn: Connection, group: str, parked: dict[str, ParkedCustomer]) -> None:
    """Record customers a group parked; a customer parked already keeps its first record."""
    for customer, park in sorted(parked.items()):
        stmt = _insert(conn, parked_customers).values(
            group_id=group,
            customer_id=customer,
            reason=park.reason[:2000],
            first_position=park.first_position,
            parked_at=park.parked_at,
        )
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["group_id", "customer_id"]))


def load_parked(conn: Connection, group: str) -> dict[str, ParkedCustomer]:
    """The customers parked for ``group``."""
    t = parked_customers
    rows = conn.execute(
        select(t.c.customer_id, t.c.reason, t.c.first_position, t.c.parked_at).where(
            t.c.group_id == group
        )
    )
    return {str(c): ParkedCustomer(str(r), int(p), str(at)) for c, r, p, at in rows}


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
