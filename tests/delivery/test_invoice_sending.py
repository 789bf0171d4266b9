"""Invoices as the customer receives them: the PDF routes, an invoice mailed when it is issued
(per the customer's billing policy) and on demand, through a real SMTP server on loopback; the
attachment opened with pikepdf, its embedded Factur-X XML checked against the CEN rules."""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.delivery.conftest import Mailbox
from tests.delivery.test_letters import (
    COMPANY,
    customer,
    get,
    invoice,
    office,
    pdf_of,
    post,
    recorded_sent,
)
from tests.documents.pdf_tools import attachments, require_poppler, text_of
from tests.support.einvoice_validator import CEN_CII, CEN_UBL, EInvoiceValidator

SELLER = {**COMPANY, "vat_id": "DE136695976"}
BILLING = {"role": "billing", "name": "Buchhaltung", "email": "rechnung@kunde.example"}


@pytest.fixture(scope="module")
def validator() -> Iterator[EInvoiceValidator]:
    with EInvoiceValidator() as running:
        yield running


@pytest.fixture
def mailed(tmp_path: Path, mailbox: tuple[Mailbox, str]) -> Iterator[tuple[TestClient, Mailbox]]:
    require_poppler()
    box, url = mailbox
    for client in office(tmp_path, smtp_url=url):
        client.put("/v1/company", json=SELLER, headers=auth("admin")).raise_for_status()
        yield client, box


def sends_invoices(client: TestClient, cid: str) -> None:
    policy = {"billing_policy": {"mode": "manual", "send": True}}
    response = client.patch(f"/v1/customers/{cid}", json=policy, headers=auth("credit"))
    assert response.status_code == 200, response.text
    assert response.json()["billing_policy"] == {"mode": "manual", "period": None, "send": True}


