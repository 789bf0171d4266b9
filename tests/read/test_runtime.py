"""The read side at run time: embedded runner, composition root, Kafka checkpoints, layout
changes and the ``o2c rebuild`` command."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.bootstrap import build_container
from o2c.cli.main import main
from o2c.config import Settings
from o2c.kafka.checkpoints import KafkaCheckpoint, group_offsets
from o2c.projections.checkpoints import PositionCheckpoint
from o2c.projections.schema import layouts
from o2c.read_side import ReadModelDunningCustomers
from tests.read.conftest import ReadWorld
from tests.read.test_replay_equivalence import random_book, snapshot


def test_runner_follows_the_log_and_waits_for_a_position(rw: ReadWorld) -> None:
    rw.service.listeners.append(rw.runner.notify)
    rw.runner.start()
    try:
        cid = rw.account(limit="500")
        position = rw.store.last_position()
        assert rw.runner.wait_for(position, timeout=10)
        assert rw.runner.applied_position() >= position and rw.runner.lag() == 0
        customer = rw.q.customer(cid)
        assert customer is not None and customer["credit_limit"] == "500.00"
        # A position nobody wrote yet is not reached: the wait is bounded.
        assert not rw.runner.wait_for(position + 1000, timeout=0.2)
    finally:
        rw.runner.stop()


def test_runner_catches_up_on_start(rw: ReadWorld) -> None:
    cid = rw.account()
    rw.sell(cid, "10.00", date(2026, 1, 1))
    assert rw.q.customer(cid) is None  # nothing applied yet
    rw.runner.start()
    rw.runner.stop()
    customer = rw.q.customer(cid)
    assert customer is not None and customer["ar_balance"] == "10.00"
    assert rw.engine.position() == rw.store.last_position()


def test_composition_root_serves_fresh_read_models(tmp_path: Path) -> None:
    settings = Settings.from_env({}).model_copy(
        update=dict(
            event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
            read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        )
    )
    container = build_container(settings)
    try:
        read = container.read
        assert read is not None and read.runner is not None
        lister = container.service.dunning_customers
        assert isinstance(lister, ReadModelDunningCustomers) and lister.parts is read

        result = container.service.handle(
            c.OpenAccount(
                name="Fresh",
                currency="EUR",
                credit_limit=Decimal("10"),
                payment_terms=c.PaymentTermsIn(net_days=30),
            ),
            CommandContext(),
        )
        assert read.wait_for(result.position, timeout=10)
        found = read.queries.customer(result.body["customer_id"])
        assert found is not None and found["name"] == "Fresh"
    finally:
        container.close()


def test_kafka_checkpoint_is_stored_with_the_rows_and_redelivery_is_ignored(
    rw: ReadWorld,
) -> None:
    cid = rw.account()
    rw.sell(cid, "40.00", date(2026, 1, 1))
    envelopes = rw.store.read(0, 1000)
    assert any(e.internal for e in envelopes)  # bookkeeping events ride along, unapplied
    first = KafkaCheckpoint("g1", {("o2c.journal.v1", 0): 7, ("o2c.journal.v1", 1): 3})
    applied = rw.engine.apply(envelopes, checkpoint=first)
    assert 0 < applied < len(envelopes) * 5
    assert group_offsets(rw.engine, "g1") == first.offsets
    before = snapshot(rw)
    again = KafkaCheckpoint("g1", {("o2c.journal.v1", 0): 9})
    assert rw.engine.apply(envelopes, checkpoint=again) == 0
    assert snapshot(rw) == before
    assert group_offsets(rw.engine, "g1") == {("o2c.journal.v1", 0): 9, ("o2c.journal.v1", 1): 3}
    assert group_offsets(rw.engine, "other") == {}
    exposure = rw.q.credit_exposure(cid)
    assert exposure is not None and exposure["ar_balance"] == "40.00"


def test_position_checkpoint_never_goes_back(rw: ReadWorld) -> None:
    rw.account()
    envelopes = rw.store.read(0, 1000)
    last = envelopes[-1].position
    rw.engine.apply(envelopes, checkpoint=PositionCheckpoint("embedded", last))
    assert rw.engine.position() == last
    assert rw.engine.apply(envelopes[:1], checkpoint=PositionCheckpoint("embedded", last)) == 0


def test_a_changed_table_layout_is_replayed_into_a_new_generation(rw: ReadWorld) -> None:
    random_book(rw, 3, steps=15)
    rw.project()
    before = snapshot(rw)
    with rw.read_store.engine.begin() as conn:
        gen = rw.read_store.active_generations(conn)["receivables"]
        conn.execute(
            update(layouts)
            .where(layouts.c.projection == "receivables")
            .values(fingerprint="layout of an older release")
        )
    rw.read_store.migrate()
    with rw.read_store.engine.connect() as conn:
        assert rw.read_store.active_generations(conn)["receivables"] == gen + 1
        fingerprint = conn.execute(
            select(layouts.c.fingerprint).where(
                layouts.c.projection == "receivables", layouts.c.generation == gen + 1
            )
        ).scalar()
    assert fingerprint == rw.read_store.layout("receivables")
    assert rw.engine.position() == 0  # the fresh generation starts from the beginning
    rw.project()
    assert snapshot(rw) == before


def test_rebuild_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events, reads = f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}"
    monkeypatch.setenv("O2C_EVENT_STORE_URL", events)
    monkeypatch.setenv("O2C_READ_STORE_URL", reads)
    monkeypatch.delenv("O2C_KAFKA_BOOTSTRAP", raising=False)
    from tests.read.conftest import _world

    gen = _world(events, reads)
    rw = next(gen)
    try:
        random_book(rw, 11, steps=15)
        rw.project()
        before = snapshot(rw)
        assert main(["rebuild", "--batch", "7"]) == 0
        assert main(["rebuild", "--projection", "accounts"]) == 0
        out = capsys.readouterr()
        assert "replayed" in out.out and "rebuild" in out.err
        assert snapshot(rw) == before
        with rw.read_store.engine.connect() as conn:
            active = rw.read_store.active_generations(conn)
        assert active["accounts"] == 3 and active["orders"] == 2
    finally:
        gen.close()


def test_migrate_again_keeps_generations_and_rows(rw: ReadWorld) -> None:
    random_book(rw, 8, steps=10)
    rw.project()
    before = snapshot(rw)
    with rw.read_store.engine.connect() as conn:
        generations = rw.read_store.active_generations(conn)
    rw.read_store.migrate()
    rw.read_store.migrate()
    with rw.read_store.engine.connect() as conn:
        assert rw.read_store.active_generations(conn) == generations
    assert snapshot(rw) == before
    assert rw.engine.position() == rw.store.last_position()
