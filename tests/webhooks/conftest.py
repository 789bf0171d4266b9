"""A running API with webhook delivery on fast retries, a loopback receiver, and shorthands."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c.events.envelope import EventEnvelope
from o2c.webhooks.rules import matches
from o2c.webhooks.worker import DeliveryPolicy
from tests.api.conftest import TOKENS, auth
from tests.support.pg import temporary_database
from tests.support.world import World
from tests.webhooks.receiver import Receiver

# Retries within tens of milliseconds so a test with an endpoint down for a while stays short.
FAST = DeliveryPolicy(
    retry_base=0.02,
    retry_cap=0.2,
    timeout=5.0,
    lease=15.0,
    poll_interval=0.05,
    idle_wait=0.5,
    batch=50,
)


@dataclass
class Hooks:
    """One o2c process (API + delivery) over given stores, with a receiver to deliver to."""

    settings: Settings
    receiver: Receiver
    policy: DeliveryPolicy = FAST
    start_webhooks: bool = True
    start_runner: bool = True
    container: Container = field(init=False)
    client: TestClient = field(init=False)
    world: World = field(init=False)

    def __post_init__(self) -> None:
        self.open()

    def open(self) -> None:
        """Start the process (again, after ``close``)."""
        self.container = build_container(
            self.settings,
            start_runner=self.start_runner,
            start_webhooks=self.start_webhooks,
            webhook_policy=self.policy,
        )
        self.client = TestClient(create_app(self.container), raise_server_exceptions=False)
        self.world = World(self.container.store)
        if self.container.webhooks is not None:
            self.world.service.listeners.append(self.container.webhooks.notify)

    def close(self) -> None:
        """Stop the process (delivery workers included)."""
        self.client.close()
        self.container.close()

    def subscribe(
        self, path: str, types: list[str] | None = None, customer_id: object = None
    ) -> dict[str, Any]:
        """``POST /v1/webhooks`` to the receiver's ``path``; the receiver learns the secret."""
        body: dict[str, Any] = {"url": self.receiver.url(path), "types": types or ["o2c.*"]}
        if customer_id is not None:
            body["customer_id"] = str(customer_id)
        response = self.client.post("/v1/webhooks", json=body, headers=auth("admin"))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        self.receiver.register(path, created["secret"])
        return created

    def expected(self, sub: dict[str, Any], after: int | None = None) -> list[EventEnvelope]:
        """The events the subscription should receive, in log order."""
        start = sub["position"] if after is None else after
        return [
            e
            for e in self.container.store.read_all(start)
            if matches(e, sub["types"], sub["customer_id"])
        ]

    def deliveries(self, webhook_id: str, **params: Any) -> dict[str, Any]:
        """One page of ``GET /v1/webhooks/{id}/deliveries``."""
        response = self.client.get(
            f"/v1/webhooks/{webhook_id}/deliveries", params=params, headers=auth("auditor")
        )
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    def all_deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        """Every logged attempt, oldest first."""
        items: list[dict[str, Any]] = []
        after = None
        while True:
            page = self.deliveries(webhook_id, limit=1000, **({"after": after} if after else {}))
            items.extend(page["items"])
            after = page["next"]
            if after is None:
                return items[::-1]


# Receivers listen on free (ephemeral) loopback ports, outside the default allow-list.
LOOPBACK_ANY_PORT = ("127.0.0.1:*", "localhost:*")


def sqlite_settings(tmp_path: Path, **extra: Any) -> Settings:
    """Embedded mode on SQLite files under ``tmp_path``, webhooks to any loopback port."""
    return Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens=dict(TOKENS),
        **{"webhook_allow": LOOPBACK_ANY_PORT, **extra},
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver listening on a free loopback port."""
    r = Receiver()
    r.start()
    try:
        yield r
    finally:
        for path in r.paths.values():
            if path.hold is not None:
                path.hold.set()
        r.stop()


@pytest.fixture
def hooks(tmp_path: Path, receiver: Receiver) -> Iterator[Hooks]:
    """An API with delivery on SQLite."""
    h = Hooks(sqlite_settings(tmp_path), receiver)
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on SQLite, then on a throw-away PostgreSQL database (both stores in it)."""
    if request.param == "sqlite":
        yield sqlite_settings(tmp_path)
    else:
        with temporary_database() as url:
            yield Settings(
                event_store_url=url,
                read_store_url=url,
                api_tokens=dict(TOKENS),
                webhook_allow=LOOPBACK_ANY_PORT,
            )
