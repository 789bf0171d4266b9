"""The public topics as a downstream developer sees them: outside clients only.

A full order-to-cash book for two customers runs through the HTTP API in Kafka mode and is
relayed with the service's own ``public_url``. Then no o2c code reads the topics: aiokafka reads
every message of ``o2c.invoices.v1`` and ``o2c.payments.v1``, the official CloudEvents SDK's
auto-detecting Kafka reader parses each one, its ``dataschema`` is fetched from the API without
a token and ``jsonschema`` validates its ``data``. Folding the topics then gives what the API
shows: the last event per invoice its open amount and status, the last event per payment its
unapplied cash, and allocations minus deallocations each invoice's paid amount.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from cloudevents.core.bindings import kafka
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c.kafka.projector import Projector
from o2c.kafka.relay import Relay, relay_until_caught_up
from o2c.kafka.relay_position import RelayPosition
from tests.api.conftest import TOKENS, auth
from tests.kafka.conftest import running
from tests.support.broker import TansuBroker
from tests.support.wait import wait_until

PUBLIC_URL = "https://o2c.example.test"  # not where the TestClient answers: only its path is used
GROUP = "o2c-outside"
INVOICES, PAYMENTS = "o2c.invoices.v1", "o2c.payments.v1"
PAYMENT_TYPES = {
    f"o2c.payment.{t}.v1" for t in ("received", "allocated", "deallocated", "reversed")
}
# Net 30, 2 % off when paid within 10 days.
TERMS = {"net_days": 30, "discount_percent": "2", "discount_days": 10}


@dataclass
class KafkaApp:
    """The API in Kafka mode, its relay, and the position of the last command sent."""

    container: Container
    client: TestClient
    relay: Relay
    bootstrap: str
    position: int = 0

    def post(self, path: str, body: dict[str, Any], role: str = "admin") -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=auth(role))
        assert response.status_code in (200, 201), (path, response.text)
        data: dict[str, Any] = response.json()
        self.position = max(self.position, int(data["position"]))
        return data

    def get(self, path: str) -> dict[str, Any]:
        """A query that waits (bounded) for the last command's position."""
        params = {"min_position": self.position}
        response = self.client.get(path, params=params, headers=auth("auditor"))
        assert response.status_code == 200, (path, response.text)
        data: dict[str, Any] = response.json()
        return data

    def publish(self) -> None:
        """Relay the event log and wait until the projector applied all of it."""
        relay_until_caught_up(self.relay)
        read = self.container.read
        assert read is not None
        wait_until(lambda: read.wait_for(self.position, 0.2))


@contextmanager
def kafka_app(pg_url: str, broker: TansuBroker) -> Iterator[KafkaApp]:
    """API (no in-process projection), relay and a projector thread on one PostgreSQL db."""
    settings = Settings(
        event_store_url=pg_url,
        read_store_url=pg_url,
        kafka_bootstrap=broker.bootstrap,
        kafka_partitions=3,
        kafka_group=GROUP,
        api_tokens=dict(TOKENS),
        public_url=PUBLIC_URL,
    )
    container = build_container(settings, start_webhooks=False)
    assert container.read is not None and container.read.runner is None  # Kafka mode
    position = RelayPosition(pg_url)
    relay = Relay(
        container.store,
        broker.bootstrap,
        position,
        partitions=3,
        batch=50,
        ack_timeout=3.0,
        public_url=settings.public_url,
    )
    projector = Projector(container.read.engine, broker.bootstrap, GROUP)
    try:
        with (
            TestClient(create_app(container), raise_server_exceptions=False) as client,
            running(projector),
        ):
            yield KafkaApp(container, client, relay, broker.bootstrap)
    finally:
        relay.close()
        position.close()
        container.close()


# ---- the book, through HTTP only -----------------------------------------------------------


@dataclass
class Book:
    """Ids of what the book created, and the few facts the assertions look for."""

    customers: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)


def open_customer(app: KafkaApp, book: Book, name: str) -> str:
    body = {"name": name, "currency": "EUR", "credit_limit": "100000.00", "payment_terms": TERMS}
    cid = str(app.post("/v1/customers", body, "credit")["customer_id"])
    book.customers.append(cid)
    return cid


def sell(app: KafkaApp, book: Book, cid: str, quantity: int, price: str, day: str) -> str:
    """Order, ship everything and invoice it on ``day``; returns the invoice id."""
    line = {"sku": "SKU-1", "quantity": quantity, "unit_price": price}
    order = app.post("/v1/orders", {"customer_id": cid, "ordered_on": day, "lines": [line]})
    assert order["status"] == "approved", order
    oid = order["order_id"]
    shipment = {"lines": [{"sku": "SKU-1", "quantity": quantity}], "shipped_on": day}
    app.post(f"/v1/orders/{oid}/shipments", shipment, "clerk")
    invoice = app.post(f"/v1/orders/{oid}/invoices", {"issued_on": day}, "clerk")
    book.invoices.append(str(invoice["invoice_id"]))
    return str(invoice["invoice_id"])


