"""``o2c project``: the read models' writer outside the serving processes.

With Kafka, a member of the projection consumer group. Without it (``O2C_PROJECTIONS=own-process``
on the serving processes), the one process that follows the event log into the read models.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from o2c.config import Settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add ``project``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "project",
        help="write the read models: consume o2c.journal.v1 (with O2C_KAFKA_BOOTSTRAP), else "
        "follow the event log (serving processes with O2C_PROJECTIONS=own-process)",
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
        return _follow_log(settings)
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


def _follow_log(settings: Settings) -> int:
    """Without Kafka: follow the event log into the read models until stopped."""
    from o2c.bootstrap import build_event_store
    from o2c.cli.relay import stop_on_signals
    from o2c.eventstore.log_waiter import log_waiter
    from o2c.follow.embedded import EmbeddedRunner, follow_log
    from o2c.projections.engine import ProjectionEngine
    from o2c.projections.readstore import ReadStore

    if settings.projections == "in-process":
        log.warning(
            "O2C_PROJECTIONS=in-process: serving processes project too; set own-process on "
            "them so that only this process writes the read models"
        )
    store = build_event_store(settings)
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    waiter = log_waiter(settings.event_store_url)
    runner = EmbeddedRunner(store, ProjectionEngine(read_store))
    log.info("following the event log from position %d", runner.applied_position())
    try:
        follow_log(runner, waiter, stop_on_signals())
    finally:
        waiter.close()
        read_store.close()
        store.close()
    return 0
