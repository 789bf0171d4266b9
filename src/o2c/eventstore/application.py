"""The eventsourcing ``Application`` that owns o2c's event store."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, Recording, Transcoder

# Whatever opens the store reads events and snapshots of every aggregate type, whichever of
# them the process itself has used: every stored topic must resolve.
import o2c.aggregates.registry  # noqa: F401
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.numbering import CreditNoteNumbering, InvoiceNumbering
from o2c.eventstore.mapper import AuditMapper
from o2c.eventstore.transcodings import DateAsISO, FastJSONTranscoder

log = logging.getLogger(__name__)

DEFAULT_SNAPSHOT_INTERVAL = 500


class O2CEventStoreApp(Application[UUID]):
    """Library application: the name fixes the PostgreSQL table names (``o2c_events``).

    Long streams are snapshotted: the numbering streams (one event per invoice or credit
    note) and customer accounts (a few events per command, for years), so a process that has
    not cached one
    loads its latest snapshot and the events after it, never the whole history.
    """

    name = "o2c"
    # Setting the class attribute switches the library's snapshot store on; the instance's
    # intervals come from configuration.
    snapshotting_intervals = {InvoiceNumbering: 200, CreditNoteNumbering: 200}

    def __init__(
        self, *args: Any, snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The library declares it a ClassVar, but reads it through the instance.
        self.snapshotting_intervals = {  # type: ignore[misc]
            InvoiceNumbering: 200,
            CreditNoteNumbering: 200,
            CustomerAccount: snapshot_interval,
        }

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=AuditMapper)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, for aggregates only, that also caches what it committed.

        The library checks each object against two runtime protocols (a tenth of a large
        save's time) and, with fast-forwarding on, never caches a saved aggregate: the next
        command on it read back and replayed the events just written. A saved aggregate is the
        newest state there is (the version check made sure), so it replaces an older cached
        copy; commands only ever get deep copies of it.
        """
        processing = ProcessingEvent[UUID]()
        aggregates: list[Aggregate] = [o for o in objs if o is not None]
        for agg in aggregates:
            processing.events.extend(agg.collect_events())
            processing.aggregates[agg.id] = agg
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._cache_saved(aggregates)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def _cache_saved(self, aggregates: list[Aggregate]) -> None:
        cache = self.repository.cache
        if cache is None:
            return
        for agg in aggregates:
            try:
                cached = cache.get(agg.id)
            except KeyError:
                cached = None
            # Another thread may have cached a newer version meanwhile: keep that one.
            if cached is None or cached.version < agg.version:
                cache.put(agg.id, agg)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot, from memory, each saved aggregate whose versions crossed its interval.

        The library reloads the aggregate from the database at the exact crossing version, once
        per crossing: an import of 5,000 invoices crossed the numbering stream's interval 25
        times, and those reloads were a sixth of its time. The saved aggregate is the state at
        its newest version (the save's version check made sure), and a snapshot at any version
        serves loading equally (the latest one is used), so one snapshot of it is taken.
        """
        # The events are committed by now: a snapshot that fails must not turn a stored
        # command into an error (the caller would retry it). Loading just replays more events.
        try:
            self._snapshot_saved(processing_event)
        except Exception:
            log.exception("taking a snapshot failed; the command's events are stored")

    def _snapshot_saved(self, processing_event: ProcessingEvent[UUID]) -> None:
        if self.snapshots is None:
            return
        crossed: dict[UUID, Any] = {}
        for event in processing_event.events:
            agg = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(agg)) if agg is not None else None
            if agg is not None and interval and event.originator_version % interval == 0:
                crossed[agg.id] = agg
        taken = []
        for agg in crossed.values():
            snapshot_class = getattr(type(agg), "Snapshot", None) or self.snapshot_class
            assert snapshot_class is not None  # the library's default class is set
            taken.append(snapshot_class.take(agg))
        if taken:
            self.snapshots.put(taken)

    @property
    def audit_mapper(self) -> AuditMapper:
        """The mapper, typed."""
        assert isinstance(self.mapper, AuditMapper)
        return self.mapper

    def transcoder(self) -> Transcoder:
        """The transcoder in use."""
        return self.mapper.transcoder