def pay(
    app: KafkaApp,
    book: Book,
    cid: str,
    amount: str,
    day: str,
    allocations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"customer_id": cid, "amount": amount, "received_on": day}
    if allocations is not None:
        body["allocations"] = allocations
    payment = app.post("/v1/payments", body, "clerk")
    book.payments.append(str(payment["payment_id"]))
    return payment


def invoice_state(app: KafkaApp, invoice_id: str) -> tuple[str, str]:
    got = app.get(f"/v1/invoices/{invoice_id}")
    return got["open_amount"], got["status"]


def run_book(app: KafkaApp) -> Book:
    """Two customers' year: every kind of fact the invoice and payment topics carry."""
    book = Book()
    acme, beta = open_customer(app, book, "Acme GmbH"), open_customer(app, book, "Beta SA")
    i1 = sell(app, book, acme, 10, "100.00", "2026-01-05")  # due 02-04, 20.00 off until 01-15
    i2 = sell(app, book, acme, 5, "200.00", "2026-01-10")  # due 02-09
    i3 = sell(app, book, acme, 3, "100.00", "2026-01-12")  # due 02-11
    # Explicit allocation inside the discount window: 980.00 settles 1000.00.
    p1 = pay(app, book, acme, "980.00", "2026-01-14", [{"invoice_id": i1}])
    assert p1["unapplied"] == "0.00" and p1["allocations"][0]["discount"] == "20.00", p1
    # Auto-applied, oldest due first, to i2; then undone and applied to i3 instead.
    p2 = pay(app, book, acme, "500.00", "2026-02-20")["payment_id"]
    app.post(f"/v1/payments/{p2}/deallocate", {"invoice_id": i2, "reason": "misapplied"}, "clerk")
    allocation = {"allocations": [{"invoice_id": i3, "amount": "300.00"}]}
    app.post(f"/v1/payments/{p2}/allocations", allocation, "clerk")
    app.post(f"/v1/invoices/{i2}/credit-notes", {"amount": "100.00", "reason": "damaged"}, "clerk")
    app.post(f"/v1/invoices/{i2}/dispute", {"reason": "quantity"}, "clerk")
    app.post(f"/v1/invoices/{i2}/resolve-dispute", {"resolution": "accepted"}, "clerk")
    p3 = pay(app, book, acme, "900.00", "2026-03-01", [{"invoice_id": i2}])["payment_id"]
    app.publish()
    assert invoice_state(app, i2) == ("0.00", "settled")
    app.post(f"/v1/payments/{p3}/reverse", {"reason": "NSF", "reversed_on": "2026-03-05"}, "clerk")
    book.facts.update(deallocated=i2, deallocated_by=p2, reversed=i2, reversed_by=p3)

    j1 = sell(app, book, beta, 4, "250.00", "2026-01-08")
    pay(app, book, beta, "400.00", "2026-02-01")  # auto-applied: j1 open 600.00
    write_off = {"reason": "insolvent", "written_off_on": "2026-02-15"}
    app.post(f"/v1/invoices/{j1}/write-off", write_off, "credit")
    j2 = sell(app, book, beta, 2, "150.00", "2026-02-01")  # 6.00 off until 02-11
    pay(app, book, beta, "294.00", "2026-02-05")  # auto-applied with the discount: settles j2
    j3 = sell(app, book, beta, 1, "500.00", "2026-02-02")
    app.post(f"/v1/invoices/{j3}/dispute", {"reason": "never arrived"}, "clerk")
    pay(app, book, beta, "50.00", "2026-02-03", [{"invoice_id": j3, "amount": "50.00"}])
    pay(app, book, beta, "75.00", "2026-02-04")  # j3 disputed: nothing to apply to
    book.facts.update(written_off=j1, discounted=j2)

    app.publish()  # the dunning run lists customers from the read models
    run = app.post("/v1/dunning/runs", {"as_of": "2026-03-20"}, "clerk")
    assert run["reminders_sent"] >= 1, run  # i2 (reopened, 39 days overdue); j3 is disputed
    app.publish()
    return book


# ---- reading the topics: aiokafka only -----------------------------------------------------


