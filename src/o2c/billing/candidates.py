"""Who a billing run looks at: from the billing read model, or from the event log.

The read model knows the periodic customers with shipped, uninvoiced goods up to their
cut-off, and the contracts with a period due; it is asked once it applied everything stored
before the run. Where no read model runs (or it lags too far), the event log is scanned
instead: every customer, with every contract it ever had. Slower, never missing one: each
customer's command re-checks what is due on the write side.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Protocol
from uuid import UUID

from o2c.application.billing_runs import BillingCandidatesPort, Candidate
from o2c.events.catalog import topic
from o2c.eventstore.store import EventStore
from o2c.projections.queries import ReadQueries

log = logging.getLogger(__name__)
_PAGE = 1000


class LogScanBillingCandidates:
    """Every customer ever opened and every contract ever entered, from the event log."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def _originators(self, name: str) -> Iterator[UUID]:
        after = 0
        while True:
            page = self.store.app.recorder.select_notifications(
                start=after, limit=_PAGE, inclusive_of_start=False, topics=[topic(name)]
            )
            if not page:
                return
            for n in page:
                yield UUID(str(n.originator_id))
            after = page[-1].id

    def __call__(self, as_of: date, min_position: int) -> Iterable[Candidate]:
        contracts: dict[UUID, list[UUID]] = {}
        for contract_id in self._originators("ContractStarted"):
            contract = self.store.get(contract_id)
            customer = getattr(contract, "customer_id", None)
            if isinstance(customer, UUID):
                contracts.setdefault(customer, []).append(contract_id)
        for customer_id in self._originators("AccountOpened"):
            yield Candidate(customer_id, tuple(contracts.get(customer_id, ())))


class ReadSideLike(Protocol):
    """The read side of a process: its queries, and a bounded wait for a log position."""

    queries: ReadQueries

    def wait_for(self, position: int, timeout: float) -> bool: ...


class ReadModelBillingCandidates:
    """Candidates from the billing read model, waited for; the log scan when it lags."""

    def __init__(
        self, read: ReadSideLike, fallback: BillingCandidatesPort, timeout: float = 60.0
    ) -> None:
        self.read = read
        self.fallback = fallback
        self.timeout = timeout

    def __call__(self, as_of: date, min_position: int) -> Iterable[Candidate]:
        if min_position > 0 and not self.read.wait_for(min_position, self.timeout):
            log.warning(
                "read models behind position %d: billing lists customers from the log",
                min_position,
            )
            return self.fallback(as_of, min_position)
        return [
            Candidate(UUID(customer), tuple(UUID(c) for c in contracts))
            for customer, contracts in self.read.queries.billing_candidates(as_of)
        ]
