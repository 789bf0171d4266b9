"""Where a projection batch says it got to, stored in the same transaction as its rows.

A transport hands the engine a ``Checkpoint``: the engine asks it what of a batch was applied
already (``applied``), applies the rest, and has it record where the batch got to (``store``),
all in one transaction. ``PositionCheckpoint`` is the event log transport's; the Kafka consumer
brings its own (``o2c.kafka.checkpoints``), so the engine knows no transport.

Every write here is an upsert (``INSERT … ON CONFLICT DO UPDATE``) rather than update-then-insert:
two projectors of one group share some rows (the group's position), and the insert race of the
read-then-write form would surface as a unique violation, an error that says nothing about the
event being applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    Table,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from o2c.events.envelope import EventEnvelope
from o2c.projections.schema import checkpoints, parked_customers


@dataclass(frozen=True)
class ParkedCustomer:
    """A customer a batch parked: its first unapplied position and the error."""

    reason: str
    first_position: int
    parked_at: str


@dataclass(frozen=True)
class Applied:
    """What a checkpoint says a batch need not apply again.

    ``positions``: per projection, the global position it has applied (its row locked until the
    transaction ends); ``None`` for a transport that keeps no such position, whose redelivery
    the aggregate version each projection records already catches. ``parked``: customers whose
    events are passed over from the event they were parked at on.
    """

    positions: Mapping[str, int] | None = None
    parked: Mapping[str, ParkedCustomer] = field(default_factory=dict)


class Checkpoint(Protocol):
    """Where a transport's batch got to, stored in the transaction that applies the batch."""

    def applied(self, conn: Connection, lock_positions: Callable[[], dict[str, int]]) -> Applied:
        """What of the batch was applied already; ``lock_positions`` locks and reads each
        projection's position, for a checkpoint that counts in them."""
        ...

    def store(
        self, conn: Connection, batch: Sequence[EventEnvelope], generations: Mapping[str, int]
    ) -> None:
        """Record where ``batch`` (what the engine applied of it) got to, for the projections
        (name → generation) it was applied to."""
        ...


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

    def applied(self, conn: Connection, lock_positions: Callable[[], dict[str, int]]) -> Applied:
        """Each projection's position, and the customers parked for this group (read after the
        positions are locked, so a replay that unparks a customer under the same locks is seen
        whole or not at all)."""
        positions = lock_positions()
        return Applied(positions, load_parked(conn, self.name))

    def store(
        self, conn: Connection, batch: Sequence[EventEnvelope], generations: Mapping[str, int]
    ) -> None:
        """The customers parked, and the page's last position for every projection."""
        store_parked(conn, self.name, self.parked)
        for projection, generation in generations.items():
            store_position(conn, projection, generation, self.position)


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def upsert(
    conn: Connection, table: Table, keys: dict[str, object], values: dict[str, object]
) -> None:
    """Insert a row, or update ``values`` of the row with ``keys``."""
    stmt = _insert(conn, table).values(**keys, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values))


def store_position(conn: Connection, projection: str, generation: int, position: int) -> None:
    """Record the position a projection generation has applied."""
    upsert(
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
