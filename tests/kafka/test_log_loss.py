"""A broker that restarts without its log, with the SAME consumer group before and after.

tansu keeps topics in memory only, so a restart is a total log loss. The projector's offsets in
the read database then describe a log that no longer exists; the relay's position describes
what the old log held. Whichever of the two reconnects first, the read models must end equal to
a rebuild from the event log, and no consumer may create a topic.
"""

from __future__ import annotations

import random
import threading

from kafka import KafkaConsumer

from o2c.events.catalog import JOURNAL_TOPIC
from o2c.kafka.checkpoints import group_offsets
from o2c.kafka.health import KafkaMonitor
from o2c.kafka.relay import Relay, relay_until_caught_up
from o2c.kafka.topics import ensure_topics, existing_topics, read_topic
from o2c.projections.engine import ProjectionEngine
from tests.kafka.conftest import Pipeline, running
from tests.kafka.test_crashes import commands
from tests.support.wait import wait_until

GROUP = "o2c-survivor"


def journal_ends(bootstrap: str) -> dict[int, int]:
    """Offset after the last message of every journal partition that has one.

    Read from the messages: tansu's ListOffsets answers the last record batch's base offset + 1.
    """
    ends: dict[int, int] = {}
    for r in read_topic(bootstrap, JOURNAL_TOPIC):
        ends[r.partition] = max(ends.get(r.partition, 0), r.offset + 1)
    return ends


def journal_partitions(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        consumer.topics()
        return len(consumer.partitions_for_topic(JOURNAL_TOPIC) or ())
    finally:
        consumer.close()


def positions_on_journal(bootstrap: str) -> set[int]:
    return {int(dict(r.headers)["o2c_position"]) for r in read_topic(bootstrap, JOURNAL_TOPIC)}


def applied_everything_on_the_journal(p: Pipeline) -> None:
    """Relay, then let the group consume the journal to its end (offsets stored)."""
    expected = p.rebuilt_snapshot()
    with running(p.projector(GROUP)) as projector:
        ends = journal_ends(p.broker.bootstrap)
        stored = lambda: {  # noqa: E731
            part: off
            for (topic, part), off in group_offsets(projector.engine, GROUP).items()
            if topic == JOURNAL_TOPIC
        }
        wait_until(lambda: stored() == ends and p.live_snapshot() == expected)


def history_with_a_resent_batch(p: Pipeline) -> Relay:
    """Commands, relayed twice over: a relay that crashed after the broker acknowledged a batch
    but before storing its position sends it again, so the old log holds more messages than the
    event log has events and offsets of a republished log no longer line up with it."""
    commands(p.world, 6, random.Random(5))
    relay = p.relay()
    relay_until_caught_up(relay)
    relay.position.save(0)
    relay_until_caught_up(relay)
    applied_everything_on_the_journal(p)
    return relay


def lose_the_log_while_commands_flow(p: Pipeline, relay: Relay) -> None:
    relay._drop()  # the relay process is away while this happens
    p.broker.stop()
    commands(p.world, 14, random.Random(6))  # accepted while the broker is away
    p.broker.start()  # empty: every topic, offset and group is gone


def test_relay_reconnects_first_then_the_same_group_catches_up(pipeline: Pipeline) -> None:
    relay = history_with_a_resent_batch(pipeline)
    lose_the_log_while_commands_flow(pipeline, relay)
    relay_until_caught_up(pipeline.relay())  # a restarted relay: republishes the lost log
    assert {e.position for e in pipeline.store.read_all(0)} <= positions_on_journal(
        pipeline.broker.bootstrap
    )
    # Before the group is back, the lag it shows is every message of the new log, not the
    # difference between old offsets and new ends.
    monitor = KafkaMonitor(pipeline.broker.bootstrap, GROUP, pipeline.url)
    try:
        head = pipeline.store.last_position()
        progress = monitor.measure(head, ProjectionEngine(pipeline.read_store))
    finally:
        monitor.close()
    assert all(p.matches_log is False for p in progress.partitions if p.next_offset is not None)
    assert progress.consumer_lag == sum(journal_ends(pipeline.broker.bootstrap).values())
    expected = pipeline.rebuilt_snapshot()
    with running(pipeline.projector(GROUP)) as projector:
        wait_until(lambda: pipeline.live_snapshot() == expected)
    assert projector.reseeks > 0  # it recognised the new log, not merely got lucky


def test_projector_reconnects_first_then_the_relay(pipeline: Pipeline) -> None:
    relay = history_with_a_resent_batch(pipeline)
    lose_the_log_while_commands_flow(pipeline, relay)
    projector = pipeline.projector(GROUP)
    try:
        for _ in range(8):  # the member asks for the journal's metadata and tries to join
            projector.poll_once(250)
        assert JOURNAL_TOPIC not in existing_topics(pipeline.broker.bootstrap)
        relay_until_caught_up(pipeline.relay())
        expected = pipeline.rebuilt_snapshot()
        with running(projector):
            wait_until(lambda: pipeline.live_snapshot() == expected)
        assert projector.reseeks > 0
    finally:
        projector.close()
    assert journal_partitions(pipeline.broker.bootstrap) == 3  # O2C_KAFKA_PARTITIONS


def test_running_relay_republishes_into_a_journal_recreated_empty(pipeline: Pipeline) -> None:
    """Someone (``o2c migrate``, a deploy job) recreated the topics after the loss before the
    running relay had anything to send: the topic exists, so only its content tells the log
    was lost."""
    relay = pipeline.relay()
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop, 0.05), daemon=True)
    thread.start()
    try:
        commands(pipeline.world, 3, random.Random(8))
        wait_until(lambda: relay.lag() == 0, timeout=30)
        pipeline.broker.stop()
        pipeline.broker.start()
        ensure_topics(pipeline.broker.bootstrap, 3)
        commands(pipeline.world, 1, random.Random(9))
        wait_until(
            lambda: (
                {e.position for e in pipeline.store.read_all(0)}
                <= positions_on_journal(pipeline.broker.bootstrap)
            ),
            timeout=60,
        )
    finally:
        stop.set()
        thread.join(timeout=30)
    # At least once: the test creates the topics while the relay reconnects and creates them
    # too, and a relay that published into a log which then changed under it (measured: offsets
    # of partition 1 went back) rightly starts over a second time. Never zero.
    assert relay.republished >= 1
