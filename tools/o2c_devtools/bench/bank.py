"""Bank statements: a generated statement imported through the real path, in each format.

The book (customers with IBANs, open invoices, a third with an early-payment discount) is made
through the import paths (``ImportCustomers``, ``RecordBankAccount``, ``ImportOpeningInvoices``);
the statement generator then writes one day's statement paying those invoices, with the right
answer for every line kept aside. Each format gets a fresh book and the same statement, imported
through ``BankStatementImporter`` (the API's and the CLI's path); the figures compare what was
posted with the generator's truth:

* auto-applied: share of the lines that should be posted (to invoices or on account) that were;
* wrong: lines posted other than the truth says (other invoices, other customer, a duplicate or
  a line that matches nothing posted) — the figure that must stay at zero;
* top-3: of the lines left in the queue that should settle invoices, the share whose right
  invoices are among the first three suggestions;
* lines/s: statement lines imported per second, parse to last line decided (wall clock), and
  until the read models show every line's outcome; each with the projections inside the
  importing process (embedded) and with ``o2c project`` writing them in a process of its own,
  as a server deployment runs (the target applies to that one: in one process the projections
  share the interpreter with the import, so the figure measures both).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from o2c import commands as c
from o2c.application.bank_import import BankStatementImporter, ImportOutcome
from o2c.application.context import CommandContext
from o2c.application.results import CustomersImportedResult, InvoicesImportedResult
from o2c.application.service import O2CService
from o2c.bank.reader import read_statement
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c_devtools.bench.database import temporary_database, url_for
from o2c_devtools.bench.processes import spawn, stop_all
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.synthetic_bank.generator import (
    ExpectedOutcome,
    OpenInvoice,
    SyntheticFile,
    generate_statements,
)
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.writers import write_bai2, write_camt053, write_mt940

Progress = Callable[[str], None]
BOOKED_ON = date(2026, 1, 15)


@dataclass(frozen=True)
class Book:
    """The invoices as the generator needs them (real ids and numbers) and the ids behind them."""

    invoices: list[OpenInvoice]
    invoice_ids: dict[str, UUID]  # number → invoice id


def build_book(
    service: O2CService,
    *,
    seed: int,
    invoices: int,
    customers: int,
    currency: str = "EUR",
    today: date = BOOKED_ON,
    chunk: int = 2_000,
) -> Book:
    """Open the customers with their IBANs and book the open invoices, through the imports."""
    ctx = CommandContext(actor="bench:bank")
    synthetic = synthetic_open_invoices(
        seed=seed, count=invoices, customers=customers, currency=currency, today=today
    )
    people: dict[str, tuple[UUID, str, str]] = {}
    for inv in synthetic:
        people.setdefault(inv.customer_id, (uuid4(), inv.customer_name, inv.customer_iban))
    opened = service.handle(
        c.ImportCustomers(
            rows=[
                c.OpenAccount(
                    customer_id=cid,
                    name=name,
                    currency=currency,
                    credit_limit=Decimal(1_000_000_000),
                )
                for cid, name, _ in people.values()
            ]
        ),
        ctx,
    ).result
    assert isinstance(opened, CustomersImportedResult)
    for cid, _, iban in people.values():
        service.handle(c.RecordBankAccount(customer_id=cid, iban=iban), ctx)
    issued = today - timedelta(days=20)
    book: list[OpenInvoice] = []
    ids: dict[str, UUID] = {}
    for start in range(0, len(synthetic), chunk):
        part = synthetic[start : start + chunk]
        rows = [
            c.OpeningInvoice(
                customer_id=people[inv.customer_id][0],
                issued_on=issued,
                due_on=today + timedelta(days=10),
                open_amount=inv.open_amount,
                discount_amount=inv.discount_amount or None,
                discount_until=inv.discount_deadline if inv.discount_amount else None,
            )
            for inv in part
        ]
        booked = service.handle(c.ImportOpeningInvoices(rows=rows), ctx).result
        assert isinstance(booked, InvoicesImportedResult)
        for inv, row in zip(part, booked.invoices, strict=True):
            ids[row.number] = row.invoice_id
            book.append(
                OpenInvoice(
                    number=row.number,
                    customer_id=str(people[inv.customer_id][0]),
                    customer_name=inv.customer_name,
                    customer_iban=inv.customer_iban,
                    open_amount=inv.open_amount,
                    currency=currency,
                    discount_amount=inv.discount_amount,
                    discount_deadline=inv.discount_deadline,
                )
            )
    return Book(book, ids)


def statement_file(book: Book, *, seed: int, lines: int) -> SyntheticFile:
    """One day's generated statement paying ``book`` (no second delivery)."""
    batch = generate_statements(
        book.invoices, seed=seed, count=lines, booked_on=BOOKED_ON, reimport=False
    )
    return batch.files[0]


