"""``o2c collections check --as-of D``: record the promises to pay broken by a date."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``collections check``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "collections", help="collections: record promises to pay broken by a date"
    )
    inner = p.add_subparsers(dest="collections_command", metavar="SUBCOMMAND", required=True)
    check: argparse.ArgumentParser = inner.add_parser(
        "check",
        help="record as broken every promise whose deadline (date + grace days) passed without "
        "the cash; dunning resumes on those invoices (a dunning run does this too)",
    )
    check.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="business date of the check (default today)",
    )
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Run the promise check through the application service."""
    from o2c import commands as c
    from o2c.application.context import CommandContext
    from o2c.bootstrap import build_container

    container = build_container(Settings.from_env(), start_runner=False)
    try:
        if container.read is not None and container.read.runner is not None:
            container.read.runner.catch_up()
        result = container.service.handle(
            c.CheckPromises(as_of=args.as_of), CommandContext(actor="cli:collections")
        )
        print(json.dumps({**result.body, "position": result.position}, indent=2))
    finally:
        container.close()
    return 0
