"""``o2c gl export --from D --to D [--format csv|jsonl] [--output FILE]``: the general-ledger
export an accounting system imports, written by the same code as ``GET /v1/gl/export``."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from o2c.config import Settings
from o2c.projections.queries.ledger_export import MEDIA_TYPES


def register(sub: Any) -> None:
    """Add ``gl`` with its sub-command ``export``."""
    p: argparse.ArgumentParser = sub.add_parser("gl", help="general ledger: export journal lines")
    gsub = p.add_subparsers(dest="gl_command", metavar="GL_COMMAND", required=True)
    e = gsub.add_parser(
        "export",
        help="write every journal line posted in a period as CSV or JSON lines "
        "(progress on stderr)",
    )
    for flag, dest, what in (("--from", "start", "first"), ("--to", "end", "last")):
        e.add_argument(
            flag,
            dest=dest,
            type=date.fromisoformat,
            required=True,
            metavar="YYYY-MM-DD",
            help=f"{what} posting date (included)",
        )
    e.add_argument("--format", choices=sorted(MEDIA_TYPES), default="csv", help="csv (default)")
    e.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: standard output)"
    )
    e.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Bring the read models up to date (embedded mode) and write the export."""
    if args.end < args.start:
        print("o2c gl export: --to must not be before --from", file=sys.stderr)
        return 2
    export(Settings.from_env(), args.start, args.end, args.format, args.output)
    return 0


def export(settings: Settings, start: date, end: date, fmt: str, output: Path | None) -> int:
    """Write the lines posted from ``start`` to ``end`` to ``output`` (stdout if ``None``);
    returns how many. A file appears complete or not at all: it is written under a temporary
    name and renamed when done."""
    if output is None:
        return write_export(settings, start, end, fmt, sys.stdout)
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            written = write_export(settings, start, end, fmt, out)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return written


def write_export(settings: Settings, start: date, end: date, fmt: str, out: TextIO) -> int:
    """The export of one period written to ``out``, with progress on stderr."""
    from o2c.bootstrap import build_container
    from o2c.progress import Progress
    from o2c.projections.queries.ledger_export import write

    container = build_container(settings, start_runner=False)
    try:
        assert container.read is not None
        if container.read.runner is not None:
            container.read.runner.catch_up()
        pages = container.read.queries.gl_export(start=start, end=end, chart=settings.gl_accounts)
        bar = Progress("exported journal lines")
        written = write(pages, fmt, out, bar.update)
        bar.finish()
    finally:
        container.close()
    return written
