"""The eventsourcing ``Application`` that owns o2c's event store."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, Transcoder

from o2c.aggregates.numbering import InvoiceNumbering
from o2c.eventstore.mapper import AuditMapper
from o2c.eventstore.transcodings import DateAsISO


class O2CEventStoreApp(Application[UUID]):
    """Library application: the name fixes the PostgreSQL table names (``o2c_events``)."""

    name = "o2c"
    # The numbering stream grows by one event per invoice; snapshots keep loading it cheap.
    snapshotting_intervals = {InvoiceNumbering: 200}

    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=AuditMapper)

    @property
    def audit_mapper(self) -> AuditMapper:
        """The mapper, typed."""
        assert isinstance(self.mapper, AuditMapper)
        return self.mapper

    def transcoder(self) -> Transcoder:
        """The transcoder in use."""
        return self.mapper.transcoder
