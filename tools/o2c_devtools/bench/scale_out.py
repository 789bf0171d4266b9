"""Scale-out: API instances and projector group members against one PostgreSQL and one broker.

The production layout as separate processes: ``o2c relay``, N ``o2c project`` (one consumer
group) and M ``o2c serve`` (Kafka mode), on a fresh database and broker. Client threads post
commands over HTTP to the API instances in turn for a fixed time, as fast as they are answered;
then the read models are waited for. Measured for 1 API + 1 projector and for 2 + 2:

* commands/s accepted over HTTP (each an ``OpenAccount``: one event);
* drain: seconds from the last accepted command until the consumer group applied it;
* every accepted customer is in the read model afterwards (checked, not timed).

On a machine with few cores the second layout shares the same CPUs: what it shows there is that
instances and group members can be added without errors or lost events, and what one
PostgreSQL primary and one machine carry; the arithmetic for more machines is in
docs/scaling.md.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from uuid import UUID

import httpx

from o2c.kafka.topics import ensure_topics
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore
from o2c_devtools.bench.database import temporary_database, url_for
from o2c_devtools.bench.processes import CLI, spawn, stop_all, wait_applied
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.ports import free_port
from o2c_devtools.tansu import TansuBroker

Progress = Callable[[str], None]
GROUP = "o2c-bench-scale-out"
TOKEN = "t-bench-scale-out"
CLIENTS = 8


def _env(url: str, bootstrap: str) -> dict[str, str]:
    return {
        **os.environ,
        "O2C_EVENT_STORE_URL": url,
        "O2C_READ_STORE_URL": url,
        "O2C_KAFKA_BOOTSTRAP": bootstrap,
        "O2C_KAFKA_GROUP": GROUP,
        "O2C_API_TOKENS": f"{TOKEN}:admin",
        "O2C_LOG_LEVEL": "WARNING",
    }


def _start(
    env: dict[str, str], apis: int, projectors: int
) -> tuple[list[str], list[subprocess.Popen[bytes]]]:
    subprocess.run([*CLI, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    procs = [spawn(["relay"], env)]
    procs += [spawn(["project"], env) for _ in range(projectors)]
    bases = []
    for _ in range(apis):
        port = free_port()
        procs.append(spawn(["serve", "--host", "127.0.0.1", "--port", str(port)], env))
        bases.append(f"http://127.0.0.1:{port}")
    return bases, procs


def _wait_healthy(bases: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for base in bases:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{base} did not start")
            time.sleep(0.1)


class _Load:
    """Client threads posting commands to the API instances in turn."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = bases
        self.accepted = 0
        self.refused = 0
        self.high = 0
        self.customers: list[str] = []
        self._lock = threading.Lock()

    def open_account(self, client: httpx.Client, base: str, n: int) -> None:
        body = {"name": f"Scale-out {n}", "currency": "EUR", "credit_limit": "1000"}
        answer = client.post(f"{base}/v1/customers", json=body)
        with self._lock:
            if answer.status_code == 201:
                self.accepted += 1
                self.high = max(self.high, int(answer.json()["position"]))
                self.customers.append(answer.json()["customer_id"])
            else:
                self.refused += 1

    def run(self, seconds: float) -> float:
        end = time.monotonic() + seconds
        headers = {"Authorization": f"Bearer {TOKEN}"}

        def client_loop(k: int) -> None:
            with httpx.Client(headers=headers, timeout=30) as client:
                n = k
                while True:  # at least one command each, however short the window
                    self.open_account(client, self.bases[n % len(self.bases)], n)
                    n += CLIENTS
                    if time.monotonic() >= end:
                        break

        started = time.monotonic()
        threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - started


def _measure(dbname: str, apis: int, projectors: int, seconds: float) -> list[Figure]:
    url = url_for(dbname)
    with TansuBroker() as broker:
        ensure_topics(broker.bootstrap, 6)
        bases, procs = _start(_env(url, broker.bootstrap), apis, projectors)
        read_store = ReadStore(url)
        engine = ProjectionEngine(read_store)
        try:
            _wait_healthy(bases)
            warm = _Load(bases)
            with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}) as client:
                for k, base in enumerate(bases):
                    warm.open_account(client, base, -1 - k)
            wait_applied(engine, GROUP, warm.high, 120)  # relay and group up before timing
            load = _Load(bases)
            elapsed = load.run(seconds)
            sent_done = time.monotonic()
            wait_applied(engine, GROUP, load.high, 300)
            drain = time.monotonic() - sent_done
            missing = _missing(read_store, load.customers)
        finally:
            stop_all(procs)
            read_store.close()
    size = f"{apis} API + {projectors} projector{'s' if projectors > 1 else ''}"
    note = f"{load.accepted} accepted, {load.refused} refused, {missing} missing in read model"
    return [
        Figure("scale-out", size, "commands/s", load.accepted / elapsed, "cmd/s", note=note),
        Figure("scale-out", size, "drain", drain * 1000, "ms", note="last accepted → applied"),
        Figure(
            "scale-out",
            size,
            "lost",
            float(missing + load.refused),
            "commands",
            target="0",
            met=missing + load.refused == 0,
        ),
    ]


def _missing(read_store: ReadStore, customers: list[str]) -> int:
    queries = ReadQueries(read_store)
    return sum(1 for c in customers if queries.customer(UUID(c)) is None)


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Both layouts, each on its own fresh database and broker."""
    figures: list[Figure] = []
    for apis, projectors in scale.scale_out_layouts:
        progress(f"scale-out: {apis} API + {projectors} projector(s), {scale.e2e_seconds:.0f}s")
        with temporary_database(f"o2c_bench_scale_out_{apis}") as db:
            figures.extend(_measure(db, apis, projectors, scale.e2e_seconds))
    return figures
