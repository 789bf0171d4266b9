"""``o2c relay``: publish the event log to Kafka (journal + public topics)."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``relay``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "relay", help="publish the notification log to Kafka (needs O2C_KAFKA_BOOTSTRAP)"
    )
    p.add_argument("--once", action="store_true", help="relay what is there, then exit")
    p.add_argument("--batch", type=int, default=1000, help="events per batch (1000)")
    p.set_defaults(func=run)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, for a clean shutdown."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def run(args: argparse.Namespace) -> int:
    """Relay until stopped."""
    from o2c.bootstrap import build_event_store
    from o2c.eventstore.log_waiter import log_waiter
    from o2c.kafka.relay import Relay, relay_until_caught_up
    from o2c.kafka.relay_position import RelayPosition
    from o2c.logging_setup import configure

    settings = Settings.from_env()
    configure(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap:
        print("O2C_KAFKA_BOOTSTRAP is not set: nothing to relay to (embedded mode)")
        return 2
    store = build_event_store(settings)
    position = RelayPosition(settings.event_store_url)
    relay = Relay(
        store,
        settings.kafka_bootstrap,
        position,
        partitions=settings.kafka_partitions,
        batch=args.batch,
        waiter=log_waiter(settings.event_store_url),
        public_url=settings.public_url,
    )
    try:
        if args.once:
            relay_until_caught_up(relay, timeout=3600)
            print(f"relayed up to position {position.load()}")
        else:
            relay.run(stop_on_signals())
    finally:
        relay.close()
        relay.waiter.close()
        position.close()
        store.close()
    return 0
