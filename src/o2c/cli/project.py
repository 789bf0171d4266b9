"""``o2c project``: a member of the projection consumer group (Kafka → read models)."""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``project``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "project", help="consume o2c.journal.v1 into the read models (needs O2C_KAFKA_BOOTSTRAP)"
    )
    p.add_argument("--group", default=None, help="consumer group (O2C_KAFKA_GROUP)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Consume until stopped."""
    from o2c.cli.relay import stop_on_signals
    from o2c.kafka.projector import Projector
    from o2c.logging_setup import configure
    from o2c.projections.engine import ProjectionEngine
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    configure(settings.log_format, settings.log_level)
    if not settings.kafka_bootstrap:
        print("O2C_KAFKA_BOOTSTRAP is not set: projections run inside `o2c serve` (embedded)")
        return 2
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    projector = Projector(
        ProjectionEngine(read_store), settings.kafka_bootstrap, args.group or settings.kafka_group
    )
    try:
        projector.run(stop_on_signals())
    finally:
        read_store.close()
    return 0
