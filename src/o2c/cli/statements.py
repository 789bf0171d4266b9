"""``o2c statements run --as-of D``: queue the statements of account of a period.

Prints the counts as JSON on stdout and its progress on stderr. The letters are queued, not
sent: an embedded server or ``o2c deliver`` sends them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from o2c.config import Settings

_EVERY = 100


def register(sub: Any) -> None:
    """Add ``statements run``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "statements", help="statements of account: send them to every customer who has one"
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = actions.add_parser(
        "run",
        help="queue a statement for every customer with a balance or bookings in the period",
        description=(
            "Queue the statement of FROM (default: the first of AS_OF's month) to AS_OF for "
            "every customer with a non-zero balance or a booking in the period, to the "
            "statements contact (else billing). Running it again queues nothing twice."
        ),
    )
    r.add_argument("--as-of", type=date.fromisoformat, required=True, help="statement date")
    r.add_argument(
        "--from",
        dest="start",
        type=date.fromisoformat,
        default=None,
        help="first day of the period (default: the first of the as-of month)",
    )
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the statements of one period through this process's statement runs."""
    from o2c.application.context import CommandContext
    from o2c.application.statement_letters import StatementRunResult
    from o2c.bootstrap import build_container

    container = build_container(Settings.from_env(), start_runner=False)

    def report(result: StatementRunResult) -> None:
        print(
            f"statements: {result.customers} customers, {result.queued} queued, "
            f"{result.held} held, {result.already_queued} already queued, "
            f"{result.skipped_no_contact} without contact",
            file=sys.stderr,
            flush=True,
        )

    def progress(done: int, result: StatementRunResult) -> None:
        if done % _EVERY == 0:
            report(result)

    try:
        if container.read is not None and container.read.runner is not None:
            container.read.runner.catch_up()
        runs = None if container.delivery is None else container.delivery.statements
        if runs is None:
            print("o2c statements: no read side in this process", file=sys.stderr)
            return 1
        result = runs.run(args.as_of, args.start, CommandContext(actor="cli:statements"))
        report(result)
        print(
            json.dumps(
                {
                    "as_of": result.as_of.isoformat(),
                    "from": result.start.isoformat(),
                    "to": result.as_of.isoformat(),
                    "customers": result.customers,
                    "queued": result.queued,
                    "held": result.held,
                    "already_queued": result.already_queued,
                    "skipped_no_contact": result.skipped_no_contact,
                },
                indent=2,
            )
        )
    finally:
        container.close()
    return 0
