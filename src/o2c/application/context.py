"""Who runs a command and why: the metadata every stored event carries, and what must still hold
when its events are stored."""

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
class SaveConditions:
    """What a command read and relies on without writing it, checked by the event store inside
    the save's transaction, where no other save of any process can come in between.

    A command dated inside an open period relies on the period lock it checked: if a close moved
    it since, storing the command would put a fact into a closed period. A close relies on the
    log it replayed into its trial balance: an event stored since would be missing from it. The
    store refuses such a save as a version conflict (nothing stored), so the command is retried
    on fresh state.
    """

    # (stream, the version it had when read; 0: it had no events), for streams the save
    # does not write (a stream it writes is checked by its own version).
    unchanged: tuple[tuple[UUID, int], ...] = ()
    # The log's last position must still be this one.
    log_position: int | None = None

    @property
    def empty(self) -> bool:
        """True when the save relies on nothing beyond its own streams' versions."""
        return not self.unchanged and self.log_position is None


NO_CONDITIONS = SaveConditions()


@dataclass(frozen=True)
class EventMetadata:
    """What the event store stamps on each event of one save, and what it checks first."""

    actor: str
    command_id: UUID
    correlation_id: UUID
    causation_id: UUID
    customer_of: dict[UUID, UUID | None]
    conditions: SaveConditions = NO_CONDITIONS

    @classmethod
    def for_command(
        cls,
        ctx: CommandContext,
        customer_of: dict[UUID, UUID | None],
        conditions: SaveConditions = NO_CONDITIONS,
    ) -> EventMetadata:
        """Metadata of a command's save."""
        return cls(
            ctx.actor, ctx.command_id, ctx.correlation, ctx.causation, customer_of, conditions
        )
