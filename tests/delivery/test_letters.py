"""Reminder letters and statements, end to end: a dunning run or a statement run through the API,
the letters sent by the in-process worker to a real SMTP server on loopback (or written to the
outbox), the PDFs opened with pikepdf and read with pdftotext."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.api.conftest import TOKENS, auth
from tests.delivery.conftest import Mailbox
from tests.delivery.test_bounces import dsn
from tests.documents.pdf_tools import require_poppler, text_of

COMPANY = {
    "legal_name": "Seller GmbH",
    "address": {
        "lines": ["Unter den Linden 1"],
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DE",
    },
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "email": "billing@seller.example",
}
DUNNING_DAY, LATER_DUNNING_DAY = "2026-03-20", "2026-04-10"


def post(client: TestClient, path: str, body: dict[str, Any], role: str = "admin") -> Any:
    response = client.post(path, json=body, headers=auth(role))
    assert response.status_code in (200, 201), response.text
    return response.json()


def get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=auth("clerk"))
    assert response.status_code == 200, response.text
    return response.json()


def customer(client: TestClient, name: str, language: str, contacts: list[dict[str, str]]) -> str:
    opened = post(
        client,
        "/v1/customers",
        {
            "name": name,
            "currency": "EUR",
            "credit_limit": "100000",
            "payment_terms": {"net_days": 30},
        },
    )
    cid = str(opened["customer_id"])
    details = {
        "legal_name": f"{name} SA",
        "address": {
            "lines": ["1 rue de la Paix"],
            "city": "Paris",
            "postal_code": "75002",
            "country": "FR" if language == "fr" else "DE",
        },
        "language": language,
        "contacts": contacts,
    }
    response = client.patch(f"/v1/customers/{cid}", json=details, headers=auth("credit"))
    assert response.status_code == 200, response.text
    return cid


def invoice(client: TestClient, cid: str, price: str) -> dict[str, Any]:
    line = {"sku": "A", "quantity": 1, "unit_price": price}
    order = post(client, "/v1/orders", {"customer_id": cid, "lines": [line]})
    oid = order["order_id"]
    post(client, f"/v1/orders/{oid}/shipments", {"lines": [{"sku": "A", "quantity": 1}]})
    return dict(post(client, f"/v1/orders/{oid}/invoices", {"issued_on": "2026-01-05"}))


@pytest.fixture
def book() -> Iterator[None]:
    require_poppler()
    yield


def office(tmp_path: Path, **settings: Any) -> Iterator[TestClient]:
    container = build_container(
        Settings(
            event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
            read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
            outbox_dir=str(tmp_path / "outbox"),
            mail_from="ar@seller.example",
            api_tokens=dict(TOKENS),
            **settings,
        )
    )
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client
    finally:
        container.close()


@pytest.fixture
def mailed(
    tmp_path: Path, mailbox: tuple[Mailbox, str], book: None
) -> Iterator[tuple[TestClient, Mailbox]]:
    """An embedded server sending over SMTP to the loopback server."""
    box, url = mailbox
    for client in office(tmp_path, smtp_url=url):
        yield client, box


def seed(client: TestClient) -> dict[str, Any]:
    """The seller; a German customer with a dunning contact and two overdue invoices, a French
    one with only a billing contact, one without contacts."""
    response = client.put("/v1/company", json=COMPANY, headers=auth("admin"))
    assert response.status_code == 200, response.text
    de = customer(
        client,
        "Kunde",
        "de",
        [
            {"role": "dunning", "name": "Mahnwesen", "email": "mahnung@kunde.example"},
            {"role": "billing", "name": "Buchhaltung", "email": "rechnung@kunde.example"},
        ],
    )
    fr = customer(
        client,
        "Client",
        "fr",
        [{"role": "billing", "name": "Compta", "email": "compta@client.example"}],
    )
    silent = customer(client, "Silent", "en", [])
    return {
        "de": de,
        "fr": fr,
        "silent": silent,
        "de_invoices": [invoice(client, de, "120.00"), invoice(client, de, "80.50")],
        "fr_invoice": invoice(client, fr, "300.00"),
        "silent_invoice": invoice(client, silent, "10.00"),
    }


def pdf_of(message: EmailMessage) -> bytes:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    content = parts[0].get_content()
    assert isinstance(content, bytes)
    return content


def to_of(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if str(m["To"]) == address]


def deliveries(client: TestClient, cid: str) -> list[dict[str, Any]]:
    return list(get(client, "/v1/deliveries", customer_id=cid)["items"])


def recorded_sent(client: TestClient, cid: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The customer's deliveries once the worker recorded each as sent: the SMTP server holds
    a message a moment before the worker records it."""
    deadline = time.monotonic() + timeout
    while True:
        found = deliveries(client, cid)
        if all(d["status"] == "sent" for d in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_a_dunning_run_mails_each_customer_one_reminder_letter_in_their_language(
    mailed: tuple[TestClient, Mailbox],
) -> None:
    client, box = mailed
    book = seed(client)
    run = post(client, "/v1/dunning/runs", {"as_of": DUNNING_DAY}, role="clerk")
    letters = {letter["customer_id"]: letter for letter in run["letters"]}
    assert letters[book["de"]]["status"] == "queued"
    assert letters[book["de"]]["to"] == "mahnung@kunde.example"
    assert letters[book["fr"]]["to"] == "compta@client.example"  # the billing fallback
    assert letters[book["silent"]]["status"] == "no_contact"

    messages = box.wait_for(2)
    german = to_of(messages, "mahnung@kunde.example")
    assert len(german) == 1
    pdf = pdf_of(german[0])
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert len(opened.pages) >= 1
    text = text_of(pdf, layout=True)
    assert "Zahlungserinnerung" in text
    for sold in book["de_invoices"]:
        assert sold["number"] in text
    # gross: the customers are German, the seller too (19 % VAT on 120.00 and 80.50)
    assert "142,80" in text and "95,80" in text
    french = text_of(pdf_of(to_of(messages, "compta@client.example")[0]))
    assert "Rappel de paiement" in french and book["fr_invoice"]["number"] in french

    # The route renders the very letter that was sent.
    first = book["de_invoices"][0]["invoice_id"]
    response = client.get(f"/v1/invoices/{first}/reminders/1/pdf", headers=auth("clerk"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "reminder-" in response.headers["content-disposition"]
    sent = deliveries(client, book["de"])
    assert [d["digest"] for d in sent] == [hashlib.sha256(response.content).hexdigest()]
    missing = client.get(f"/v1/invoices/{first}/reminders/2/pdf", headers=auth("clerk"))
    assert missing.status_code == 404 and missing.json()["code"] == "reminder-not-found"

    again = post(client, "/v1/dunning/runs", {"as_of": DUNNING_DAY}, role="clerk")
    assert again["letters"] == [] and again["reminders_sent"] == 0
    assert len(deliveries(client, book["de"])) == 1


def test_a_statement_run_twice_sends_one_statement_per_customer(
    mailed: tuple[TestClient, Mailbox],
) -> None:
    client, box = mailed
    book = seed(client)
    body = {"as_of": "2026-03-31", "from": "2026-01-01"}
    first = post(client, "/v1/statements/runs", body, role="clerk")
    assert first["queued"] == 2 and first["skipped_no_contact"] == 1
    assert (first["from"], first["to"]) == ("2026-01-01", "2026-03-31")
    second = post(client, "/v1/statements/runs", body, role="clerk")
    assert second["queued"] == 0 and second["already_queued"] == 2
    messages = box.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == [
        "compta@client.example",  # no statements contact: billing
        "rechnung@kunde.example",
    ]
    german = text_of(pdf_of(to_of(messages, "rechnung@kunde.example")[0]), layout=True)
    assert "Kontoauszug" in german and book["de_invoices"][1]["number"] in german
    assert "238,60" in german  # the closing balance, gross
    for cid in (book["de"], book["fr"]):
        assert len(deliveries(client, cid)) == 1

    response = client.get(
        f"/v1/customers/{book['fr']}/statement.pdf",
        params={"from": "2026-01-01", "to": "2026-03-31"},
        headers=auth("clerk"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="statement-')
    with pikepdf.open(io.BytesIO(response.content)) as opened:
        assert len(opened.pages) >= 1
    assert "Relevé de compte" in text_of(response.content)


def test_a_bounced_address_holds_the_next_letter_and_the_worklist_shows_it(
    mailed: tuple[TestClient, Mailbox],
) -> None:
    client, box = mailed
    book = seed(client)
    post(client, "/v1/dunning/runs", {"as_of": DUNNING_DAY}, role="clerk")
    box.wait_for(2)
    [sent] = recorded_sent(client, book["de"])
    bounced = client.post(
        "/v1/deliveries/bounces",
        content=dsn(f"<{sent['delivery_id']}@o2c>", "mahnung@kunde.example"),
        headers={**auth("clerk"), "Content-Type": "message/rfc822"},
    )
    assert bounced.status_code == 200, bounced.text

    later = post(client, "/v1/dunning/runs", {"as_of": LATER_DUNNING_DAY}, role="clerk")
    letter = next(x for x in later["letters"] if x["customer_id"] == book["de"])
    assert letter["status"] == "held" and "mahnung@kunde.example" in letter["reason"]
    statuses = sorted(d["status"] for d in deliveries(client, book["de"]))
    assert statuses == ["bounced", "held"]

    work = get(client, "/v1/collections/worklist", as_of=LATER_DUNNING_DAY)["items"]
    mine = [item for item in work if item["customer_id"] == book["de"]]
    assert mine and all(len(item["held_letters"]) == 1 for item in mine)
    held = mine[0]["held_letters"][0]
    assert (
        held["address"] == "mahnung@kunde.example" and held["delivery_id"] == letter["delivery_id"]
    )
    assert "Recipient address rejected" in held["reason"]
    others = [item for item in work if item["customer_id"] != book["de"]]
    assert others and all(item["held_letters"] == [] for item in others)


def test_the_pdf_routes_refuse_what_they_cannot_write(tmp_path: Path) -> None:
    for client in office(tmp_path):
        cid = customer(client, "Kunde", "de", [])
        sold = invoice(client, cid, "10.00")
        no_company = client.get(
            f"/v1/customers/{cid}/statement.pdf",
            params={"from": "2026-01-01", "to": "2026-01-31"},
            headers=auth("clerk"),
        )
        assert no_company.status_code == 409 and no_company.json()["code"] == "company-not-set-up"
        never = client.get(
            f"/v1/invoices/{sold['invoice_id']}/reminders/1/pdf", headers=auth("clerk")
        )
        assert never.status_code == 404
        backwards = client.get(
            f"/v1/customers/{cid}/statement.pdf",
            params={"from": "2026-02-01", "to": "2026-01-31"},
            headers=auth("clerk"),
        )
        assert backwards.status_code == 422


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
        "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "O2C_OUTBOX_DIR": str(tmp_path / "outbox"),
        "O2C_MAIL_FROM": "ar@seller.example",
        "O2C_LOG_FORMAT": "text",
    }
    env.pop("O2C_SMTP_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "o2c.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_letters_queued_by_one_process_are_written_to_the_outbox_by_o2c_deliver(
    tmp_path: Path, book: None
) -> None:
    """Without SMTP the letters go to the outbox; the statement run (CLI) queues them and a
    separate ``o2c deliver`` writes them."""
    for client in office(tmp_path, delivery_lease=1.0):
        seed(client)
    statements = _cli(tmp_path, "statements", "run", "--as-of", "2026-03-31")
    assert statements.returncode == 0, statements.stderr
    assert "statements: 3 customers, 2 queued" in statements.stderr
    assert '"queued": 2' in statements.stdout
    assert not list((tmp_path / "outbox").glob("*.eml"))
    delivered = _cli(tmp_path, "deliver", "--drain", "--timeout", "60")
    assert delivered.returncode == 0, delivered.stderr
    written = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(written) == 2
    again = _cli(tmp_path, "statements", "run", "--as-of", "2026-03-31")
    assert '"already_queued": 2' in again.stdout, again.stderr
