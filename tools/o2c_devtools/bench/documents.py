"""Documents: invoice PDFs rendered, and a billing-size send to a real SMTP server.

* **invoice PDFs/s** — the Factur-X PDF of one recorded 10-line invoice, read from the event store
  and rendered as ``GET /v1/invoices/{id}/pdf`` does, in one process per core. The raw limit is
  Typst alone compiling a one-line page in as many processes: what no o2c code touches.
* **issue + queue/s** — invoices issued through the application service for customers whose
  billing policy sends: each save renders the PDF and queues its delivery (two threads).
* **sent/s** — ``o2c deliver --drain`` processes (1, then 2) sending every queued invoice to an
  ``aiosmtpd`` server on loopback, until the server holds every message; the figure is reported
  with the count received, which must equal the count queued. The raw limit is ``smtplib``
  sending the same message to the same server from as many processes, without o2c.
"""

from __future__ import annotations

import multiprocessing
import os
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

from aiosmtpd.controller import Controller

from o2c import commands as c
from o2c.application.context import CommandContext
from o2c.application.invoice_pdfs import invoice_pdf
from o2c.bootstrap import build_container, build_event_store
from o2c.config import Settings
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale
from o2c_devtools.ports import free_port

Progress = Callable[[str], None]
SCENARIO = "documents"
ISSUED_ON = date(2026, 11, 2)
SELLER: dict[str, Any] = {
    "legal_name": "Bench Handels GmbH",
    "address": {
        "lines": ["Friedrichstr. 1"],
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    },
    "vat_id": "DE136695976",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
}
CORES = max(1, min(2, os.cpu_count() or 1))


class _Counter:
    """An SMTP handler that only counts what it accepts."""

    def __init__(self) -> None:
        self.received = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received += 1
        return "250 OK"


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Render, issue and send at this scale's size (``documents`` invoices)."""
    handler = _Counter()
    port = free_port()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        url = url_for(dbname)
        figures = _issue(url, port, scale, progress)
        raw = _raw_smtp(port, scale.documents, handler, progress)
        ours = _send_with(url, port, scale, handler, progress)
        ours.baseline, ours.ratio = raw.value, ours.value / raw.value
        return [*figures, ours, raw]
    finally:
        server.stop()


def _issue(url: str, port: int, scale: Scale, progress: Progress) -> list[Figure]:
    """The rendering figure, then ``scale.documents`` invoices issued and queued for sending
    (by e-mail: the SMTP server is configured when they are queued)."""
    count = scale.documents
    settings = Settings(
        event_store_url=url, read_store_url=url, smtp_url=f"smtp://127.0.0.1:{port}"
    )
    container = build_container(settings, start_webhooks=False, start_delivery=False)
    try:
        service = container.service
        ctx = CommandContext(actor="bench:documents")
        service.handle(c.ReplaceCompanyProfile.model_validate(SELLER), ctx)
        first = _issue_invoices(service, 1, send=False)[0]
        figures = _rendering(url, first, max(CORES * 8, count // 10), progress)
        progress(f"documents: issuing {count} invoices that are sent")
        started = time.perf_counter()
        _issue_invoices(service, count, send=True, threads=2)
        issued = time.perf_counter() - started
        figures.append(
            Figure(SCENARIO, scale.name, "issue + render + queue", count / issued, "invoices/s")
        )
        return figures
    finally:
        container.close()


def _issue_invoices(service: Any, count: int, *, send: bool, threads: int = 1) -> list[UUID]:
    ctx = CommandContext(actor="bench:documents")
    opened = service.handle(
        c.OpenAccount(
            name="Kunde",
            currency="EUR",
            credit_limit=10**9,
            payment_terms=c.PaymentTermsIn(net_days=30),
            legal_name="Kunde AG",
            address=c.AddressIn(lines=["Marienplatz 8"], city="München", country="DE"),
            contacts=[c.ContactIn(role="billing", email="ap@kunde.example")],
            billing_policy=c.BillingPolicyIn(send=send),
        ),
        ctx,
    ).body
    customer = UUID(opened["customer_id"])
    ids: list[UUID] = []
    lock = threading.Lock()

    def issue(n: int) -> None:
        for _ in range(n):
            invoice_id = _one_invoice(service, customer, ctx)
            with lock:
                ids.append(invoice_id)

    share = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=issue, args=(n,)) for n in share]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return ids


