"""No single event stops the read side that follows the event log: an event no projection can
apply parks its customer, from that event on, and every other customer goes on — at start-up,
in a catch-up, in ``o2c project`` and in a rebuild; ``/readyz``, ``/metrics`` and ``o2c dlq``
show the parked customer, and ``o2c dlq replay`` re-applies it after a fix.

The poison is the order of a million units at the largest price that was accepted before derived
totals were bounded: a store written then still holds it, and its total fits no read table.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.follow.parking import EMBEDDED_GROUP, replay
from o2c.follow.rebuild import rebuild
from o2c.projections import receivables
from o2c.projections.engine import ProjectionEngine
from o2c.projections.parking import parked
from o2c.projections.readstore import ReadStore
from tests.read.conftest import ReadWorld
from tests.read.test_replay_equivalence import read_figures, recomputed, snapshot
from tests.support.world import World, opened_store

JAN = date(2026, 1, 1)


def poison_order(w: World, customer: UUID, monkeypatch: pytest.MonkeyPatch) -> int:
    """Store the order as an unbounded domain stored it; returns its position in the log."""
    with monkeypatch.context() as m:
        m.setattr("o2c.aggregates.order.check_total", lambda total, *_, **__: total, raising=False)
        w.order(customer, ("A", 1_000_000, "999999999999999.99"), on=JAN)
    placed = [e for e in w.store.read(0, 100_000) if e.event_type == "OrderPlaced"]
    return placed[-1].position


def book(w: World, monkeypatch: pytest.MonkeyPatch) -> tuple[list[UUID], UUID, int]:
    """Healthy customers and a sick one, each with business before and after the poison."""
    healthy = [w.account(), w.account()]
    sick = w.account()
    for i, cid in enumerate([*healthy, sick]):
        w.sell(cid, f"{100 + i}.00", JAN)
    poison = poison_order(w, sick, monkeypatch)
    for i, cid in enumerate([*healthy, sick]):
        w.sell(cid, f"{20 + i}.00", JAN)
        w.pay(cid, "5.00", JAN)
    return healthy, sick, poison


def assert_parked(engine: ProjectionEngine, sick: UUID, poison: int) -> None:
    parks = parked(engine, EMBEDDED_GROUP)
    assert list(parks) == [str(sick)], parks
    assert parks[str(sick)].first_position == poison
    assert re.search(r"overflow|out of range", parks[str(sick)].reason, re.I), parks


def test_a_catch_up_parks_the_customer_and_goes_on_with_everyone_else(
    rw: ReadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy, sick, poison = book(rw, monkeypatch)
    rw.project()
    assert read_figures(rw, healthy) == recomputed(rw, healthy)  # type: ignore[arg-type]
    assert_parked(rw.engine, sick, poison)
    # What came before the poison applied: the first sale, nothing after it.
    exposure = rw.q.credit_exposure(sick)
    assert exposure is not None and exposure["ar_balance"] == "102.00"
    assert rw.runner.applied_position() == rw.store.last_position()
    # Later catch-ups go on for the others and keep holding the sick customer back.
    rw.sell(healthy[0], "7.00", JAN)
    rw.sell(sick, "7.00", JAN)
    rw.project()
    assert read_figures(rw, healthy) == recomputed(rw, healthy)  # type: ignore[arg-type]
    assert rw.q.credit_exposure(sick)["ar_balance"] == "102.00"  # type: ignore[index]


def test_a_rebuild_parks_the_customer_and_goes_on(
    rw: ReadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy, sick, poison = book(rw, monkeypatch)
    rebuild(rw.store, rw.read_store, batch=5)
    assert read_figures(rw, healthy) == recomputed(rw, healthy)  # type: ignore[arg-type]
    assert_parked(rw.engine, sick, poison)
    # The live runner then follows the rebuilt tables, parking what the rebuild parked.
    before = snapshot(rw)
    rw.project()
    assert snapshot(rw) == before
    # A second rebuild, with the customer parked already, gives the same tables.
    rebuild(rw.store, rw.read_store, batch=3)
    assert snapshot(rw) == before


def test_replay_applies_a_parked_customer_after_the_fix(
    rw: ReadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = [rw.account() for _ in range(3)]
    sick = rw.account()
    for i, cid in enumerate([*healthy, sick]):
        rw.sell(cid, f"{100 + i}.00", JAN)
        rw.pay(cid, "30.00", JAN)
    original = receivables.HANDLERS["InvoiceIssued"]

    def broken(rows: Any, env: EventEnvelope) -> None:
        if env.customer_id == str(sick):
            raise ValueError("cannot project this invoice")
        original(rows, env)

    monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", broken)
    rw.project()
    assert read_figures(rw, healthy) == recomputed(rw, healthy)  # type: ignore[arg-type]
    parks = parked(rw.engine, EMBEDDED_GROUP)
    assert list(parks) == [str(sick)] and "cannot project this invoice" in parks[str(sick)].reason
    monkeypatch.setitem(receivables.HANDLERS, "InvoiceIssued", original)
    result = replay(rw.engine, rw.store, EMBEDDED_GROUP)
    assert result[str(sick)] > 0 and not parked(rw.engine, EMBEDDED_GROUP)
    everyone = [*healthy, sick]
    assert read_figures(rw, everyone) == recomputed(rw, everyone)  # type: ignore[arg-type]
    before = snapshot(rw)
    rebuild(rw.store, rw.read_store)
    assert snapshot(rw) == before


@contextmanager
def sqlite_log(tmp_path: Path) -> Iterator[tuple[Settings, EventStore]]:
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens={"t": "admin"},
    )
    with opened_store(settings.event_store_url) as store:
        yield settings, store


def test_start_up_parks_the_customer_and_readyz_and_metrics_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_log(tmp_path) as (settings, store):
        w = World(store)
        healthy, sick, poison = book(w, monkeypatch)
        container = build_container(settings, start_webhooks=False)  # catches up on start
        try:
            with TestClient(create_app(container)) as client:
                ready = client.get("/readyz")
                assert ready.status_code == 200, ready.text
                shown = ready.json()["checks"]["parked_customers"]
                assert shown["group"] == EMBEDDED_GROUP and shown["count"] == 1
                assert shown["customers"][str(sick)]["from_position"] == poison
                metrics = client.get("/metrics").text
                assert re.search(r"^o2c_projection_parked_customers 1\.0$", metrics, re.M)
                auth = {"Authorization": "Bearer t"}
                for cid in healthy:
                    body = client.get(f"/v1/customers/{cid}/credit-exposure", headers=auth)
                    assert body.status_code == 200, body.text
                    assert body.json()["ar_balance"] == recomputed(w, [cid])[str(cid)][0]  # type: ignore[arg-type]
        finally:
            container.close()


def o2c(settings: Settings, *args: str, **popen: Any) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": settings.event_store_url,
        "O2C_READ_STORE_URL": settings.read_store_url,
        "O2C_PROJECTIONS": "own-process",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_KAFKA_BOOTSTRAP", None)
    cli = str(Path(sys.executable).with_name("o2c"))
    return subprocess.Popen([cli, *args], env=env, text=True, **popen)


def output(settings: Settings, *args: str) -> str:
    done = o2c(settings, *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 0, out
    return out


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_o2c_project_parks_the_customer_and_dlq_and_rebuild_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_log(tmp_path) as (settings, store):
        w = World(store)
        healthy, sick, poison = book(w, monkeypatch)
        read_store = ReadStore(settings.read_store_url)
        read_store.migrate()
        engine = ProjectionEngine(read_store)
        projector = o2c(settings, "project", stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: engine.position() >= store.last_position())
        finally:
            projector.terminate()
            projector.wait(timeout=30)
        holder = ReadWorld(w, read_store)
        assert read_figures(holder, healthy) == recomputed(w, healthy)  # type: ignore[arg-type]
        assert_parked(engine, sick, poison)
        listed = output(settings, "dlq", "list")
        assert f"1 parked customers in group {EMBEDDED_GROUP}" in listed
        assert f"{sick} (from position {poison})" in listed
        rebuilt = output(settings, "rebuild")
        assert f"1 customers parked in group {EMBEDDED_GROUP}" in rebuilt
        assert read_figures(holder, healthy) == recomputed(w, healthy)  # type: ignore[arg-type]
        read_store.close()
