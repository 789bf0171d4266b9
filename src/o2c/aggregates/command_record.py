"""Idempotency records: a command's key, the digest of its request and its first response.

The record is saved in the same transaction as the command's own events, so a retry after a
crash finds either both or neither; two concurrent requests with one key conflict on it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.events.catalog import topic

_NAMESPACE = UUID("0b6f1f5e-6a8e-4d0f-8a59-8b7d7e0f6c2d")


def record_id(idempotency_key: str) -> UUID:
    """Deterministic aggregate id of the record for an idempotency key."""
    return uuid5(_NAMESPACE, idempotency_key)


class CommandRecord(Aggregate):
    """The first outcome of a command sent with an ``Idempotency-Key``."""

    TOPIC = "o2c.CommandRecord"

    class Event(Aggregate.Event):
        TOPIC = "o2c.CommandRecord.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.CommandRecord.Created"

    @classmethod
    def accept(
        cls, key: str, command: str, request_digest: str, response: dict[str, Any]
    ) -> CommandRecord:
        """Record the command's first response under its key."""
        return cls._create(
            cls.CommandAccepted,  # type: ignore[attr-defined]  # defined by @event
            id=record_id(key),
            key=key,
            command=command,
            request_digest=request_digest,
            response=response,
        )

    @event("CommandAccepted", topic=topic("CommandAccepted"))
    def __init__(
        self, key: str, command: str, request_digest: str, response: dict[str, Any]
    ) -> None:
        self.key = key
        self.command = command
        self.request_digest = request_digest
        self.response = response
