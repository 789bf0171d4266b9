"""The projection consumer group: Kafka journal → the same projection engine as embedded mode.

Offsets live in the read database, written in the same transaction as the rows they produced
(``KafkaCheckpoint``), and the consumer seeks to them on every assignment, so a crash at any
point neither loses nor doubles an event; the engine also refuses an aggregate version it has
already applied. A message that cannot be applied is retried, then parked in the DLQ with the
error in its headers — together with every later message of the same customer, because applying
those on an inconsistent base would corrupt that customer's figures. Other customers flow on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import delete, select

from o2c.events.catalog import DLQ_TOPIC, JOURNAL_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.kafka.settings import CONSUMER_DEFAULTS, PRODUCER_DEFAULTS, servers
from o2c.projections.checkpoints import KafkaCheckpoint, store_offsets
from o2c.projections.engine import ProjectionEngine
from o2c.projections.schema import parked_customers

log = logging.getLogger(__name__)

RETRIES = 3


@dataclass(frozen=True)
class Message:
    """One consumed record, decoded when possible."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    envelope: EventEnvelope | None
    error: str | None

    @property
    def customer(self) -> str:
        """The partition key: the customer id."""
        return (self.key or b"").decode() or "unknown"


def decode(record: Any) -> Message:
    """A Kafka record → ``Message``; a value that is not a valid CloudEvent keeps its error."""
    envelope: EventEnvelope | None = None
    error: str | None = None
    try:
        envelope = EventEnvelope.from_cloudevent(json.loads(record.value))
    except Exception as exc:  # any undecodable message becomes a poison message, never a crash
        error = f"undecodable: {type(exc).__name__}: {exc}"
    return Message(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        list(record.headers or []),
        envelope,
        error,
    )


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.seek_stored(assigned)
        self.projector.assigned_at = time.monotonic()


