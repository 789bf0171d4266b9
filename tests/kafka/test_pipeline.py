"""Command → relay → Kafka (tansu) → projector → read model, on PostgreSQL, with failures."""

from __future__ import annotations

import json
import threading
from datetime import date
from uuid import UUID

import pytest
from kafka import KafkaProducer

from o2c import commands as c
from o2c.events.catalog import INVOICES_TOPIC, JOURNAL_TOPIC
from o2c.kafka.dlq import parked_in_db, read_dlq, replay
from o2c.kafka.relay import relay_until_caught_up
from o2c.kafka.topics import read_topic
from o2c.projections import receivables
from tests.kafka.conftest import Pipeline, running
from tests.read.test_replay_equivalence import random_book
from tests.support.wait import wait_until
from tests.support.world import D

JAN = date(2026, 1, 1)


def test_end_to_end_and_public_topics(pipeline: Pipeline) -> None:
    random_book(pipeline.world, 11, steps=30)  # type: ignore[arg-type]
    pipeline.world.sell(pipeline.world.account(), "10.00", JAN)
    relay = pipeline.relay()
    relay_until_caught_up(relay)
    expected = pipeline.rebuilt_snapshot()
    with running(pipeline.projector()):
        wait_until(lambda: pipeline.live_snapshot() == expected)
    records = read_topic(pipeline.broker.bootstrap, INVOICES_TOPIC)
    assert records
    first = records[0]
    event = json.loads(first.value)
    assert event["specversion"] == "1.0" and event["type"].startswith("o2c.invoice.")
    assert first.key.decode() == event["o2ccustomer"]
    assert {"o2cposition", "o2cversion", "o2ccorrelation", "o2ccausation", "o2cactor"} <= set(event)
    headers = dict(first.headers)
    assert headers["o2c_id"].decode() == event["id"]
    assert headers["o2c_type"].decode() == event["type"]
    assert int(headers["o2c_position"]) == event["o2cposition"]
    # Structured mode: a ce_* header would make CloudEvents SDKs read it as binary mode.
    assert not [name for name in headers if name.startswith("ce_")]


def test_poison_message_parks_its_customer_and_others_flow(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = pipeline.world
    sick, healthy = w.account(), w.account()
    inv = w.sell(sick, "100.00", JAN)
    w.sell(healthy, "50.00", JAN)
    relay = pipeline.relay()
    relay_until_caught_up(relay)
    with running(pipeline.projector()) as projector:
        wait_until(lambda: _ar(pipeline, healthy) == "50.00")
        original = receivables.HANDLERS["CreditNoteApplied"]

        def broken(rows: object, env: object) -> None:
            raise ValueError("bug in the credit-note projection")

        monkeypatch.setitem(receivables.HANDLERS, "CreditNoteApplied", broken)
        w.do(c.ApplyCreditNote(invoice_id=UUID(inv["invoice_id"]), amount=D("10"), reason="x"))
        w.pay(sick, "20.00", JAN)  # a later message of the same customer: parked too
        w.pay(healthy, "50.00", JAN)
        relay_until_caught_up(relay)
        garbage = KafkaProducer(bootstrap_servers=pipeline.broker.bootstrap)
        garbage.send(JOURNAL_TOPIC, key=str(sick).encode(), value=b"{not json").get(timeout=10)
        garbage.close()
        wait_until(lambda: _ar(pipeline, healthy) == "0.00")
        wait_until(lambda: len(read_dlq(pipeline.broker.bootstrap)) >= 4)
        parked = parked_in_db(projector.engine, "o2c-test")
        assert list(parked) == [str(sick)] and "bug in the credit-note" in parked[str(sick)]
        assert _ar(pipeline, sick) == "100.00"  # nothing after the poison was applied
        errors = [m.error for m in read_dlq(pipeline.broker.bootstrap)]
        assert any("customer parked" in e for e in errors)
        monkeypatch.setitem(receivables.HANDLERS, "CreditNoteApplied", original)
        result = replay(projector.engine, pipeline.broker.bootstrap, "o2c-test")
        assert result[str(sick)] >= 0
    assert parked_in_db(projector.engine, "o2c-test") == {}
    assert _ar(pipeline, sick) == "70.00"


def _ar(pipeline: Pipeline, customer: UUID) -> str | None:
    from o2c.projections.queries import ReadQueries

    exposure = ReadQueries(pipeline.read_store).credit_exposure(customer)
    return None if exposure is None else str(exposure["ar_balance"])


def test_two_projectors_split_the_partitions(pipeline: Pipeline) -> None:
    random_book(pipeline.world, 21, steps=40)  # type: ignore[arg-type]
    relay_until_caught_up(pipeline.relay())
    expected = pipeline.rebuilt_snapshot()
    a, b = pipeline.projector(), pipeline.projector()
    stop = threading.Event()
    assigned: dict[str, set[int]] = {"a": set(), "b": set()}

    def spin(name: str, p: object) -> None:
        while not stop.is_set():
            p.poll_once(200)  # type: ignore[attr-defined]
            assigned[name] |= {tp.partition for tp in p.consumer.assignment()}  # type: ignore[attr-defined]

    threads = [
        threading.Thread(target=spin, args=("a", a)),
        threading.Thread(target=spin, args=("b", b)),
    ]
    for t in threads:
        t.start()
    try:
        wait_until(lambda: pipeline.live_snapshot() == expected and all(assigned.values()), 90)
    finally:
        stop.set()
        for t in threads:
            t.join()
        a.close()
        b.close()
    assert assigned["a"] and assigned["b"]


def test_kafka_mode_read_your_writes_position(pipeline: Pipeline) -> None:
    from o2c.config import Settings
    from o2c.read_side import ReadSideParts

    cid = pipeline.world.account()
    pipeline.world.sell(cid, "10.00", JAN)
    target = pipeline.store.last_position()
    relay_until_caught_up(pipeline.relay())
    projector = pipeline.projector("ryw")
    parts = ReadSideParts(pipeline.read_store, projector.engine, None, None, "ryw")  # type: ignore[arg-type]
    assert not parts.wait_for(target, 0.2)
    with running(projector):
        assert parts.wait_for(target, 30)
    assert Settings().embedded