@dataclass
class Score:
    """How the posted lines compare with the truth."""

    lines: int = 0
    postable: int = 0  # lines the truth says to post (to invoices or on account)
    auto_applied: int = 0  # of those, posted as the truth says
    wrong: int = 0  # posted against the truth
    queued_invoices: int = 0  # lines queued that should settle invoices
    top3: int = 0  # of those, with the right invoices among the first three suggestions


def score(
    truth: SyntheticFile,
    lines: list[dict[str, Any]],
    settled: dict[str, set[str]],
    numbers: dict[str, str],
) -> Score:
    """Compare each line's outcome with what the generator meant. ``lines`` are the read
    model's line views, ``settled`` payment id → invoice ids it was applied to, ``numbers``
    invoice id → number."""
    by_line = {line["line_id"]: line for line in lines}
    result = Score(lines=len(truth.truth))
    for expected in truth.truth:
        line = by_line[expected.line_id]
        if expected.outcome in (ExpectedOutcome.INVOICES, ExpectedOutcome.UNAPPLIED):
            result.postable += 1
        if line["status"] == "applied":
            posted_to = {numbers.get(i, i) for i in settled.get(line["payment_id"], set())}
            right = False
            if expected.outcome is ExpectedOutcome.INVOICES:
                right = posted_to == set(expected.invoice_numbers)
            elif expected.outcome is ExpectedOutcome.UNAPPLIED:
                right = not posted_to and line["customer_id"] == expected.customer_id
            if right:
                result.auto_applied += 1
            else:
                result.wrong += 1
        elif line["status"] == "unmatched" and expected.outcome is ExpectedOutcome.INVOICES:
            result.queued_invoices += 1
            wanted = set(expected.invoice_numbers)
            for suggestion in line["suggestions"][:3]:
                if {numbers.get(i, i) for i in suggestion["invoice_ids"]} == wanted:
                    result.top3 += 1
                    break
    return result


def write(file: SyntheticFile, fmt: str) -> bytes:
    """The statement laid out in ``fmt``."""
    writers = {"camt.053": write_camt053, "mt940": write_mt940, "bai2": write_bai2}
    return writers[fmt](file.statement)


def outcome_of(container: Container, statement_id: UUID) -> tuple[list[Any], dict[str, set[str]]]:
    """Every line of the statement and, per payment posted, the invoices it settled."""
    assert container.read is not None
    q = container.read.queries
    lines: list[Any] = []
    after: str | None = None
    while True:
        page = q.bank_statement(statement_id, after=after, limit=1000)
        assert page is not None
        lines.extend(page["lines"])
        after = page["next"]
        if after is None:
            break
    settled: dict[str, set[str]] = {}
    for line in lines:
        if line["payment_id"]:
            payment = q.payment(UUID(line["payment_id"]))
            assert payment is not None
            settled[line["payment_id"]] = {a["invoice_id"] for a in payment["allocations"]}
    return lines, settled


@dataclass(frozen=True)
class Timing:
    """One import's wall-clock figures."""

    imported_s: float  # parse to last line decided
    current_s: float  # parse to read models showing every line's outcome


def _start_projector(url: str) -> subprocess.Popen[bytes]:
    """``o2c project`` without Kafka: the read models' writer in its own process."""
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": url,
        "O2C_READ_STORE_URL": url,
        "O2C_PROJECTIONS": "own-process",
        "O2C_LOG_LEVEL": "WARNING",
    }
    env.pop("O2C_KAFKA_BOOTSTRAP", None)
    return spawn(["project"], env)


