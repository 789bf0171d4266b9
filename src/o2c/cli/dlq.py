"""``o2c dlq list|replay``: what the projections parked and why; re-apply it after a fix.

With Kafka, the projector group's parked customers and its DLQ topic. Without it, the customers
the event log transport (in-process runner, ``o2c project``, ``o2c rebuild``) parked: their
events wait in the event log itself, and a replay re-applies them from there.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from o2c.config import Settings

GROUP_HELP = "consumer group (O2C_KAFKA_GROUP; without Kafka: embedded)"


def register(sub: Any) -> None:
    """Add ``dlq`` with ``list`` and ``replay``."""
    p: argparse.ArgumentParser = sub.add_parser("dlq", help="inspect and replay the DLQ")
    dsub = p.add_subparsers(dest="dlq_command", metavar="DLQ_COMMAND", required=True)
    ls = dsub.add_parser("list", help="parked customers and every DLQ message with its error")
    ls.add_argument("--group", default=None, help=GROUP_HELP)
    ls.set_defaults(func=run_list)
    rp = dsub.add_parser("replay", help="re-apply parked messages and unpark their customers")
    rp.add_argument("--group", default=None, help=GROUP_HELP)
    rp.set_defaults(func=run_replay)


def _parts(args: argparse.Namespace) -> tuple[Settings, Any, str]:
    from o2c.follow.parking import EMBEDDED_GROUP
    from o2c.projections.engine import ProjectionEngine
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    default = settings.kafka_group if settings.kafka_bootstrap else EMBEDDED_GROUP
    return settings, ProjectionEngine(read_store), args.group or default


def run_list(args: argparse.Namespace) -> int:
    """Print parked customers and DLQ messages."""
    from o2c.kafka.dlq import read_dlq
    from o2c.projections.parking import parked

    settings, engine, group = _parts(args)
    try:
        parks = parked(engine, group)
        print(f"{len(parks)} parked customers in group {group}")
        for customer, park in sorted(parks.items()):
            print(f"  {customer} (from position {park.first_position}): {park.reason}")
        if settings.kafka_bootstrap:
            for message in read_dlq(settings.kafka_bootstrap):
                print(json.dumps(message.as_dict()))
    finally:
        engine.read_store.close()
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """Replay parked messages."""
    settings, engine, group = _parts(args)
    try:
        result = _replay(settings, engine, group)
    finally:
        engine.read_store.close()
    for customer, applied in result.items():
        print(
            f"{customer}: "
            + (
                "still failing, kept parked"
                if applied < 0
                else f"{applied} events applied, unparked"
            )
        )
    return 0 if all(v >= 0 for v in result.values()) else 1


def _replay(settings: Settings, engine: Any, group: str) -> dict[str, int]:
    """With Kafka, the DLQ's messages and the event log's (a rebuild parks without the DLQ);
    without it the parked events are in the event log only."""
    from o2c.bootstrap import build_event_store

    store = build_event_store(settings)
    try:
        if settings.kafka_bootstrap:
            from o2c.kafka.dlq import replay

            return replay(engine, settings.kafka_bootstrap, group, store)
        from o2c.follow.parking import replay as replay_from_log

        return replay_from_log(engine, store, group)
    finally:
        store.close()
