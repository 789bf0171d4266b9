"""``o2c billing run --as-of D [--dry-run]``: a billing run, with a progress bar on stderr.

Prints the run's record (the counts by outcome) as JSON on stdout, or with ``--dry-run`` what
it would invoice (nothing is recorded). The run of a date started again (after a crash, a kill)
is the same run: it invoices only the customers it had not invoiced yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any
from uuid import UUID

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``billing run``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "billing", help="billing automation: invoice periodic customers and contract periods"
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = actions.add_parser(
        "run",
        help="invoice everything due as of a date, one invoice per customer",
        description=(
            "Invoice every periodic customer's goods shipped up to its cut-off (the end of the "
            "last whole week or month on or before AS_OF) and not invoiced, and every contract "
            "period due by AS_OF: one invoice per customer, each in its own transaction. The "
            "run of a date started again invoices nothing twice."
        ),
    )
    r.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="business date of the run: the invoices' issue date (default today)",
    )
    r.add_argument(
        "--dry-run", action="store_true", help="print what would be invoiced; record nothing"
    )
    r.add_argument(
        "--run-id", type=UUID, default=None, help="the run's id (default: derived from the date)"
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run billing through this process's billing runs."""
    from o2c.application.context import CommandContext
    from o2c.bootstrap import build_container
    from o2c.progress import Progress

    container = build_container(Settings.from_env(), start_runner=False)
    try:
        if container.read is not None and container.read.runner is not None:
            container.read.runner.catch_up()
        runs = container.billing
        assert runs is not None
        as_of = args.as_of or container.service.today()
        if args.dry_run:
            run_id, planned = runs.dry_run(as_of, args.run_id)
            body: dict[str, Any] = {
                "run_id": str(run_id),
                "dry_run": True,
                "as_of": as_of.isoformat(),
                "invoices": [
                    {
                        "customer_id": str(p.customer_id),
                        "currency": p.currency,
                        "lines": p.lines,
                        "total": str(p.total),
                    }
                    for p in planned
                ],
            }
            print(json.dumps(body, indent=2, default=str))
            return 0
        bar = Progress("billing run (customers)", enabled=not args.quiet)
        done = runs.run(
            as_of,
            args.run_id,
            CommandContext(actor="cli:billing"),
            progress=lambda n, total: bar.update(n, total),
        )
        bar.finish()
        failed = [
            {"customer_id": str(o.customer_id), "problem": o.problem, "detail": o.detail}
            for o in done.outcomes
            if o.problem is not None
        ]
        print(
            json.dumps({**done.summary(), "position": done.position, "failures": failed}, indent=2)
        )
        if failed:
            print(f"o2c billing: {len(failed)} customers not billed", file=sys.stderr)
    finally:
        container.close()
    return 0
