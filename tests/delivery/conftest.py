"""A real SMTP server on loopback (aiosmtpd) and delivery parts over throw-away stores."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from o2c.bootstrap import DeliveryParts, build_delivery, build_event_store
from o2c.config import Settings
from o2c.delivery.worker import SendPolicy
from o2c.eventstore.store import EventStore
from o2c.projections.readstore import ReadStore


def free_port() -> int:
    """A free loopback port (aiosmtpd cannot take port 0 and report the one it got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server accepted; ``refuse`` decides per DATA whether to answer 451."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: Callable[[], bool] = lambda: False
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.refuse():
                self.refused += 1
                return "451 4.3.0 try again later"
            raw = envelope.original_content or b""
            parsed = message_from_bytes(raw, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Block until ``count`` messages arrived (fails the test on timeout)."""
        with self.lock:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"{len(self.messages)} of {count} messages arrived"
            )
            return list(self.messages)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str]]:
    """An SMTP server on a free loopback port; yields it with its ``smtp://`` URL."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


# Retries within milliseconds: the tests wait on conditions, never on the clock.
FAST = SendPolicy(max_attempts=4, retry_base=0.001, retry_cap=0.005, lease=5.0, batch=50)


@dataclass
class Desk:
    """Delivery parts over SQLite files (or given URLs), with the worker not started."""

    settings: Settings
    store: EventStore
    read_store: ReadStore
    parts: DeliveryParts

    def queue(self, content: bytes = b"%PDF-1.7 test", **given: Any) -> UUID:
        """Queue a letter with sensible defaults; returns the delivery id."""
        letter: dict[str, Any] = {
            "customer_id": uuid4(),
            "document": f"invoice:{uuid4()}",
            "content": content,
            "filename": "INV-000001.pdf",
            "channel": "email",
            "to": "billing@example.com",
            "subject": "Invoice INV-000001",
            "body": "Please find our invoice attached.",
        }
        letter.update(given)
        return self.parts.service.queue_delivery(**letter).delivery_id

    def row(self, delivery_id: UUID) -> dict[str, Any]:
        self.parts.queue.catch_up(self.store)
        found = self.parts.queue.find(str(delivery_id))
        assert found is not None
        return found

    def close(self) -> None:
        if self.parts.worker is not None:
            self.parts.worker.close()
        self.read_store.close()
        self.store.close()


def open_desk(settings: Settings, policy: SendPolicy = FAST) -> Desk:
    """Build the delivery parts as the composition root does, with ``policy``."""
    store = build_event_store(settings)
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    parts = build_delivery(settings, store, [], read_store)
    assert parts.worker is not None
    parts.worker.policy = policy
    return Desk(settings, store, read_store, parts)


def sqlite_settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        outbox_dir=str(tmp_path / "outbox"),
        mail_from="ar@seller.example",
        **extra,
    )


@pytest.fixture
def desk_factory(tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    opened: list[Desk] = []

    def make(**extra: Any) -> Desk:
        desk = open_desk(sqlite_settings(tmp_path, **extra))
        opened.append(desk)
        return desk

    yield make
    for desk in opened:
        desk.close()
