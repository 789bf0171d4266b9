"""What a projection is: tables, the rows an event needs, and one handler per event type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from o2c.events.envelope import EventEnvelope
from o2c.projections.rows import RowCache
from o2c.projections.schema import TableFactory

Handler = Callable[[RowCache, EventEnvelope], None]
Needs = Callable[[EventEnvelope], list[tuple[str, str]]]


@dataclass(frozen=True)
class Projection:
    """A named read model: its table factory, which rows an event touches, and its handlers."""

    name: str
    tables: TableFactory
    needs: Needs
    handlers: dict[str, Handler] = field(default_factory=dict)

    def handles(self, env: EventEnvelope) -> bool:
        """True when this projection has a handler for the event."""
        return env.event_type in self.handlers
