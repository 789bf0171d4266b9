"""The projection consumer group: Kafka journal → the same projection engine as embedded mode.

Offsets live in the read database, written in the same transaction as the rows they produced
(``KafkaCheckpoint``), and the consumer seeks to them on every assignment, so a crash at any
point neither loses nor doubles an event; the engine also refuses an aggregate version it has
already applied.

**The log may not be the one the offsets were stored against.** A broker that lost its log
serves new messages at the old offsets, or fewer of them. So each stored offset comes with a
mark: the event id at the offset before it, the relay's log epoch, and the highest position the
partition had delivered. On assignment the projector reads the message at that offset; if it is
a different event, or the offset is past the end of the log, it re-reads the partition from its
start, skipping positions at or below the mark's (applied already) — the engine skips any other
version it already has. While consuming, a message of another log epoch (the relay republished
the journal) triggers the same re-read. Each of these is logged as a warning that says why.

**Failures.** An error that says "not now" — the database down or restarting, a deadlock, a
serialization failure, the broker away (``failures.is_transient``) — never parks anything: the
projector rewinds to the batch's first offsets, waits (backing off up to a few seconds, well
inside the poll interval, so it keeps its partitions) and tries again, for as long as it lasts.
Any other error belongs to a message: the batch is split by customer until the customer it fails
for is found, that customer's failing message and every later message of it go to the DLQ with
the error in their headers (applying those on an inconsistent base would corrupt its figures),
and everything else in the batch is applied. A message already sent to the DLQ is not sent again
when its batch is retried.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import NoOffsetForPartitionError, OffsetOutOfRangeError

from o2c.events.catalog import DLQ_TOPIC, JOURNAL_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.follow.failures import describe, is_transient
from o2c.follow.parking import isolate, now
from o2c.kafka.checkpoints import KafkaCheckpoint, OffsetMark, group_marks, group_offsets
from o2c.kafka.log import EPOCH_HEADER, LogProbe, fingerprint, header
from o2c.kafka.settings import (
    CONSUMER_DEFAULTS,
    PRODUCER_DEFAULTS,
    forbid_topic_creation,
    servers,
)
from o2c.projections.checkpoints import ParkedCustomer
from o2c.projections.engine import ProjectionEngine
from o2c.projections.parking import parked

log = logging.getLogger(__name__)

CONSUMER = {
    **CONSUMER_DEFAULTS,
    # Every partition is positioned by the projector; an offset the broker calls out of range
    # means the log changed, which is handled here rather than by a silent jump.
    "auto_offset_reset": "none",
    # How soon a journal the relay (re)created is found by the pattern subscription.
    "metadata_max_age_ms": 2000,
}


@dataclass(frozen=True)
class Message:
    """One consumed record, decoded when possible.

    ``stale``: a leftover of an earlier log epoch found before the current epoch's first message
    (published into a log the relay had not yet recognised as new); the relay publishes its
    events again in the current epoch, so it is passed over.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    envelope: EventEnvelope | None
    error: str | None
    stale: bool = field(default=False, compare=False)

    @property
    def customer(self) -> str:
        """The partition key: the customer id."""
        return (self.key or b"").decode() or "unknown"

    @property
    def tp(self) -> TopicPartition:
        """Its topic partition."""
        return TopicPartition(self.topic, self.partition)

    @property
    def epoch(self) -> str | None:
        """The relay's log epoch it was published in (``None`` for foreign messages)."""
        return header(self.headers, EPOCH_HEADER)

    @property
    def fingerprint(self) -> str:
        """Its event id (a digest for a message that has none)."""
        return fingerprint(self.value, self.headers)


