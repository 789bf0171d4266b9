"""Write path: events/s through ``O2CService.handle`` vs raw psycopg inserts of the same rows."""

from __future__ import annotations

import time
from collections.abc import Callable

from o2c.application.service import O2CService
from o2c.bench.database import connect, url_for
from o2c.bench.report import Figure
from o2c.bench.scales import Scale
from o2c.bench.workload import commands
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.store import EventStore

Progress = Callable[[str], None]
COLUMNS = "originator_id, originator_version, topic, state"


def fill(dbname: str, scale: Scale, progress: Progress) -> tuple[float, list[int]]:
    """Run the workload through the service; returns seconds and each save's last position."""
    url = url_for(dbname)
    migrate_event_store(url)
    store = EventStore(url)
    service = O2CService(store)
    cmds = list(commands(scale.customers, scale.orders_per_customer))
    ends: list[int] = []
    started = time.perf_counter()
    for n, cmd in enumerate(cmds, 1):
        ends.append(service.handle(cmd).position)
        if n % 500 == 0:
            progress(f"write path: {n}/{len(cmds)} commands")
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed, ends


def raw_inserts(dbname: str, ends: list[int]) -> tuple[float, int]:
    """Insert the same rows, batched per transaction as the commands saved them, with psycopg."""
    with connect(dbname) as conn:
        rows = conn.execute(
            f"SELECT notification_id, {COLUMNS} FROM o2c_events ORDER BY notification_id"
        ).fetchall()
        conn.execute("CREATE TABLE raw_events (LIKE o2c_events INCLUDING ALL)")
        conn.commit()
        batches: list[list[tuple[object, ...]]] = []
        start = 0
        for end in sorted(set(ends)):
            batch = []
            while start < len(rows) and int(rows[start][0]) <= end:  # type: ignore[call-overload]
                batch.append(rows[start][1:])
                start += 1
            if batch:
                batches.append(batch)
        sql = f"INSERT INTO raw_events ({COLUMNS}) VALUES (%s, %s, %s, %s)"
        started = time.perf_counter()
        for batch in batches:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(sql, batch)
        return time.perf_counter() - started, len(rows)


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Measure both and return the write-path figure."""
    ours_s, ends = fill(dbname, scale, progress)
    progress("write path: raw psycopg inserts of the same rows")
    raw_s, events = raw_inserts(dbname, ends)
    ours, raw = events / ours_s, events / raw_s
    ratio = ours / raw
    return [
        Figure(
            "write path",
            f"{len(ends)} cmds / {events} ev",
            "events/s",
            ours,
            "ev/s",
            raw,
            ratio,
            ">= 0.5",
            ratio >= 0.5,
        )
    ]
