"""``o2c dlq list|replay``: what the projector parked and why; re-apply it after a fix."""

from __future__ import annotations

import argparse
import json
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``dlq`` with ``list`` and ``replay``."""
    p: argparse.ArgumentParser = sub.add_parser("dlq", help="inspect and replay the DLQ")
    dsub = p.add_subparsers(dest="dlq_command", metavar="DLQ_COMMAND", required=True)
    ls = dsub.add_parser("list", help="parked customers and every DLQ message with its error")
    ls.add_argument("--group", default=None, help="consumer group (O2C_KAFKA_GROUP)")
    ls.set_defaults(func=run_list)
    rp = dsub.add_parser("replay", help="re-apply parked messages and unpark their customers")
    rp.add_argument("--group", default=None, help="consumer group (O2C_KAFKA_GROUP)")
    rp.set_defaults(func=run_replay)


def _parts(args: argparse.Namespace) -> tuple[Settings, Any, str]:
    from o2c.projections.engine import ProjectionEngine
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    return settings, ProjectionEngine(read_store), args.group or settings.kafka_group


def run_list(args: argparse.Namespace) -> int:
    """Print parked customers and DLQ messages."""
    from o2c.kafka.dlq import parked_in_db, read_dlq

    settings, engine, group = _parts(args)
    try:
        parked = parked_in_db(engine, group)
        print(f"{len(parked)} parked customers in group {group}")
        for customer, reason in parked.items():
            print(f"  {customer}: {reason}")
        if settings.kafka_bootstrap:
            for message in read_dlq(settings.kafka_bootstrap):
                print(json.dumps(message.as_dict()))
    finally:
        engine.read_store.close()
    return 0


def run_replay(args: argparse.Namespace) -> int:
    """Replay parked messages."""
    from o2c.kafka.dlq import replay

    settings, engine, group = _parts(args)
    if not settings.kafka_bootstrap:
        print("O2C_KAFKA_BOOTSTRAP is not set")
        return 2
    try:
        result = replay(engine, settings.kafka_bootstrap, group)
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
