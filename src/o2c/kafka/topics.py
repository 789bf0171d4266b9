"""Topic management: create the journal, DLQ and public topics when missing."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from o2c.events.catalog import DLQ_TOPIC, JOURNAL_TOPIC, PUBLIC_TOPICS
from o2c.kafka.log import LogProbe
from o2c.kafka.settings import forbid_topic_creation, servers

log = logging.getLogger(__name__)

ALL_TOPICS = (JOURNAL_TOPIC, DLQ_TOPIC, *PUBLIC_TOPICS)


def existing_topics(bootstrap: str) -> set[str]:
    """Topics the broker knows (asking never creates one)."""
    admin = KafkaAdminClient(bootstrap_servers=servers(bootstrap), request_timeout_ms=5000)
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def ensure_topics(bootstrap: str, partitions: int, replication: int = 1) -> list[str]:
    """Create every o2c topic that is missing; returns the ones created."""
    admin = KafkaAdminClient(bootstrap_servers=servers(bootstrap), request_timeout_ms=5000)
    try:
        missing = [t for t in ALL_TOPICS if t not in set(admin.list_topics())]
        if missing:
            # Another relay may win the race to create them: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(t, partitions, replication) for t in missing])
            log.info("created topics %s with %d partitions", missing, partitions)
        return missing
    finally:
        admin.close()


def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record of a topic, partition by partition in offset order (inspection tools)."""
    probe = LogProbe(bootstrap)
    consumer = KafkaConsumer(
        bootstrap_servers=servers(bootstrap),
        enable_auto_commit=False,
        allow_auto_create_topics=False,
    )
    forbid_topic_creation(consumer)
    try:
        if topic not in consumer.topics():  # also loads the metadata partitions_for_topic needs
            return []
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        # Read to the true end: the broker's own answer can fall short (see LogProbe).
        ends = probe.end_offsets(tps)
        out: list[Any] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end")
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(records)
        return sorted(out, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
        probe.close()