def factur_x_of(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        assert "/AF" in opened.Root, "no associated file: not PDF/A-3"
    return attachments(pdf)["factur-x.xml"]


def test_an_invoice_is_mailed_when_issued_if_the_policy_sends_as_valid_factur_x(
    mailed: tuple[TestClient, Mailbox], validator: EInvoiceValidator
) -> None:
    client, box = mailed
    sending = customer(client, "Kunde", "de", [BILLING])
    sends_invoices(client, sending)
    quiet = customer(client, "Client", "fr", [{"role": "billing", "email": "c@client.example"}])

    issued = invoice(client, sending, "119.00")
    invoice(client, quiet, "50.00")  # manual, not sent: nothing is mailed for it

    assert issued["delivery"]["status"] == "queued"
    assert issued["delivery"]["to"] == "rechnung@kunde.example"
    [message] = box.wait_for(1)
    assert str(message["To"]) == "rechnung@kunde.example"
    assert str(message["Subject"]) == f"Rechnung {issued['number']} – Seller GmbH"
    pdf = pdf_of(message)
    [report] = validator.validate([factur_x_of(pdf)], CEN_CII)
    assert report.valid, report
    assert issued["number"] in text_of(pdf) and "Rechnung" in text_of(pdf)
    [delivery] = recorded_sent(client, sending)
    assert delivery["document"] == f"invoice:{issued['invoice_id']}"
    assert delivery["status"] == "sent" and delivery["message_id"] == str(message["Message-ID"])
    assert get(client, "/v1/deliveries", customer_id=quiet)["items"] == []
    assert len(box.messages) == 1


def test_the_pdf_routes_serve_what_the_invoice_recorded(
    mailed: tuple[TestClient, Mailbox], validator: EInvoiceValidator
) -> None:
    client, _ = mailed
    cid = customer(client, "Kunde", "de", [BILLING])
    issued = invoice(client, cid, "119.00")
    response = client.get(f"/v1/invoices/{issued['invoice_id']}/pdf", headers=auth("clerk"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-factur-x"] == "true"
    assert issued["number"] in response.headers["content-disposition"]
    # The page is drawn from what was recorded: the same invoice gives the same bytes.
    again = client.get(f"/v1/invoices/{issued['invoice_id']}/pdf", headers=auth("clerk"))
    assert again.content == response.content

    credit = post(
        client,
        f"/v1/invoices/{issued['invoice_id']}/credit-notes",
        {"amount": "11.90", "reason": "Damaged", "issued_on": "2026-01-06"},
    )
    found = client.get(
        f"/v1/credit-notes/{credit['credit_note_id']}/pdf",
        params={"min_position": credit["position"]},
        headers=auth("clerk"),
    )
    assert found.status_code == 200, found.text
    [report] = validator.validate([factur_x_of(found.content)], CEN_CII)
    assert report.valid, report
    assert "Gutschrift" in text_of(found.content) and issued["number"] in text_of(found.content)


def test_the_pdf_routes_refuse_clearly(tmp_path: Path) -> None:
    for client in office(tmp_path):
        early = customer(client, "Early", "en", [])
        before_profile = invoice(client, early, "10.00")
        unknown = "00000000-0000-4000-8000-000000000000"
        for path, code in (
            (f"/v1/invoices/{unknown}/pdf", "invoice-not-found"),
            (f"/v1/credit-notes/{unknown}/pdf", "credit-note-not-found"),
            (f"/v1/invoices/{before_profile['invoice_id']}/pdf", "no-seller"),
        ):
            response = client.get(path, headers=auth("clerk"))
            assert response.status_code in (404, 409), response.text
            assert response.json()["type"].endswith(code), response.json()
            assert response.headers["content-type"] == "application/problem+json"


def test_an_invoice_without_tax_data_still_gets_a_plain_page(tmp_path: Path) -> None:
    for client in office(tmp_path):
        client.put("/v1/company", json=SELLER, headers=auth("admin")).raise_for_status()
        # No address and no tax treatment: the order is untaxed, as orders were before taxes.
        opened = post(
            client,
            "/v1/customers",
            {"name": "Nowhere", "currency": "EUR", "credit_limit": "1000"},
        )
        issued = invoice(client, opened["customer_id"], "10.00")
        assert issued["tax_total"] is None
        response = client.get(f"/v1/invoices/{issued['invoice_id']}/pdf", headers=auth("clerk"))
        assert response.status_code == 200, response.text
        assert response.headers["x-factur-x"] == "false"
        assert "factur-x.xml" not in attachments(response.content)


def test_sending_on_demand(mailed: tuple[TestClient, Mailbox]) -> None:
    client, box = mailed
    cid = customer(client, "Kunde", "de", [BILLING])
    silent = customer(client, "Silent", "en", [])
    issued = invoice(client, cid, "119.00")
    path = f"/v1/invoices/{issued['invoice_id']}/send"

    keyed = {**auth("clerk"), "Idempotency-Key": "send-once"}
    first = client.post(path, headers=keyed)
    second = client.post(path, headers=keyed)
    assert first.status_code == second.status_code == 202, first.text
    assert first.json()["delivery_id"] == second.json()["delivery_id"]
    other = client.post(path, json={"to": "copy@kunde.example"}, headers=auth("clerk"))
    assert other.status_code == 202 and other.json()["to"] == "copy@kunde.example"
    messages: list[EmailMessage] = box.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == [
        "copy@kunde.example",
        "rechnung@kunde.example",
    ]

    nobody = invoice(client, silent, "5.00")
    refused: list[tuple[str, dict[str, Any] | None, int, str]] = [
        (f"/v1/invoices/{nobody['invoice_id']}/send", None, 422, "no-contact"),
        (f"/v1/invoices/{nobody['invoice_id']}/send", {"to": "x"}, 422, "invalid-address"),
        ("/v1/invoices/00000000-0000-4000-8000-000000000000/send", None, 404, "invoice-not-found"),
    ]
    for url, body, status, code in refused:
        response = client.post(url, json=body, headers=auth("clerk"))
        assert response.status_code == status, response.text
        assert response.json()["type"].endswith(code), response.json()
    reader = client.post(path, headers=auth("auditor"))
    assert reader.status_code == 403
    assert len(get(client, "/v1/deliveries", customer_id=silent)["items"]) == 0


def test_invoices_reminders_and_statements_each_arrive_once(
    mailed: tuple[TestClient, Mailbox], validator: EInvoiceValidator
) -> None:
    """The whole month of an AR team: invoices sent as issued, a dunning run, a statement run,
    each run twice; every expected message arrives exactly once, every invoice as valid
    Factur-X."""
    client, box = mailed
    de = customer(
        client,
        "Kunde",
        "de",
        [BILLING, {"role": "dunning", "email": "mahnung@kunde.example"}],
    )
    fr = customer(client, "Client", "fr", [{"role": "billing", "email": "compta@client.example"}])
    silent = customer(client, "Silent", "en", [])
    for cid in (de, fr, silent):
        sends_invoices(client, cid)
    issued = [
        invoice(client, de, "119.00"),
        invoice(client, de, "23.80"),
        invoice(client, fr, "50"),
    ]
    assert invoice(client, silent, "10.00")["delivery"]["status"] == "no_contact"
    for _ in range(2):
        post(client, "/v1/dunning/runs", {"as_of": "2026-03-20"}, role="clerk")
        post(client, "/v1/statements/runs", {"as_of": "2026-03-31", "from": "2026-01-01"}, "clerk")

    expected = {
        ("rechnung@kunde.example", "invoice"): 2,
        ("rechnung@kunde.example", "statement"): 1,  # no statements contact: billing
        ("mahnung@kunde.example", "reminder"): 1,
        ("compta@client.example", "invoice"): 1,
        ("compta@client.example", "reminder"): 1,  # no dunning contact: billing
        ("compta@client.example", "statement"): 1,
    }
    messages = box.wait_for(sum(expected.values()))
    for cid in (de, fr):
        assert {d["status"] for d in recorded_sent(client, cid)} == {"sent"}
    assert len(box.messages) == sum(expected.values())  # nothing more came meanwhile
    got: dict[tuple[str, str], int] = {}
    for message in messages:
        [attachment] = list(message.iter_attachments())
        kind = str(attachment.get_filename()).split("-", 1)[0]
        key = (str(message["To"]), kind)
        got[key] = got.get(key, 0) + 1
    assert got == expected
    assert len({str(m["Message-ID"]) for m in messages}) == len(messages)
    invoices = [m for m in messages if _is_invoice(m)]
    xml = [factur_x_of(pdf_of(m)) for m in invoices]
    assert len(xml) == len(issued)
    assert all(report.valid for report in validator.validate(xml, CEN_CII))


def _is_invoice(message: EmailMessage) -> bool:
    [attachment] = list(message.iter_attachments())
    return str(attachment.get_filename()).startswith("invoice-")


def test_a_customer_with_a_peppol_id_receives_the_peppol_bis_ubl_through_its_access_point(
    mailed: tuple[TestClient, Mailbox], validator: EInvoiceValidator
) -> None:
    client, box = mailed
    # Between German parties Peppol BIS also needs the seller's contact (BT-41..BT-43).
    seller = {
        **SELLER,
        "peppol_id": "9930:DE136695976",
        "contact_name": "Eva Berger",
        "phone": "+49 30 1234567",
    }
    client.put("/v1/company", json=seller, headers=auth("admin")).raise_for_status()
    cid = customer(client, "Kunde", "de", [BILLING])
    # Between German parties Peppol BIS needs the buyer reference (BT-10).
    peppol = {
        "peppol_id": "0088:4035811991021",
        "buyer_reference": "04011000-1234512345-06",
        "billing_policy": {"send": True},
    }
    client.patch(f"/v1/customers/{cid}", json=peppol, headers=auth("credit")).raise_for_status()

    issued = invoice(client, cid, "119.00")
    letter = issued["delivery"]
    assert (letter["channel"], letter["to"]) == ("peppol", "0088:4035811991021")
    [delivery] = recorded_sent(client, cid)
    assert delivery["channel"] == "peppol" and delivery["status"] == "sent"
    document = client.get(
        f"/v1/deliveries/{delivery['delivery_id']}/document", headers=auth("clerk")
    )
    assert document.status_code == 200
    assert document.headers["content-type"].startswith("application/xml")
    [report] = validator.validate([document.content], CEN_UBL)
    assert report.valid, report
    assert b"urn:fdc:peppol.eu:2017:poacc:billing:01:1.0" in document.content
    assert box.messages == []  # nothing went by e-mail


def test_without_a_peppol_bis_invoice_the_customer_gets_the_pdf_and_is_told_why(
    mailed: tuple[TestClient, Mailbox],
) -> None:
    client, box = mailed  # the seller has no Peppol id: no Peppol BIS invoice can name it
    cid = customer(client, "Kunde", "de", [BILLING])
    peppol = {"peppol_id": "0088:4035811991021", "billing_policy": {"send": True}}
    client.patch(f"/v1/customers/{cid}", json=peppol, headers=auth("credit")).raise_for_status()
    letter = invoice(client, cid, "119.00")["delivery"]
    assert (letter["channel"], letter["to"]) == ("email", "rechnung@kunde.example")
    assert "sent by e-mail: no Peppol BIS invoice" in letter["reason"]
    [message] = box.wait_for(1)
    assert pdf_of(message)


def test_invoices_billed_on_shipment_and_by_a_billing_run_are_sent_as_issued(
    mailed: tuple[TestClient, Mailbox],
) -> None:
    client, box = mailed
    shipping = customer(client, "Kunde", "de", [BILLING])
    monthly = customer(client, "Client", "fr", [{"role": "billing", "email": "c@client.example"}])
    for cid, policy in (
        (shipping, {"mode": "on_shipment", "send": True}),
        (monthly, {"mode": "periodic", "period": "month", "send": True}),
    ):
        response = client.patch(
            f"/v1/customers/{cid}", json={"billing_policy": policy}, headers=auth("credit")
        )
        assert response.status_code == 200, response.text
    line = {"sku": "A", "quantity": 1, "unit_price": "100.00"}
    orders = {
        cid: post(client, "/v1/orders", {"customer_id": cid, "lines": [line]})["order_id"]
        for cid in (shipping, monthly)
    }
    shipment = {"lines": [{"sku": "A", "quantity": 1}], "shipped_on": "2026-10-05"}
    shipped = post(client, f"/v1/orders/{orders[shipping]}/shipments", shipment)
    assert shipped["invoice"]["delivery"]["status"] == "queued", shipped
    post(client, f"/v1/orders/{orders[monthly]}/shipments", shipment)

    for _ in range(2):  # started again: nothing invoiced or queued twice
        post(client, "/v1/billing/runs", {"as_of": "2026-10-31"}, role="clerk")
    messages = box.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["c@client.example", "rechnung@kunde.example"]
    for cid in (shipping, monthly):
        [delivery] = recorded_sent(client, cid)
        assert delivery["document"].startswith("invoice:")
    assert len(box.messages) == 2
