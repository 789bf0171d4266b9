"""Letters sent to a real SMTP server on loopback, written to the outbox, handed to Peppol."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import pytest

from o2c.domain.errors import InvalidInput
from tests.delivery.conftest import Desk, Mailbox

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def _attachment(msg: EmailMessage) -> tuple[str | None, bytes]:
    parts = list(msg.iter_attachments())
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return parts[0].get_filename(), payload


def test_an_email_arrives_with_its_attachment_and_message_id(
    mailbox: tuple[Mailbox, str], desk_factory: Callable[..., Desk]
) -> None:
    box, url = mailbox
    desk = desk_factory(smtp_url=url)
    delivery_id = desk.queue(PDF, to="billing@customer.example")
    assert desk.row(delivery_id)["status"] == "queued"

    assert desk.parts.worker is not None
    desk.parts.worker.run_once()

    (msg,) = box.wait_for(1)
    assert msg["Message-ID"] == f"<{delivery_id}@o2c>"
    assert msg["To"] == "billing@customer.example"
    assert msg["From"] == "ar@seller.example"
    assert msg["Subject"] == "Invoice INV-000001"
    filename, content = _attachment(msg)
    assert filename == "INV-000001.pdf"
    row = desk.row(delivery_id)
    assert hashlib.sha256(content).hexdigest() == row["digest"] == hashlib.sha256(PDF).hexdigest()
    assert row["status"] == "sent"
    assert row["message_id"] == f"<{delivery_id}@o2c>"
    assert row["attempts"] == 1
    assert row["channel"] == "email"


def test_without_smtp_letters_go_to_the_outbox_as_parseable_eml(
    desk_factory: Callable[..., Desk], tmp_path: Path
) -> None:
    desk = desk_factory()
    delivery_id = desk.queue(PDF, channel="email")
    assert desk.parts.worker is not None
    desk.parts.worker.run_once()

    row = desk.row(delivery_id)
    assert (row["status"], row["channel"]) == ("sent", "file")
    raw = (tmp_path / "outbox" / f"{delivery_id}.eml").read_bytes()
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Message-ID"] == f"<{delivery_id}@o2c>"
    _, content = _attachment(msg)
    assert hashlib.sha256(content).hexdigest() == row["digest"]


def test_a_peppol_delivery_announces_the_document_with_a_link(
    desk_factory: Callable[..., Desk],
) -> None:
    desk = desk_factory(public_url="https://ar.example")
    ubl = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>"
    delivery_id = desk.queue(
        ubl,
        channel="peppol",
        to="0088:4000001123452",
        content_type="application/xml",
        filename="INV-000001.xml",
    )
    assert desk.parts.worker is not None
    desk.parts.worker.run_once()

    events = [e for e in desk.store.read_all() if e.aggregate_id == str(delivery_id)]
    assert [e.event_type for e in events] == ["DeliveryQueued", "DocumentReady", "DeliverySent"]
    ready = events[1].to_cloudevent()
    assert ready["type"] == "o2c.document.ready.v1"
    assert ready["data"]["url"] == f"https://ar.example/v1/deliveries/{delivery_id}/document"
    assert ready["data"]["to"] == "0088:4000001123452"
    assert ready["data"]["digest"] == hashlib.sha256(ubl).hexdigest()
    assert desk.parts.queue.document(ready["data"]["digest"]) == (ubl, "application/xml")


def test_a_server_that_keeps_refusing_ends_in_a_final_failure(
    mailbox: tuple[Mailbox, str], desk_factory: Callable[..., Desk]
) -> None:
    box, url = mailbox
    box.refuse = lambda: True
    desk = desk_factory(smtp_url=url)
    delivery_id = desk.queue()
    worker = desk.parts.worker
    assert worker is not None
    assert worker.drain(30.0)

    row = desk.row(delivery_id)
    assert (row["status"], row["attempts"]) == ("failed", worker.policy.max_attempts)
    assert "451" in row["last_error"]
    failed = [e.data for e in desk.store.read_all() if e.event_type == "DeliveryFailed"]
    assert [f["attempt"] for f in failed] == list(range(1, worker.policy.max_attempts + 1))
    assert [f["final"] for f in failed] == [False] * (len(failed) - 1) + [True]


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"to": "not an address"}, "invalid-address"),
        ({"channel": "fax"}, "invalid-channel"),
        ({"channel": "peppol", "to": "someone@example.com"}, "invalid-address"),
        ({"document": "invoice"}, "invalid-document"),
        ({"subject": "two\nlines"}, "invalid-subject"),
        ({"filename": "../../etc/passwd"}, "invalid-filename"),
        ({"content": b""}, "invalid-document"),
    ],
)
def test_a_malformed_letter_is_refused_and_stores_nothing(
    desk_factory: Callable[..., Desk], given: dict[str, object], code: str
) -> None:
    desk = desk_factory()
    before = desk.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        desk.queue(**given)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert desk.store.last_position() == before


def test_queueing_again_under_the_same_id_is_idempotent(
    desk_factory: Callable[..., Desk],
) -> None:
    desk = desk_factory()
    delivery_id = UUID("6a0d8e4c-5b8f-4f8e-9d3e-1c2b3a4d5e6f")
    first = desk.queue(PDF, delivery_id=delivery_id)
    position = desk.store.last_position()
    assert desk.queue(PDF, delivery_id=delivery_id) == first
    assert desk.store.last_position() == position
