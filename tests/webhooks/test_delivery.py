"""Delivery: every public event, signed, in log order; filters; an endpoint down, failing or
hanging; the bounded delivery log."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

from o2c.config import Settings
from o2c.eventstore.store import EventStore
from o2c.webhooks.rules import public_types
from tests.support.scenario import every_event_type
from tests.webhooks.conftest import FAST, Hooks, sqlite_settings
from tests.webhooks.helpers import first_occurrences, non_decreasing, positions
from tests.webhooks.receiver import Receiver, eventually


def _internal_ids(store: EventStore, after: int) -> set[str]:
    return {e.event_id for e in store.read_all(after) if e.internal}


def test_full_order_to_cash_run_is_delivered_signed_and_in_log_order(
    any_settings: Settings, receiver: Receiver
) -> None:
    hooks = Hooks(any_settings, receiver)
    try:
        sub = hooks.subscribe("/all", ["o2c.*"])
        every_event_type(hooks.world)
        expected = hooks.expected(sub)
        path = receiver.paths["/all"]
        receiver.wait(lambda: len(path.acknowledged) >= len(expected), "every event delivered")

        # Exactly the public events, each once, in the order of the log, every signature valid.
        assert path.ids == [e.event_id for e in expected]
        assert receiver.rejected == []
        assert {e["type"] for e in path.received} == set(public_types())
        internal = _internal_ids(hooks.container.store, sub["position"])
        assert internal and not internal & set(path.ids)
        # The same CloudEvents as on Kafka (dataschema absolute under the public URL).
        for event, envelope in zip(path.received, expected, strict=True):
            assert event == envelope.to_cloudevent("http://127.0.0.1:8000")

        last = hooks.container.store.last_position()
        eventually(
            lambda: hooks.deliveries(sub["webhook_id"])["position"] == last,
            "position acknowledged up to the end of the log",
        )
        log = hooks.all_deliveries(sub["webhook_id"])
        assert [a["position"] for a in log] == [e.position for e in expected]
        assert [a["event_id"] for a in log] == [e.event_id for e in expected]
        assert {(a["ok"], a["status_code"], a["error"], a["attempt"]) for a in log} == {
            (True, 204, None, 1)
        }
        assert all(a["duration_ms"] >= 0 and a["attempted_at"].endswith("+00:00") for a in log)

        # The log pages newest first with an opaque cursor.
        first = hooks.deliveries(sub["webhook_id"], limit=10)
        second = hooks.deliveries(sub["webhook_id"], limit=10, after=first["next"])
        ids = [a["attempt_id"] for a in first["items"] + second["items"]]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 20
        assert [a["attempt_id"] for a in first["items"]] == [a["attempt_id"] for a in log][::-1][
            :10
        ]
    finally:
        hooks.close()


def test_type_and_customer_filters(hooks: Hooks, receiver: Receiver) -> None:
    world = hooks.world
    a, b = world.account(), world.account()
    invoices = hooks.subscribe("/invoices", ["o2c.invoice.*"])
    only_a = hooks.subscribe("/only-a", ["o2c.*"], customer_id=a)
    b_some = hooks.subscribe(
        "/b-some", ["o2c.payment.received.v1", "o2c.invoice.issued.*"], customer_id=b
    )
    for cid, amount in ((a, "100.00"), (b, "200.00")):
        world.sell(cid, amount, date(2026, 1, 2))
        world.pay(cid, amount, date(2026, 1, 20))

    everything = hooks.expected(
        {"position": invoices["position"], "types": ["*"], "customer_id": None}
    )
    for sub, path in ((invoices, "/invoices"), (only_a, "/only-a"), (b_some, "/b-some")):
        expected = hooks.expected(sub)
        got = receiver.paths[path]
        receiver.wait(lambda: len(got.acknowledged) >= len(expected), f"{path} delivered")  # noqa: B023
        assert got.ids == [e.event_id for e in expected]
        assert 0 < len(expected) < len(everything)
    received = {p: receiver.paths[p].received for p in ("/invoices", "/only-a", "/b-some")}
    assert all(e["type"].startswith("o2c.invoice.") for e in received["/invoices"])
    assert {e["o2ccustomer"] for e in received["/invoices"]} == {str(a), str(b)}
    assert {e["o2ccustomer"] for e in received["/only-a"]} == {str(a)}
    assert {e["type"] for e in received["/b-some"]} == {
        "o2c.payment.received.v1",
        "o2c.invoice.issued.v1",
    }
    assert {e["o2ccustomer"] for e in received["/b-some"]} == {str(b)}
    assert receiver.rejected == []


def test_receiver_down_then_back_loses_nothing_and_keeps_order(
    hooks: Hooks, receiver: Receiver
) -> None:
    sub = hooks.subscribe("/flaky", ["o2c.*"])
    path = receiver.paths["/flaky"]
    receiver.stop()
    world = hooks.world
    cid = world.account()
    invoice = world.sell(cid, "300.00", date(2026, 1, 2))
    world.pay(cid, "300.00", date(2026, 1, 20), [(invoice["invoice_id"], None)])
    expected = hooks.expected(sub)

    def failures() -> list[dict[str, object]]:
        return [a for a in hooks.all_deliveries(sub["webhook_id"]) if not a["ok"]]

    eventually(lambda: len(failures()) >= 3, "connection failures recorded")
    # Back, but answering 503 for a while, then healthy.
    path.status = 503
    receiver.start()
    receiver.wait(lambda: path.requests >= 2, "503s answered")
    with receiver.changed:
        path.status = 204
    receiver.wait(lambda: len(path.acknowledged) >= len(expected), "everything delivered")

    ids = [e.event_id for e in expected]
    assert path.acknowledged == ids  # each acknowledged once, in order
    assert first_occurrences(path.ids) == ids
    assert non_decreasing(positions(path.received))
    assert receiver.rejected == []
    log = hooks.all_deliveries(sub["webhook_id"])
    held = [a for a in log if a["position"] == expected[0].position]
    assert [a["attempt"] for a in held] == list(range(1, len(held) + 1))
    refused = [a for a in held if a["status_code"] is None]
    assert len(refused) >= 3 and all(a["error"] and not a["ok"] for a in refused)
    assert any(a["status_code"] == 503 and a["error"].startswith("HTTP 503") for a in held)
    assert held[-1]["ok"] and held[-1]["status_code"] == 204
    # Nothing after the held event was attempted before it was acknowledged.
    first_ok = next(i for i, a in enumerate(log) if a["ok"])
    assert all(a["position"] == expected[0].position for a in log[:first_ok])


def test_a_hanging_then_failing_endpoint_does_not_delay_a_healthy_one(
    hooks: Hooks, receiver: Receiver
) -> None:
    stuck_sub = hooks.subscribe("/stuck", ["o2c.*"])
    hooks.subscribe("/healthy", ["o2c.*"])
    stuck, healthy = receiver.paths["/stuck"], receiver.paths["/healthy"]
    release = threading.Event()
    with receiver.changed:
        stuck.hold, stuck.status = release, 500
    world = hooks.world
    for n in range(3):
        cid = world.account()
        world.sell(cid, f"{n + 1}00.00", date(2026, 1, 2))
    expected = hooks.expected(stuck_sub)
    ids = [e.event_id for e in expected]

    receiver.wait(lambda: len(healthy.acknowledged) >= len(ids), "the healthy endpoint served")
    assert healthy.acknowledged == ids
    receiver.wait(lambda: stuck.waiting == 1, "the stuck endpoint holds its first request")
    assert stuck.acknowledged == [] and stuck.ids == ids[:1]

    with receiver.changed:
        stuck.hold = None
    release.set()
    receiver.wait(lambda: stuck.requests >= 3, "the endpoint failing with 500s")
    with receiver.changed:
        stuck.status = 204
    receiver.wait(lambda: len(stuck.acknowledged) >= len(ids), "the endpoint recovered")
    assert stuck.acknowledged == ids
    assert non_decreasing(positions(stuck.received))


def test_the_delivery_log_keeps_the_newest_attempts_only(
    tmp_path: Path, receiver: Receiver
) -> None:
    hooks = Hooks(sqlite_settings(tmp_path), receiver, replace(FAST, keep_attempts=5))
    try:
        sub = hooks.subscribe("/failing", ["o2c.*"])
        receiver.paths["/failing"].status = 500
        hooks.world.account()

        def newest() -> int:
            items = hooks.deliveries(sub["webhook_id"])["items"]
            return int(items[0]["attempt"]) if items else 0

        eventually(lambda: newest() >= 12, "a dozen attempts")
        items = hooks.deliveries(sub["webhook_id"])["items"]
        assert len(items) == 5
        attempts = [a["attempt"] for a in items]
        assert attempts == list(range(attempts[0], attempts[0] - 5, -1))
        assert all(a["status_code"] == 500 and not a["ok"] for a in items)
    finally:
        hooks.close()


def test_an_attempt_ends_at_its_timeout_however_slowly_the_answer_trickles(
    tmp_path: Path, receiver: Receiver
) -> None:
    # Each byte of the answer comes well inside the timeout, the whole answer well after it.
    hooks = Hooks(sqlite_settings(tmp_path), receiver, replace(FAST, timeout=1.0))
    try:
        sub = hooks.subscribe("/slow", ["o2c.*"])
        slow = receiver.paths["/slow"]
        with receiver.changed:
            slow.trickle = 0.1
        hooks.world.account()
        receiver.wait(lambda: slow.cut_short >= 1, "an attempt ended while the answer trickled")
        with receiver.changed:
            slow.trickle = None
        receiver.wait(lambda: len(slow.acknowledged) >= 1, "delivered once the answer is prompt")
        first = hooks.all_deliveries(sub["webhook_id"])[0]
        assert (first["ok"], first["status_code"]) == (False, None)
        assert first["error"] == "no answer within 1 s"
        assert receiver.rejected == []
    finally:
        hooks.close()
