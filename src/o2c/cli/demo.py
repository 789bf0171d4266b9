"""``o2c demo``: load the demo book into the configured stores."""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``demo``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "demo", help="load a realistic sample book (about 200 customers, one year of activity)"
    )
    p.add_argument("--customers", type=int, default=200, help="number of customers (200)")
    p.add_argument("--seed", type=int, default=7, help="random seed (7)")
    p.add_argument("--force", action="store_true", help="load even if the store is not empty")
    p.set_defaults(func=run)


def load_demo(settings: Settings, customers: int = 200, seed: int = 7) -> dict[str, int]:
    """Load the book through the application service, with progress on stderr."""
    from o2c.bootstrap import build_container
    from o2c.demo.book import DemoBook
    from o2c.progress import Progress

    container = build_container(settings, start_runner=False)
    try:
        bar = Progress("demo book (days)")
        stats = DemoBook(container.service, customers=customers, seed=seed).load(bar.update)
        bar.finish()
        if container.read is not None and container.read.runner is not None:
            projected = Progress("projecting events")
            container.read.runner.catch_up()
            projected.update(container.store.last_position(), container.store.last_position())
            projected.finish()
        return {**stats.__dict__, "events": container.store.last_position()}
    finally:
        container.close()


def run(args: argparse.Namespace) -> int:
    """Load unless the store already has events (or ``--force``)."""
    from o2c.bootstrap import build_event_store

    settings = Settings.from_env()
    store = build_event_store(settings)
    try:
        existing = store.last_position()
    finally:
        store.close()
    if existing and not args.force:
        print(f"event store already holds {existing} events; use --force to add the demo anyway")
        return 0
    stats = load_demo(settings, args.customers, args.seed)
    print(", ".join(f"{k}={v}" for k, v in stats.items()))
    return 0
