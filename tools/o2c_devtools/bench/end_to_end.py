"""End-to-end: command accepted → visible in the read model, at a steady command rate.

Sender threads pace order-to-cash commands on a fixed schedule (rate split between them, each on
its own customers); a watcher polls the visible position every 2 ms and records, per command,
accepted → visible. Two deployments are measured:

- **embedded**: the projections run in the commanding process (``o2c serve`` without Kafka);
  visibility is the runner's applied position (what ``min_position`` waits for).
- **kafka**: the production path, as separate processes: ``o2c relay`` (woken by PostgreSQL
  ``NOTIFY``) → tansu → ``o2c project``; visibility is the consumer group's applied position in
  the read database (what ``min_position`` uses in Kafka mode), polled every 2 ms.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from statistics import quantiles

from o2c.bootstrap import Container, build_container
from o2c.commands.base import Command
from o2c.config import Settings
from o2c.kafka.checkpoints import group_position
from o2c.kafka.topics import ensure_topics
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.processes import spawn, stop_all, wait_applied
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.bench.workload import open_account, order_to_cash
from o2c_devtools.tansu import TansuBroker

Progress = Callable[[str], None]
Visible = Callable[[], int]  # the highest position visible in the read model now
POLL = 0.002
SENDERS = 4
GROUP = "o2c-bench-e2e"


def _stream(first_customer: int) -> Iterator[Command]:
    i = first_customer
    while True:
        yield open_account(i)
        for j in range(3):
            yield from order_to_cash(i, j)
        i += SENDERS


def drive(container: Container, scale: Scale, current: Visible, first: int) -> list[Figure]:
    """Send ``scale.e2e_rate`` commands/s for ``scale.e2e_seconds``; lags in ms per command."""
    accepted: queue.Queue[tuple[int, float] | None] = queue.Queue()
    lags: list[float] = []
    sent = [0] * SENDERS
    interval = SENDERS / scale.e2e_rate
    start = time.monotonic() + 0.2
    end = start + scale.e2e_seconds

    def send(k: int) -> None:
        commands = _stream(first + k)
        due = start + k * interval / SENDERS
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            position = container.service.handle(next(commands)).position
            accepted.put((position, time.monotonic()))
            sent[k] += 1
            due += interval

    def watch() -> None:
        # One look at the visible position settles every pending command at or below it: a
        # watcher that waited for each command in turn would itself become the queue it times.
        pending: list[tuple[int, float]] = []
        finished = False
        while not finished or pending:
            while True:
                try:
                    item = accepted.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    finished = True
                else:
                    pending.append(item)
            if pending:
                seen, now = current(), time.monotonic()
                lags.extend((now - at) * 1000 for position, at in pending if position <= seen)
                pending = [(position, at) for position, at in pending if position > seen]
                if pending and now - pending[0][1] > 30:
                    raise TimeoutError(f"position {pending[0][0]} not visible after 30 s")
            time.sleep(POLL)

    watcher = threading.Thread(target=watch)
    watcher.start()
    senders = [threading.Thread(target=send, args=(k,)) for k in range(SENDERS)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    achieved = sum(sent) / (time.monotonic() - start)
    accepted.put(None)
    watcher.join()
    return _figures(lags, sum(sent), achieved, scale.e2e_rate)


def _figures(lags: list[float], sent: int, achieved: float, rate: int) -> list[Figure]:
    p = quantiles(lags, n=100)
    size = f"{sent} cmds @ {achieved:.0f}/s"
    note = (
        f"achieved {achieved:.0f} commands/s of {rate} requested" if achieved < 0.95 * rate else ""
    )
    return [
        Figure("end-to-end", size, "p50 lag", p[49], "ms"),
        Figure("end-to-end", size, "p99 lag", p[98], "ms", None, None, "< 250 ms", p[98] < 250),
        *([Figure("end-to-end", size, "rate", achieved, "cmd/s", note=note)] if note else []),
    ]


def embedded(url: str, scale: Scale) -> list[Figure]:
    """Projections in the commanding process."""
    container = build_container(Settings(event_store_url=url, read_store_url=url))
    assert container.read is not None and container.read.runner is not None
    runner = container.read.runner
    try:
        figures = drive(container, scale, runner.applied_position, 1_000_000)
    finally:
        container.close()
    return _label(figures, "embedded")


def kafka(url: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Relay and projector as their own processes, through a real Kafka-protocol broker."""
    container = build_container(
        Settings(event_store_url=url, read_store_url=url), with_read_side=False
    )
    read_store = ReadStore(url)
    read_store.migrate()
    engine = ProjectionEngine(read_store)
    with TansuBroker() as broker:
        ensure_topics(broker.bootstrap, 6)
        procs = _start_workers(url, broker.bootstrap)
        try:
            progress("e2e: waiting for the relay and the consumer group")
            warm = container.service.handle(open_account(2_999_999)).position
            wait_applied(engine, GROUP, warm, timeout=90)
            progress(f"e2e (kafka): {scale.e2e_rate} commands/s for {scale.e2e_seconds:.0f}s")
            figures = drive(
                container,
                scale,
                lambda: group_position(engine, GROUP),
                2_000_000,
            )
        finally:
            stop_all(procs, timeout=20)
            container.close()
            read_store.close()
    return _label(figures, "kafka")


def _start_workers(url: str, bootstrap: str) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": url,
        "O2C_READ_STORE_URL": url,
        "O2C_KAFKA_BOOTSTRAP": bootstrap,
        "O2C_KAFKA_GROUP": GROUP,
        "O2C_LOG_LEVEL": "WARNING",
    }
    return [spawn([role], env) for role in ("relay", "project")]


def _label(figures: list[Figure], mode: str) -> list[Figure]:
    for f in figures:
        f.scenario = f"end-to-end ({mode})"
    return figures


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Both deployments, one after the other, on the same database (new customers each)."""
    url = url_for(dbname)
    progress(f"e2e (embedded): {scale.e2e_rate} commands/s for {scale.e2e_seconds:.0f}s")
    figures = embedded(url, scale)
    return figures + kafka(url, scale, progress)
