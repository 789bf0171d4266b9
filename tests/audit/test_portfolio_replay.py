"""The portfolio aging as of any date equals replaying every customer's events (both stores).

The portfolio's totals come from the day-book and its page of customers from the movements'
covering index, not from the per-customer query: this checks those two paths against the event
log itself, on SQLite and on PostgreSQL (where rows are written by ``COPY``).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.audit.replay_aging import replay_aging
from tests.read.conftest import ReadWorld, _world
from tests.read.test_replay_equivalence import random_book
from tests.support.pg import temporary_database

BOUNDS = (15, 45, 90)


def _read_world(backend: str, base: Path) -> Generator[ReadWorld, None, None]:
    if backend == "sqlite":
        yield from _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    else:
        with temporary_database() as url:
            yield from _world(url, url)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), offset=st.integers(-200, 60))
def test_portfolio_aging_as_of_any_date_equals_replaying_every_customer(
    seed: int, offset: int, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    worlds = _read_world(backend, tmp_path_factory.mktemp("pa"))
    rw = next(worlds)
    try:
        customers = random_book(rw, seed, steps=35)
        q = rw.project()
        as_of = rw.clock.today + timedelta(days=offset)
        log = rw.store.read(0, 100_000)
        for basis in ("due", "invoice"):
            book = q.portfolio_aging(as_of=as_of, basis=basis, buckets="15,45,90", limit=500)
            replayed = {
                str(cid): replay_aging(
                    str(cid),
                    [e for e in log if e.customer_id == str(cid)],
                    as_of=as_of,
                    basis=basis,
                    bounds=BOUNDS,
                    currency="EUR",
                )
                for cid in customers
            }
            assert Decimal(str(book["total"])) == sum(
                Decimal(r["total"]) for r in replayed.values()
            )
            assert book["currency"] == "EUR" and book["totals"] is not None
            for n, bucket in enumerate(book["totals"]):
                expected = sum(Decimal(r["buckets"][n]["amount"]) for r in replayed.values())
                assert Decimal(bucket["amount"]) == expected, bucket["label"]
            lines = {line["customer_id"]: line for line in book["customers"]}
            for cid, r in replayed.items():
                if Decimal(r["total"]) == 0:
                    assert cid not in lines  # the page lists customers with a balance
                else:
                    assert lines[cid]["buckets"] == r["buckets"]
                    assert lines[cid]["total"] == r["total"]
    finally:
        worlds.close()
