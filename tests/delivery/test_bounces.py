"""Bounces: a real RFC 3464 report posted to the API marks the delivery and holds the address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.delivery.bounces import read_bounce
from tests.api.conftest import TOKENS, auth
from tests.delivery.conftest import FAST, Desk, sqlite_settings


def dsn(message_id: str, recipient: str = "gone@customer.example") -> bytes:
    """A delivery-status notification as Postfix writes it (returned headers only)."""
    return f"""\
Return-Path: <>
Received: by mx.seller.example (Postfix) id 4F2A81C0A1; Tue,  3 Mar 2026 10:02:11 +0100 (CET)
Date: Tue,  3 Mar 2026 10:02:11 +0100 (CET)
From: MAILER-DAEMON@mx.seller.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: ar@seller.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4F2A81C0A1.1772528531/mx.seller.example"
Message-Id: <20260303090211.4F2A81C0A1@mx.seller.example>

This is a MIME-encapsulated message.

--4F2A81C0A1.1772528531/mx.seller.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.seller.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{recipient}>: host mx.customer.example[203.0.113.7] said: 550 5.1.1
    <{recipient}>: Recipient address rejected: User unknown (in reply
    to RCPT TO command)

--4F2A81C0A1.1772528531/mx.seller.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.seller.example
X-Postfix-Queue-ID: 4F2A81C0A1
X-Postfix-Sender: rfc822; ar@seller.example
Arrival-Date: Tue,  3 Mar 2026 10:02:10 +0100 (CET)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.customer.example
Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
    User unknown

--4F2A81C0A1.1772528531/mx.seller.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: ar@seller.example
To: {recipient}
Subject: Invoice INV-000001
Message-ID: {message_id}
Date: Tue, 03 Mar 2026 09:02:09 +0000

--4F2A81C0A1.1772528531/mx.seller.example--
""".replace("\n", "\r\n").encode()


def test_flufl_reads_the_failed_recipient_message_id_and_reason() -> None:
    found = read_bounce(dsn("<abc@o2c>"))
    assert found is not None
    assert found.addresses == ("gone@customer.example",)
    assert found.message_ids == ("<abc@o2c>",)
    assert "550 5.1.1" in found.reason


def test_a_message_that_is_no_bounce_is_none() -> None:
    assert read_bounce(b"From: a@b.example\r\nSubject: hello\r\n\r\nhi\r\n") is None


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[Container, TestClient]]:
    settings = sqlite_settings(tmp_path, api_tokens=dict(TOKENS))
    container = build_container(settings, start_runner=False, start_delivery=False)
    client = TestClient(create_app(container), raise_server_exceptions=False)
    try:
        yield container, client
    finally:
        client.close()
        container.close()


def _desk(container: Container) -> Desk:
    assert container.delivery is not None and container.delivery.worker is not None
    container.delivery.worker.policy = FAST
    assert container.read is not None
    return Desk(container.settings, container.store, container.read.read_store, container.delivery)


def test_a_bounce_marks_the_delivery_and_holds_later_letters(
    api: tuple[Container, TestClient],
) -> None:
    container, client = api
    desk = _desk(container)
    worker = container.delivery.worker  # type: ignore[union-attr]
    assert worker is not None
    first = desk.queue(to="gone@customer.example")
    worker.run_once()
    assert desk.row(first)["status"] == "sent"

    answer = client.post(
        "/v1/deliveries/bounces",
        content=dsn(f"<{first}@o2c>"),
        headers={**auth("clerk"), "Content-Type": "message/rfc822"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery_id"] == str(first)
    shown = client.get(f"/v1/deliveries/{first}", headers=auth("auditor")).json()
    assert shown["status"] == "bounced"
    assert set(shown) >= {
        "delivery_id",
        "customer_id",
        "document",
        "channel",
        "to",
        "status",
        "message_id",
        "attempts",
        "digest",
    }

    later = desk.queue(to="Gone@Customer.example")
    worker.run_once()
    assert desk.row(later)["status"] == "held"
    held = [e for e in container.store.read_all() if e.event_type == "DeliveryHeld"]
    assert [e.aggregate_id for e in held] == [str(later)]
    listed = client.get("/v1/deliveries", params={"status": "held"}, headers=auth("clerk")).json()
    assert [d["delivery_id"] for d in listed["items"]] == [str(later)]


def test_a_bounce_found_by_its_address_when_the_message_id_is_not_ours(
    api: tuple[Container, TestClient],
) -> None:
    container, client = api
    desk = _desk(container)
    sent = desk.queue(to="gone@customer.example")
    container.delivery.worker.run_once()  # type: ignore[union-attr]
    answer = client.post(
        "/v1/deliveries/bounces", content=dsn("<other@elsewhere>"), headers=auth("clerk")
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery_id"] == str(sent)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"Subject: hi\r\n\r\nnot a bounce\r\n", 422, "not-a-bounce"),
        (dsn("<nobody@o2c>", "stranger@nowhere.example"), 404, "delivery-not-found"),
    ],
)
def test_a_bounce_that_matches_nothing_is_refused_clearly(
    api: tuple[Container, TestClient], body: bytes, status: int, code: str
) -> None:
    _, client = api
    answer = client.post("/v1/deliveries/bounces", content=body, headers=auth("clerk"))
    assert answer.status_code == status, answer.text
    assert answer.json()["type"].endswith(code)


def test_listing_pages_and_filters_by_customer(
    api: tuple[Container, TestClient], desk_factory: Callable[..., Desk]
) -> None:
    container, client = api
    desk = _desk(container)
    customer = UUID("11111111-2222-3333-4444-555555555555")
    mine = [desk.queue(customer_id=customer) for _ in range(3)]
    desk.queue()
    seen: list[str] = []
    after = None
    while True:
        params: dict[str, object] = {"customer_id": str(customer), "limit": 2}
        if after:
            params["after"] = after
        page = client.get("/v1/deliveries", params=params, headers=auth("clerk")).json()
        seen += [d["delivery_id"] for d in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert sorted(seen) == sorted(str(d) for d in mine)
    missing = client.get(f"/v1/deliveries/{UUID(int=7)}", headers=auth("clerk"))
    assert missing.status_code == 404
