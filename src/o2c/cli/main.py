"""Entry point of ``o2c``: discovers the command modules of this package.

Each module in ``o2c.cli`` that defines ``register(subparsers)`` adds its sub-commands and sets
``func`` (taking the parsed args, returning an exit code) on the parsers it creates. A command
refused on purpose (a domain rule, bad input, no database) ends here for every command alike: one
line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import o2c.cli
from o2c.cli.refusals import REFUSALS, refusal_line
from o2c.process import tune_garbage_collector


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every discovered command group."""
    parser = argparse.ArgumentParser(
        prog="o2c",
        description="o2c: event-sourced order-to-cash (accounts receivable) backend.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(o2c.cli.__path__), key=lambda m: m.name):
        if info.name in ("main", "__init__") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"o2c.cli.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
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
