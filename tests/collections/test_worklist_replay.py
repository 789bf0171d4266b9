"""The worklist as of any day, from the read models, equals the worklist folded from the event
log alone; and the worklist as known at a recorded time stays what it was, whatever is booked
after it (payments backdated into the day asked about included)."""

from __future__ import annotations

import random
import time
from collections.abc import Generator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c import commands as c
from o2c.collections.replay import fold_worklist_inputs
from o2c.domain.errors import DomainError
from o2c.projections.queries.collections import Worklist, worklist_page
from tests.read.conftest import ReadWorld, _world
from tests.support.pg import temporary_database


def _read_world(backend: str, base: Path) -> Generator[ReadWorld, None, None]:
    if backend == "sqlite":
        yield from _world(f"sqlite:///{base / 'e.db'}", f"sqlite:///{base / 'r.db'}")
    else:
        with temporary_database() as url:
            yield from _world(url, url)


def collections_book(rw: ReadWorld, rnd: random.Random, steps: int) -> list[UUID]:
    """A seeded mix of sales, payments (some backdated), reversals, credit notes, disputes,
    promises, notes, collectors, limit changes and dunning runs and checks."""
    customers = [
        rw.account(limit=rnd.choice(["300", "2000", "100000"]), net_days=10) for _ in range(3)
    ]
    invoices: list[UUID] = []
    payments: list[UUID] = []
    for _ in range(steps):
        rw.clock.today += timedelta(days=rnd.randint(0, 6))
        today = rw.clock.today
        cid = rnd.choice(customers)
        k = rnd.random()
        try:
            if k < 0.22:
                amount = f"{rnd.randint(50, 900)}.{rnd.randint(0, 99):02d}"
                invoices.append(UUID(rw.sell(cid, amount, today)["invoice_id"]))
            elif k < 0.38:
                on = today - timedelta(days=rnd.randint(0, 12))
                body = rw.pay(cid, f"{rnd.randint(20, 700)}.00", on)
                payments.append(UUID(body["payment_id"]))
            elif k < 0.42 and payments:
                rw.do(c.ReversePayment(payment_id=rnd.choice(payments)))
            elif k < 0.46 and invoices:
                rw.do(
                    c.ApplyCreditNote(
                        invoice_id=rnd.choice(invoices),
                        amount=Decimal(rnd.randint(1, 40)),
                        reason="t",
                    )
                )
            elif k < 0.5 and invoices:
                rw.do(c.DisputeInvoice(invoice_id=rnd.choice(invoices), reason="t"))
            elif k < 0.64 and invoices:
                promised_on = today + timedelta(days=rnd.randint(0, 8))
                rw.do(c.MakePromise(invoice_id=rnd.choice(invoices), promised_on=promised_on))
            elif k < 0.7:
                follow = today + timedelta(days=rnd.randint(0, 9)) if rnd.random() < 0.7 else None
                rw.do(c.AddNote(customer_id=cid, text="called", follow_up_on=follow))
            elif k < 0.74:
                rw.do(
                    c.AssignCollector(customer_id=cid, collector=rnd.choice(["eva", "max", None]))
                )
            elif k < 0.78:
                limit = Decimal(rnd.choice(["100", "1500", "50000"]))
                rw.do(c.ChangeCreditLimit(customer_id=cid, credit_limit=limit, reason="t"))
            elif k < 0.84:
                rw.do(c.CheckPromises())
            else:
                rw.do(c.RunDunning())
        except DomainError:
            pass
    return customers


def _replayed(
    rw: ReadWorld, as_of: date, known_at: datetime | None = None, **kw: object
) -> Worklist:
    inputs = fold_worklist_inputs(rw.store.read_all(), as_of, known_at)
    return worklist_page(inputs, limit=1000, **kw)  # type: ignore[arg-type]


def _comparable(w: Worklist) -> tuple[object, object]:
    return w["items"], w["follow_ups"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), offsets=st.lists(st.integers(-60, 20), min_size=1, max_size=3))
def test_the_worklist_as_of_any_day_equals_replaying_the_log(
    seed: int, offsets: list[int], backend: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    worlds = _read_world(backend, tmp_path_factory.mktemp("wl"))
    rw = next(worlds)
    try:
        rnd = random.Random(seed)
        collections_book(rw, rnd, steps=30)
        q = rw.project()
        for offset in offsets:
            as_of = rw.clock.today + timedelta(days=offset)
            for kw in ({}, {"collector": "eva"}, {"follow_ups_due": True}):
                read = q.worklist(as_of=as_of, limit=1000, **kw)
                key = (
                    {"follow_ups_due_only": kw["follow_ups_due"]} if "follow_ups_due" in kw else kw
                )
                assert _comparable(read) == _comparable(_replayed(rw, as_of, **key)), (as_of, kw)
            # Pages of three, each from the last one's cursor, make up the whole list.
            walked, after = [], None
            while True:
                page = q.worklist(as_of=as_of, limit=3, after=after)
                walked += page["items"]
                after = page["next"]
                if after is None:
                    break
            assert walked == q.worklist(as_of=as_of, limit=1000)["items"]
    finally:
        worlds.close()


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10**6), offset=st.integers(-30, 5))
def test_the_worklist_as_known_at_a_time_never_changes(
    seed: int, offset: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    worlds = _read_world("sqlite", tmp_path_factory.mktemp("wk"))
    rw = next(worlds)
    try:
        rnd = random.Random(seed)
        collections_book(rw, rnd, steps=20)
        as_of = rw.clock.today + timedelta(days=offset)
        then = rw.project().worklist(as_of=as_of, limit=1000)
        time.sleep(0.002)  # recorded times after this instant are later than it
        known_at = datetime.now(UTC)
        time.sleep(0.002)
        collections_book(rw, rnd, steps=15)
        assert _comparable(_replayed(rw, as_of, known_at)) == _comparable(then)
    finally:
        worlds.close()
