"""The general ledger of random books: every entry balances, debits equal credits, and the
receivable, unapplied-cash and bank accounts agree with the other read models on any date; a
rebuild into a fresh read store posts exactly what incremental projection posted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.audit.reconcile import reconcile
from o2c.domain.errors import InvalidInput
from o2c.follow.rebuild import rebuild
from o2c.projections.readstore import ReadStore
from tests.ledger.book import FAR, check_ledger, ledger_rows, posted_facts, random_book
from tests.read.conftest import ReadWorld, _world

EVERY_FACT = {
    "invoice",
    "payment",
    "cash_applied",
    "discount",
    "discount_tax",
    "deallocation",
    "payment_reversal",
    "credit_note",
    "write_off",
}


def sqlite_world(base: Path) -> Iterator[ReadWorld]:
    """A read world on two fresh SQLite files under ``base``."""
    return _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")


def check_rebuild_into(rw: ReadWorld, url: str) -> None:
    """Replaying the log into a fresh read store gives the same lines, day-book, tax movements
    and discount splits."""
    fresh = ReadStore(url)
    try:
        rebuild(rw.store, fresh, batch=11)
        for table in ("lines", "daybook", "tax_movements", "discount_taxes"):
            assert ledger_rows(fresh, table) == ledger_rows(rw.read_store, table), table
    finally:
        fresh.close()


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6))
def test_random_books_post_a_consistent_ledger_sqlite(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("gl")
    worlds = sqlite_world(base)
    rw = next(worlds)
    try:
        book = random_book(rw, seed, steps=40, currencies=("EUR", "USD", "JPY"))
        rw.project()
        check_ledger(rw, book, seed)
        check_rebuild_into(rw, f"sqlite:///{base / 'fresh.db'}")
    finally:
        worlds.close()


def test_the_random_book_drives_every_posting_fact(tmp_path: Path) -> None:
    worlds = sqlite_world(tmp_path)
    rw = next(worlds)
    try:
        book = random_book(rw, 7, steps=120, currencies=("EUR",))
        rw.project()
        assert check_ledger(rw, book, 7) > 50
        assert posted_facts(rw.read_store) == EVERY_FACT
        # The auditor's reconciliation replays the same ledger from the log, output tax too.
        assert reconcile(rw.store, rw.q, as_of=FAR) == []
    finally:
        worlds.close()


def test_multi_currency_book_on_postgres(pg_databases: Callable[[], str]) -> None:
    url, fresh_url = pg_databases(), pg_databases()
    worlds = _world(url, url)
    rw = next(worlds)
    try:
        book = random_book(rw, 11, steps=90, currencies=("EUR", "USD"))
        rw.project()
        assert book.currencies() == ["EUR", "USD"]
        check_ledger(rw, book, 11)
        assert posted_facts(rw.read_store) == EVERY_FACT
        tb = {cur: rw.q.trial_balance(as_of=FAR, currency=cur) for cur in book.currencies()}
        assert all(t["currency"] == cur for cur, t in tb.items())
        assert tb["EUR"]["accounts"] != tb["USD"]["accounts"]
        with pytest.raises(InvalidInput) as refused:
            rw.q.trial_balance(as_of=FAR)
        assert refused.value.code == "currency-required"
        check_rebuild_into(rw, fresh_url)
    finally:
        worlds.close()
