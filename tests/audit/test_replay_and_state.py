"""State at any version, replayed aging against the read model, and the audit HTTP endpoints."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c import commands as c
from o2c.audit.replay_aging import replay_aging
from o2c.audit.state import aggregate_view, state_at
from o2c.cli.main import main
from tests.api.conftest import auth
from tests.read.conftest import ReadWorld, _world
from tests.read.test_replay_equivalence import random_book


def test_state_at_version_n_equals_state_after_n_events(rw_sqlite: ReadWorld) -> None:
    cid = rw_sqlite.account()
    inv = rw_sqlite.sell(cid, "100.00", date(2026, 1, 1))
    iid = UUID(inv["invoice_id"])
    rw_sqlite.pay(cid, "30.00", date(2026, 1, 5), [(iid, None)])
    rw_sqlite.do(c.ApplyCreditNote(invoice_id=iid, amount=Decimal("20"), reason="x"))
    opens = [state_at(rw_sqlite.store, iid, version=n) for n in (1, 2, 3)]
    assert [s["state"]["open_amount"] for s in opens if s] == ["100.00", "70.00", "50.00"]
    assert state_at(rw_sqlite.store, iid, version=1)["version"] == 1  # type: ignore[index]
    stream = rw_sqlite.store.read_stream(iid)
    first_time = stream[0].recorded_at
    at_first = state_at(rw_sqlite.store, iid, at=datetime.fromisoformat(first_time))
    assert at_first is not None and at_first["version"] == 1
    assert state_at(rw_sqlite.store, iid, at=datetime(2000, 1, 1).astimezone()) is None


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), offset=st.integers(-200, 60))
def test_replayed_aging_equals_read_model_aging(
    seed: int, offset: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("ra")
    gen = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    rw = next(gen)
    try:
        customers = random_book(rw, seed, steps=35)
        q = rw.project()
        as_of = rw.clock.today + timedelta(days=offset)
        for cid in customers:
            events = [e for e in rw.store.read(0, 100_000) if e.customer_id == str(cid)]
            for basis in ("due", "invoice"):
                read = q.customer_aging(cid, as_of=as_of, basis=basis, buckets="15,45,90")
                replayed = replay_aging(
                    str(cid), events, as_of=as_of, basis=basis, bounds=(15, 45, 90), currency="EUR"
                )
                assert read["buckets"] == replayed["buckets"]
                assert read["total"] == replayed["total"]
    finally:
        gen.close()


def test_audit_endpoints_for_auditors_only(client: TestClient) -> None:
    admin = auth("admin")
    cid = client.post(
        "/v1/customers",
        json={"name": "A", "currency": "EUR", "credit_limit": "1000"},
        headers=admin,
    ).json()["customer_id"]
    order = client.post(
        "/v1/orders",
        json={
            "customer_id": cid,
            "ordered_on": "2026-01-01",
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "100"}],
        },
        headers=admin,
    ).json()
    client.post(
        f"/v1/orders/{order['order_id']}/shipments",
        json={"lines": [{"sku": "A", "quantity": 1}]},
        headers=admin,
    )
    inv = client.post(
        f"/v1/orders/{order['order_id']}/invoices", json={"issued_on": "2026-01-01"}, headers=admin
    ).json()
    for role, allowed in (("auditor", True), ("admin", True), ("clerk", False), ("credit", False)):
        h = auth(role)
        responses = [
            client.get(f"/v1/audit/customers/{cid}/events", headers=h),
            client.get(f"/v1/audit/aggregates/{inv['invoice_id']}/events", headers=h),
            client.get(f"/v1/audit/aggregates/{inv['invoice_id']}/state?version=1", headers=h),
            client.get(f"/v1/audit/customers/{cid}/aging?as_of=2026-03-15", headers=h),
            client.post("/v1/audit/verify", headers=h),
        ]
        assert all((r.status_code == 200) == allowed for r in responses), role
        if not allowed:
            assert all(r.status_code == 403 for r in responses)
    h = auth("auditor")
    events = client.get(f"/v1/audit/customers/{cid}/events?limit=3", headers=h).json()
    assert len(events["events"]) == 3 and events["next"] is not None
    positions = [e["o2cposition"] for e in events["events"]]
    assert positions == sorted(positions)
    assert events["events"][0]["specversion"] == "1.0"
    stream_url = f"/v1/audit/aggregates/{order['order_id']}/events"
    first = client.get(f"{stream_url}?limit=1", headers=h).json()
    rest = client.get(f"{stream_url}?after={first['next']}", headers=h).json()
    versions = [e["o2cversion"] for e in first["events"] + rest["events"]]
    assert versions == list(range(1, len(versions) + 1)) and rest["next"] is None
    assert len(versions) >= 2
    aging = client.get(f"/v1/audit/customers/{cid}/aging?as_of=2026-03-15", headers=h).json()
    assert {b["label"]: b["amount"] for b in aging["buckets"]}["31-60"] == "100.00"
    assert client.post("/v1/audit/verify", headers=h).json()["ok"] is True
    assert (
        client.post(
            "/v1/customers", json={"name": "B", "currency": "EUR", "credit_limit": "1"}, headers=h
        ).status_code
        == 403
    )


def test_cli_verify_and_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("O2C_EVENT_STORE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    monkeypatch.setenv("O2C_READ_STORE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    from o2c.bootstrap import build_container
    from o2c.config import Settings
    from tests.support.world import World

    container = build_container(Settings.from_env())
    world = World(container.store)
    cid = world.account()
    world.sell(cid, "10.00", date(2026, 1, 1))
    container.close()
    assert main(["audit", "verify"]) == 0
    assert "OK: checked" in capsys.readouterr().out
    assert main(["audit", "history", str(cid), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) >= 5 and '"o2c.account.opened.v1"' in lines[0]
    assert main(["audit", "reconcile", "--as-of", "2026-03-01"]) == 0
    assert "0 differences" in capsys.readouterr().out


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6))
def test_state_at_every_version_equals_folding_the_first_n_events(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("sv")
    gen = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    rw = next(gen)
    try:
        random_book(rw, seed, steps=25)
        ids = {UUID(e.aggregate_id) for e in rw.store.read(0, 100_000)}
        kinds = {e.aggregate_type for e in rw.store.read(0, 100_000)}
        assert {"CustomerAccount", "Order"} <= kinds  # invoices too in most books
        for agg_id in sorted(ids):
            folded: Any = None
            stored = rw.store.app.recorder.select_events(agg_id)
            for n, row in enumerate(stored, start=1):
                folded = rw.store.app.mapper.to_domain_event(row).mutate(folded)
                assert state_at(rw.store, agg_id, version=n) == aggregate_view(folded)
            assert state_at(rw.store, agg_id, version=len(stored) + 5) == aggregate_view(folded)
    finally:
        gen.close()


def test_replayed_aging_as_the_system_knew_it_at_a_recorded_time(rw_sqlite: ReadWorld) -> None:
    cid = rw_sqlite.account()
    inv = rw_sqlite.sell(cid, "100.00", date(2026, 1, 1))
    iid = UUID(inv["invoice_id"])
    before_payment = datetime.fromisoformat(rw_sqlite.store.read_stream(iid)[-1].recorded_at)
    rw_sqlite.pay(cid, "30.00", date(2026, 1, 5), [(iid, None)])
    events = [e for e in rw_sqlite.store.read(0, 10_000) if e.customer_id == str(cid)]
    as_of = date(2026, 3, 15)
    then = replay_aging(str(cid), events, as_of=as_of, known_at=before_payment)
    now = replay_aging(str(cid), events, as_of=as_of)
    assert (then["total"], now["total"]) == ("100.00", "70.00")
    assert then["known_at"] == before_payment.isoformat()
    early = before_payment - timedelta(days=1)
    assert replay_aging(str(cid), events, as_of=as_of, known_at=early)["total"] == "0.00"
