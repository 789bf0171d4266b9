"""Portfolio aging over HTTP (p50/p95/p99) vs answering the same question by replaying events.

The book is loaded in bulk through the service's own import commands (``ImportCustomers``,
``ImportOpeningInvoices``: thousands of rows per command), not by one HTTP call per invoice.
The API runs under uvicorn on a loopback port with the embedded read side on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from statistics import quantiles
from typing import Any

import httpx
import uvicorn

from o2c import commands as c
from o2c.api.app import create_app
from o2c.audit.replay_aging import replay_aging
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.bench.workload import customer_id, open_account
from o2c_devtools.ports import free_port

Progress = Callable[[str], None]
AS_OF = date(2026, 6, 30)
CHUNK = 5_000
TOKEN = "bench-token"


def load_book(store_url: str, scale: Scale, progress: Progress) -> tuple[int, Decimal]:
    """Open the customers and book their open invoices; returns the number of open items and
    their total."""
    settings = Settings(event_store_url=store_url, read_store_url=store_url)
    container = build_container(settings, with_read_side=False)
    service = container.service
    n = scale.aging_customers
    for start in range(0, n, CHUNK):
        rows = [open_account(i) for i in range(start, min(n, start + CHUNK))]
        service.handle(c.ImportCustomers(rows=rows))
        progress(f"aging: opened {min(n, start + CHUNK)}/{n} accounts")
    items = list(_opening_invoices(scale))
    started = time.perf_counter()
    for start in range(0, len(items), CHUNK):
        service.handle(c.ImportOpeningInvoices(rows=items[start : start + CHUNK]))
        done = min(len(items), start + CHUNK)
        rate = done / (time.perf_counter() - started)
        progress(f"aging: booked {done}/{len(items)} open items ({rate:,.0f}/s)")
    container.close()
    return len(items), sum((item.open_amount for item in items), Decimal(0))


def _opening_invoices(scale: Scale) -> Iterator[c.OpeningInvoice]:
    for i in range(scale.aging_customers):
        for j in range(scale.aging_items_per_customer):
            issued = AS_OF - timedelta(days=(i * 7 + j * 13) % 200)
            yield c.OpeningInvoice(
                customer_id=customer_id(i),
                reference=f"OB-{i}-{j}",
                issued_on=issued,
                due_on=issued + timedelta(days=30),
                open_amount=Decimal(100 + (i + j) % 900) + Decimal("0.25"),
            )


# Requests timed on the worklist (after five of warm-up): it ranks the whole book per request.
WORKLIST_REQUESTS = 10


class Server:
    """uvicorn serving the app in a thread, on a free loopback port."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def http_latencies(
    port: int, requests: int, path: str = "/v1/aging", limit: int = 100
) -> tuple[list[float], dict[str, Any]]:
    """Milliseconds of each ``GET path`` (keep-alive client) and the last answer."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    params = {"as_of": AS_OF.isoformat(), "limit": str(limit)}
    out: list[float] = []
    body: dict[str, Any] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
        for i in range(requests + 5):
            started = time.perf_counter()
            response = client.get(path, params=params)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            body = response.json()
            if i >= 5:  # warm-up: first connections and plan caching
                out.append(elapsed)
    return out, body


def replay_total(store: EventStore) -> tuple[float, Decimal]:
    """Seconds to answer the portfolio total by reading and folding every event."""
    started = time.perf_counter()
    by_customer: dict[str, list[EventEnvelope]] = defaultdict(list)
    for env in store.read_all(0):
        if env.customer_id:
            by_customer[env.customer_id].append(env)
    total = Decimal(0)
    for cid, events in by_customer.items():
        total += Decimal(replay_aging(cid, events, as_of=AS_OF)["total"])
    return time.perf_counter() - started, total


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Load the book, serve it, time the endpoint, time the replay."""
    url = url_for(dbname)
    items, booked = load_book(url, scale, progress)
    progress("aging: projecting the book")
    started = time.perf_counter()
    settings = Settings(event_store_url=url, read_store_url=url, api_tokens={TOKEN: "admin"})
    container = build_container(settings)
    try:
        progress(f"aging: book projected in {time.perf_counter() - started:.0f}s")
        with Server(create_app(container)) as server:
            progress(f"aging: {scale.aging_requests} requests")
            latencies, body = http_latencies(server.port, scale.aging_requests)
            # The worklist ranks every overdue item of the book by its explained priority.
            worklist, _ = http_latencies(
                server.port, WORKLIST_REQUESTS, "/v1/collections/worklist", limit=20
            )
        answered = Decimal(str(body.get("total", "0")))
        if answered != booked:  # a fast wrong answer is no figure
            raise AssertionError(f"HTTP total {answered} != the booked total {booked}")
        replay = None
        if scale.aging_replay:
            progress("aging: replaying the events for the same answer")
            replay = replay_total(container.store)
    finally:
        container.close()
    p = quantiles(latencies, n=100)
    p50, p95, p99 = p[49], p[94], p[98]
    size = f"{scale.aging_customers} cust / {items} items"
    target = scale.aging_p95_ms
    figures = [
        Figure("aging HTTP", size, "p50 latency", p50, "ms"),
        Figure(
            "aging HTTP",
            size,
            "p95 latency",
            p95,
            "ms",
            None,
            None,
            f"< {target:g} ms",
            p95 < target,
        ),
        Figure("aging HTTP", size, "p99 latency", p99, "ms"),
    ]
    w = quantiles(worklist, n=100)
    figures += [
        Figure("worklist HTTP", size, "p50 latency", w[49], "ms", note="limit=20"),
        Figure("worklist HTTP", size, "p95 latency", w[94], "ms", note="limit=20"),
    ]
    if replay is not None:
        figures.append(_versus_replay(size, p50, *replay, answered))
    return figures


def _versus_replay(
    size: str, p50: float, replay_s: float, replayed: Decimal, answered: Decimal
) -> Figure:
    speedup = replay_s * 1000 / p50
    note = "" if answered == replayed else f"HTTP total {answered} != replayed {replayed}"
    return Figure(
        "aging vs replay",
        size,
        "replay time",
        replay_s * 1000,
        "ms",
        p50,
        speedup,
        ">= 50x",
        speedup >= 50,
        note,
    )
