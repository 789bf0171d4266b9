"""Who runs a command and why: the metadata every stored event carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4


@dataclass(frozen=True)
class CommandContext:
    """Actor, command id, correlation and causation ids, and an optional idempotency key."""

    actor: str = "system"
    command_id: UUID = field(default_factory=uuid4)
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    idempotency_key: str | None = None

    @property
    def correlation(self) -> UUID:
        """Correlation id, defaulting to the command id (a command starts its own conversation)."""
        return self.correlation_id or self.command_id

    @property
    def causation(self) -> UUID:
        """Causation id, defaulting to the command id."""
        return self.causation_id or self.command_id


@dataclass(frozen=True)
class EventMetadata:
    """What the event store stamps on each event of one save."""

    actor: str
    command_id: UUID
    correlation_id: UUID
    causation_id: UUID
    customer_of: dict[UUID, UUID | None]

    @classmethod
    def for_command(
        cls, ctx: CommandContext, customer_of: dict[UUID, UUID | None]
    ) -> EventMetadata:
        """Metadata of a command's save."""
        return cls(ctx.actor, ctx.command_id, ctx.correlation, ctx.causation, customer_of)
