"""``o2c audit verify|history|reconcile``: the auditor's command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any
from uuid import UUID

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``audit`` with its sub-commands."""
    p: argparse.ArgumentParser = sub.add_parser("audit", help="verify, print and reconcile the log")
    asub = p.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND", required=True)
    v = asub.add_parser(
        "verify",
        help="check every hash chain, the position sequence and every period close's trial "
        "balance and head (exit 1 on any break)",
    )
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.add_argument("--expected-head", help="head digest anchored from an earlier run")
    v.set_defaults(func=run_verify)
    h = asub.add_parser("history", help="every event touching a customer, in global order")
    h.add_argument("customer", type=UUID, help="customer id")
    h.add_argument("--as-of", type=date.fromisoformat, help="only events dated (recorded) up to D")
    h.add_argument("--format", choices=("table", "jsonl"), default="table")
    h.set_defaults(func=run_history)
    r = asub.add_parser(
        "reconcile",
        help="compare every read model with a recomputation from "
        "the events (exit 1 on any difference)",
    )
    r.add_argument("--as-of", type=date.fromisoformat, default=None, help="aging date (today)")
    r.set_defaults(func=run_reconcile)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the log and print the report."""
    from o2c.audit.log_reader import decoder, raw_events
    from o2c.audit.verify import verify_events
    from o2c.bootstrap import build_event_store
    from o2c.progress import Progress

    store = build_event_store(Settings.from_env())
    try:
        bar = Progress("verified events")
        report = verify_events(
            raw_events(store),
            expected_head=args.expected_head,
            progress=bar.update,
            decode=decoder(store),
        )
        bar.update(report.checked)
        bar.finish()
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        status = "OK" if report.ok else f"BROKEN ({len(report.breaks)} breaks)"
        print(
            f"{status}: checked {report.checked} events in {report.streams} streams, "
            f"{report.closes} period closes"
        )
        print(f"head: {report.head}")
        for b in report.breaks:
            print(
                f"  aggregate {b.aggregate_id} version {b.version} position {b.position}: "
                f"{b.problem}"
            )
    return 0 if report.ok else 1


def run_history(args: argparse.Namespace) -> int:
    """Print a customer's history as a table or JSON lines."""
    from o2c.audit.history import customer_events
    from o2c.bootstrap import build_event_store

    store = build_event_store(Settings.from_env())
    try:
        _ensure_customer(store, args.customer)
        after: int | None = 0
        while after is not None:
            events, after = customer_events(store, args.customer, after=after, limit=500)
            for env in events:
                if args.as_of is not None and env.recorded_at[:10] > args.as_of.isoformat():
                    continue
                if args.format == "jsonl":
                    sys.stdout.write(json.dumps(env.to_cloudevent()) + "\n")
                else:
                    summary = ", ".join(
                        f"{k}={v}" for k, v in env.data.items() if not isinstance(v, dict | list)
                    )[:90]
                    print(
                        f"{env.position:>8} {env.recorded_at[:19]} {env.event_type:<24} "
                        f"{env.actor:<14} {summary}"
                    )
    finally:
        store.close()
    return 0


def _ensure_customer(store: Any, customer: UUID) -> None:
    """An id that never opened an account is not a customer with an empty history."""
    from o2c.domain.errors import NotFound

    first = store.read_stream(customer, limit=1)
    if not first or first[0].event_type != "AccountOpened":
        raise NotFound(f"customer {customer} not found", code="customer-not-found")


def run_reconcile(args: argparse.Namespace) -> int:
    """Compare read models with the events."""
    from o2c.audit.reconcile import reconcile
    from o2c.bootstrap import build_container
    from o2c.progress import Progress

    container = build_container(Settings.from_env(), start_runner=False)
    try:
        assert container.read is not None
        if container.read.runner is not None:
            container.read.runner.catch_up()
        bar = Progress("reconciled customers")
        diffs = reconcile(
            container.store,
            container.read.queries,
            as_of=args.as_of or date.today(),
            progress=bar.update,
        )
        bar.finish()
    finally:
        container.close()
    for d in diffs:
        print(json.dumps(d))
    print(f"{len(diffs)} differences")
    return 0 if not diffs else 1
