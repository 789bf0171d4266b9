"""Parked customers: those whose events the read models pass over, per transport group.

A customer is parked when an event of theirs cannot be applied (``o2c.follow.parking`` finds
it, for either transport); its row in ``rm_parked_customers``, under the group that parked it
(a Kafka consumer group, or the event log transport's), is what the engine consults, and what
``/readyz``, the metrics and ``o2c dlq`` report.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, select

from o2c.projections.checkpoints import ParkedCustomer, load_parked
from o2c.projections.engine import ProjectionEngine
from o2c.projections.schema import parked_customers


def parked(engine: ProjectionEngine, group: str) -> dict[str, ParkedCustomer]:
    """The customers parked for ``group``."""
    with engine.read_store.engine.connect() as conn:
        return load_parked(conn, group)


def count_parked(engine: ProjectionEngine) -> dict[str, int]:
    """How many customers each group has parked (groups with none are left out)."""
    t = parked_customers
    with engine.read_store.engine.connect() as conn:
        rows = conn.execute(select(t.c.group_id, func.count()).group_by(t.c.group_id))
        return {str(g): int(n) for g, n in rows}


def unpark_within(conn: Connection, group: str, customer: str) -> None:
    """``unpark`` inside the caller's transaction."""
    conn.execute(
        delete(parked_customers).where(
            parked_customers.c.group_id == group, parked_customers.c.customer_id == customer
        )
    )


def unpark(engine: ProjectionEngine, group: str, customer: str) -> None:
    """Let a customer's events flow again (after its parked events were re-applied)."""
    with engine.read_store.engine.begin() as conn:
        unpark_within(conn, group, customer)
