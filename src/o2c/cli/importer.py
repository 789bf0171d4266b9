"""``o2c import customers|invoices FILE.csv``: opening balances, validated row by row.

Every row is checked first (encoding, CSV syntax, types, control characters, currency, decimals,
dates, known customer) by the same command models as the HTTP API; each bad row is reported with
its line number and nothing is loaded. A clean file is then stored as one command, in one
transaction: it is never half-loaded.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from o2c.config import Settings

CUSTOMER_COLUMNS = ("name", "currency", "credit_limit")
INVOICE_COLUMNS = ("customer_id", "issued_on", "open_amount")
INTEGER_COLUMNS = ("net_days", "discount_days")

# The file is decoded with "surrogateescape": a byte that is not UTF-8 becomes a lone surrogate,
# so the row holding it is reported by its line instead of the whole file failing to decode.
_UNDECODABLE = re.compile("[\ud800-\udfff]")
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,9}")


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


def _clean(row: dict[str | None, Any]) -> dict[str, Any]:
    # A row with more cells than the header puts the rest in a list under the key None.
    return {k.strip(): v.strip() for k, v in row.items() if k and isinstance(v, str) and v.strip()}


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _integers(row: dict[str, Any]) -> None:
    # The command models take JSON integers only (true and "30" are refused over HTTP), so a
    # CSV cell is converted here, and only when it is plainly a whole number.
    for column in INTEGER_COLUMNS:
        if column in row:
            if not _WHOLE_NUMBER.fullmatch(row[column]):
                raise ValueError(f"{column} must be a whole number, not {_shown(row[column])}")
            row[column] = int(row[column])


def _customer(row: dict[str, Any]) -> BaseModel:
    from o2c.commands import OpenAccount, PaymentTermsIn
    from o2c.domain.money import check_amount, validate_currency

    _integers(row)
    terms = {k: row.pop(k) for k in ("net_days", "discount_percent", "discount_days") if k in row}
    account = OpenAccount(**row, payment_terms=PaymentTermsIn(**terms))
    currency = validate_currency(account.currency)
    check_amount(account.credit_limit, currency, field="credit_limit", allow_zero=True)
    account.payment_terms.to_domain()
    return account


def _records(
    reader: csv.DictReader[str], errors: list[str]
) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """(line, row) of each record; a record the csv module cannot read is an error, not the end."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the module's limit (131,072 characters)
            # The DictReader's own line_num only moves on a good record; its reader's is exact.
            errors.append(f"line {reader.reader.line_num}: {exc}")
            continue
        yield reader.line_num, row


def _build(
    line: int, row: dict[str | None, Any], build: Callable[[dict[str, Any]], BaseModel]
) -> BaseModel | str:
    """The row's model, or the message of what is wrong with it."""
    from o2c.domain.errors import DomainError

    cells = [v for v in row.values() if isinstance(v, str)]
    if any(_UNDECODABLE.search(v) for v in cells):
        return f"line {line}: not valid UTF-8"
    try:
        return build(_clean(row))
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return f"line {line}: {detail}"
    except DomainError as exc:
        return f"line {line}: {exc.detail}"
    except (TypeError, ValueError, ArithmeticError) as exc:
        return f"line {line}: {exc}"


def parse(
    path: Path, build: Callable[[dict[str, Any]], BaseModel], required: tuple[str, ...]
) -> tuple[list[Any], list[str]]:
    """Rows as models, and one error message per bad line (line numbers as in the file)."""
    rows: list[Any] = []
    errors: list[str] = []
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.DictReader(handle)
        try:
            header = list(reader.fieldnames or [])
        except csv.Error as exc:
            return [], [f"line 1: {exc}"]
        if any(_UNDECODABLE.search(name) for name in header):
            return [], ["line 1: not valid UTF-8"]
        missing = [c for c in required if c not in header]
        if missing:
            return [], [f"line 1: missing columns {', '.join(missing)}"]
        for line, row in _records(reader, errors):
            built = _build(line, row, build)
            if isinstance(built, str):
                errors.append(built)
            else:
                rows.append((line, built))
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
            errors += _check_customers(container.store, rows)
        else:
            rows, errors = parse(args.file, lambda r: c.OpeningInvoice(**r), INVOICE_COLUMNS)
            errors += _check_invoices(container.store, rows, container.service.today())
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
    head = error.split(":", 1)[0]
    return int(head.removeprefix("line ")) if head.startswith("line ") else 0


def _check_customers(store: Any, rows: list[tuple[int, Any]]) -> list[str]:
    """Per-row checks that need the log: a chosen customer id is new, and used once."""
    errors: list[str] = []
    first_line: dict[Any, int] = {}
    for n, row in rows:
        if row.customer_id is None:
            continue
        if row.customer_id in first_line:
            first = first_line[row.customer_id]
            errors.append(f"line {n}: customer_id {row.customer_id} is also on line {first}")
        elif store.get(row.customer_id) is not None:
            errors.append(f"line {n}: customer {row.customer_id} already exists")
        first_line.setdefault(row.customer_id, n)
    return errors


def _check_invoices(store: Any, rows: list[tuple[int, Any]], today: date) -> list[str]:
    """Per-row checks that need the accounts or the clock: customer known, amount fits its
    currency, issued no later than today."""
    from o2c.aggregates.account import CustomerAccount
    from o2c.domain.business_dates import ensure_not_in_future
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
            ensure_not_in_future([row.issued_on], today)
            acc.money(row.open_amount, "open_amount")
            # The due date the import will compute must exist (issued 9999-12-31, net 30: no).
            due_on = row.due_on or acc.terms.due_on(row.issued_on)
        except DomainError as exc:
            errors.append(f"line {n}: {exc.detail}")
            continue
        if due_on < row.issued_on:
            errors.append(f"line {n}: due_on is before issued_on")
    return errors
