"""A figure the domain derives is bounded like the amounts it is made of: an order of a million
units at the largest price is refused with 422 problem+json and stores nothing, whichever
transport carries events to the read models (in-process, own process, Kafka)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.api.conftest import TOKENS
from tests.api.test_bad_input import account, ok, refused
from tests.support.pg import temporary_database

LARGEST_PRICE = "999999999999999.99"


@pytest.fixture(params=["in-process", "own-process", "kafka"])
def mode_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    if request.param == "kafka":
        broker = request.getfixturevalue("kafka_broker")
        with temporary_database() as url:
            settings = Settings(
                event_store_url=url,
                read_store_url=url,
                kafka_bootstrap=broker.bootstrap,
                api_tokens=dict(TOKENS),
            )
            yield from _client(settings)
        return
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        projections=request.param,
        api_tokens=dict(TOKENS),
    )
    yield from _client(settings)


def _client(settings: Settings) -> Iterator[TestClient]:
    container = build_container(settings, start_webhooks=False)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client
    finally:
        container.close()


def test_an_order_whose_total_is_out_of_range_is_refused(mode_client: TestClient) -> None:
    cid = account(mode_client, limit="999999999999999")
    poison = {"sku": "A", "quantity": 1_000_000, "unit_price": LARGEST_PRICE}
    problem = refused(
        mode_client, "/v1/orders", {"customer_id": cid, "lines": [poison]}, "invalid-amount"
    )
    assert "total" in problem["detail"]
    # Each part in range, their sum not: refused too.
    halves = [{"sku": sku, "quantity": 1, "unit_price": "600000000000000"} for sku in ("A", "B")]
    refused(mode_client, "/v1/orders", {"customer_id": cid, "lines": halves}, "invalid-amount")
    largest = {"sku": "A", "quantity": 1, "unit_price": LARGEST_PRICE}
    placed = ok(mode_client, "/v1/orders", {"customer_id": cid, "lines": [largest]})
    assert placed["total"] == LARGEST_PRICE
