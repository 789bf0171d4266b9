"""``o2c demo``: load the demo book into the configured stores."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from o2c.config import Settings

if TYPE_CHECKING:
    from o2c.bootstrap import Container
    from o2c.demo.book import DemoStats
    from o2c.projections.engine import ProjectionEngine


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
    """Load the book through the application service, with progress on stderr.

    Only in embedded mode with in-process projections does this process write the read models
    itself. Otherwise (Kafka mode, or ``O2C_PROJECTIONS=own-process``) other processes do —
    ``o2c relay`` and ``o2c project`` — and the demo must not wait for them: each dunning run
    would wait for read models that may never move. Its dunning runs list the customers from
    the event log instead (the same customers, each account picking its own overdue invoices),
    and at the end it says how far the read models got and what fills them.
    """
    from o2c.bootstrap import build_container, follows_log_in_process
    from o2c.demo.book import DemoBook
    from o2c.progress import Progress

    container = build_container(
        settings,
        start_runner=False,
        dunning_from_read_models=follows_log_in_process(settings),
    )
    try:
        runner = container.read.runner if container.read is not None else None
        bar = Progress("demo book (days)")
        stats = DemoBook(container.service, customers=customers, seed=seed).load(bar.update)
        bar.finish()
        head = container.store.last_position()
        if runner is not None:
            projected = Progress("projecting events")
            runner.catch_up()
            projected.update(head, head)
            projected.finish()
            _statements(container, stats)
        elif container.read is not None:
            print(_elsewhere(settings, container.read.engine, head), file=sys.stderr, flush=True)
        return {**stats.__dict__, "events": head}
    finally:
        container.close()


def _statements(container: Container, stats: DemoStats) -> None:
    """This month's statements, sent like the reminders and invoices of the last weeks: the
    customers' contacts exist by now, so the outbox has one of each kind of letter."""
    runs = None if container.delivery is None else container.delivery.statements
    if runs is None:
        return
    today = container.service.today()
    stats.statements = runs.run(today, today.replace(day=1)).queued


def _elsewhere(settings: Settings, engine: ProjectionEngine, head: int) -> str:
    """Where the read models stand when other processes write them, and what to run."""
    if settings.embedded:
        applied = engine.position()
        if applied >= head:
            return f"read models at position {applied} of {head}: up to date"
        return (
            f"read models at position {applied} of {head} (O2C_PROJECTIONS=own-process): "
            "`o2c project` fills them (start it if it is not running); the dashboard shows the "
            "demo once it has caught up"
        )
    from o2c.kafka.checkpoints import group_position
    from o2c.kafka.health import KafkaMonitor

    assert settings.kafka_bootstrap is not None
    monitor = KafkaMonitor(settings.kafka_bootstrap, settings.kafka_group, settings.event_store_url)
    try:
        relayed = monitor.relay_position()
    finally:
        monitor.close()
    applied = group_position(engine, settings.kafka_group)
    needed = [
        f"`o2c relay` (published {relayed} of {head} events)" if relayed < head else None,
        f"`o2c project` (read models at position {applied})" if applied < head else None,
    ]
    waiting = " and ".join(n for n in needed if n)
    if not waiting:
        return f"read models at position {applied} of {head}: up to date"
    return (
        f"Kafka mode: the read models fill as {waiting} follow the log (start what is not "
        "running); the dashboard shows the demo once they have caught up"
    )


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
