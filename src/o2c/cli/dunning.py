"""``o2c dunning --as-of D``: run dunning for a date."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from o2c.config import Settings


def register(sub: Any) -> None:
    """Add ``dunning``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "dunning", help="send the next reminder level to every overdue, undisputed invoice"
    )
    p.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="business date of the run (default today)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the dunning command through the application service."""
    from o2c import commands as c
    from o2c.application.context import CommandContext
    from o2c.bootstrap import build_container

    container = build_container(Settings.from_env(), start_runner=False)
    try:
        if container.read is not None and container.read.runner is not None:
            container.read.runner.catch_up()
        result = container.service.handle(
            c.RunDunning(as_of=args.as_of), CommandContext(actor="cli:dunning")
        )
        print(json.dumps({**result.body, "position": result.position}, indent=2))
    finally:
        container.close()
    return 0
