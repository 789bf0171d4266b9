"""``/readyz`` and ``o2c_projection_lag_events`` tell the truth in both modes.

Kafka mode: the read models are as far as the relay (position vs the log head) and the
projector group (stored offsets vs the journal's ends) have carried the log; a caught-up stack
reports no lag at all. Embedded mode: the in-process runner's position vs the log head.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c import commands as c
from o2c.api.app import create_app
from o2c.application.context import CommandContext
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c.kafka.checkpoints import group_offsets
from o2c.kafka.relay import relay_until_caught_up
from tests.kafka.conftest import Pipeline, running
from tests.kafka.test_crashes import commands
from tests.kafka.test_log_loss import journal_ends
from tests.support.wait import wait_until

GROUP = "o2c-test"


@contextmanager
def api(settings: Settings, *, start_runner: bool = True) -> Iterator[tuple[TestClient, Container]]:
    container = build_container(settings, start_runner=start_runner)
    try:
        with TestClient(create_app(container, {"t": "admin"})) as client:
            yield client, container
    finally:
        container.close()


def lag_metric(client: TestClient) -> float:
    text = client.get("/metrics").text
    found = re.search(r"^o2c_projection_lag_events ([-0-9.e+]+)$", text, re.M)
    assert found is not None, text
    return float(found.group(1))


def kafka_checks(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    body = response.json()
    return response.status_code, body["checks"]


def test_kafka_mode_reports_relay_and_projector_progress(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(
        event_store_url=pipeline.url,
        read_store_url=pipeline.url,
        kafka_bootstrap=pipeline.broker.bootstrap,
        kafka_group=GROUP,
    )
    commands(pipeline.world, 4, random.Random(4))
    relay = pipeline.relay()
    relay_until_caught_up(relay)
    expected = pipeline.rebuilt_snapshot()
    with running(pipeline.projector(GROUP)) as projector:
        engine = projector.engine
        wait_until(lambda: pipeline.live_snapshot() == expected)
        ends = journal_ends(pipeline.broker.bootstrap)
        wait_until(lambda: {p: o for (_, p), o in group_offsets(engine, GROUP).items()} == ends)
    head = pipeline.store.last_position()
    with api(settings) as (client, _):
        status, checks = kafka_checks(client)
        assert status == 200, checks
        assert checks["read_store"]["lag"] == 0
        kafka = checks["kafka"]
        assert kafka["broker"]["reachable"] is True
        assert kafka["relay"] == {"position": head, "log_head": head, "lag": 0}
        projector = kafka["projector"]
        assert projector["lag"] == 0 and projector["applied_position"] == head
        used = [p for p in projector["partitions"] if p["end_offset"]]  # a partition may be empty
        assert {p["partition"]: p["end_offset"] for p in used} == ends
        assert all(p["next_offset"] == p["end_offset"] and p["applied_position"] for p in used)
        assert all(p["lag"] == 0 for p in projector["partitions"])
        assert all(p["matches_log"] for p in used)
        assert lag_metric(client) == 0

        # Commands the relay has not published yet.
        commands(pipeline.world, 1, random.Random(5))
        unrelayed = pipeline.store.last_position() - head
        status, checks = kafka_checks(client)
        assert checks["kafka"]["relay"]["lag"] == unrelayed
        assert checks["kafka"]["lag"] == unrelayed and lag_metric(client) == unrelayed
        monkeypatch.setattr("o2c.api.health.MAX_READY_LAG", unrelayed - 1)
        assert kafka_checks(client)[0] == 503
        monkeypatch.undo()

        # Published, not yet consumed: the lag moves from the relay to the projector group.
        relay_until_caught_up(relay)
        unread = sum(journal_ends(pipeline.broker.bootstrap).values()) - sum(ends.values())
        status, checks = kafka_checks(client)
        assert checks["kafka"]["relay"]["lag"] == 0
        assert checks["kafka"]["projector"]["lag"] == unread > 0
        assert lag_metric(client) == unread

        # The broker away: reported, the lag unknown (-1), the API still answers.
        pipeline.broker.stop()
        status, checks = kafka_checks(client)
        assert checks["kafka"]["broker"]["reachable"] is False
        assert checks["kafka"]["lag"] is None and lag_metric(client) == -1


def test_embedded_mode_reports_the_runner_position(tmp_path: Path) -> None:
    settings = Settings.from_env({}).model_copy(
        update=dict(
            event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
            read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        )
    )
    opening = c.OpenAccount(
        name="A", currency="EUR", credit_limit=Decimal("1"), payment_terms=c.PaymentTermsIn()
    )
    with api(settings, start_runner=False) as (client, container):
        container.service.handle(opening, CommandContext())
        head = container.store.last_position()
        status, checks = kafka_checks(client)
        assert status == 200 and checks["mode"] == "embedded"
        assert checks["read_store"] == {"ok": True, "applied_position": 0, "lag": head}
        assert lag_metric(client) == head
        assert "o2c_relay_lag_events" not in client.get("/metrics").text
    with api(settings) as (client, container):
        assert container.read is not None and container.read.wait_for(head, 10)
        status, checks = kafka_checks(client)
        assert status == 200 and checks["read_store"]["lag"] == 0
        assert lag_metric(client) == 0
