"""``o2c import customers|invoices FILE.csv``: opening balances, validated row by row.

Every row is checked first (types, currency, decimals, known customer); any bad row is reported
with its line number and nothing is loaded. A clean file is then stored as one command, in one
transaction: it is never half-loaded.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from o2c.config import Settings

CUSTOMER_COLUMNS = ("name", "currency", "credit_limit")
INVOICE_COLUMNS = ("customer_id", "issued_on", "open_amount")


def register(sub: Any) -> None:
    """Add ``import``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        help="import opening balances from CSV (customers or invoices); all rows or none",
        description="customers.csv columns: name,currency,credit_limit[,customer_id,net_days,"
        "discount_percent,discount_days]; invoices.csv columns: customer_id,issued_on,"
        "open_amount[,due_on,reference,invoice_id]",
    )
    p.add_argument("kind", choices=("customers", "invoices"), help="what the file holds")
    p.add_argument("file", type=Path, help="CSV file with a header row")
    p.set_defaults(func=run)


def _clean(row: dict[str, str | None]) -> dict[str, Any]:
    return {k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip()}


def _customer(row: dict[str, Any]) -> BaseModel:
    from o2c.commands import OpenAccount, PaymentTermsIn
    from o2c.domain.money import check_amount, validate_currency

    terms = {k: row.pop(k) for k in ("net_days", "discount_percent", "discount_days") if k in row}
    account = OpenAccount(**row, payment_terms=PaymentTermsIn(**terms))
    check_amount(account.credit_limit, validate_currency(account.currency), allow_zero=True)
    account.payment_terms.to_domain()
    return account


def parse(
    path: Path, build: Callable[[dict[str, Any]], BaseModel], required: tuple[str, ...]
) -> tuple[list[Any], list[str]]:
    """Rows as models, and one error message per bad line (line numbers as in the file)."""
    from o2c.domain.errors import DomainError

    rows: list[Any] = []
    errors: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            return [], [f"line 1: missing columns {', '.join(missing)}"]
        for row in reader:
            line = reader.line_num
            try:
                rows.append((line, build(_clean(row))))
            except ValidationError as exc:
                detail = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                )
                errors.append(f"line {line}: {detail}")
            except (DomainError, TypeError, ValueError) as exc:
                errors.append(f"line {line}: {exc}")
    if not rows and not errors:
        errors.append("the file has no data rows")
    return rows, errors


def run(args: argparse.Namespace) -> int:
    """Validate everything, then store everything in one command."""
    from o2c import commands as c
    from o2c.application.context import CommandContext
    from o2c.bootstrap import build_container
    from o2c.domain.errors import DomainError

    if not args.file.exists():
        print(f"no such file: {args.file}")
        return 2
    container = build_container(Settings.from_env(), start_runner=False)
    try:
        if args.kind == "customers":
            rows, errors = parse(args.file, _customer, CUSTOMER_COLUMNS)
        else:
            rows, errors = parse(args.file, lambda r: c.OpeningInvoice(**r), INVOICE_COLUMNS)
            errors += _check_invoices(container.store, rows)
        if errors:
            for error in sorted(errors, key=_line_of):
                print(f"{args.file}: {error}")
            print(f"nothing imported: {len(errors)} bad rows")
            return 1
        models = [model for _line, model in rows]
        cmd: c.Command = (
            c.ImportCustomers(rows=models)
            if args.kind == "customers"
            else c.ImportOpeningInvoices(rows=models)
        )
        try:
            result = container.service.handle(cmd, CommandContext(actor=f"cli:import:{args.kind}"))
        except DomainError as exc:
            print(f"nothing imported: {exc.detail} ({exc.code})")
            return 1
        if container.read is not None and container.read.runner is not None:
            container.read.runner.catch_up()
        print(f"imported {result.body['imported']} {args.kind} (position {result.position})")
        return 0
    finally:
        container.close()


def _line_of(error: str) -> int:
    return int(error.split(":", 1)[0].removeprefix("line ") or 0)


def _check_invoices(store: Any, rows: list[tuple[int, Any]]) -> list[str]:
    """Per-row checks that need the accounts: customer known, amount fits its currency."""
    from o2c.aggregates.account import CustomerAccount
    from o2c.domain.errors import DomainError

    errors: list[str] = []
    accounts: dict[Any, Any] = {}
    for n, row in rows:
        if row.customer_id not in accounts:
            accounts[row.customer_id] = store.get(row.customer_id)
        acc = accounts[row.customer_id]
        if not isinstance(acc, CustomerAccount):
            errors.append(f"line {n}: unknown customer {row.customer_id}")
            continue
        try:
            acc.money(row.open_amount, "open_amount")
        except DomainError as exc:
            errors.append(f"line {n}: {exc.detail}")
        if row.due_on is not None and row.due_on < row.issued_on:
            errors.append(f"line {n}: due_on is before issued_on")
    return errors
