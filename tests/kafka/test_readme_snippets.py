"""The event-consuming programs of docs/events-and-webhooks.md, run unchanged in a subprocess.

Each is cut out of that page by its ``<!-- snippet: NAME -->`` marker and configured only by
environment variables, as a downstream developer would run it: the Kafka consumer against a real
tansu broker after a small book was relayed (twice in part: at least once), the webhook receiver
on a free port, subscribed through the API, with o2c delivering to it.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.events.envelope import EXTENSION_ATTRIBUTES
from o2c.kafka.relay import relay_until_caught_up
from o2c.webhooks.rules import matches
from tests.api.conftest import auth
from tests.kafka.test_outside_client import (
    Book,
    KafkaApp,
    invoice_state,
    kafka_app,
    open_customer,
    pay,
    sell,
)
from tests.support.broker import TansuBroker
from tests.support.ports import free_port
from tests.support.wait import wait_until
from tests.webhooks.conftest import FAST, sqlite_settings

README = Path(__file__).resolve().parents[2] / "docs" / "events-and-webhooks.md"
MAX_LINES = 20


def snippet(name: str) -> str:
    """The Python block right after ``<!-- snippet: name -->`` in the README."""
    text = README.read_text(encoding="utf-8")
    marker = f"<!-- snippet: {name} -->\n```python\n"
    assert text.count(marker) == 1, f"snippet {name!r} not found once in {README.name}"
    start = text.index(marker) + len(marker)
    return text[start : text.index("\n```\n", start) + 1]


def section(title: str) -> str:
    """One ``# title`` part of the page, up to the next one."""
    text = "\n" + README.read_text(encoding="utf-8")
    start = text.index(f"\n# {title}\n")
    end = text.find("\n# ", start + 1)
    return text[start : end if end > 0 else None]


def test_snippets_are_complete_short_programs() -> None:
    for name in ("kafka-consumer", "webhook-receiver"):
        code = snippet(name)
        assert len(code.splitlines()) <= MAX_LINES, name
        compile(code, name, "exec")


def test_readme_lists_every_extension_attribute_and_header() -> None:
    text = section("Consuming o2c events")
    for name in EXTENSION_ATTRIBUTES:
        assert f"| `{name}` |" in text, name
    for header in ("content-type", "o2c_id", "o2c_type", "o2c_position", "o2c_aggregate"):
        assert f"| `{header}` |" in text, header
    assert "| `o2c_version` |" in text


# ---- the Kafka consumer --------------------------------------------------------------------


def small_book(app: KafkaApp) -> Book:
    """Two customers: a discount, a partial payment, an undone allocation, a credit note."""
    book = Book()
    a, b = open_customer(app, book, "Acme GmbH"), open_customer(app, book, "Beta SA")
    i1 = sell(app, book, a, 2, "500.00", "2026-01-05")
    i2 = sell(app, book, a, 1, "300.00", "2026-01-06")
    pay(app, book, a, "980.00", "2026-01-10", [{"invoice_id": i1}])
    p = pay(app, book, a, "100.00", "2026-01-20", [{"invoice_id": i2}])["payment_id"]
    app.post(f"/v1/payments/{p}/deallocate", {"invoice_id": i2, "reason": "wrong"}, "clerk")
    j1 = sell(app, book, b, 4, "25.00", "2026-01-07")
    app.post(f"/v1/invoices/{j1}/credit-notes", {"amount": "10.00", "reason": "late"}, "clerk")
    pay(app, book, b, "40.00", "2026-02-20")
    app.publish()
    return book