async def _read_topics(bootstrap: str, topics: list[str]) -> list[ConsumerRecord[Any, Any]]:
    """Every message of ``topics``, without a consumer group: assign, seek, read to the end."""
    async with AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False) as consumer:
        tps = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        assert {tp.topic for tp in tps} == set(topics), "topics missing on the broker"
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[Any, Any]] = []
        # tansu reports the base offset of a partition's last batch + 1 as its end: read to
        # there, then until nothing more comes (the rest of that batch).
        async with asyncio.timeout(60):
            while [tp for tp in tps if await consumer.position(tp) < ends[tp]] or not records:
                batch = await consumer.getmany(timeout_ms=2000)
                assert batch or records, "no message arrived"
                records.extend(r for part in batch.values() for r in part)
            while batch := await consumer.getmany(timeout_ms=500):
                records.extend(r for part in batch.values() for r in part)
    return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))


def read_topics(bootstrap: str, topics: list[str]) -> dict[str, list[ConsumerRecord[Any, Any]]]:
    """Messages per topic, in partition and offset order."""
    by_topic: dict[str, list[ConsumerRecord[Any, Any]]] = {t: [] for t in topics}
    for record in asyncio.run(_read_topics(bootstrap, topics)):
        by_topic[record.topic].append(record)
    return by_topic


# ---- checking one message as a consumer would ----------------------------------------------


@dataclass(frozen=True)
class Received:
    """One message as the CloudEvents SDK read it."""

    topic: str
    key: str
    attributes: dict[str, Any]
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.attributes["type"])


def parse(record: ConsumerRecord[Any, Any]) -> Received:
    """The SDK's auto-detecting reader; no ``ce_*`` header, so it must read structured mode."""
    headers = {name: bytes(value) for name, value in record.headers}
    assert not [name for name in headers if name.lower().startswith("ce_")], headers
    assert headers["content-type"].startswith(b"application/cloudevents+json")
    event = kafka.from_kafka_event(kafka.KafkaMessage(headers, record.key, record.value))
    attributes = dict(event.get_attributes())
    assert attributes["specversion"] == "1.0"
    assert headers["o2c_id"].decode() == attributes["id"]
    assert headers["o2c_type"].decode() == attributes["type"]
    assert int(headers["o2c_position"]) == attributes["o2cposition"]
    data = event.get_data()
    whole = json.loads(record.value)  # structured mode: the value is the event, data inside it
    assert attributes["id"] == whole["id"] and data == whole["data"]
    assert isinstance(data, dict)
    return Received(record.topic, record.key.decode(), attributes, data)


class Schemas:
    """Each ``dataschema`` fetched once from the API, without a token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.validators: dict[str, Draft202012Validator] = {}

    def validator(self, url: str) -> Draft202012Validator:
        if url not in self.validators:
            parts = urlparse(url)
            assert parts.scheme in ("http", "https") and parts.netloc, f"not absolute: {url}"
            response = self.client.get(parts.path)  # no Authorization header
            assert response.status_code == 200, (url, response.text)
            schema = response.json()
            assert schema["$id"] == url
            Draft202012Validator.check_schema(schema)
            checker = Draft202012Validator.FORMAT_CHECKER
            self.validators[url] = Draft202012Validator(schema, format_checker=checker)
        return self.validators[url]


def check_message(received: Received, schemas: Schemas) -> None:
    """What every message of a public topic promises a consumer."""
    attributes = received.attributes
    assert attributes["dataschema"] == f"{PUBLIC_URL}/v1/schemas/{received.type}"
    schemas.validator(attributes["dataschema"]).validate(received.data)
    assert received.key == attributes["o2ccustomer"]
    if received.topic == INVOICES:
        assert received.type.startswith("o2c.invoice.")
        assert received.data["status"] in ("open", "settled", "written_off")
        Decimal(received.data["open_amount"])
    else:
        assert received.type in PAYMENT_TYPES, received.type
        Decimal(received.data["unapplied"])


# ---- folding the topics ----------------------------------------------------------------------


def last_by(events: list[Received], key: str | None = None) -> dict[str, Received]:
    """Each entity's last event (dedupe by id first); ``key``: a data field, else the subject."""
    seen: set[str] = set()
    last: dict[str, Received] = {}
    for e in events:
        if e.attributes["id"] in seen:
            continue
        seen.add(e.attributes["id"])
        last[e.data[key] if key else e.attributes["subject"]] = e
    return last


def applied_per_invoice(payments: list[Received]) -> dict[str, tuple[Decimal, Decimal]]:
    """(cash, discount) per invoice: allocations minus deallocations on ``o2c.payments.v1``."""
    sums: dict[str, tuple[Decimal, Decimal]] = defaultdict(lambda: (Decimal(0), Decimal(0)))
    for e in {e.attributes["id"]: e for e in payments}.values():
        sign = {"o2c.payment.allocated.v1": 1, "o2c.payment.deallocated.v1": -1}.get(e.type)
        if sign is not None:
            cash, discount = sums[e.data["invoice_id"]]
            change = (sign * Decimal(e.data["amount"]), sign * Decimal(e.data["discount"]))
            sums[e.data["invoice_id"]] = (cash + change[0], discount + change[1])
    return sums


