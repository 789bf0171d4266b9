"""Reconcile: no difference on random books; a read-model row changed behind its back is listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from o2c.audit.reconcile import reconcile
from tests.read.conftest import ReadWorld, _world
from tests.read.test_replay_equivalence import random_book


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), offset=st.integers(-30, 120))
def test_random_books_reconcile_without_difference(
    seed: int, offset: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("rc")
    gen = _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    rw = next(gen)
    try:
        random_book(rw, seed, steps=35)
        assert reconcile(rw.store, rw.project(), as_of=rw.clock.today + timedelta(offset)) == []
    finally:
        gen.close()


def _table(rw: ReadWorld, suffix: str, projection: str = "") -> str:
    with rw.read_store.engine.connect() as conn:
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE :p"),
            {"p": f"rm_{projection}%{suffix}"},
        ).scalars()
        return next(n for n in names if not n.endswith("_applied"))


def test_changed_read_rows_are_listed(rw_sqlite: ReadWorld) -> None:
    random_book(rw_sqlite, 7, steps=35)
    q = rw_sqlite.project()
    assert reconcile(rw_sqlite.store, q, as_of=rw_sqlite.clock.today) == []
    invoices, orders = _table(rw_sqlite, "_invoices"), _table(rw_sqlite, "_orders")
    with rw_sqlite.read_store.engine.begin() as conn:
        inv = conn.execute(text(f"SELECT invoice_id FROM {invoices} LIMIT 1")).scalar_one()
        order = conn.execute(text(f"SELECT order_id FROM {orders} LIMIT 1")).scalar_one()
        conn.execute(
            text(f"UPDATE {invoices} SET disputed = 1 - disputed WHERE invoice_id = :i"), {"i": inv}
        )
        conn.execute(
            text(f"UPDATE {orders} SET status = 'forged' WHERE order_id = :o"), {"o": order}
        )
    found = reconcile(rw_sqlite.store, q, as_of=rw_sqlite.clock.today)
    assert {(d["model"], d.get("aggregate_id"), d["field"]) for d in found} == {
        ("invoices", inv, "disputed"),
        ("orders", order, "status"),
    }


def test_a_changed_ledger_line_is_listed(rw_sqlite: ReadWorld) -> None:
    random_book(rw_sqlite, 7, steps=35)
    q = rw_sqlite.project()
    daybook = _table(rw_sqlite, "_daybook", "ledger")
    with rw_sqlite.read_store.engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE {daybook} SET debit = debit + 1000 WHERE key IN "
                f"(SELECT key FROM {daybook} WHERE role = 'bank' LIMIT 1)"
            )
        )
    found = reconcile(rw_sqlite.store, q, as_of=rw_sqlite.clock.today)
    assert [(d["model"], d["field"]) for d in found] == [("gl", "bank")]
    assert found[0]["read_model"] != found[0]["events"]