def decode(record: Any) -> Message:
    """A Kafka record → ``Message``; a value that is not a valid CloudEvent keeps its error."""
    envelope: EventEnvelope | None = None
    error: str | None = None
    try:
        # orjson parses at a fraction of the standard parser's cost (reading and decoding were
        # 29 % of the projector's time).
        envelope = EventEnvelope.from_cloudevent(orjson.loads(record.value))
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


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.projector.forget(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.take(assigned)


@dataclass
class _Plan:
    """What one batch does: apply ``flowing``, send ``dlq``, record ``parks``."""

    flowing: list[Message] = field(default_factory=list)
    dlq: list[tuple[Message, str]] = field(default_factory=list)
    parks: dict[str, ParkedCustomer] = field(default_factory=dict)


class Projector:
    """One member of the projection consumer group."""

    def __init__(
        self,
        engine: ProjectionEngine,
        bootstrap: str,
        group: str,
        *,
        backoff: float = 0.2,
        max_backoff: float = 5.0,
        check_every: float = 5.0,
    ) -> None:
        self.engine = engine
        self.bootstrap = bootstrap
        self.group = group
        self.backoff = backoff
        # Below max_poll_interval_ms (10 s): a member that pauses longer leaves the group.
        self.max_backoff = max_backoff
        self.check_every = check_every
        self.consumer: KafkaConsumer | None = None
        self.producer: KafkaProducer | None = None
        self.probe = LogProbe(bootstrap)
        self.applied = 0
        self.parked = 0  # messages sent to the DLQ
        self.reseeks = 0  # partitions re-read from their start because the log changed
        self.retries = 0  # batches retried after a transient failure
        # When this member last received partitions (monotonic clock): throughput measured
        # from here leaves out the group join, which is the broker's and the session's cost.
        self.assigned_at: float | None = None
        self._through: dict[TopicPartition, int] = {}  # OffsetMark.applied_position, committed
        self._floors: dict[TopicPartition, int] = {}  # re-read from the start: handled up to here
        self._epochs: dict[TopicPartition, str | None] = {}  # the log epoch expected
        self._epoch_met: set[TopicPartition] = set()  # a message of that epoch was seen
        self._unsettled: set[TopicPartition] = set()  # assigned, not positioned yet (paused)
        self._reseeked: set[TopicPartition] = set()  # re-read from the start during this poll
        self._in_dlq: set[tuple[str, int, int]] = set()  # sent, offset not committed yet
        self._count = 0
        self._failures = 0
        self._checked_at = time.monotonic()
        self._stop: threading.Event | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Join the group."""
        consumer = KafkaConsumer(
            bootstrap_servers=servers(self.bootstrap), group_id=self.group, **CONSUMER
        )
        forbid_topic_creation(consumer)
        self.consumer = consumer
        # A pattern subscription refreshes metadata for all topics, which never creates one; a
        # subscription by name asks for the journal by name and, on a broker that lost it,
        # would create it empty with the broker's default partition count.
        consumer.subscribe(pattern=f"^{re.escape(JOURNAL_TOPIC)}$", listener=_Rebalance(self))

    def close(self) -> None:
        """Leave the group."""
        if self.consumer is not None:
            self.consumer.close()
        if self.producer is not None:
            self.producer.close(timeout=2)
        self.probe.close()

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set."""
        self._stop = stop
        if self.consumer is None:
            self.start()
        while not stop.is_set():
            self.poll_once()
        self.close()

    # ---- positioning ----------------------------------------------------------------------

    def forget(self, revoked: Iterable[TopicPartition]) -> None:
        """Partitions taken away: their state is derived again if they come back."""
        tps = set(revoked)
        for state in (self._through, self._floors, self._epochs):
            for tp in tps:
                state.pop(tp, None)
        self._epoch_met -= tps
        self._unsettled -= tps
        log.info("partitions revoked: %s", sorted(tp.partition for tp in tps))

    def take(self, assigned: Iterable[TopicPartition]) -> None:
        """Partitions received: position each one (see the module docstring)."""
        assert self.consumer is not None
        tps = set(assigned)
        self.assigned_at = time.monotonic()
        log.info("assigned partitions %s", sorted(tp.partition for tp in tps))
        if not tps:
            return
        # Paused until positioned: positioning needs the read database and the broker, and
        # if either is away the next poll tries again instead of reading from nowhere.
        self.consumer.pause(*tps)
        self._unsettled |= tps
        try:
            self._settle()
        except Exception as exc:  # retried by every poll until it works
            log.warning("could not position partitions yet: %s", describe(exc))

    def _settle(self) -> None:
        """Position the partitions not yet positioned, then let them flow."""
        assert self.consumer is not None
        tps = sorted(self._unsettled, key=lambda tp: (tp.topic, tp.partition))
        if not tps:
            return
        self._position(tps)
        self._unsettled.clear()
        self.consumer.resume(*tps)

    def _partition_count(self) -> int:
        """The journal's partition count (the last one seen while the broker forgets it)."""
        assert self.consumer is not None
        count = len(self.consumer.partitions_for_topic(JOURNAL_TOPIC) or ())
        if count:
            self._count = count
        return self._count

    def _position(self, tps: Sequence[TopicPartition]) -> None:
        assert self.consumer is not None
        offsets = group_offsets(self.engine, self.group)
        marks = group_marks(self.engine, self.group)
        count = self._partition_count()
        ends = self.probe.end_offsets(tps)
        to_check: dict[TopicPartition, OffsetMark] = {}
        for tp in tps:
            key = (tp.topic, tp.partition)
            offset, mark = offsets.get(key), marks.get(key)
            floor = self._floor(tp, marks, count)
            if not offset:
                self._from_start(tp, floor)
            elif offset > ends[tp]:
                why = f"the group's offset {offset} is past the end of the log ({ends[tp]})"
                self._from_start(tp, floor, why)
            elif mark is None or mark.offset != offset - 1:
                # Stored before marks existed: there is nothing to recognise the log by.
                self.consumer.seek(tp, offset)
                self._through[tp] = 0
                self._epochs[tp] = None
            elif mark.partitions != count:
                why = f"the topic has {count} partitions, the group applied {mark.partitions}"
                self._from_start(tp, floor, why)
            else:
                to_check[tp] = mark
        found = self.probe.at({tp: mark.offset for tp, mark in to_check.items()})
        for tp, mark in to_check.items():
            record = found[tp]
            seen = fingerprint(record.value, record.headers)
            if record.offset == mark.offset and seen == mark.fingerprint:
                self.consumer.seek(tp, mark.offset + 1)
                self._through[tp] = mark.applied_position
                self._epochs[tp] = mark.epoch
                self._epoch_met.add(tp)
            else:
                why = (
                    f"offset {mark.offset} holds {seen}, not {mark.fingerprint} that the group "
                    "applied there"
                )
                self._from_start(tp, self._floor(tp, marks, count), why)

    def _floor(
        self, tp: TopicPartition, marks: dict[tuple[str, int], OffsetMark], count: int
    ) -> int:
        """The position up to which ``tp``'s events were all handled, by the stored marks."""
        mark = marks.get((tp.topic, tp.partition))
        if mark is not None and mark.partitions == count:
            return mark.applied_position
        # Another partition count sends a customer's events to another partition: only a
        # position that every partition of the old layout had passed holds for all of them.
        old = [m for (topic, _), m in marks.items() if topic == tp.topic]
        layouts = {m.partitions for m in old}
        if len(layouts) != 1 or len(old) < next(iter(layouts)):
            return 0
        return min(m.applied_position for m in old)

    def _from_start(self, tp: TopicPartition, floor: int, why: str | None = None) -> None:
        """Read ``tp`` from its first message on, passing over positions up to ``floor``."""
        assert self.consumer is not None
        # The newest message names the current epoch; messages of other epochs before its first
        # one were published into this log before the relay knew it was a new log.
        last = self.probe.last_messages([tp]).get(tp)
        if why is not None:
            self.reseeks += 1
            self._reseeked.add(tp)
            log.warning(
                "%s partition %d does not match what group %s applied: %s. The broker lost or "
                "replaced its log; re-reading the partition from its start, passing over "
                "positions up to %d (applied already) and applying the rest",
                tp.topic,
                tp.partition,
                self.group,
                why,
                floor,
            )
        self.consumer.seek_to_beginning(tp)
        self._floors[tp] = floor
        self._through[tp] = floor
        self._epochs[tp] = None if last is None else header(last.headers, EPOCH_HEADER)
        self._epoch_met.discard(tp)
        self._in_dlq = {k for k in self._in_dlq if (k[0], k[1]) != (tp.topic, tp.partition)}

    def _check_log(self) -> None:
        """Now and then: a position past the end of the log means the broker lost it."""
        assert self.consumer is not None
        if time.monotonic() - self._checked_at < self.check_every:
            return
        self._checked_at = time.monotonic()
        tps = [tp for tp in self.consumer.assignment() if tp not in self._unsettled]
        if not tps:
            return
        ends = self.probe.end_offsets(tps)
        for tp in tps:
            position = self.consumer.position(tp)
            if position is not None and position > ends[tp]:
                why = f"its position {position} is past the end of the log ({ends[tp]})"
                self._from_start(tp, self._through.get(tp, 0), why)

    # ---- consuming ------------------------------------------------------------------------

    def poll_once(self, timeout_ms: int = 500) -> int:
        """Poll one batch and apply it; returns the number of messages handled."""
        assert self.consumer is not None
        polled: dict[TopicPartition, list[Any]] = {}
        self._reseeked.clear()
        try:
            self._settle()
            self._check_log()
            try:
                polled = self._poll(timeout_ms)
            except OffsetOutOfRangeError as exc:
                for tp in dict(exc.args[0] if exc.args else {}):
                    self._from_start(tp, self._through.get(tp, 0), "offset out of range")
                return 0
            except NoOffsetForPartitionError as exc:
                self._unsettled |= set(exc.args[0] if exc.args else ())
                return 0
            messages = self._screen(polled)
            if messages:
                self.handle(messages)
            self._failures = 0
            return len(messages)
        except Exception as exc:
            if not is_transient(exc):
                raise
            self._pause_after(exc, {tp: rs[0].offset for tp, rs in polled.items() if rs})
            return 0

    def _poll(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        """``consumer.poll``, polling on while a rebalance is under way until it completes.

        kafka-python 3.0 keeps a join's result only if a poll is waiting for it when it
        arrives: a join that ends between two polls is started again (tansu holds every
        JoinGroup ~3 s), and one that a metadata change started (the journal created or
        recreated, its partition count changed) is forgotten, leaving the member without
        partitions until the next rebalance (measured: none for a minute). So while a join is
        in flight its rejoin is marked as requested, which makes each poll wait for it, and
        polls follow each other with no gap until it has completed.
        """
        assert self.consumer is not None
        deadline = time.monotonic() + int(CONSUMER["max_poll_interval_ms"]) / 1000
        while True:
            joining = self._joining()
            polled: dict[TopicPartition, list[Any]] = self.consumer.poll(timeout_ms=timeout_ms)
            if polled or not joining or time.monotonic() > deadline or not self._joining():
                return polled

    def _joining(self) -> bool:
        """True while a join is in flight (and then marked as requested, see ``_poll``)."""
        coordinator = getattr(self.consumer, "_coordinator", None)
        request = getattr(coordinator, "request_rejoin", None)
        if getattr(coordinator, "_join_task", None) is None or not callable(request):
            return False
        request()
        return True

    def _screen(self, polled: dict[TopicPartition, list[Any]]) -> list[Message]:
        """Decode, and sort out messages of another log epoch (see the module docstring)."""
        out: list[Message] = []
        for tp, records in polled.items():
            for record in records:
                message = decode(record)
                epoch, expected = message.epoch, self._epochs.get(tp)
                if epoch is not None and expected is None:
                    self._epochs[tp] = epoch
                    self._epoch_met.add(tp)
                elif epoch is not None and epoch != expected:
                    if tp not in self._epoch_met:
                        out.append(replace(message, stale=True))
                        continue
                    why = f"the log epoch changed from {expected} to {epoch}"
                    self._from_start(tp, self._through.get(tp, 0), why)
                    break
                elif epoch is not None:
                    self._epoch_met.add(tp)
                out.append(message)
        return out

    def _pause_after(self, exc: BaseException, first: dict[TopicPartition, int]) -> None:
        """A transient failure: rewind to the polled offsets, wait, let the next poll retry."""
        assert self.consumer is not None
        self._failures += 1
        self.retries += 1
        delay = min(self.max_backoff, self.backoff * 2 ** (self._failures - 1))
        log.warning(
            "projection paused (attempt %d): %s. Nothing is parked for this; retrying in %.1fs",
            self._failures,
            describe(exc),
            delay,
        )
        assigned = self.consumer.assignment()
        for tp, offset in first.items():
            if tp in assigned and tp not in self._reseeked:
                self.consumer.seek(tp, offset)
        if self._stop is not None:
            self._stop.wait(delay)
        else:
            time.sleep(delay)

    # ---- applying ---------------------------------------------------------------------------

    def handle(self, messages: Sequence[Message]) -> None:
        """Apply a batch: one transaction normally; on a message's error, isolate its customer.

        A transient error propagates (the caller rewinds and retries the batch).
        """
        plan = self._plan(messages, self._parked_customers())
        self._send_dlq(plan.dlq)
        try:
            self._apply(plan.flowing, self._checkpoint(messages, plan.parks))
        except Exception as exc:
            if is_transient(exc):
                raise
            log.warning(
                "batch of %d messages failed (%s): looking for the customer it fails for",
                len(plan.flowing),
                describe(exc),
            )
        else:
            self._committed(messages, plan.parks)
            return
        parks = dict(plan.parks)
        more: list[tuple[Message, str]] = []
        for customer, (bad, reason) in self._isolate(plan.flowing).items():
            assert bad.envelope is not None
            parks[customer] = ParkedCustomer(reason, bad.envelope.position, now())
            for m in plan.flowing:
                if m.customer == customer and m.tp == bad.tp and m.offset >= bad.offset:
                    more.append((m, reason if m is bad else f"customer parked: {reason}"))
        self._send_dlq(sorted(more, key=lambda item: (item[0].partition, item[0].offset)))
        self._apply([], self._checkpoint(messages, parks))
        self._committed(messages, parks)

    def _plan(self, messages: Sequence[Message], parked: dict[str, str]) -> _Plan:
        plan = _Plan()
        blocked = dict(parked)
        for m in messages:
            if m.stale:
                continue
            if m.customer in blocked:
                plan.dlq.append((m, f"customer parked: {blocked[m.customer]}"))
            elif m.envelope is None:
                reason = m.error or "undecodable message"
                blocked[m.customer] = reason
                plan.parks[m.customer] = ParkedCustomer(reason, -1, now())
                plan.dlq.append((m, reason))
            elif m.envelope.position <= self._floors.get(m.tp, 0):
                continue  # applied before the broker lost its log; the re-read passes it over
            else:
                plan.flowing.append(m)
        return plan

    def _apply(self, messages: Sequence[Message], checkpoint: KafkaCheckpoint) -> None:
        envelopes = [m.envelope for m in messages if m.envelope is not None]
        self.applied += self.engine.apply(envelopes, checkpoint=checkpoint)

    def _checkpoint(
        self, messages: Sequence[Message], parks: dict[str, ParkedCustomer]
    ) -> KafkaCheckpoint:
        """Offsets and marks covering ``messages`` (handled, whether applied or parked)."""
        last: dict[TopicPartition, Message] = {}
        through: dict[TopicPartition, int] = {}
        for m in messages:
            if m.tp not in last or m.offset > last[m.tp].offset:
                last[m.tp] = m
            if m.envelope is not None and not m.stale:
                before = through.get(m.tp, self._through.get(m.tp, 0))
                through[m.tp] = max(before, m.envelope.position)
        count = self._partition_count() if self.consumer is not None else 0
        offsets: dict[tuple[str, int], int] = {}
        marks: dict[tuple[str, int], OffsetMark] = {}
        for tp, m in last.items():
            key = (tp.topic, tp.partition)
            offsets[key] = m.offset + 1
            marks[key] = OffsetMark(
                m.offset,
                m.fingerprint,
                m.epoch,
                through.get(tp, self._through.get(tp, 0)),
                count,
            )
        return KafkaCheckpoint(self.group, offsets, marks, parks)

    def _committed(self, messages: Sequence[Message], parks: dict[str, ParkedCustomer]) -> None:
        """The batch's checkpoint is stored: remember what it proves, forget what it settled."""
        checkpoint = self._checkpoint(messages, {})
        for (topic, partition), mark in checkpoint.marks.items():
            self._through[TopicPartition(topic, partition)] = mark.applied_position
        self._in_dlq -= {(m.topic, m.partition, m.offset) for m in messages}
        for customer, park in parks.items():
            log.error("parked customer %s in %s: %s", customer, DLQ_TOPIC, park.reason)

    def _isolate(self, messages: Sequence[Message]) -> dict[str, tuple[Message, str]]:
        """Apply what can be applied; returns each failing customer's first bad message."""
        return isolate(messages, lambda m: m.customer, self._attempt)

    def _attempt(self, messages: Sequence[Message]) -> None:
        self._apply(messages, KafkaCheckpoint(self.group, {}))

    def _send_dlq(self, items: Sequence[tuple[Message, str]]) -> None:
        """Send to the DLQ and wait for the acknowledgements; skips what was sent already."""
        todo = [(m, r) for m, r in items if (m.topic, m.partition, m.offset) not in self._in_dlq]
        if not todo:
            return
        if self.producer is None:
            producer = KafkaProducer(bootstrap_servers=servers(self.bootstrap), **PRODUCER_DEFAULTS)
            forbid_topic_creation(producer)
            self.producer = producer
        futures = []
        for message, reason in todo:
            headers = [
                *message.headers,
                ("o2c_error", reason.encode()[:2000]),
                ("o2c_source_topic", message.topic.encode()),
                ("o2c_source_partition", str(message.partition).encode()),
                ("o2c_source_offset", str(message.offset).encode()),
                ("o2c_group", self.group.encode()),
            ]
            future = self.producer.send(
                DLQ_TOPIC, key=message.key, value=message.value, headers=headers
            )
            futures.append((message, future))
        self.producer.flush(timeout=30)
        for message, future in futures:
            future.get(timeout=30)  # a broker away raises: transient, retried without resending
            self._in_dlq.add((message.topic, message.partition, message.offset))
            self.parked += 1

    def _parked_customers(self) -> dict[str, str]:
        return {c: p.reason for c, p in parked(self.engine, self.group).items()}
