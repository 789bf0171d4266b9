"""Replay, delete, a stop in the middle of a delivery, a crashed worker process, and two
processes delivering from the same read store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

from o2c.config import Settings
from tests.api.conftest import auth
from tests.support.scenario import every_event_type
from tests.webhooks.conftest import Hooks, sqlite_settings
from tests.webhooks.helpers import first_occurrences, non_decreasing, positions
from tests.webhooks.receiver import WAIT, Receiver, eventually


def test_replay_resends_from_a_position(hooks: Hooks, receiver: Receiver) -> None:
    sub = hooks.subscribe("/replayed", ["o2c.invoice.*", "o2c.payment.*"])
    path = receiver.paths["/replayed"]
    world = hooks.world
    cid = world.account()
    for amount in ("100.00", "200.00"):
        invoice = world.sell(cid, amount, date(2026, 1, 2))
        world.pay(cid, amount, date(2026, 1, 9), [(invoice["invoice_id"], None)])
    expected = hooks.expected(sub)
    ids = [e.event_id for e in expected]
    receiver.wait(lambda: len(path.acknowledged) >= len(ids), "first delivery")

    start = expected[3].position
    answer = hooks.client.post(
        f"/v1/webhooks/{sub['webhook_id']}/replay",
        json={"from_position": start},
        headers=auth("admin"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["position"] == start - 1
    receiver.wait(lambda: len(path.acknowledged) >= 2 * len(ids) - 3, "replayed")
    assert path.acknowledged == ids + ids[3:]
    assert path.ids[len(ids) :] == ids[3:]  # the same webhook-id again: receivers dedupe by it
    assert receiver.rejected == []


def test_replay_refusals(hooks: Hooks, receiver: Receiver) -> None:
    sub = hooks.subscribe("/failing", ["o2c.*"])
    receiver.paths["/failing"].status = 500
    hooks.world.account()
    hooks.world.account()
    url = f"/v1/webhooks/{sub['webhook_id']}/replay"
    eventually(lambda: hooks.deliveries(sub["webhook_id"])["items"] != [], "a failed attempt")
    last = hooks.container.store.last_position()

    def replay(body: object, role: str = "admin") -> tuple[int, str]:
        r = hooks.client.post(url, json=body, headers=auth(role))
        return r.status_code, r.json().get("code", "")

    # Skipping an event the endpoint never acknowledged is refused; going back is fine.
    assert replay({"from_position": last}) == (409, "replay-would-skip")
    assert replay({"from_position": last + 2}) == (422, "unknown-position")
    assert replay({"from_position": 0})[0] == 422
    assert replay({"from_position": "1"})[0] == 422
    assert replay({"from_position": 1, "extra": 1})[0] == 422
    assert replay({"from_position": 1}, "clerk") == (403, "forbidden")
    assert replay({"from_position": 1})[0] == 200
    missing = hooks.client.post(
        "/v1/webhooks/00000000-0000-4000-8000-000000000000/replay",
        json={"from_position": 1},
        headers=auth("admin"),
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "webhook-not-found")


def test_delete_stops_deliveries(hooks: Hooks, receiver: Receiver) -> None:
    ended = hooks.subscribe("/ended", ["o2c.*"])
    control = hooks.subscribe("/control", ["o2c.*"])
    world = hooks.world
    world.account()
    last = hooks.container.store.last_position()
    for sub in (ended, control):
        eventually(
            lambda: hooks.deliveries(sub["webhook_id"])["position"] == last,  # noqa: B023
            "caught up",
        )
    before = list(receiver.paths["/ended"].ids)
    assert len(before) == 1

    gone = f"/v1/webhooks/{ended['webhook_id']}"
    assert hooks.client.delete(gone, headers=auth("clerk")).status_code == 403
    assert hooks.client.delete(gone, headers=auth("admin")).status_code == 204
    for method, suffix in (("GET", ""), ("GET", "/deliveries"), ("DELETE", "")):
        r = hooks.client.request(method, gone + suffix, headers=auth("admin"))
        assert (r.status_code, r.json()["code"]) == (404, "webhook-not-found")

    world.sell(world.account(), "10.00", date(2026, 1, 2))
    expected = hooks.expected(control, after=last)
    control_path = receiver.paths["/control"]
    receiver.wait(lambda: len(control_path.acknowledged) >= 1 + len(expected), "control served")
    assert receiver.paths["/ended"].ids == before
    dispatcher = hooks.container.webhooks
    assert dispatcher is not None
    eventually(lambda: ended["webhook_id"] not in dispatcher.workers, "its worker retired")
    assert dispatcher.subs.deliveries(ended["webhook_id"], None, 100)["items"] == []


def test_stopped_mid_delivery_then_restarted_resumes_without_gap(
    any_settings: Settings, receiver: Receiver
) -> None:
    hooks = Hooks(any_settings, receiver)
    try:
        sub = hooks.subscribe("/restart", ["o2c.*"])
        path = receiver.paths["/restart"]
        release = threading.Event()
        with receiver.changed:
            path.hold, path.hold_from, path.drop = release, 10, True
        every_event_type(hooks.world)
        expected = hooks.expected(sub)
        ids = [e.event_id for e in expected]
        receiver.wait(lambda: path.waiting >= 1, "an attempt in flight")

        # Stop the process while the 11th event is in flight; its connection then drops
        # unanswered, so the event reached the receiver but was never acknowledged.
        closing = threading.Thread(target=hooks.close)
        closing.start()
        release.set()
        closing.join(WAIT)
        assert not closing.is_alive()
        assert len(first_occurrences(path.ids)) < len(ids)  # stopped mid-way

        with receiver.changed:
            path.hold, path.hold_from, path.drop = None, None, False
        hooks.open()
        receiver.wait(lambda: len(path.acknowledged) >= len(ids), "resumed to the end")

        assert first_occurrences(path.ids) == ids  # nothing skipped, order kept
        assert path.ids.count(ids[10]) >= 2  # the unacknowledged one came again
        assert path.acknowledged == ids  # the dropped one only once it was answered
        assert non_decreasing(positions(path.received))
        assert receiver.rejected == []
    finally:
        hooks.close()


def test_two_processes_deliver_each_subscription_once(tmp_path: Path, receiver: Receiver) -> None:
    settings = sqlite_settings(tmp_path)
    api = Hooks(settings, receiver)
    worker = Hooks(settings, receiver, start_runner=False)  # e.g. `o2c webhooks` beside it
    try:
        sub = api.subscribe("/shared", ["o2c.*"])
        path = receiver.paths["/shared"]
        world = api.world
        for n in range(3):
            world.sell(world.account(), f"{n + 1}0.00", date(2026, 1, 2))
        first = [e.event_id for e in api.expected(sub)]
        receiver.wait(lambda: len(path.acknowledged) >= len(first), "delivered")
        assert path.ids == first  # one lease holder: no duplicates

        # Whichever held the lease stops cleanly; the other takes over at once.
        api.close()
        world = worker.world
        world.sell(world.account(), "99.00", date(2026, 1, 3))
        everything = [e.event_id for e in worker.expected(sub)]
        receiver.wait(lambda: len(path.acknowledged) >= len(everything), "taken over")
        assert first_occurrences(path.ids) == everything
    finally:
        worker.close()
        api.close()


def test_a_killed_worker_process_is_resumed_by_the_next(tmp_path: Path, receiver: Receiver) -> None:
    settings = sqlite_settings(tmp_path)
    api = Hooks(settings, receiver, start_webhooks=False)
    logs = tmp_path / "worker.log"
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": settings.event_store_url,
        "O2C_READ_STORE_URL": settings.read_store_url,
        "O2C_LOG_FORMAT": "text",
        "O2C_WEBHOOK_ALLOW": ",".join(settings.webhook_allow),
    }
    command = [
        sys.executable,
        "-m",
        "o2c.cli.main",
        "webhooks",
        "--retry-base=0.02",
        "--retry-cap=0.2",
        "--timeout=0.5",
        "--lease=2",
    ]
    try:
        sub = api.subscribe("/process", ["o2c.*"])
        path = receiver.paths["/process"]
        release = threading.Event()
        with receiver.changed:
            path.hold, path.hold_from = release, 5
        every_event_type(api.world)
        ids = [e.event_id for e in api.expected(sub)]

        with logs.open("w") as out:
            first = subprocess.Popen(command, env=env, stderr=out)
            try:
                receiver.wait(lambda: path.waiting >= 1, "an attempt in flight", timeout=60)
            finally:
                first.kill()
                first.wait(WAIT)
            with receiver.changed:
                path.hold, path.hold_from = None, None
            release.set()
            assert len(first_occurrences(path.ids)) == 6  # killed mid-way

            second = subprocess.Popen(command, env=env, stderr=out)
            try:
                receiver.wait(lambda: len(set(path.acknowledged)) >= len(ids), "resumed")
            finally:
                second.send_signal(signal.SIGTERM)
                assert second.wait(WAIT) == 0
        text = logs.read_text()
        assert first_occurrences(path.ids) == ids
        assert path.ids.count(ids[5]) >= 2
        assert non_decreasing(positions(path.received))
        assert receiver.rejected == []
        assert f"webhook {sub['webhook_id']}: delivering o2c.* to http://127.0.0.1:" in text
        assert "webhook delivery stopped" in text
    finally:
        api.close()
