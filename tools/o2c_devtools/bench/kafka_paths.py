"""Relay (log → Kafka) and projection (Kafka → read models) vs raw kafka-python clients.

Both raw baselines move exactly the same bytes: the raw producer sends the relay's own
CloudEvents payloads, keys and headers to the same number of topics and partitions with the same
producer settings; the raw consumer reads the journal topic the projector reads, with the same
fetch settings. The raw consumer is timed from its first poll (it assigns partitions itself), the
projector from its partition assignment, so the group join (seconds on tansu) is not counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from o2c.events.catalog import JOURNAL_TOPIC
from o2c.eventstore.store import EventStore
from o2c.kafka.projector import Projector
from o2c.kafka.relay import Relay, headers_of, relay_until_caught_up
from o2c.kafka.relay_position import RelayPosition
from o2c.kafka.settings import CONSUMER_DEFAULTS, PRODUCER_DEFAULTS
from o2c.kafka.topics import ensure_topics
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from o2c_devtools.bench import write_path
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.tansu import TansuBroker

Progress = Callable[[str], None]
# The projector's fetch settings without its group (the raw consumer assigns partitions itself).
RAW_CONSUMER = {
    k: v
    for k, v in CONSUMER_DEFAULTS.items()
    if k in ("max_poll_records", "fetch_max_wait_ms", "request_timeout_ms")
}
Message = tuple[str, bytes, bytes, list[tuple[str, bytes]]]


def payloads(store: EventStore) -> list[Message]:
    """(topic, key, value, headers) exactly as the relay sends them, prefixed ``raw.``."""
    out: list[Message] = []
    for env in store.read_all(0):
        value = json.dumps(env.to_cloudevent(), separators=(",", ":")).encode()
        key, heads = env.partition_key.encode(), headers_of(env)
        out.append(("raw." + JOURNAL_TOPIC, key, value, heads))
        topic = env.to_cloudevent_topic()
        if topic and not env.internal:
            out.append(("raw." + topic, key, value, heads))
    return out


def raw_produce(bootstrap: str, messages: list[Message], partitions: int) -> float:
    """Seconds for a plain producer to send and get every acknowledgement."""
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=[bootstrap])
    topics = sorted({m[0] for m in messages})
    admin.create_topics([NewTopic(t, partitions, 1) for t in topics])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=[bootstrap], **PRODUCER_DEFAULTS)
    started = time.perf_counter()
    futures = [producer.send(t, key=k, value=v, headers=h) for t, k, v, h in messages]
    producer.flush()
    for f in futures:
        f.get(timeout=30)
    elapsed = time.perf_counter() - started
    producer.close()
    return elapsed


def raw_consume(bootstrap: str, count: int) -> float:
    """Seconds for a plain consumer to read ``count`` journal records, from its first poll."""
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], **RAW_CONSUMER)
    parts = [TopicPartition(JOURNAL_TOPIC, p) for p in consumer.partitions_for_topic(JOURNAL_TOPIC)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen = 0
    started = time.perf_counter()
    deadline = time.monotonic() + 120
    while seen < count and time.monotonic() < deadline:
        polled = consumer.poll(timeout_ms=500)
        seen += sum(len(records) for records in polled.values())
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def project(bootstrap: str, dbname: str, count: int) -> float:
    """Seconds for the projector to apply ``count`` journal records, from its assignment."""
    read_store = ReadStore(url_for(dbname))
    read_store.migrate()
    projector = Projector(ProjectionEngine(read_store), bootstrap, "bench")
    projector.start()
    seen = 0
    deadline = time.monotonic() + 300
    while seen < count and time.monotonic() < deadline:
        seen += projector.poll_once()
    finished = time.monotonic()
    projector.close()
    read_store.close()
    if seen < count or projector.assigned_at is None:
        raise TimeoutError(f"projector applied {seen}/{count}")
    return finished - projector.assigned_at


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Fill the log, then relay and project it, each against its raw client."""
    write_path.fill(dbname, scale, progress)
    url = url_for(dbname)
    store = EventStore(url)
    events = store.last_position()
    figures: list[Figure] = []
    with TansuBroker() as broker:
        partitions = 6
        messages = payloads(store)
        progress(f"relay: raw producer, {len(messages)} messages")
        raw_s = raw_produce(broker.bootstrap, messages, partitions)
        progress("relay: o2c relay")
        ensure_topics(broker.bootstrap, partitions)
        relay = Relay(store, broker.bootstrap, RelayPosition(url), partitions=partitions)
        started = time.perf_counter()
        relay_until_caught_up(relay, timeout=600)
        ours_s = time.perf_counter() - started
        figures.append(_figure("relay", events, ours_s, raw_s, f"{events} ev"))
        progress("projection: raw consumer")
        raw_c = raw_consume(broker.bootstrap, events)
        progress("projection: o2c projector")
        ours_c = project(broker.bootstrap, dbname, events)
        figures.append(_figure("projection", events, ours_c, raw_c, f"{events} ev"))
    store.close()
    return figures


def _figure(name: str, events: int, ours_s: float, raw_s: float, size: str) -> Figure:
    ours, raw = events / ours_s, events / raw_s
    ratio = ours / raw
    return Figure(name, size, "events/s", ours, "ev/s", raw, ratio, ">= 0.5", ratio >= 0.5)
