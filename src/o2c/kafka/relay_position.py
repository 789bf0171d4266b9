"""Where the relay got to, kept in the event-store database beside the outbox it reads.

Beside the position, the relay keeps what it knows of the journal it published to: the log
epoch it stamps on every message, the topic's partition count, and per partition the offset and
event id of the last message the broker acknowledged. Both are saved in one
transaction, so the position never claims a log the relay cannot recognise again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text, create_engine, select

from o2c.projections.readstore import sqlalchemy_url

_MD = MetaData()
relay_positions = Table(
    "o2c_relay_positions",
    _MD,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)
relay_journals = Table(
    "o2c_relay_journals",
    _MD,
    Column("name", String(64), primary_key=True),
    Column("state", Text, nullable=False),
)


@dataclass(frozen=True)
class Acked:
    """The last message the broker acknowledged in one journal partition."""

    offset: int
    event_id: str


@dataclass(frozen=True)
class JournalState:
    """The journal as the relay left it (see the module docstring)."""

    epoch: str
    partitions: int | None = None
    acked: dict[int, Acked] = field(default_factory=dict)

    def to_json(self) -> str:
        """Stored form."""
        return json.dumps(
            {
                "epoch": self.epoch,
                "partitions": self.partitions,
                "acked": {str(p): [a.offset, a.event_id] for p, a in sorted(self.acked.items())},
            }
        )

    @classmethod
    def from_json(cls, text: str) -> JournalState:
        """Parse the stored form."""
        raw = json.loads(text)
        return cls(
            str(raw["epoch"]),
            raw.get("partitions"),
            {int(p): Acked(int(o), str(e)) for p, (o, e) in raw.get("acked", {}).items()},
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

    def load_journal(self) -> JournalState | None:
        """What the relay knew of the journal when it last saved (``None``: nothing yet)."""
        with self.engine.connect() as conn:
            text = conn.execute(
                select(relay_journals.c.state).where(relay_journals.c.name == self.name)
            ).scalar()
        return None if text is None else JournalState.from_json(str(text))

    def save(self, position: int, journal: JournalState | None = None) -> None:
        """Store the new position (called only after the broker acknowledged) and the journal."""
        with self.engine.begin() as conn:
            rows: list[tuple[Table, str, object]] = [(relay_positions, "position", position)]
            if journal is not None:
                rows.append((relay_journals, "state", journal.to_json()))
            for t, column, value in rows:
                updated = conn.execute(
                    t.update().where(t.c.name == self.name).values({column: value})
                ).rowcount
                if not updated:
                    conn.execute(t.insert().values({"name": self.name, column: value}))

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()
