"""``o2c bank import FILE [--format F]``: import a bank statement file (camt.053, MT940, BAI2)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from o2c.config import Settings

FORMATS = ("camt053", "camt.053", "mt940", "bai2")


def register(sub: Any) -> None:
    """Add ``bank import``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "bank", help="bank statements: import a file and apply its receipts to open invoices"
    )
    bank_sub = p.add_subparsers(dest="bank_command", metavar="SUBCOMMAND", required=True)
    imp: argparse.ArgumentParser = bank_sub.add_parser(
        "import",
        help="read a statement file whole (nothing is stored if any line is malformed), record "
        "it once, post the receipts the matcher is sure of and queue the rest",
    )
    imp.add_argument("file", type=Path, help="the statement file as the bank delivered it")
    imp.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="the file's format (default: detected from its content)",
    )
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Parse first (exit 1 naming the line), then import through the application service."""
    from o2c.application.bank_import import BankStatementImporter
    from o2c.application.context import CommandContext
    from o2c.application.statement_differences import StatementDiffers
    from o2c.bank import MalformedStatement, read_statements
    from o2c.bank.reader import detect_format
    from o2c.bootstrap import build_container

    try:
        data = args.file.read_bytes()
    except OSError as err:
        print(f"o2c bank import: {err}", file=sys.stderr)
        return 1
    chosen = "camt.053" if args.format == "camt053" else args.format
    try:
        file_format = chosen or detect_format(data).value
        statements = read_statements(data, file_format)
    except MalformedStatement as err:
        print(f"o2c bank import: {args.file}: malformed statement: {err}", file=sys.stderr)
        return 1
    container = build_container(Settings.from_env(), start_runner=False)
    try:
        importer = BankStatementImporter(container.service)
        ctx = CommandContext(actor="cli:bank-import")
        try:
            outcomes = importer.import_statements(statements, file_format, ctx)
        except MalformedStatement as err:
            print(f"o2c bank import: {args.file}: malformed statement: {err}", file=sys.stderr)
            return 1
        except StatementDiffers as err:
            print(f"o2c bank import: {args.file}: {err.detail}", file=sys.stderr)
            return 1
        print(
            json.dumps(
                {
                    "format": file_format,
                    "statements": [o.summary() for o in outcomes],
                    "position": max((o.position for o in outcomes), default=0),
                },
                indent=2,
            )
        )
    finally:
        container.close()
    return 0
