"""What a partition's log holds, read outside any consumer group.

The relay and the projectors use this to tell whether the log they remember is still the one the
broker serves: a broker that lost its log (or a topic deleted and created again) starts every
partition at offset 0 with other messages, and an offset stored against the old log then points
past the end or at a different message. Two facts settle it: where the log really ends, and which
message sits at a remembered offset.

"Where it really ends" is read, not asked: tansu answers ListOffsets(latest) with the base offset
of the partition's last record batch plus one, which falls short of the end whenever that batch
holds several records. Reading from that offset returns the whole last batch, so its highest
offset plus one is the end on tansu and on Kafka alike.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from o2c.kafka.settings import forbid_topic_creation, servers

# The relay's event-id header; ``o2c_id`` is read too, the name structured-mode CloudEvents
# messages should use for it.
EVENT_ID_HEADERS = ("o2c_id", "ce_id")
EPOCH_HEADER = "o2c_log_epoch"


def header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    """A header's value as text, or ``None``."""
    for key, value in headers or ():
        if key == name:
            return value.decode(errors="replace")
    return None


def fingerprint(value: bytes | None, headers: Iterable[tuple[str, bytes]] | None) -> str:
    """What identifies a journal message: its event id, else a digest of its bytes."""
    for name in EVENT_ID_HEADERS:
        event_id = header(headers, name)
        if event_id:
            return event_id
    try:
        parsed = json.loads(value or b"")
        if isinstance(parsed, dict) and isinstance(parsed.get("id"), str):
            return str(parsed["id"])
    except ValueError:
        pass
    return "sha256:" + hashlib.sha256(value or b"").hexdigest()[:56]


class LogProbe:
    """A group-less consumer that reads single messages and true end offsets on demand."""

    def __init__(self, bootstrap: str, timeout: float = 10.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self._consumer: KafkaConsumer | None = None

    def _client(self) -> KafkaConsumer:
        if self._consumer is None:
            timeout_ms = int(self.timeout * 1000)
            options: dict[str, Any] = {
                "enable_auto_commit": False,
                "auto_offset_reset": "none",
                "allow_auto_create_topics": False,
                "fetch_max_wait_ms": 20,
                "request_timeout_ms": timeout_ms,
                "max_poll_records": 10_000,
            }
            if "bootstrap_timeout_ms" in KafkaConsumer.DEFAULT_CONFIG:
                options["bootstrap_timeout_ms"] = timeout_ms  # default 30 s with no broker
            consumer = KafkaConsumer(bootstrap_servers=servers(self.bootstrap), **options)
            forbid_topic_creation(consumer)
            self._consumer = consumer
        return self._consumer

    def close(self) -> None:
        """Release the connection."""
        if self._consumer is not None:
            try:
                self._consumer.close()
            finally:
                self._consumer = None

    def partitions(self, topic: str) -> int | None:
        """The topic's partition count, ``None`` when the broker does not have it."""
        consumer = self._client()
        consumer.topics()  # all-topic metadata, fresh: never creates a topic
        found = consumer.partitions_for_topic(topic)
        return len(found) if found else None

    def end_offsets(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """The offset after the last message of each partition."""
        ends, last = self._ends(tps)
        return {
            tp: max(end, last[tp].offset + 1) if tp in last else end for tp, end in ends.items()
        }

    def last_messages(self, tps: Sequence[TopicPartition]) -> dict[TopicPartition, Any]:
        """The last message of each partition that has one."""
        _, last = self._ends(tps)
        return last

    def _ends(
        self, tps: Sequence[TopicPartition]
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, Any]]:
        if not tps:
            return {}, {}
        consumer = self._client()
        reported = {tp: int(o) for tp, o in consumer.end_offsets(list(tps)).items()}
        starts = {tp: int(o) for tp, o in consumer.beginning_offsets(list(tps)).items()}
        batches = self.read({tp: end - 1 for tp, end in reported.items() if end > starts[tp]})
        last = {tp: records[-1] for tp, records in batches.items()}
        return reported, last

    def read(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, list[Any]]:
        """The first fetched messages at or after each offset (at least one each).

        Every offset must lie before the end of its partition: a fetch past the end returns
        nothing on tansu until the log grows, so this would wait for its timeout.
        """
        if not offsets:
            return {}
        consumer = self._client()
        consumer.assign(list(offsets))
        for tp, offset in offsets.items():
            consumer.seek(tp, offset)
        found: dict[TopicPartition, list[Any]] = {}
        deadline = time.monotonic() + self.timeout
        try:
            while len(found) < len(offsets):
                if time.monotonic() > deadline:
                    missing = sorted(str(tp) for tp in offsets if tp not in found)
                    raise TimeoutError(f"no message read from {', '.join(missing)}")
                for tp, records in consumer.poll(timeout_ms=200).items():
                    if tp not in found and records:
                        found[tp] = list(records)
                        consumer.pause(tp)  # its first fetch is all this read needs
        finally:
            consumer.resume(*offsets)
        return found

    def at(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, Any]:
        """The message at (or, where the log skips it, first after) each offset."""
        return {tp: records[0] for tp, records in self.read(offsets).items()}
