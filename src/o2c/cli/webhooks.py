"""``o2c webhooks``: the webhook delivery worker on its own.

For deployments that run the API and the delivery separately. Running it next to ``o2c serve``
(which delivers too) is safe: each subscription is delivered by one worker at a time (a lease in
the read store), the other stands by.
"""

from __future__ import annotations

import argparse
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``webhooks``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "webhooks",
        help="deliver webhooks (without the API)",
        description=(
            "Deliver the public events to every webhook subscription until stopped (SIGTERM, "
            "Ctrl-C), resuming each from its last acknowledged position. Subscriptions are "
            "managed over HTTP (POST/DELETE /v1/webhooks)."
        ),
    )
    p.add_argument(
        "--retry-cap",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="longest wait between two attempts of a failing event (60)",
    )
    p.add_argument(
        "--retry-base",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="wait after the first failure, doubled with each further one (0.5)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="longest one attempt may take: connecting, sending and the answer (10)",
    )
    p.add_argument(
        "--lease",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a subscription left by a crashed worker is taken over after this long (30)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Deliver until stopped."""
    from o2c.bootstrap import build_event_store
    from o2c.cli.relay import stop_on_signals
    from o2c.eventstore.log_waiter import log_waiter
    from o2c.logging_setup import configure
    from o2c.projections.readstore import ReadStore
    from o2c.webhooks.subscriptions import SubscriptionStore
    from o2c.webhooks.worker import DeliveryPolicy, WebhookDispatcher

    try:
        policy = DeliveryPolicy(
            retry_base=args.retry_base,
            retry_cap=args.retry_cap,
            timeout=args.timeout,
            lease=args.lease,
        )
    except ValueError as exc:
        print(f"o2c webhooks: {exc}")
        return 2
    settings = Settings.from_env()
    configure(settings.log_format, settings.log_level)
    stop = stop_on_signals()
    store = build_event_store(settings)
    read_store = ReadStore(settings.read_store_url)
    try:
        read_store.migrate()
        dispatcher = WebhookDispatcher(
            store,
            SubscriptionStore(read_store.engine, keep_attempts=policy.keep_attempts),
            allow=settings.webhook_allow,
            public_url=settings.public_url,
            policy=policy,
            waiter=log_waiter(settings.event_store_url),
        )
        dispatcher.run(stop)
    finally:
        read_store.close()
        store.close()
    return 0
