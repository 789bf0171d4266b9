"""Two API processes on one PostgreSQL take turns on the same customers.

Each keeps its own cache of aggregates (accounts, the invoice numbering stream), snapshots and
account locks: every command goes to the other server than the one before, so each finds the
state it cached overtaken by the other's writes. The second starts only once the first has
snapshotted the busy accounts, so it loads them from snapshots it did not write. Without Kafka,
the documented layout is API instances in ``O2C_PROJECTIONS=own-process`` and one
``o2c project``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.cold.differential import differences
from tests.cold.processes import Server, cold_env, projecting, serving
from tests.cold.scenario import Book, uid

# Commands the first server runs alone, long enough for the busy accounts to be snapshotted.
ALONE = 30


@pytest.mark.postgres
@pytest.mark.slow
def test_two_servers_taking_turns_show_the_figures_of_one_process(
    uninterrupted_figures: dict[str, Any], pg_url: str, tmp_path: Path
) -> None:
    env = cold_env(pg_url, pg_url, O2C_SNAPSHOT_INTERVAL="7", O2C_PROJECTIONS="own-process")
    book = Book()
    steps = book.steps()
    with serving(env, tmp_path) as first, projecting(env, tmp_path):
        for step in steps[:ALONE]:
            step(first)
        # The second starts cold: the accounts it is handed were snapshotted by the first.
        with serving(env, tmp_path) as second:
            servers = (first, second)
            for n, step in enumerate(steps[ALONE:], start=1):
                step(servers[n % 2])
            differing = differences(uninterrupted_figures, book.figures(second))
            assert not differing, "\n".join(differing)
            assert differences(book.figures(first), book.figures(second)) == []
            paid = at_once_on_both(servers, book)
            numbers = sorted(i["number"] for i in invoices(first, paid))
            assert numbers == [f"INV-{n:06d}" for n in range(1, len(numbers) + 1)]


def at_once_on_both(servers: tuple[Server, Server], book: Book) -> int:
    """Twenty payments for C, ten sent to each server at the same time; every one is accepted
    (a save that lost the version race to the other server is retried) and counted once.
    Returns the position of the last."""
    cid = str(uid("C"))
    before = servers[0].get(f"/v1/customers/{cid}", min_position=book.last_position)

    def pay(n: int) -> int:
        answer = servers[n % 2].post(
            "/v1/payments",
            {
                "customer_id": cid,
                "amount": "1.00",
                "received_on": "2026-04-02",
                "allocations": [],  # kept as unapplied cash
            },
        )
        return int(answer["position"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        last = max(pool.map(pay, range(20)))
    after = servers[1].get(f"/v1/customers/{cid}", min_position=last)
    assert float(after["unapplied_cash"]) == float(before["unapplied_cash"]) + 20
    return last


def invoices(server: Server, position: int) -> list[dict[str, Any]]:
    """Every invoice, from the read model."""
    return list(server.get("/v1/invoices", min_position=position, limit=500)["items"])
