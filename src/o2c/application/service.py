"""The application service: one entry point that runs any command atomically and idempotently.

A command runs in a fresh unit of work: its handler loads aggregates, applies the domain's rules
and returns a response body; every aggregate it changed is then saved in one transaction. A
version conflict (another command got there first) is retried on freshly loaded aggregates, so a
retry never works on stale state. With an idempotency key, the first response is stored with the
command's own events and handed back on every retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from o2c.aggregates.command_record import CommandRecord, record_id
from o2c.application.context import CommandContext, EventMetadata
from o2c.application.errors import ConcurrencyConflict, IdempotencyKeyReused
from o2c.application.handlers import HANDLERS
from o2c.application.ports import DunningCandidatesPort, EventStorePort
from o2c.application.unit_of_work import UnitOfWork
from o2c.commands import Command
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import DomainError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class CommandResult:
    """A command's response body and the global position of its last event."""

    position: int
    body: dict[str, Any]
    replayed: bool = False


def request_digest(cmd: Command) -> str:
    """Digest of a command's type and content: the same key must come with the same request."""
    payload = json.dumps(
        {"command": type(cmd).__name__, "body": cmd.model_dump(mode="json")}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _no_candidates(as_of: date) -> Iterable[UUID]:
    return ()


class O2CService:
    """Runs commands against the event store."""

    def __init__(
        self,
        store: EventStorePort,
        *,
        today: Callable[[], date] = date.today,
        dunning_policy: DunningPolicy | None = None,
        dunning_candidates: DunningCandidatesPort = _no_candidates,
        serialize: bool = False,
    ) -> None:
        self.store = store
        self.today = today
        self.dunning_policy = dunning_policy or DunningPolicy()
        self.dunning_candidates = dunning_candidates
        # One writer at a time where the store cannot arbitrate between threads (SQLite).
        self._lock: AbstractContextManager[Any] = threading.RLock() if serialize else nullcontext()
        self.listeners: list[Callable[[int], None]] = []

    def handle(self, cmd: Command, ctx: CommandContext | None = None) -> CommandResult:
        """Run ``cmd``; all of it is stored or none of it."""
        ctx = ctx or CommandContext()
        handler = HANDLERS[type(cmd)]
        digest = request_digest(cmd) if ctx.idempotency_key else ""
        with self._lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                replay = self._replay(ctx, cmd, digest)
                if replay is not None:
                    return replay
                uow = UnitOfWork(
                    self.store, self.today(), self.dunning_policy, self.dunning_candidates
                )
                try:
                    body = handler(cmd, uow)
                except DomainError:
                    if attempt < MAX_ATTEMPTS and uow.is_stale():
                        continue
                    raise
                if ctx.idempotency_key:
                    uow.add(
                        CommandRecord.accept(ctx.idempotency_key, type(cmd).__name__, digest, body)
                    )
                customer_of = dict(uow.customer_of)
                primary = uow.primary_customer()
                for agg_id, customer in customer_of.items():
                    if customer is None:
                        customer_of[agg_id] = primary
                meta = EventMetadata.for_command(ctx, customer_of)
                try:
                    position = self.store.save(uow.aggregates(), meta)
                except ConcurrencyConflict:
                    log.info("version conflict on %s, attempt %d", type(cmd).__name__, attempt)
                    if attempt == MAX_ATTEMPTS:
                        raise
                    # Exponential jittered backoff: a linear one of a few ms is shorter than
                    # loading a busy account, so three writers on one account could starve one.
                    time.sleep(random.uniform(0, min(0.25, 0.002 * 2**attempt)))
                    continue
                self._notify(position)
                return CommandResult(position, body)
        raise ConcurrencyConflict("unreachable")  # pragma: no cover

    def _replay(self, ctx: CommandContext, cmd: Command, digest: str) -> CommandResult | None:
        if not ctx.idempotency_key:
            return None
        record = self.store.get(record_id(ctx.idempotency_key))
        if record is None:
            return None
        assert isinstance(record, CommandRecord)
        if record.request_digest != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request"
            )
        return CommandResult(self.store.last_position(), dict(record.response), replayed=True)

    def _notify(self, position: int) -> None:
        for listener in self.listeners:
            try:
                listener(position)
            except Exception:  # a listener (e.g. the embedded runner) must not fail a command
                log.exception("command listener failed")