def run_format(
    dbname: str, fmt: str, count: int, progress: Progress, *, own_process: bool = False
) -> tuple[Score, ImportOutcome, Timing]:
    """One format on a fresh book in database ``dbname``; with ``own_process`` the read models
    are written by ``o2c project`` beside the importing process, else inside it."""
    url = url_for(dbname)
    projections = "own-process" if own_process else "in-process"
    settings = Settings(event_store_url=url, read_store_url=url, projections=projections)
    container = build_container(settings, start_webhooks=False)
    projector = _start_projector(url) if own_process else None
    try:
        assert container.read is not None
        service = container.service
        invoices = max(200, count)
        book = build_book(service, seed=7, invoices=invoices, customers=max(25, count // 10))
        file = statement_file(book, seed=11, lines=count)
        data = write(file, fmt)
        progress(f"bank: {fmt} ({projections}): {invoices} invoices; importing {count} lines")
        if not container.read.wait_for(container.store.last_position(), 300):
            raise TimeoutError("the read models did not catch up with the book")
        started = time.perf_counter()
        statement = read_statement(data, fmt)
        outcome = BankStatementImporter(service).import_statement(
            statement, fmt, CommandContext(actor="bench:bank")
        )
        imported = time.perf_counter() - started
        if not container.read.wait_for(outcome.position, 300):
            raise TimeoutError("the read models did not catch up with the import")
        current = time.perf_counter() - started
        lines, settled = outcome_of(container, outcome.statement_id)
        numbers = {str(v): k for k, v in book.invoice_ids.items()}
        s = score(file, lines, settled, numbers)
    finally:
        if projector is not None:
            stop_all([projector])
        container.close()
    return s, outcome, Timing(imported, current)


def _quality(size: str, s: Score, outcome: ImportOutcome) -> list[Figure]:
    applied = 100.0 * s.auto_applied / max(1, s.postable)
    top3 = 100.0 * s.top3 / max(1, s.queued_invoices)
    note = f"{outcome.applied} posted, {outcome.queued} queued, {outcome.duplicates} duplicates"
    # The top-3 share is only a figure when some line that pays invoices was left queued.
    ranking = [
        Figure(
            "bank",
            size,
            "right invoices in top-3 (queued)",
            top3,
            "%",
            note=f"{s.top3}/{s.queued_invoices} queued lines that pay invoices",
        )
    ]
    return [
        *(ranking if s.queued_invoices else []),
        Figure("bank", size, "auto-applied", applied, "%", note=note),
        Figure(
            "bank",
            size,
            "wrong applications",
            float(s.wrong),
            "lines",
            target="0",
            met=s.wrong == 0,
        ),
    ]


def _speed(size: str, count: int, where: str, timing: Timing, target: bool) -> list[Figure]:
    rate = count / timing.imported_s
    current = count / timing.current_s
    return [
        Figure(
            "bank",
            size,
            f"import, projections {where}",
            rate,
            "lines/s",
            target=">= 1000" if target else "",
            met=rate >= 1000 if target else None,
            note=f"{timing.imported_s:.2f}s parse to last line decided",
        ),
        Figure(
            "bank",
            size,
            f"until read models current, projections {where}",
            current,
            "lines/s",
            note=f"{timing.current_s:.2f}s parse to every line's outcome queryable",
        ),
    ]


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Import the generated statement in each format, each on a fresh book and database: once
    with the projections inside the importing process (embedded), once with ``o2c project``
    writing them in a process of its own (how a server deployment runs)."""
    count = scale.bank_lines
    figures: list[Figure] = []
    for n, fmt in enumerate(scale.bank_formats):
        size = f"{count} lines ({fmt})"
        for own_process in (False, True):
            if n == 0 and not own_process:
                result = run_format(dbname, fmt, count, progress)
            else:
                name = f"o2c_bench_bank_{fmt.replace('.', '')}_{int(own_process)}"
                with temporary_database(name) as other:
                    result = run_format(other, fmt, count, progress, own_process=own_process)
            s, outcome, timing = result
            if not own_process:
                figures.extend(_quality(size, s, outcome))
            elif s.wrong:
                figures.append(
                    Figure(
                        "bank",
                        size,
                        "wrong applications (own process)",
                        float(s.wrong),
                        "lines",
                        target="0",
                        met=False,
                    )
                )
            where = "in own process" if own_process else "in-process"
            figures.extend(_speed(size, count, where, timing, target=own_process))
    return figures