class Projector:
    """One member of the projection consumer group."""

    def __init__(self, engine: ProjectionEngine, bootstrap: str, group: str) -> None:
        self.engine = engine
        self.bootstrap = bootstrap
        self.group = group
        self.consumer: KafkaConsumer | None = None
        self.producer: KafkaProducer | None = None
        self.applied = 0
        self.parked = 0
        # When this member last received partitions (monotonic clock): throughput measured
        # from here leaves out the group join, which is the broker's and the session's cost.
        self.assigned_at: float | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Join the group."""
        self.consumer = KafkaConsumer(
            bootstrap_servers=servers(self.bootstrap), group_id=self.group, **CONSUMER_DEFAULTS
        )
        self.consumer.subscribe([JOURNAL_TOPIC], listener=_SeekToStoredOffsets(self))

    def close(self) -> None:
        """Leave the group."""
        if self.consumer is not None:
            self.consumer.close()
        if self.producer is not None:
            self.producer.close(timeout=2)

    def seek_stored(self, assigned: Any) -> None:
        """Seek each assigned partition to the offset stored with the read model."""
        assert self.consumer is not None
        stored = self.engine.kafka_offsets(self.group)
        for tp in assigned:
            offset = stored.get((tp.topic, tp.partition))
            if offset is not None:
                self.consumer.seek(tp, offset)
            else:
                self.consumer.seek_to_beginning(tp)
        log.info("assigned partitions %s", sorted(tp.partition for tp in assigned))

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set."""
        if self.consumer is None:
            self.start()
        while not stop.is_set():
            self.poll_once()
        self.close()

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Poll one batch and apply it; returns the number of messages handled."""
        assert self.consumer is not None
        polled = self.consumer.poll(timeout_ms=timeout_ms)
        messages = [decode(r) for records in polled.values() for r in records]
        if messages:
            self.handle(messages)
        return len(messages)

    # ---- applying ---------------------------------------------------------------------------

    def handle(self, messages: Sequence[Message]) -> None:
        """Apply a batch; on failure retry, then isolate poison messages one by one."""
        parked = self._parked_customers()
        if all(m.error is None for m in messages):
            held = [m for m in messages if m.customer in parked]
            flowing = [m for m in messages if m.customer not in parked]
            for m in held:
                self._send_dlq(m, f"customer parked: {parked[m.customer]}")
            for attempt in range(1, RETRIES + 1):
                try:
                    self._apply(flowing, messages)
                    self.parked += len(held)
                    return
                except Exception:  # retried, then isolated message by message below
                    log.warning(
                        "batch failed (attempt %d/%d)",
                        attempt,
                        RETRIES,
                        exc_info=attempt == RETRIES,
                    )
        for message in messages:
            self._handle_one(message, parked)

    def _apply(
        self, messages: Sequence[Message], covering: Sequence[Message] | None = None
    ) -> None:
        """Apply ``messages``; the stored offsets cover ``covering`` (default: the same)."""
        envelopes = [m.envelope for m in messages if m.envelope is not None]
        checkpoint = self._checkpoint(covering if covering is not None else messages)
        self.applied += self.engine.apply(envelopes, checkpoint=checkpoint)

    def _checkpoint(self, messages: Sequence[Message]) -> KafkaCheckpoint:
        offsets: dict[tuple[str, int], int] = {}
        for m in messages:
            key = (m.topic, m.partition)
            offsets[key] = max(offsets.get(key, 0), m.offset + 1)
        return KafkaCheckpoint(self.group, offsets)

    def _handle_one(self, message: Message, parked: dict[str, str]) -> None:
        if message.customer in parked:
            self._park(message, f"customer parked: {parked[message.customer]}", parked, new=False)
            return
        error = message.error
        if error is None:
            for attempt in range(1, RETRIES + 1):
                try:
                    self._apply([message])
                    return
                except Exception as exc:  # recorded in the DLQ headers
                    error = f"{type(exc).__name__}: {exc}"
                    log.warning(
                        "message %s/%d@%d failed (attempt %d): %s",
                        message.topic,
                        message.partition,
                        message.offset,
                        attempt,
                        error,
                    )
        self._park(message, error or "unknown error", parked, new=True)

    def _park(self, message: Message, reason: str, parked: dict[str, str], *, new: bool) -> None:
        """Send to the DLQ (acknowledged), then advance the offset, record the parked customer."""
        self._send_dlq(message, reason)
        with self.engine.read_store.engine.begin() as conn:
            store_offsets(conn, self._checkpoint([message]))
            if new and message.customer not in parked:
                position = message.envelope.position if message.envelope else -1
                conn.execute(
                    parked_customers.insert().values(
                        group_id=self.group,
                        customer_id=message.customer,
                        reason=reason[:2000],
                        first_position=position,
                        parked_at=datetime.now(UTC).isoformat(),
                    )
                )
        if new:
            parked[message.customer] = reason
            log.error("parked customer %s in %s: %s", message.customer, DLQ_TOPIC, reason)
        self.parked += 1

    def _send_dlq(self, message: Message, reason: str) -> None:
        if self.producer is None:
            self.producer = KafkaProducer(
                bootstrap_servers=servers(self.bootstrap), **PRODUCER_DEFAULTS
            )
        headers = [
            *message.headers,
            ("o2c_error", reason.encode()[:2000]),
            ("o2c_source_topic", message.topic.encode()),
            ("o2c_source_partition", str(message.partition).encode()),
            ("o2c_source_offset", str(message.offset).encode()),
            ("o2c_group", self.group.encode()),
        ]
        self.producer.send(DLQ_TOPIC, key=message.key, value=message.value, headers=headers).get(
            timeout=30
        )

    def _parked_customers(self) -> dict[str, str]:
        with self.engine.read_store.engine.connect() as conn:
            rows = conn.execute(
                select(parked_customers.c.customer_id, parked_customers.c.reason).where(
                    parked_customers.c.group_id == self.group
                )
            )
            return {str(c): str(r) for c, r in rows}


def unpark(engine: ProjectionEngine, group: str, customer: str) -> None:
    """Let a customer's messages flow again (after its parked messages were re-applied)."""
    with engine.read_store.engine.begin() as conn:
        conn.execute(
            delete(parked_customers).where(
                parked_customers.c.group_id == group, parked_customers.c.customer_id == customer
            )
        )


def partitions_of(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    """All partitions of a topic."""
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
