"""``o2c migrate``: create or upgrade every table (event store and read models).

In Kafka mode it also creates the o2c topics that are missing, with ``O2C_KAFKA_PARTITIONS``
partitions: no consumer ever creates one (a topic created by a consumer would get the broker's
default partition count), so the topics exist before the first projector starts.
"""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``migrate``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "migrate",
        help="create or upgrade the event store and read-model tables (and, in Kafka mode, "
        "the topics)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the migrations."""
    from o2c.eventstore.migrate import migrate_event_store
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    migrate_event_store(settings.event_store_url)
    print(f"event store ready: {settings.event_store_url}")
    read_store = ReadStore(settings.read_store_url)
    try:
        read_store.migrate()
    finally:
        read_store.close()
    print(f"read store ready: {settings.read_store_url}")
    if settings.kafka_bootstrap:
        from o2c.kafka.topics import ensure_topics

        created = ensure_topics(settings.kafka_bootstrap, settings.kafka_partitions)
        what = ", ".join(created) if created else "none missing"
        print(f"topics ready ({settings.kafka_partitions} partitions for new ones): {what}")
    return 0
