"""A small hand-checked book served over the API on SQLite, for the ledger's API and CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from o2c import commands as c
from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c.eventstore.store import EventStore
from tests.support.world import World

TOKENS = {"t-clerk": "clerk", "t-credit": "credit", "t-auditor": "auditor", "t-admin": "admin"}

# The small book's accounts at the end (debit − credit), worked out by hand from the postings
# table: two invoices (1000.00 and 500.00), 980.00 paying the first with a 20.00 discount, a
# 50.00 credit note and a 100.00 write-off on the second, and 300.00 received unapplied,
# applied, taken back off and bounced.
FINAL_BALANCES = {
    "1000": "980.00",
    "1100": "350.00",
    "2100": "0.00",
    "4000": "-1500.00",
    "4100": "50.00",
    "4900": "20.00",
    "6800": "100.00",
}


def auth(role: str) -> dict[str, str]:
    """Authorization header for a role."""
    return {"Authorization": f"Bearer t-{role}"}


def small_book(store: EventStore) -> dict[str, Any]:
    """Book the hand-checked facts above through the service; returns the ids."""
    world = World(store, date(2026, 1, 1))
    cid = world.account(discount=("2", 10))
    first = world.sell(cid, "1000.00", date(2026, 1, 5))
    world.pay(cid, "980.00", date(2026, 1, 6))
    second = world.sell(cid, "500.00", date(2026, 1, 10))
    iid = UUID(second["invoice_id"])
    world.do(
        c.ApplyCreditNote(
            invoice_id=iid, amount=Decimal("50.00"), reason="short", issued_on=date(2026, 1, 12)
        )
    )
    world.do(
        c.WriteOffInvoice(
            invoice_id=iid, amount=Decimal("100.00"), reason="bad", written_off_on=date(2026, 2, 1)
        )
    )
    pid = UUID(world.pay(cid, "300.00", date(2026, 2, 3), [])["payment_id"])
    world.do(c.AllocatePayment(payment_id=pid, allocated_on=date(2026, 2, 4)))
    world.do(
        c.DeallocatePayment(
            payment_id=pid, invoice_id=iid, reason="wrong", deallocated_on=date(2026, 2, 5)
        )
    )
    world.do(c.ReversePayment(payment_id=pid, reversed_on=date(2026, 2, 6)))
    return {"customer_id": cid, "invoices": [first["invoice_id"], str(iid)], "payment_id": pid}


def settings_for(base: Path, **extra: Any) -> Settings:
    """Embedded mode on two SQLite files under ``base``, one token per role."""
    return Settings(
        event_store_url=f"sqlite:///{base / 'e.db'}",
        read_store_url=f"sqlite:///{base / 'r.db'}",
        api_tokens=dict(TOKENS),
        **extra,
    )


@contextmanager
def serving(settings: Settings) -> Iterator[tuple[TestClient, Container]]:
    """A TestClient over an embedded-mode container built from ``settings``."""
    container = build_container(settings)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client, container
    finally:
        container.close()


class Api:
    """GETs as one role that wait until the read models hold everything booked so far."""

    def __init__(self, client: TestClient, container: Container) -> None:
        self.client, self.container = client, container

    def get(self, path: str, role: str = "auditor", **params: Any) -> Any:
        """The response to ``GET path?params`` (read-your-writes on the whole log)."""
        params.setdefault("min_position", self.container.store.last_position())
        return self.client.get(path, params=params, headers=auth(role))


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The small book behind the API."""
    with serving(settings_for(tmp_path)) as (client, container):
        small_book(container.store)
        yield Api(client, container)
