"""A worker whose lease ran out while it worked through its batch leaves the letter to the
worker that took it over: never two senders of one letter."""

from __future__ import annotations

from pathlib import Path

from o2c.delivery.queue import now_ms
from tests.delivery.conftest import FAST, open_desk, sqlite_settings
from tests.support.wait import wait_until


def test_a_lease_taken_over_is_not_renewed_by_its_first_holder(tmp_path: Path) -> None:
    desk = open_desk(sqlite_settings(tmp_path), FAST)
    try:
        delivery = str(desk.queue(to="c1@customer.example"))
        desk.parts.queue.catch_up(desk.store)
        [first] = desk.parts.queue.claim("worker-a", 0.0, 10)
        assert first.delivery_id == delivery
        start = now_ms()
        wait_until(lambda: now_ms() > start, timeout=5)  # worker-a's lease has run out
        [taken] = desk.parts.queue.claim("worker-b", 60.0, 10)
        assert taken.delivery_id == delivery
        assert not desk.parts.queue.renew(delivery, "worker-a", 60.0)
        assert desk.parts.queue.renew(delivery, "worker-b", 60.0)
    finally:
        desk.close()
