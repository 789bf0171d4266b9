"""``o2c rebuild [--projection NAME]``: drop and replay read models from position 0.

An event no projection can apply parks its customer (as the live transport does) and the rebuild
goes on; the parked customers are named at the end.
"""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings
from o2c.projections.registry import BY_NAME


def register(sub: Any) -> None:
    """Add ``rebuild``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "rebuild",
        help="rebuild read models from the event log (the API keeps serving the old tables "
        "until the new ones have caught up)",
    )
    p.add_argument("--projection", choices=sorted(BY_NAME), help="only this projection")
    p.add_argument("--batch", type=int, default=2000, help="events per transaction (2000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Stream the log into new tables, switch over, drop the old ones."""
    from o2c.bootstrap import build_event_store
    from o2c.follow.parking import EMBEDDED_GROUP
    from o2c.follow.rebuild import rebuild
    from o2c.progress import Progress
    from o2c.projections.engine import ProjectionEngine
    from o2c.projections.parking import parked
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    group = settings.kafka_group if settings.kafka_bootstrap else EMBEDDED_GROUP
    store = build_event_store(settings)
    read_store = ReadStore(settings.read_store_url)
    try:
        label = args.projection or "all projections"
        bar = Progress(f"rebuild {label}")
        count = rebuild(
            store,
            read_store,
            projection=args.projection,
            batch=args.batch,
            progress=bar.update,
            group=group,
        )
        bar.finish()
        print(f"{label}: replayed {count} events")
        parks = parked(ProjectionEngine(read_store), group)
        if parks:
            print(f"{len(parks)} customers parked in group {group} (see `o2c dlq list`)")
    finally:
        read_store.close()
        store.close()
    return 0
