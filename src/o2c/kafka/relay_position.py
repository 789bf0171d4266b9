"""Where the relay got to, kept in the event-store database beside the outbox it reads."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, create_engine, select

from o2c.projections.readstore import sqlalchemy_url

_MD = MetaData()
relay_positions = Table(
    "o2c_relay_positions",
    _MD,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


class RelayPosition:
    """The last notification position the broker acknowledged, per relay name."""

    def __init__(self, event_store_url: str, name: str = "kafka") -> None:
        self.engine = create_engine(sqlalchemy_url(event_store_url))
        self.name = name
        _MD.create_all(self.engine, checkfirst=True)

    def load(self) -> int:
        """Stored position (0 when the relay never ran)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(relay_positions.c.position).where(relay_positions.c.name == self.name)
            ).scalar()
        return int(value or 0)

    def save(self, position: int) -> None:
        """Store the new position (called only after the broker acknowledged)."""
        with self.engine.begin() as conn:
            t = relay_positions
            updated = conn.execute(
                t.update().where(t.c.name == self.name).values(position=position)
            ).rowcount
            if not updated:
                conn.execute(t.insert().values(name=self.name, position=position))

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
