"""The outbox relay: notification log → Kafka, at least once, in order per customer.

It reads the event store's notification log after its stored position, publishes each event to
``o2c.journal.v1`` and to its public topic (key = customer id, CloudEvents structured JSON,
``acks=all``, idempotent producer), waits for every acknowledgement of the batch and only then
stores the new position. A crash between publishing and storing re-publishes the batch: consumers
dedupe by event id or aggregate version. While the broker is down it backs off and retries;
commands are unaffected since they only write the event store.

A broker can come back without its log (a lost disk, an in-memory broker restarted, a topic
deleted and created again). The relay recognises its journal by what the broker acknowledged:
the partition count and, per partition, the offset and event id of its last acknowledged message
(kept with the position). On every (re)connection it checks that those messages are still there;
after every batch it checks that no acknowledged offset went back. When the log is not the one it
published, it republishes the event log from position 0, under a new log epoch stamped on every
journal message, so projectors can tell the two logs apart.

Why from 0 and not from the lowest position the projectors still need: the journal and the
public topics are a log that any consumer may read from its start — a downstream service, a new
consumer group, a projector re-reading after the loss, ``o2c dlq replay`` — and the relay knows
none of their positions (the projectors' live in another database). Only a complete log serves
all of them. Republishing is safe: projections skip aggregate versions they already applied, and
downstream consumers dedupe by event id as at-least-once delivery already requires.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from kafka import KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from sqlalchemy.exc import OperationalError as PositionStoreDown

from o2c.application.errors import BackendUnavailable
from o2c.events.catalog import BY_NAME, JOURNAL_TOPIC
from o2c.events.envelope import DEFAULT_PUBLIC_URL, EventEnvelope
from o2c.eventstore.log_waiter import LogWaiter, PollingWaiter
from o2c.eventstore.publication import Publication
from o2c.eventstore.store import EventStore
from o2c.kafka.log import EPOCH_HEADER, LogProbe, fingerprint
from o2c.kafka.relay_position import Acked, JournalState, RelayPosition
from o2c.kafka.settings import PRODUCER_DEFAULTS, forbid_topic_creation, servers
from o2c.kafka.topics import ensure_topics

log = logging.getLogger(__name__)

CONTENT_TYPE = b"application/cloudevents+json; charset=utf-8"


def headers_of(env: EventEnvelope) -> list[tuple[str, bytes]]:
    """Headers that let consumers route and dedupe without parsing the value.

    None is named ``ce_*``: the CloudEvents SDKs read such headers as binary mode, and these
    messages are structured mode (the whole event is the value).
    """
    return [
        ("content-type", CONTENT_TYPE),
        ("o2c_id", env.event_id.encode()),
        ("o2c_type", BY_NAME[env.event_type].cloud_type.encode()),
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
        ack_timeout: float = 10.0,
        public_url: str = DEFAULT_PUBLIC_URL,
    ) -> None:
        self.store = store
        self.publication = Publication(store, public_url)
        self.waiter: LogWaiter = waiter or PollingWaiter()
        self.bootstrap = bootstrap
        self.position = position
        self.partitions = partitions
        self.batch = batch
        # Longest wait for a batch's acknowledgements. A producer whose broker restarted without
        # its state retries "unknown producer id" on its own until its delivery timeout
        # (measured: every 100 ms, never succeeding on tansu); past this the relay drops it and
        # reconnects, which is where it checks the log.
        self.ack_timeout = ack_timeout
        self.producer: KafkaProducer | None = None
        self.probe = LogProbe(bootstrap)
        self.journal: JournalState | None = None
        self.published = 0
        self.republished = 0  # times the relay found the broker's log lost and started again

    def _connect(self) -> KafkaProducer:
        if self.producer is None:
            self.journal = self._recognise_journal()
            ensure_topics(self.bootstrap, self.partitions)
            producer = KafkaProducer(bootstrap_servers=servers(self.bootstrap), **PRODUCER_DEFAULTS)
            forbid_topic_creation(producer)
            count = len(producer.partitions_for(JOURNAL_TOPIC) or ())
            if count != self.partitions:
                log.warning(
                    "%s has %d partitions, not O2C_KAFKA_PARTITIONS=%d: publishing to it as it is",
                    JOURNAL_TOPIC,
                    count,
                    self.partitions,
                )
            self.journal = replace(self.journal, partitions=count)
            self.producer = producer
        return self.producer

    def _recognise_journal(self) -> JournalState:
        """The journal state to continue from; a new epoch at position 0 if the log was lost."""
        position = self.position.load()
        state = self.position.load_journal()
        if position > 0:
            lost = self._why_lost(state)
            if lost is not None:
                return self._start_again(lost)
        # Position 0 with a state: a republish that has not stored a batch yet; its epoch holds.
        return state if state is not None else JournalState(epoch=uuid.uuid4().hex)

    def _why_lost(self, state: JournalState | None) -> str | None:
        """Why the broker's journal is not the log the relay published, or ``None`` if it is."""
        count = self.probe.partitions(JOURNAL_TOPIC)
        if count is None:
            return f"the broker has no {JOURNAL_TOPIC}"
        if state is None:
            return None  # saved before the relay kept journal states: nothing more to compare
        if state.partitions is not None and count != state.partitions:
            return f"{JOURNAL_TOPIC} has {count} partitions, the relay used {state.partitions}"
        tps = {p: TopicPartition(JOURNAL_TOPIC, p) for p in state.acked}
        ends = self.probe.end_offsets(list(tps.values()))
        short = sorted(p for p, a in state.acked.items() if ends[tps[p]] <= a.offset)
        if short:
            return f"partitions {short} of {JOURNAL_TOPIC} end before offsets it acknowledged"
        found = self.probe.at({tps[p]: a.offset for p, a in state.acked.items()})
        other = sorted(
            p
            for p, a in state.acked.items()
            if found[tps[p]].offset != a.offset
            or fingerprint(found[tps[p]].value, found[tps[p]].headers) != a.event_id
        )
        if other:
            return f"partitions {other} of {JOURNAL_TOPIC} hold other messages than it acknowledged"
        return None

    def _start_again(self, why: str) -> JournalState:
        """Forget the lost log: position 0, a new epoch, nothing acknowledged."""
        known = self.journal.partitions if self.journal is not None else None
        state = JournalState(epoch=uuid.uuid4().hex, partitions=known)
        log.error(
            "the broker lost its log (%s): republishing the event log from position 0 "
            "as log epoch %s",
            why,
            state.epoch,
        )
        self.position.save(0, state)
        self.republished += 1
        return state

    def _drop(self) -> None:
        if self.producer is not None:
            try:
                self.producer.close(timeout=1)
            except Exception:  # closing a broken producer must not mask the real error
                log.debug("producer close failed", exc_info=True)
        self.producer = None

    def close(self) -> None:
        """Release the producer and the probe."""
        self._drop()
        self.probe.close()

    def publish(self, envelopes: Sequence[EventEnvelope]) -> dict[int, Acked]:
        """Send a batch and wait until the broker acknowledged all of it.

        Returns, per journal partition, the last message acknowledged in it.
        """
        producer = self._connect()
        assert self.journal is not None
        epoch = (EPOCH_HEADER, self.journal.epoch.encode())
        journal: list[tuple[str, Any]] = []
        futures = []
        for env in envelopes:
            # Internal bookkeeping events go to the journal only (projections skip them), so
            # the journal carries every position and read-your-writes can wait for any of them.
            event = self.publication.cloudevent(env)
            value = json.dumps(event, separators=(",", ":")).encode()
            key = env.partition_key.encode()
            heads = headers_of(env)
            sent = producer.send(JOURNAL_TOPIC, key=key, value=value, headers=[*heads, epoch])
            journal.append((env.event_id, sent))
            spec_topic = env.to_cloudevent_topic()
            if spec_topic and not env.internal:
                futures.append(producer.send(spec_topic, key=key, value=value, headers=heads))
        producer.flush(timeout=self.ack_timeout)
        acked: dict[int, Acked] = {}
        for event_id, future in journal:
            meta = future.get(timeout=self.ack_timeout)
            if meta.partition not in acked or meta.offset > acked[meta.partition].offset:
                acked[meta.partition] = Acked(meta.offset, event_id)
        for future in futures:
            future.get(timeout=self.ack_timeout)  # raises if any message was not acknowledged
        return acked

    def run_once(self) -> int:
        """Relay one batch; returns how many log entries it moved past (0 = caught up)."""
        self._connect()  # first: a broker that lost its log resets the position to 0
        after = self.position.load()
        page = self.store.read(after, self.batch)
        if not page:
            return 0
        acked = self.publish(page)
        assert self.journal is not None
        known = self.journal.acked
        back = sorted(p for p, a in acked.items() if p in known and a.offset <= known[p].offset)
        if back:
            # Offsets only grow on a log that survived: this batch went into a new, empty log,
            # ahead of the history it lacks. Publishing everything again puts it in order.
            self.journal = self._start_again(f"acknowledged offsets went back in partitions {back}")
            return len(page)
        self.journal = replace(self.journal, acked={**known, **acked})
        self.position.save(page[-1].position, self.journal)
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
        self.close()

    def lag(self) -> int:
        """Log entries not yet relayed."""
        return max(0, self.store.last_position() - self.position.load())


def relay_until_caught_up(relay: Relay, timeout: float = 30.0) -> None:
    """Test and CLI helper: relay until the log is drained (raises on timeout)."""
    deadline = time.monotonic() + timeout
    while relay.run_once():
        if time.monotonic() > deadline:
            raise TimeoutError("relay did not catch up")
