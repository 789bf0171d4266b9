"""A world whose billing runs list customers from the event log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from o2c.application.billing_runs import BillingRuns
from o2c.billing.candidates import LogScanBillingCandidates
from tests.support.world import World, opened_store


class Billing(World):
    """A world with billing runs and shorthands for billing policies and contracts."""

    def __init__(self, store: object, today: date) -> None:
        super().__init__(store, today)  # type: ignore[arg-type]
        self.runs = BillingRuns(self.service, LogScanBillingCandidates(self.store))


@pytest.fixture
def world(sqlite_url: str) -> Iterator[Billing]:
    with opened_store(sqlite_url) as store:
        yield Billing(store, date(2026, 1, 1))