def run_program(
    code: str, tmp_path: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "program.py"
    script.write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_kafka_consumer_snippet_mirrors_every_invoice(
    pg_url: str, kafka_broker: TansuBroker, tmp_path: Path
) -> None:
    with kafka_app(pg_url, kafka_broker) as app:
        book = small_book(app)
        # At least once: the relay publishes the second half of the log again (as after a crash
        # between the broker's acknowledgement and storing its position).
        app.relay.position.save(app.position // 2)
        relay_until_caught_up(app.relay)
        env = {
            "O2C_BOOTSTRAP": app.bootstrap,
            "O2C_GROUP": f"readme-{uuid.uuid4().hex[:8]}",
            "O2C_IDLE_MS": "3000",
        }
        done = run_program(snippet("kafka-consumer"), tmp_path, env, timeout=120)
        assert done.returncode == 0, done.stderr
        mirrored = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(mirrored) == len({m["invoice_id"] for m in mirrored})
        got = {m["invoice_id"]: (m["open_amount"], m["status"]) for m in mirrored}
        assert got == {i: invoice_state(app, i) for i in book.invoices}
        assert {status for _, status in got.values()} == {"open", "settled"}


# ---- the webhook receiver ------------------------------------------------------------------


class Program:
    """A snippet running as a server process; its stdout lines collected as they come."""

    def __init__(self, code: str, tmp_path: Path, env: dict[str, str]) -> None:
        script = tmp_path / "receiver.py"
        script.write_text(code, encoding="utf-8")
        self.stderr = tmp_path / "receiver.err"
        self._err = self.stderr.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(script)],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=self._err,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        self._err.close()


@contextmanager
def receiver(tmp_path: Path, secret: str, port: int) -> Iterator[Program]:
    program = Program(
        snippet("webhook-receiver"), tmp_path, {"O2C_WEBHOOK_SECRET": secret, "PORT": str(port)}
    )
    try:
        wait_until(lambda: _listening(port) or program.proc.poll() is not None, 30)
        assert program.proc.poll() is None, program.stderr.read_text()
        yield program
    finally:
        program.stop()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def post_raw(port: int, body: str, headers: dict[str, str]) -> int:
    """POST to the receiver as an attacker would; the status code."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/o2c", body=body.encode(), headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def tampered_requests(secret: str, event: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Deliveries the receiver must refuse: each (body, headers)."""
    body = json.dumps(event, separators=(",", ":"))
    now = datetime.now(UTC)

    def signed(msg_id: str, at: datetime, text: str) -> dict[str, str]:
        return {
            "content-type": "application/cloudevents+json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, text),
        }

    good = signed("forged-1", now, body)
    other_key = Webhook("whsec_" + "A" * 43).sign("forged-2", now, body)
    return [
        (body.replace("100.00", "0.00"), good),  # the body changed after signing
        (body, {**signed("forged-2", now, body), "webhook-signature": other_key}),
        (body, {**good, "webhook-signature": "not-a-signature"}),  # malformed
        (body, signed("forged-3", now - timedelta(minutes=10), body)),  # replayed late
        (body, {"content-type": "application/cloudevents+json"}),  # unsigned
    ]


def test_webhook_receiver_snippet_verifies_dedupes_and_refuses_forgeries(tmp_path: Path) -> None:
    container = build_container(sqlite_settings(tmp_path), webhook_policy=FAST)
    port = free_port()
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            sub = subscribe(client, f"http://127.0.0.1:{port}/o2c")
            with receiver(tmp_path, sub["secret"], port) as program:
                cid = _sell_and_pay(client)
                expected = [
                    e.event_id
                    for e in container.store.read_all(sub["position"])
                    if matches(e, sub["types"], None)
                ]
                assert len(expected) >= 4
                wait_until(lambda: len(program.lines) >= len(expected), 30)
                assert handled(program) == expected

                # A replay resends the same webhook-ids: acknowledged (204) again, handled once.
                replay = {"from_position": sub["position"] + 1}
                path = f"/v1/webhooks/{sub['webhook_id']}/replay"
                again = client.post(path, json=replay, headers=auth("admin"))
                assert again.status_code == 200, again.text
                ok = 2 * len(expected)
                wait_until(lambda: acknowledged(client, sub["webhook_id"]) == ok, 30)
                assert handled(program) == expected

                data = {"open_amount": "100.00", "status": "open"}
                event = {"id": "x", "type": "o2c.invoice.issued.v1", "subject": cid, "data": data}
                for body, headers in tampered_requests(sub["secret"], event):
                    status = post_raw(port, body, headers)
                    assert 400 <= status < 500, (headers, status)
                assert handled(program) == expected
                assert program.proc.poll() is None  # still serving
    finally:
        container.close()


def subscribe(client: TestClient, url: str) -> dict[str, Any]:
    """``POST /v1/webhooks`` for the invoice and payment events; the answer (with the secret)."""
    body = {"url": url, "types": ["o2c.invoice.*", "o2c.payment.*"]}
    created = client.post("/v1/webhooks", json=body, headers=auth("admin"))
    assert created.status_code == 201, created.text
    sub: dict[str, Any] = created.json()
    return sub


def handled(program: Program) -> list[str]:
    """The webhook-ids the receiver handled (printed), in order; each line ``id type subject``."""
    ids = []
    for line in list(program.lines):
        webhook_id, event_type, _subject = line.split()
        assert event_type.startswith(("o2c.invoice.", "o2c.payment.")), line
        ids.append(webhook_id)
    return ids


def _sell_and_pay(client: TestClient) -> str:
    """A customer, an invoice and a payment on it, through the API; the customer id."""

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body, headers=auth("admin"))
        assert response.status_code in (200, 201), response.text
        data: dict[str, Any] = response.json()
        return data

    customer = {"name": "Acme", "currency": "EUR", "credit_limit": "1000.00"}
    cid = str(post("/v1/customers", customer)["customer_id"])
    line = {"sku": "A", "quantity": 2, "unit_price": "50.00"}
    order = post("/v1/orders", {"customer_id": cid, "ordered_on": "2026-01-02", "lines": [line]})
    shipment = {"lines": [{"sku": "A", "quantity": 2}], "shipped_on": "2026-01-03"}
    post(f"/v1/orders/{order['order_id']}/shipments", shipment)
    post(f"/v1/orders/{order['order_id']}/invoices", {"issued_on": "2026-01-04"})
    post("/v1/payments", {"customer_id": cid, "amount": "40.00", "received_on": "2026-01-20"})
    return cid


def acknowledged(client: TestClient, webhook_id: str) -> int:
    response = client.get(
        f"/v1/webhooks/{webhook_id}/deliveries", params={"limit": 1000}, headers=auth("auditor")
    )
    assert response.status_code == 200, response.text
    return sum(1 for a in response.json()["items"] if a["ok"])
