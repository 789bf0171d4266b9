"""Projections in their own process without Kafka: ``o2c project`` follows the event log and the
serving process (``O2C_PROJECTIONS=own-process``) only reads the read models."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from o2c import commands as c
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.support.pg import temporary_database


@pytest.fixture(params=["sqlite", "postgres"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}"
    else:
        with temporary_database() as url:
            yield url, url


def _projector(event_url: str, read_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": event_url,
        "O2C_READ_STORE_URL": read_url,
        "O2C_PROJECTIONS": "own-process",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_KAFKA_BOOTSTRAP", None)
    cli = str(Path(sys.executable).with_name("o2c"))
    return subprocess.Popen([cli, "project"], env=env, stderr=subprocess.PIPE)


def test_o2c_project_without_kafka_follows_the_log_for_the_serving_process(
    urls: tuple[str, str],
) -> None:
    event_url, read_url = urls
    settings = Settings(
        event_store_url=event_url, read_store_url=read_url, projections="own-process"
    )
    container = build_container(settings, start_webhooks=False)
    projector: subprocess.Popen[bytes] | None = None
    try:
        read = container.read
        assert read is not None and read.runner is None  # this process projects nothing
        opened = container.service.handle(
            c.OpenAccount(name="Acme", currency="EUR", credit_limit=Decimal("1000"))
        )
        cid = opened.result.customer_id  # type: ignore[attr-defined]
        assert not read.wait_for(opened.position, timeout=0.3)  # nobody projects yet

        projector = _projector(event_url, read_url)
        assert read.wait_for(opened.position, timeout=30), "o2c project did not catch up"
        assert read.queries.customer(cid) is not None
        # and it follows what is written afterwards
        sold = container.service.handle(
            c.ImportOpeningInvoices(
                rows=[
                    c.OpeningInvoice(
                        customer_id=cid,
                        reference="OB-1",
                        open_amount=Decimal("250.00"),
                        issued_on=date(2026, 1, 1),
                        due_on=date(2026, 1, 31),
                    )
                ]
            )
        )
        assert read.wait_for(sold.position, timeout=30)
        customer = read.queries.customer(cid)
        assert customer is not None and customer["ar_balance"] == "250.00"
    finally:
        if projector is not None:
            projector.send_signal(signal.SIGTERM)
            assert projector.wait(timeout=20) == 0
        container.close()
