"""``o2c deliver``: the letter-sending worker on its own.

For deployments with Kafka (where ``o2c serve`` sends nothing) or that send from separate
processes. Several may run side by side, also next to an embedded server: each delivery is
leased to one worker at a time, and on PostgreSQL workers skip each other's rows.
"""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``deliver``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "deliver",
        help="send queued letters (e-mail, outbox files, Peppol hand-off)",
        description=(
            "Send every queued delivery until stopped (SIGTERM, Ctrl-C): over SMTP when "
            "O2C_SMTP_URL is set, else as .eml files into O2C_OUTBOX_DIR; failed attempts are "
            "retried with back-off (O2C_DELIVERY_*)."
        ),
    )
    p.add_argument(
        "--drain",
        action="store_true",
        help="exit once nothing is queued any more (exit code 1 if --timeout came first)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="with --drain: the longest to wait for the queue to empty (600)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Send until stopped (or, with ``--drain``, until the queue is empty)."""
    from o2c.bootstrap import build_delivery, build_event_store
    from o2c.cli.relay import stop_on_signals
    from o2c.logging_setup import configure
    from o2c.projections.readstore import ReadStore

    settings = Settings.from_env()
    configure(settings.log_format, settings.log_level)
    stop = stop_on_signals()
    store = build_event_store(settings)
    read_store = ReadStore(settings.read_store_url)
    try:
        read_store.migrate()
        parts = build_delivery(settings, store, [], read_store)
        assert parts.worker is not None
        if args.drain:
            return 0 if parts.worker.drain(args.timeout) else 1
        parts.worker.run(stop)
    finally:
        read_store.close()
        store.close()
    return 0
