"""``o2c bench [--scale smoke|medium|full|large] [--json] [--only …]``: speed figures as ratios."""

from __future__ import annotations

import argparse
import sys
from typing import Any

SCENARIOS = (
    "write",
    "kafka",
    "aging",
    "big-customer",
    "e2e",
    "scale-out",
    "rebuild",
    "gl-export",
    "bank",
    "billing",
    "documents",
    "forecast",
)


def register(sub: Any) -> None:
    """Add ``bench``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="measure throughput/latency against raw limits on fresh PostgreSQL databases "
        "and a throw-away tansu broker",
    )
    p.add_argument(
        "--scale",
        choices=("tiny", "smoke", "medium", "full", "large"),
        default="smoke",
        help="tiny: each step once, for tests (its figures mean nothing); "
        "large: full, with ten times the aging book (run it as --only aging --scale large)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--only", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the scenarios; the report goes to stdout, progress to stderr; 1 if one failed."""
    # The benchmark is a dev tool outside the product: imported only when asked for, so a
    # production install (without the dev extra) runs every other command.
    try:
        from o2c_devtools.bench.runner import run_bench
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] == "o2c":
            raise  # the product itself is broken: not a missing extra
        print(
            f"o2c bench needs the development tools ({missing}): "
            "install the dev extra, e.g. pip install -e '.[dev]' from a checkout (make install)",
            file=sys.stderr,
        )
        return 2
    report = run_bench(args.scale, args.only)
    print(report.to_json() if args.json else report.to_table())
    return 1 if any(f.metric == "error" for f in report.figures) else 0
