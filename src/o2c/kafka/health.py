"""How far the Kafka path has carried the event log, for readiness and metrics.

In Kafka mode the read models are fed by two hops, and each has its own notion of progress: the
relay's position in the event log (stored beside the events) and, per journal partition, the
offset the projector group stored with its rows. The embedded checkpoint says nothing about
either — projectors never write it. So the lag reported here is the sum of what is still to
travel: log entries the relay has not published, plus journal messages the group has not
handled. A stored offset past the end of the partition, or one whose previous message is not
the event the group applied there, means the broker lost or replaced its log: that partition
then counts as entirely unread until the projector re-reads it (a plain offset difference would
report a lag of zero, or too little, for a group that is in fact stuck on the old log).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from kafka import TopicPartition
from sqlalchemy import Engine, create_engine, inspect, select

from o2c.events.catalog import JOURNAL_TOPIC
from o2c.follow.failures import describe
from o2c.kafka.checkpoints import OffsetMark, group_marks, group_offsets, group_position
from o2c.kafka.log import LogProbe, fingerprint
from o2c.kafka.relay_position import relay_positions
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import sqlalchemy_url


@dataclass(frozen=True)
class PartitionProgress:
    """One journal partition as the projector group has consumed it."""

    partition: int
    end_offset: int
    next_offset: int | None  # where the group resumes; None: it never handled a message here
    lag: int  # messages of the partition the group has not handled
    applied_position: int | None  # every event of the partition up to here is handled
    matches_log: bool | None  # False: the offset is past the end or follows another message


@dataclass(frozen=True)
class KafkaProgress:
    """The relay and the projector group, measured at one moment."""

    broker_reachable: bool
    broker_error: str | None
    log_head: int
    relay_position: int
    relay_lag: int
    group: str
    group_applied_position: int
    journal_partitions: int | None
    partitions: tuple[PartitionProgress, ...]
    consumer_lag: int | None  # None when the broker could not be asked

    @property
    def lag(self) -> int | None:
        """Events not yet in the read models (``None``: unknown, the broker did not answer)."""
        return None if self.consumer_lag is None else self.relay_lag + self.consumer_lag

    def as_dict(self) -> dict[str, Any]:
        """JSON form for ``/readyz``."""
        return {
            "broker": {"reachable": self.broker_reachable, "error": self.broker_error},
            "relay": {
                "position": self.relay_position,
                "log_head": self.log_head,
                "lag": self.relay_lag,
            },
            "projector": {
                "group": self.group,
                "applied_position": self.group_applied_position,
                "journal_partitions": self.journal_partitions,
                "lag": self.consumer_lag,
                "partitions": [asdict(p) for p in self.partitions],
            },
            "lag": self.lag,
        }


class KafkaMonitor:
    """Measures ``KafkaProgress``; connects on first use, one measurement at a time."""

    def __init__(self, bootstrap: str, group: str, event_store_url: str, timeout: float = 2.0):
        self.bootstrap = bootstrap
        self.group = group
        self.event_store_url = event_store_url
        # Short: readiness answers within a few seconds even with the broker away.
        self.probe = LogProbe(bootstrap, timeout=timeout)
        self._events: Engine | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the broker and database connections."""
        self.probe.close()
        if self._events is not None:
            self._events.dispose()

    def relay_position(self) -> int:
        """The relay's stored position (0 if it never ran)."""
        if self._events is None:
            self._events = create_engine(sqlalchemy_url(self.event_store_url), pool_pre_ping=True)
        with self._events.connect() as conn:
            if not inspect(conn).has_table(relay_positions.name):
                return 0
            value = conn.execute(
                select(relay_positions.c.position).where(relay_positions.c.name == "kafka")
            ).scalar()
        return int(value or 0)

    def _matches(
        self,
        ends: dict[int, int],
        offsets: dict[tuple[str, int], int],
        marks: dict[tuple[str, int], OffsetMark],
    ) -> dict[int, bool]:
        """Per partition with a stored offset: is the log still the one the group followed?"""
        out: dict[int, bool] = {}
        to_read: dict[TopicPartition, OffsetMark] = {}
        for partition, end in ends.items():
            stored = offsets.get((JOURNAL_TOPIC, partition))
            mark = marks.get((JOURNAL_TOPIC, partition))
            if stored is None:
                continue
            if stored > end:
                out[partition] = False
            elif mark is not None and mark.offset == stored - 1:
                to_read[TopicPartition(JOURNAL_TOPIC, partition)] = mark
        found = self.probe.at({tp: mark.offset for tp, mark in to_read.items()})
        for tp, mark in to_read.items():
            record = found[tp]
            out[tp.partition] = record.offset == mark.offset and (
                fingerprint(record.value, record.headers) == mark.fingerprint
            )
        return out

    def measure(self, log_head: int, engine: ProjectionEngine) -> KafkaProgress:
        """Relay position against the log head, group offsets against the journal's ends."""
        with self._lock:
            relay = self.relay_position()
            offsets = group_offsets(engine, self.group)
            marks = group_marks(engine, self.group)
            applied = group_position(engine, self.group)
            count: int | None = None
            ends: dict[int, int] = {}
            error: str | None = None
            try:
                count = self.probe.partitions(JOURNAL_TOPIC)
                tps = [TopicPartition(JOURNAL_TOPIC, p) for p in range(count or 0)]
                ends = {tp.partition: end for tp, end in self.probe.end_offsets(tps).items()}
            except Exception as exc:  # the broker's state is reported, never raised
                error = describe(exc)
                self.probe.close()
            matches: dict[int, bool] = {}
            if error is None:
                try:
                    matches = self._matches(ends, offsets, marks)
                except Exception as exc:  # the broker's state is reported, never raised
                    error = describe(exc)
                    self.probe.close()
            partitions: list[PartitionProgress] = []
            for partition in sorted(ends):
                end = ends[partition]
                stored = offsets.get((JOURNAL_TOPIC, partition))
                mark = marks.get((JOURNAL_TOPIC, partition))
                match = matches.get(partition)
                lag = end if stored is None or match is False else end - stored
                partitions.append(
                    PartitionProgress(
                        partition,
                        end,
                        stored,
                        lag,
                        None if mark is None else mark.applied_position,
                        match,
                    )
                )
            return KafkaProgress(
                broker_reachable=error is None,
                broker_error=error,
                log_head=log_head,
                relay_position=relay,
                relay_lag=max(0, log_head - relay),
                group=self.group,
                group_applied_position=applied,
                journal_partitions=count,
                partitions=tuple(partitions),
                consumer_lag=None if error is not None else sum(p.lag for p in partitions),
            )
