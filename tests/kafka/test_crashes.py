"""kill -9 of the relay and of a projector mid-batch, and a broker restart while commands flow.

The relay and projector run as real ``o2c relay`` / ``o2c project`` processes. After the
crashes and restarts, the read models must equal a rebuild from the event log: nothing lost,
nothing doubled.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from o2c.application.errors import BackendUnavailable
from o2c.events.catalog import JOURNAL_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.kafka.relay import relay_until_caught_up
from o2c.kafka.relay_position import RelayPosition
from o2c.kafka.topics import read_topic
from tests.kafka.conftest import Pipeline, running
from tests.support.wait import wait_until
from tests.support.world import World

O2C = str(Path(sys.executable).parent / "o2c")


def env_for(p: Pipeline) -> dict[str, str]:
    return {
        **os.environ,
        "O2C_EVENT_STORE_URL": p.url,
        "O2C_READ_STORE_URL": p.url,
        "O2C_KAFKA_BOOTSTRAP": p.broker.bootstrap,
        "O2C_KAFKA_PARTITIONS": "3",
        "O2C_KAFKA_GROUP": "o2c-crash",
        "O2C_LOG_FORMAT": "json",
        "O2C_LOG_LEVEL": "WARNING",
    }


@contextmanager
def process(p: Pipeline, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [O2C, *args], env=env_for(p), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def commands(world: World, n: int, rnd: random.Random) -> None:
    for i in range(n):
        cid = world.account()
        inv = world.sell(cid, f"{rnd.randint(1, 900)}.00", date(2026, 1, 1 + i % 28))
        world.pay(cid, f"{rnd.randint(1, 900)}.00", date(2026, 2, 1), [(inv["invoice_id"], None)])


def moved_on(p: Pipeline, position: RelayPosition) -> Callable[[], bool]:
    """True once the relay has published, and the projector applied, more than they had now."""
    relayed, projected = position.load(), p.live_snapshot()
    return lambda: position.load() > relayed and p.live_snapshot() != projected


def test_kill_9_relay_and_projector_then_restart(pipeline: Pipeline) -> None:
    rnd = random.Random(7)
    world = pipeline.world
    relay_position = RelayPosition(pipeline.url)
    for n in range(3):
        progress = moved_on(pipeline, relay_position)
        with (
            process(pipeline, "relay", "--batch", "20") as relay,
            process(pipeline, "project") as projector,
        ):
            writer = threading.Thread(target=commands, args=(world, 20, random.Random(n)))
            writer.start()
            wait_until(progress, timeout=120)  # both are mid-way through the commands
            victim = rnd.choice([relay, projector])
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            writer.join()
    relay_position.close()
    expected = None
    with process(pipeline, "relay"), process(pipeline, "project"):
        expected = pipeline.rebuilt_snapshot()
        started = time.monotonic()
        wait_until(lambda: pipeline.live_snapshot() == expected, timeout=240)
        print("converged after", round(time.monotonic() - started, 1), "s")
    assert expected is not None and len(expected["receivables.invoices"]) == 60
    # At least once: every position of the log is on the journal (duplicates allowed).
    on_journal = {
        int(dict(r.headers)["o2c_position"])
        for r in read_topic(pipeline.broker.bootstrap, JOURNAL_TOPIC)
    }
    assert {e.position for e in pipeline.store.read_all(0)} <= on_journal


def test_broker_restart_while_commands_flow(pipeline: Pipeline) -> None:
    world = pipeline.world
    relay = pipeline.relay()
    stop = threading.Event()
    relay_thread = threading.Thread(target=relay.run, args=(stop, 0.05), daemon=True)
    relay_thread.start()
    try:
        commands(world, 10, random.Random(1))
        wait_until(lambda: relay.lag() == 0, timeout=30)
        pipeline.broker.stop()
        commands(world, 10, random.Random(2))  # accepted while the broker is down
        assert relay.lag() > 0
        pipeline.broker.start()  # comes back empty: tansu keeps topics in memory only
        commands(world, 5, random.Random(3))
        wait_until(lambda: relay.lag() == 0, timeout=60)
    finally:
        stop.set()
        relay_thread.join(timeout=30)
    relay_until_caught_up(relay)
    expected = pipeline.rebuilt_snapshot()
    with running(pipeline.projector("after-restart")):
        wait_until(lambda: pipeline.live_snapshot() == expected, timeout=90)
    assert len(expected["receivables.invoices"]) == 25


def test_relay_rides_out_an_event_store_outage(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database outage makes the relay back off and resume, not exit."""
    commands(pipeline.world, 5, random.Random(7))
    real_read = pipeline.store.read
    outages = [BackendUnavailable("database restarting")] * 2

    def flaky_read(after: int = 0, limit: int = 1000) -> list[EventEnvelope]:
        if outages:
            raise outages.pop()
        return real_read(after, limit)

    monkeypatch.setattr(pipeline.store, "read", flaky_read)
    relay = pipeline.relay()
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_until(lambda: relay.position.load() == pipeline.store.last_position(), 30)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not outages and not thread.is_alive()
    assert relay.published == pipeline.store.last_position()
