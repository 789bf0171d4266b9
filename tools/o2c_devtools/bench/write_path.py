"""Write path: events/s through ``O2CService.handle`` vs raw psycopg inserts of the same rows.

Three runs of the same workload, each on a fresh database: one command at a time (every save a
lone command, written at once), then ``THREADS`` threads through one service — as an API
process's worker threads — with group commit and without it. The raw limit is the same rows
inserted with psycopg, one transaction per command, as the commands saved them.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from statistics import quantiles

from o2c import commands as c
from o2c.application.service import O2CService
from o2c.eventstore.migrate import migrate_event_store
from o2c.eventstore.postgres_recorder import LargeSaveSafeRecorder
from o2c.eventstore.store import EventStore
from o2c_devtools.bench.database import connect, temporary_database, url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.bench.workload import open_account, order_to_cash

Progress = Callable[[str], None]
COLUMNS = "originator_id, originator_version, topic, state"


THREADS = 8


@dataclass
class Fill:
    """What one run of the workload through the service took."""

    seconds: float
    ends: list[int]  # each command's last position: the raw inserts batch rows by these
    latencies_ms: list[float]
    transactions: int  # transactions the saves took (fewer than commands: group commit)


def fill(
    dbname: str, scale: Scale, progress: Progress, *, threads: int = 1, group: bool = True
) -> Fill:
    """Run the workload through one service from ``threads`` threads (each its own customers,
    in order)."""
    url = url_for(dbname)
    migrate_event_store(url)
    store = EventStore(url, group_commit=group)
    service = O2CService(store)
    lanes: list[list[c.Command]] = [[] for _ in range(threads)]
    for i in range(scale.customers):
        lanes[i % threads].extend(commands_of(i, scale.orders_per_customer))
    total = sum(len(lane) for lane in lanes)
    ends: list[int] = []
    latencies: list[float] = []
    done = itertools.count(1)

    def run(lane: list[c.Command]) -> None:
        for cmd in lane:
            started = time.perf_counter()
            ends.append(service.handle(cmd).position)
            latencies.append((time.perf_counter() - started) * 1000)
            n = next(done)
            if n % 2000 == 0:
                progress(f"write path, {threads} thread(s): {n}/{total} commands")

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(lane,)) for lane in lanes]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    recorder = store.app.recorder
    grouped = recorder.group_commit if isinstance(recorder, LargeSaveSafeRecorder) else None
    transactions = grouped.batches if grouped is not None else len(ends)
    store.close()
    if len(ends) != total:
        raise RuntimeError(f"{total - len(ends)} commands failed")
    return Fill(elapsed, ends, latencies, transactions)


def commands_of(i: int, orders: int) -> Iterator[c.Command]:
    """Customer ``i``'s commands of the workload, in order."""
    yield open_account(i)
    for j in range(orders):
        yield from order_to_cash(i, j)


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
    """Measure the three runs and return the write-path figures."""
    lone = fill(dbname, scale, progress)
    progress("write path: raw psycopg inserts of the same rows")
    raw_s, events = raw_inserts(dbname, lone.ends)
    raw = events / raw_s
    size = f"{len(lone.ends)} cmds / {events} ev"
    figures = [_rate("write path", size, lone, events, raw)]
    runs = {}
    for group in (True, False):
        with temporary_database("o2c_bench_write") as other:
            runs[group] = fill(other, scale, progress, threads=THREADS, group=group)
    for group, label in ((True, "group commit"), (False, "no group commit")):
        name = f"write path, {THREADS} threads, {label}"
        figures.append(_rate(name, size, runs[group], events, raw))
        figures.append(_latency(name, size, runs[group]))
    figures.append(
        Figure(
            f"write path, {THREADS} threads, group commit",
            size,
            "saves per transaction",
            len(runs[True].ends) / runs[True].transactions,
            "",
        )
    )
    figures.append(_latency("write path", size, lone))
    # A lone command's latency must not rise with group commit: the same, one at a time, without.
    fewer = replace(scale, customers=max(1, scale.customers // 4))
    with temporary_database("o2c_bench_write") as other:
        alone = fill(other, fewer, progress, group=False)
    figures.append(_latency("write path, no group commit", f"{len(alone.ends)} cmds", alone))
    return figures


def _rate(name: str, size: str, run: Fill, events: int, raw: float) -> Figure:
    ours = events / run.seconds
    ratio = ours / raw
    return Figure(name, size, "events/s", ours, "ev/s", raw, ratio, ">= 0.5", ratio >= 0.5)


def _latency(name: str, size: str, run: Fill) -> Figure:
    p = quantiles(run.latencies_ms, n=100)
    return Figure(name, size, "command p50 / p99", p[49], "ms", note=f"p99 {p[98]:.1f} ms")
