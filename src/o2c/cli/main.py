"""Entry point of ``o2c``: the command groups, listed in ``COMMANDS``.

Each command module's ``register(subparsers)`` adds its sub-commands and sets ``func`` (taking
the parsed args, returning an exit code) on the parsers it creates. A command
refused on purpose (a domain rule, bad input, no database) ends here for every command alike: one
line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from o2c.cli import (
    audit,
    bank,
    bench,
    billing,
    collections,
    deliver,
    demo,
    dlq,
    dunning,
    gl,
    importer,
    migrate,
    project,
    rebuild,
    relay,
    schemas,
    serve,
    statements,
    webhooks,
)
from o2c.cli.refusals import REFUSALS, refusal_line
from o2c.process import tune_garbage_collector

# Every command group, in the order ``o2c --help`` lists them (a test keeps each module of
# ``o2c.cli`` that has a ``register`` in this list).
COMMANDS: tuple[Callable[[Any], None], ...] = (
    audit.register,
    bank.register,
    bench.register,
    billing.register,
    collections.register,
    deliver.register,
    demo.register,
    dlq.register,
    dunning.register,
    gl.register,
    importer.register,
    migrate.register,
    project.register,
    rebuild.register,
    relay.register,
    schemas.register,
    serve.register,
    statements.register,
    webhooks.register,
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command group."""
    parser = argparse.ArgumentParser(
        prog="o2c",
        description="o2c: event-sourced order-to-cash (accounts receivable) backend.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except REFUSALS as error:
        print(f"o2c {args.command}: {refusal_line(error)}", file=sys.stderr)
        return 1
    return int(code or 0)


def run() -> None:
    """The ``o2c`` console script: tune the process, then run the command."""
    tune_garbage_collector()
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
