"""Catching up a backlog: pages read ahead, nothing skipped, fresh planner statistics after."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from o2c import commands as c
from o2c.follow.embedded import EmbeddedRunner
from o2c.projections.engine import ProjectionEngine
from tests.read.conftest import ReadWorld, _world


def _book(rw: ReadWorld, customers: int) -> None:
    for n in range(customers):
        cid = rw.account()
        rw.sell(cid, f"{10 + n}.00", date(2026, 1, 1))


def _analyzed(rw: ReadWorld) -> set[str]:
    with rw.read_store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        )
        return {str(r[0]) for r in rows}


def test_a_backlog_of_many_pages_is_applied_whole_and_in_order(rw: ReadWorld) -> None:
    _book(rw, 8)
    last = rw.store.last_position()
    assert last > 3 * 7  # several pages of the fixture's batch of 7
    assert rw.runner.catch_up() == last
    assert rw.runner.applied_position() == last
    lines = rw.q.portfolio_aging(as_of=date(2026, 3, 1), limit=100)["customers"]
    assert sorted(line["total"] for line in lines) == [f"{10 + n}.00" for n in range(8)]
    assert rw.runner.catch_up() == 0


@pytest.fixture
def rw_pg(pg_url: str) -> Iterator[ReadWorld]:
    """A read world on PostgreSQL only: the statistics checked are PostgreSQL's."""
    yield from _world(pg_url, pg_url)


def test_a_long_catch_up_refreshes_the_planner_statistics(rw_pg: ReadWorld) -> None:
    rw = rw_pg
    _book(rw, 3)
    short = EmbeddedRunner(rw.store, ProjectionEngine(rw.read_store, analyze_after=10_000), batch=7)
    short.catch_up()
    movements = rw.read_store.tables("receivables", 1)["movements"].name
    assert movements not in _analyzed(rw)
    _book(rw, 3)
    long = EmbeddedRunner(rw.store, ProjectionEngine(rw.read_store, analyze_after=5), batch=7)
    long.catch_up()
    assert movements in _analyzed(rw)


def test_customers_with_and_without_party_details_are_applied_in_one_batch(
    rw: ReadWorld,
) -> None:
    plain = rw.account()
    detailed = rw.account()
    rw.do(c.ChangeCustomerDetails(customer_id=detailed, vat_id="DE136695976", language="de"))
    last_plain = rw.account()
    assert rw.runner.catch_up() == rw.store.last_position()  # one batch of the fixture's 7
    rows = {cid: rw.q.customer(cid) for cid in (plain, detailed, last_plain)}
    assert rows[detailed] is not None and rows[detailed]["vat_id"] == "DE136695976"
    assert rows[plain] is not None and rows[plain]["vat_id"] is None
    assert rows[last_plain] is not None and rows[last_plain]["language"] is None
