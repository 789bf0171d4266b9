"""Rebuild: events/s and peak RSS of ``o2c rebuild`` vs the eventsourcing library's runner.

The log is filled in bulk through the service's import commands (thousands of rows a command).
The baseline is the library's own ``ProjectionRunner`` (its subscription decodes each event and
calls ``process_event`` once per event); our projection applies that event to the same read-model
tables in its own transaction, with the checkpoint, as a library projection must. To keep the
run bounded the library runner processes a sample (``scale.library_sample`` events) and its
events/s is extrapolated; envelopes are prepared before timing, which only flatters the library.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from o2c import commands as c
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.application import O2CEventStoreApp
from o2c.eventstore.settings import library_env
from o2c.eventstore.store import EventStore
from o2c.follow.rebuild import rebuild
from o2c.projections.checkpoints import PositionCheckpoint
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from o2c_devtools.bench.aging import _opening_invoices
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.bench.workload import open_account

Progress = Callable[[str], None]
ITEMS_PER_CUSTOMER = 25


def fill(url: str, events: int, per_round: int, progress: Progress) -> int:
    """Import customers and opening invoices, ``per_round`` customers at a time, until the log
    holds ``events``; returns the count."""
    container = build_container(
        Settings(event_store_url=url, read_store_url=url), with_read_side=False
    )
    service, store = container.service, container.store
    first = 0
    while store.last_position() < events:
        scale = Scale("fill", 0, 0, per_round, ITEMS_PER_CUSTOMER, 0, 0, 0, 0, 0)
        rows = [open_account(first + i) for i in range(per_round)]
        service.handle(c.ImportCustomers(rows=rows))
        invoices = [
            inv.model_copy(update={"customer_id": rows[k // ITEMS_PER_CUSTOMER].customer_id})
            for k, inv in enumerate(_opening_invoices(scale))
        ]
        service.handle(c.ImportOpeningInvoices(rows=invoices))
        first += per_round
        progress(f"rebuild: log holds {store.last_position()}/{events} events")
    count = store.last_position()
    container.close()
    return count


class _Sampled:
    """What the library projection needs: prepared envelopes, our engine, a stop signal."""

    envelopes: dict[int, EventEnvelope] = {}
    engine: ProjectionEngine | None = None
    target = 0
    seen = 0
    done = threading.Event()


class LibraryProjection(Projection[POPOTrackingRecorder]):
    """One event per call, applied to the o2c read-model tables with its checkpoint."""

    name = "benchlibrary"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        env = _Sampled.envelopes.get(tracking.notification_id)
        if env is not None and _Sampled.engine is not None:
            checkpoint = PositionCheckpoint("library-runner", tracking.notification_id)
            _Sampled.engine.apply([env], checkpoint=checkpoint)
        self.view.insert_tracking(tracking)
        _Sampled.seen += 1
        if _Sampled.seen >= _Sampled.target:
            _Sampled.done.set()


def library_runner(store: EventStore, url: str, sample: int) -> tuple[float, int]:
    """Seconds for the library's ProjectionRunner to process the first ``sample`` events."""
    read_store = ReadStore(url)
    read_store.migrate()
    _Sampled.envelopes = {e.position: e for e in store.read(0, sample)}
    _Sampled.engine = ProjectionEngine(read_store)
    _Sampled.target, _Sampled.seen = len(_Sampled.envelopes), 0
    _Sampled.done.clear()
    env = library_env(url, create_tables=False)
    env["BENCHLIBRARY_PERSISTENCE_MODULE"] = "eventsourcing.popo"
    started = time.perf_counter()
    runner: ProjectionRunner[O2CEventStoreApp, POPOTrackingRecorder] = ProjectionRunner(
        application_class=O2CEventStoreApp,
        projection_class=LibraryProjection,
        view_class=POPOTrackingRecorder,
        env=env,
    )
    finished = _Sampled.done.wait(600)
    elapsed = time.perf_counter() - started
    runner.stop()
    runner.app.close()
    read_store.close()
    if not finished:
        raise TimeoutError(f"library runner processed {_Sampled.seen}/{_Sampled.target}")
    return elapsed, _Sampled.seen


class RssSampler:
    """Peak resident set size while a block runs, sampled every 50 ms from /proc."""

    def __init__(self) -> None:
        self.peak = self.start = rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def rss_mib() -> float:
    """This process's resident set size in MiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Fill, time the library runner on a sample, time our rebuild of everything."""
    url = url_for(dbname)
    events = fill(url, scale.rebuild_events, scale.rebuild_round, progress)
    store = EventStore(url)
    progress(f"rebuild: library ProjectionRunner on {scale.library_sample} events")
    lib_s, lib_n = library_runner(store, url, scale.library_sample)
    read_store = ReadStore(url)
    progress(f"rebuild: o2c rebuild of {events} events")
    with RssSampler() as rss:
        started = time.perf_counter()
        read = rebuild(store, read_store)
        ours_s = time.perf_counter() - started
    read_store.close()
    store.close()
    ours, lib = read / ours_s, lib_n / lib_s
    ratio = ours / lib
    size = f"{read} ev"
    note = f"library runner timed on {lib_n} events and extrapolated"
    return [
        Figure("rebuild", size, "events/s", ours, "ev/s", lib, ratio, ">= 20x", ratio >= 20, note),
        Figure(
            "rebuild",
            size,
            "peak RSS",
            rss.peak,
            "MiB",
            note=f"RSS {rss.start:.0f} MiB before, +{rss.peak - rss.start:.0f} MiB during",
        ),
    ]
