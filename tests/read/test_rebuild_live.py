"""A rebuild while the application keeps writing and reading: queries answer from the old,
complete tables until the switch, and events written during the rebuild are neither lost nor
doubled across it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from o2c.follow.rebuild import rebuild
from tests.read.conftest import ReadWorld
from tests.read.test_replay_equivalence import random_book, snapshot


def test_rebuild_under_live_writes(rw: ReadWorld) -> None:
    customers = random_book(rw, 21, steps=25)
    rw.service.listeners.append(rw.runner.notify)
    rw.runner.start()
    try:
        assert rw.runner.wait_for(rw.store.last_position(), timeout=10)
        cid = customers[0]
        sold: list[Decimal] = []
        answers: list[str] = []

        def during(done: int, total: int) -> None:
            # Each batch of the rebuild: a query (served by the live generation) must show
            # everything sold so far; then one more sale lands while the rebuild continues.
            assert rw.runner.wait_for(rw.store.last_position(), timeout=10)
            answers.append(rw.q.customer_aging(cid, as_of=date(2100, 1, 1))["total"])
            if len(sold) == 4:
                return  # writes stop, so the rebuild reaches the end of the log
            amount = Decimal(len(sold) + 1)
            rw.sell(cid, f"{amount}.00", rw.clock.today)
            sold.append(amount)

        base = Decimal(rw.q.customer_aging(cid, as_of=date(2100, 1, 1))["total"])
        rebuild(rw.store, rw.read_store, batch=9, progress=during)
        assert len(sold) == 4 and len(answers) > 4
        expected = [f"{base + sum(sold[: min(i, 4)]):.2f}" for i in range(len(answers))]
        assert answers == expected
        assert rw.runner.wait_for(rw.store.last_position(), timeout=10)
        assert rw.q.customer_aging(cid, as_of=date(2100, 1, 1))["total"] == (
            f"{base + sum(sold):.2f}"
        )
    finally:
        rw.runner.stop()
    live = snapshot(rw)
    rebuild(rw.store, rw.read_store)
    assert snapshot(rw) == live
