"""The read side of one process, and the application ports it answers.

Built by the composition root (``o2c.bootstrap``) before the application service, which is
handed these adapters at construction: the dunning run's customer list and the bank book that
cash application matches against, both from the read models, each waiting (bounded) until the
read models have applied what the command saw.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from o2c.application.errors import BackendUnavailable
from o2c.application.ports import BankBook, DunningCustomersPort
from o2c.follow.embedded import EmbeddedRunner
from o2c.kafka.checkpoints import group_position
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore

log = logging.getLogger(__name__)


@dataclass
class ReadSideParts:
    """The read side of one process: ``runner`` where it follows the event log in-process,
    ``kafka_group`` where a Kafka consumer group fills the read models."""

    read_store: ReadStore
    engine: ProjectionEngine
    queries: ReadQueries
    runner: EmbeddedRunner | None
    kafka_group: str | None = None

    def applied(self) -> int:
        """The position the read models reached (the group's highest, in Kafka mode)."""
        if self.kafka_group:
            return group_position(self.engine, self.kafka_group)
        return self.engine.position()

    def wait_for(self, position: int, timeout: float) -> bool:
        """Bounded wait until the read models reached ``position``."""
        if self.runner is not None:
            return self.runner.wait_for(position, timeout)
        deadline = time.monotonic() + timeout
        while self.applied() < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """Stop the runner and release the read store."""
        if self.runner is not None:
            self.runner.stop()
        self.read_store.close()


ReadSide = ReadSideParts  # the name the read-side interface documents


class ReadModelDunningCustomers:
    """Customers with overdue invoices, from the open-items read model.

    The read model is asked only once it has applied everything stored before the run;
    if it lags further than ``timeout``, the run falls back to ``fallback`` (the event log),
    slower but never missing a customer.
    """

    def __init__(
        self, parts: ReadSideParts, fallback: DunningCustomersPort, timeout: float = 30.0
    ) -> None:
        self.parts = parts
        self.fallback = fallback
        self.timeout = timeout

    def __call__(self, as_of: date, min_position: int) -> Iterable[UUID]:
        if min_position > 0 and not self.parts.wait_for(min_position, self.timeout):
            log.warning(
                "read models behind position %d: dunning lists customers from the log", min_position
            )
            return self.fallback(as_of, min_position)
        return self.parts.queries.customers_with_overdue(as_of)


class ReadModelBankBook:
    """What bank cash application matches against, from the read models.

    Each question is answered only once the read models applied everything stored before it
    (``min_position``); a read side further behind than ``timeout`` fails the import (503)
    rather than matching against a stale book.
    """

    def __init__(self, parts: ReadSideParts, timeout: float = 60.0) -> None:
        self.parts = parts
        self.timeout = timeout

    def _wait(self, min_position: int) -> None:
        if min_position > 0 and not self.parts.wait_for(min_position, self.timeout):
            raise BackendUnavailable(f"read models have not reached position {min_position}")

    def book(self, currency: str, min_position: int) -> BankBook:
        self._wait(min_position)
        q = self.parts.queries
        return BankBook(
            tuple(q.open_invoice_refs(currency)),
            tuple(q.known_payers(currency)),
        )

    def seen_lines(
        self, account_id: str, line_ids: Sequence[str], min_position: int
    ) -> dict[str, str]:
        self._wait(min_position)
        return self.parts.queries.seen_bank_lines(account_id, line_ids)
