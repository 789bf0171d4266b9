"""``o2c migrate``: create or upgrade every table (event store and read models)."""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``migrate``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "migrate", help="create or upgrade the event store and read-model tables"
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
    return 0
