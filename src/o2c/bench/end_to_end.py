"""End-to-end: command accepted → visible in the read model, at a steady command rate.

Sender threads pace order-to-cash commands on a fixed schedule (rate split between them, each on
its own customers); a watcher takes each accepted command's position in order and waits with the
read side's ``wait_for`` (what ``min_position`` uses), recording accepted → visible.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from statistics import quantiles

from o2c.bench.database import url_for
from o2c.bench.report import Figure
from o2c.bench.scales import Scale
from o2c.bench.workload import open_account, order_to_cash
from o2c.bootstrap import build_container
from o2c.commands.base import Command
from o2c.config import Settings

Progress = Callable[[str], None]
SENDERS = 4


def _stream(first_customer: int) -> Iterator[Command]:
    i = first_customer
    while True:
        yield open_account(i)
        for j in range(3):
            yield from order_to_cash(i, j)
        i += SENDERS


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Drive ``scale.e2e_rate`` commands/s for ``scale.e2e_seconds`` and measure visibility."""
    url = url_for(dbname)
    container = build_container(Settings(event_store_url=url, read_store_url=url))
    assert container.read is not None
    read = container.read
    accepted: queue.Queue[tuple[int, float] | None] = queue.Queue()
    lags: list[float] = []
    sent = [0] * SENDERS
    interval = SENDERS / scale.e2e_rate
    start = time.monotonic() + 0.2
    end = start + scale.e2e_seconds

    def send(k: int) -> None:
        commands = _stream(1_000_000 + k)
        due = start + k * interval / SENDERS
        while due < end:
            time.sleep(max(0.0, due - time.monotonic()))
            position = container.service.handle(next(commands)).position
            accepted.put((position, time.perf_counter()))
            sent[k] += 1
            due += interval

    def watch() -> None:
        while (item := accepted.get()) is not None:
            position, at = item
            read.wait_for(position, 10.0)
            lags.append((time.perf_counter() - at) * 1000)

    watcher = threading.Thread(target=watch)
    watcher.start()
    senders = [threading.Thread(target=send, args=(k,)) for k in range(SENDERS)]
    progress(f"e2e: {scale.e2e_rate} commands/s for {scale.e2e_seconds:.0f}s")
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    achieved = sum(sent) / (time.monotonic() - start)
    accepted.put(None)
    watcher.join()
    container.close()
    p = quantiles(lags, n=100)
    size = f"{sum(sent)} cmds @ {achieved:.0f}/s"
    note = (
        f"achieved {achieved:.0f} commands/s of {scale.e2e_rate} requested"
        if achieved < 0.95 * scale.e2e_rate
        else ""
    )
    return [
        Figure("end-to-end", size, "p50 lag", p[49], "ms"),
        Figure(
            "end-to-end", size, "p99 lag", p[98], "ms", None, None, "< 250 ms", p[98] < 250, note
        ),
    ]
