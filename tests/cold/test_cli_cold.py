"""The CLI started cold on a store full of snapshots: ``o2c import``, ``o2c audit verify``,
``o2c project``, ``o2c rebuild`` and ``o2c audit reconcile``, each a fresh process.

The book is written by this process with a snapshot every three events, so every account the
commands load has snapshots written by another process.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from o2c.aggregates.numbering import NUMBERING_ID
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from tests.cold.processes import cold_env, projecting, run_cli
from tests.support.scenario import every_event_type
from tests.support.world import World

SNAPSHOT_EVERY = 3


def write_book(url: str) -> UUID:
    """Every event type, then a busy account; its id."""
    migrate_event_store(url)
    store = EventStore(url, snapshot_interval=SNAPSHOT_EVERY)
    try:
        world = World(store, today=date(2026, 3, 2))
        every_event_type(world)
        busy = world.account()
        for n in range(6):
            day = date(2026, 2, 2) + timedelta(days=n)
            invoice = world.sell(busy, "100.00", day)
            world.pay(busy, "60.00", day, [(invoice["invoice_id"], None)])
        assert store.app.snapshots is not None
        assert list(store.app.snapshots.recorder.select_events(busy))  # snapshots were taken
        return busy
    finally:
        store.close()


def last_position(url: str) -> int:
    store = EventStore(url)
    try:
        return store.last_position()
    finally:
        store.close()


def invoice_numbers(url: str) -> list[int]:
    """The number of every issued invoice, in log order."""
    store = EventStore(url)
    try:
        issued = [e for e in store.read_all() if e.event_type == "InvoiceIssued"]
        assert store.app.snapshots is not None
        assert list(store.app.snapshots.recorder.select_events(NUMBERING_ID))
    finally:
        store.close()
    return sorted(int(e.data["number"].removeprefix("INV-")) for e in issued)


def projected_position(read_url: str) -> int:
    read = ReadStore(read_url)
    try:
        return ProjectionEngine(read).position()
    finally:
        read.close()


def test_cli_commands_started_cold_read_the_snapshots_others_wrote(tmp_path: Path) -> None:
    event_url, read_url = f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}"
    busy = write_book(event_url)
    env = cold_env(event_url, read_url, O2C_SNAPSHOT_INTERVAL=str(SNAPSHOT_EVERY))

    # Two files for the same customer, each imported by a new process: the second loads the
    # account, and the invoice numbering stream (snapshotted every 200 numbers), from the
    # snapshots the first wrote.
    for n, count in ((1, 200), (2, 4)):
        rows = "\n".join(f"{busy},2026-02-2{n},{10 + k}.{n:02d},,OB-{n}-{k}" for k in range(count))
        csv = tmp_path / f"opening-{n}.csv"
        csv.write_text(f"customer_id,issued_on,open_amount,due_on,reference\n{rows}\n")
        run_cli(env, "import", "invoices", str(csv), cwd=tmp_path)
    last = last_position(event_url)
    numbers = invoice_numbers(event_url)
    assert len(numbers) > 200 and numbers == list(range(1, len(numbers) + 1))  # no gap

    run_cli(env, "audit", "verify", cwd=tmp_path)

    with projecting({**env, "O2C_PROJECTIONS": "own-process"}, tmp_path) as projector:
        deadline = time.monotonic() + 120
        while projected_position(read_url) < last:
            assert projector.poll() is None, (tmp_path / "project.log").read_text()
            assert time.monotonic() < deadline, "o2c project did not catch up"
            time.sleep(0.1)

    run_cli(env, "rebuild", cwd=tmp_path)
    assert "0 differences" in run_cli(env, "audit", "reconcile", cwd=tmp_path)