def _one_invoice(service: Any, customer: UUID, ctx: CommandContext) -> UUID:
    lines = [
        c.OrderLineIn(sku=f"SKU-{i}", description=f"Article {i}", quantity=i + 1, unit_price="9.90")
        for i in range(10)
    ]
    order = service.handle(
        c.PlaceOrder(customer_id=customer, lines=lines, ordered_on=ISSUED_ON), ctx
    ).body
    order_id = UUID(order["order_id"])
    shipped = [c.ShipmentLineIn(sku=f"SKU-{i}", quantity=i + 1) for i in range(10)]
    service.handle(c.ShipOrder(order_id=order_id, lines=shipped, shipped_on=ISSUED_ON), ctx)
    body = service.handle(c.InvoiceOrder(order_id=order_id, issued_on=ISSUED_ON), ctx).body
    return UUID(body["invoice_id"])


# ---- rendering --------------------------------------------------------------------------------


def _render_ours(url: str, invoice_id: str, n: int, results: Any) -> None:
    store = build_event_store(Settings(event_store_url=url, read_store_url=url))
    try:
        invoice_pdf(store, UUID(invoice_id))  # warm: imports, fonts, the Typst world
        started = time.perf_counter()
        for _ in range(n):
            invoice_pdf(store, UUID(invoice_id))
        results.put(time.perf_counter() - started)
    finally:
        store.close()


def _render_raw(n: int, results: Any) -> None:
    import typst

    source = b'#set page(paper: "a4")\nInvoice 1 of the raw limit: one line of text.'
    typst.compile(source)
    started = time.perf_counter()
    for _ in range(n):
        typst.compile(source)
    results.put(time.perf_counter() - started)


def _timed_pool(target: Callable[..., None], args: tuple[Any, ...], n: int) -> float:
    """Documents per second of ``CORES`` spawned processes rendering ``n`` in all, each timed
    after a first, warming render (a server renders warm)."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    share = n // CORES
    processes = [spawn.Process(target=target, args=(*args, share, results)) for _ in range(CORES)]
    for process in processes:
        process.start()
    elapsed = [float(results.get(timeout=3600)) for _ in processes]
    for process in processes:
        process.join()
    return share * CORES / max(elapsed)


def _rendering(url: str, invoice_id: UUID, n: int, progress: Progress) -> list[Figure]:
    progress(f"documents: rendering {n} invoice PDFs in {CORES} processes")
    ours = _timed_pool(_render_ours, (url, str(invoice_id)), n)
    raw = _timed_pool(_render_raw, (), n)
    return [
        Figure(
            SCENARIO,
            f"{n} PDFs",
            "invoice PDFs, one process per core",
            ours,
            "PDFs/s",
            baseline=raw,
            ratio=ours / raw,
            target=">= 40 PDFs/s",
            met=ours >= 40,
            note=f"{CORES} processes, warm; raw = Typst alone, a one-line page",
        )
    ]


# ---- sending ----------------------------------------------------------------------------------


def _send_with(url: str, port: int, scale: Scale, handler: _Counter, progress: Progress) -> Figure:
    count = scale.documents
    progress(f"documents: o2c deliver sending {count} invoices")
    before = handler.received
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": url,
        "O2C_READ_STORE_URL": url,
        "O2C_SMTP_URL": f"smtp://127.0.0.1:{port}",
        "O2C_LOG_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "o2c.cli.main", "deliver", "--drain", "--timeout", "3600"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    elapsed = time.perf_counter() - started
    received = handler.received - before
    return Figure(
        SCENARIO,
        f"{scale.name}: {count} invoices",
        "sent by one o2c deliver process",
        received / elapsed,
        "messages/s",
        met=received == count,
        target=f"every message received ({count})",
        note=f"received {received} of {count}; process start-up included",
    )


def _raw_smtp(port: int, count: int, handler: _Counter, progress: Progress) -> Figure:
    progress(f"documents: raw smtplib sending {count} messages")
    before = handler.received
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@b.example", "c@d.example", "raw"
    message.set_content("raw limit")
    message.add_attachment(os.urandom(60_000), maintype="application", subtype="pdf")
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for _ in range(count):
            message.replace_header("Subject", f"raw {uuid4()}")
            smtp.send_message(message)
    elapsed = time.perf_counter() - started
    sent = handler.received - before
    return Figure(
        SCENARIO, f"{count} messages", "raw smtplib, one connection", sent / elapsed, "messages/s"
    )