def applied_per_payment(payments: list[Received], payment_id: str) -> dict[str, Decimal]:
    """Cash of one payment on each invoice it is still applied to, from the topic."""
    cash: dict[str, Decimal] = defaultdict(Decimal)
    for e in {e.attributes["id"]: e for e in payments}.values():
        if e.data["payment_id"] == payment_id and "invoice_id" in e.data:
            sign = -1 if e.type == "o2c.payment.deallocated.v1" else 1
            cash[e.data["invoice_id"]] += sign * Decimal(e.data["amount"])
    return {invoice: amount for invoice, amount in cash.items() if amount}


def audited_ids(app: KafkaApp, customer: str, prefix: str) -> set[str]:
    """Ids of the customer's events of a type family, from the audit API."""
    page = app.get(f"/v1/audit/customers/{customer}/events?limit=1000")
    assert page["next"] is None
    return {e["id"] for e in page["events"] if e["type"].startswith(prefix)}


# ---- the checks ---------------------------------------------------------------------------


def check_complete(app: KafkaApp, book: Book, events: list[Received]) -> None:
    """Every invoice and payment event of the log is on its topic, and nothing else."""
    for cid in book.customers:
        on_kafka = {e.attributes["id"] for e in events if e.key == cid}
        expected = audited_ids(app, cid, "o2c.invoice.") | audited_ids(app, cid, "o2c.payment.")
        assert on_kafka == expected, cid


def check_invoice_states(app: KafkaApp, book: Book, invoices: list[Received]) -> None:
    """The last event per invoice is the invoice's state."""
    last = last_by(invoices)
    assert set(last) == set(book.invoices)
    for invoice_id, event in last.items():
        want = (event.data["open_amount"], event.data["status"])
        assert want == invoice_state(app, invoice_id), invoice_id
    assert {e.data["status"] for e in last.values()} == {"open", "settled", "written_off"}


def check_payment_states(app: KafkaApp, book: Book, payments: list[Received]) -> None:
    """The last event per payment is its unapplied cash; the topic gives its allocations."""
    last = last_by(payments, "payment_id")
    assert set(last) == set(book.payments)
    for payment_id, event in last.items():
        got = app.get(f"/v1/payments/{payment_id}")
        assert event.data["unapplied"] == got["unapplied"], payment_id
        allocations = {a["invoice_id"]: Decimal(a["amount"]) for a in got["allocations"]}
        assert applied_per_payment(payments, payment_id) == allocations, payment_id


def check_paid(app: KafkaApp, book: Book, payments: list[Received]) -> None:
    """Summing o2c.payments.v1 counts every fact once: per invoice, its paid and discount."""
    applied = applied_per_invoice(payments)
    for invoice_id in book.invoices:
        got = app.get(f"/v1/invoices/{invoice_id}")
        want = (Decimal(got["paid"]), Decimal(got["discount_taken"]))
        assert applied[invoice_id] == want, invoice_id
    assert applied[book.facts["discounted"]][1] > 0


def check_given_back(book: Book, invoices: list[Received], payments: list[Received]) -> None:
    """A bounced payment and an undone allocation are two facts on the invoice topic; the
    invoice's side of a payment stays there."""
    f = book.facts
    facts = {(e.type, e.attributes["subject"], e.data.get("payment_id")) for e in invoices}
    bounced = ("o2c.invoice.payment_reversed.v1", f["reversed"], f["reversed_by"])
    undone = ("o2c.invoice.payment_deallocated.v1", f["deallocated"], f["deallocated_by"])
    assert bounced in facts and undone in facts
    story = [e for e in invoices if e.attributes["subject"] == f["reversed"]]
    at = next(i for i, e in enumerate(story) if e.type == bounced[0])
    assert story[at - 1].data["status"] == "settled" and story[at].data["status"] == "open"
    assert "o2c.invoice.payment_applied.v1" not in {e.type for e in payments}
    assert {e.type for e in payments} == PAYMENT_TYPES


# ---- the test ------------------------------------------------------------------------------


def test_outside_client_reads_and_folds_the_public_topics(
    pg_url: str, kafka_broker: TansuBroker
) -> None:
    with kafka_app(pg_url, kafka_broker) as app:
        book = run_book(app)
        topics = read_topics(app.bootstrap, [INVOICES, PAYMENTS])
        schemas = Schemas(app.client)
        invoices = [parse(r) for r in topics[INVOICES]]
        payments = [parse(r) for r in topics[PAYMENTS]]
        for received in invoices + payments:
            check_message(received, schemas)
        check_complete(app, book, invoices + payments)
        check_invoice_states(app, book, invoices)
        check_payment_states(app, book, payments)
        check_paid(app, book, payments)
        check_given_back(book, invoices, payments)
