"""The outbox relay: notification log → Kafka, at least once, in order per customer.

It reads the event store's notification log after its stored position, publishes each event to
``o2c.journal.v1`` and to its public topic (key = customer id, CloudEvents structured JSON,
``acks=all``, idempotent producer), waits for every acknowledgement of the batch and only then
stores the new position. A crash between publishing and storing re-publishes the batch: consumers
dedupe by event id or aggregate version. While the broker is down it backs off and retries;
commands are unaffected since they only write the event store.

If the broker comes back without the journal topic (its log was lost), the relay republishes
from position 0: the same events, in the same order, to the same partitions.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence

from kafka import KafkaProducer
from kafka.errors import KafkaError
from sqlalchemy.exc import OperationalError as PositionStoreDown

from o2c.application.errors import BackendUnavailable
from o2c.events.catalog import JOURNAL_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.log_waiter import LogWaiter, PollingWaiter
from o2c.eventstore.store import EventStore
from o2c.kafka.relay_position import RelayPosition
from o2c.kafka.settings import PRODUCER_DEFAULTS, servers
from o2c.kafka.topics import ensure_topics, existing_topics

log = logging.getLogger(__name__)

CONTENT_TYPE = b"application/cloudevents+json; charset=utf-8"


def headers_of(env: EventEnvelope) -> list[tuple[str, bytes]]:
    """Headers that let consumers route and dedupe without parsing the value."""
    return [
        ("content-type", CONTENT_TYPE),
        ("ce_id", env.event_id.encode()),
        ("ce_type", env.to_cloudevent()["type"].encode()),
        ("o2c_position", str(env.position).encode()),
        ("o2c_aggregate", env.aggregate_id.encode()),
        ("o2c_version", str(env.version).encode()),
    ]


class Relay:
    """Publishes the event log to Kafka."""

    def __init__(
        self,
        store: EventStore,
        bootstrap: str,
        position: RelayPosition,
        *,
        partitions: int = 6,
        batch: int = 1000,
        waiter: LogWaiter | None = None,
    ) -> None:
        self.store = store
        self.waiter: LogWaiter = waiter or PollingWaiter()
        self.bootstrap = bootstrap
        self.position = position
        self.partitions = partitions
        self.batch = batch
        self.producer: KafkaProducer | None = None
        self.published = 0

    def _connect(self) -> KafkaProducer:
        if self.producer is None:
            known = existing_topics(self.bootstrap)
            if JOURNAL_TOPIC not in known and self.position.load() > 0:
                log.warning(
                    "broker has no %s: its log was lost; republishing from 0", JOURNAL_TOPIC
                )
                self.position.save(0)
            ensure_topics(self.bootstrap, self.partitions)
            self.producer = KafkaProducer(
                bootstrap_servers=servers(self.bootstrap), **PRODUCER_DEFAULTS
            )
        return self.producer

    def _drop(self) -> None:
        if self.producer is not None:
            try:
                self.producer.close(timeout=1)
            except Exception:  # closing a broken producer must not mask the real error
                log.debug("producer close failed", exc_info=True)
        self.producer = None

    def publish(self, envelopes: Sequence[EventEnvelope]) -> None:
        """Send a batch and wait until the broker acknowledged all of it."""
        producer = self._connect()
        futures = []
        for env in envelopes:
            # Internal bookkeeping events go to the journal only (projections skip them), so
            # the journal carries every position and read-your-writes can wait for any of them.
            value = json.dumps(env.to_cloudevent(), separators=(",", ":")).encode()
            key = env.partition_key.encode()
            heads = headers_of(env)
            futures.append(producer.send(JOURNAL_TOPIC, key=key, value=value, headers=heads))
            spec_topic = env.to_cloudevent_topic()
            if spec_topic and not env.internal:
                futures.append(producer.send(spec_topic, key=key, value=value, headers=heads))
        producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises if any message was not acknowledged

    def run_once(self) -> int:
        """Relay one batch; returns how many log entries it moved past (0 = caught up)."""
        self._connect()  # first: a broker that lost its log resets the position to 0
        after = self.position.load()
        page = self.store.read(after, self.batch)
        if not page:
            return 0
        self.publish(page)
        self.position.save(page[-1].position)
        self.published += len(page)
        return len(page)

    def run(self, stop: threading.Event, idle: float = 0.1) -> None:
        """Relay until ``stop`` is set, backing off while the broker is unreachable."""
        failures = 0
        while not stop.is_set():
            try:
                moved = self.run_once()
                failures = 0
                if not moved:
                    self.waiter.wait(idle)
            except (
                KafkaError,
                OSError,
                TimeoutError,
                BackendUnavailable,
                PositionStoreDown,
            ) as exc:
                # Broker or database away: back off and resume from the stored position.
                failures += 1
                delay = min(10.0, 0.2 * 2 ** min(failures, 6))
                log.warning("%s unavailable; retry in %.1fs", type(exc).__name__, delay)
                self._drop()
                stop.wait(delay)
        self._drop()

    def lag(self) -> int:
        """Log entries not yet relayed."""
        return max(0, self.store.last_position() - self.position.load())


def relay_until_caught_up(relay: Relay, timeout: float = 30.0) -> None:
    """Test and CLI helper: relay until the log is drained (raises on timeout)."""
    deadline = time.monotonic() + timeout
    while relay.run_once():
        if time.monotonic() > deadline:
            raise TimeoutError("relay did not catch up")
