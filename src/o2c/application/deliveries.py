"""Queueing documents for delivery and recording what became of each send.

``queue_delivery`` is what every feature that sends a letter calls (invoice issue, dunning,
statements): it stores the attachment's bytes by their SHA-256 digest, then records
``DeliveryQueued`` naming that digest. The bytes are stored first, so a queued delivery always
finds them; a crash in between leaves only unreferenced bytes, which a later queueing of the same
document reuses. The delivery worker records the outcome of each attempt through the other
methods; each is one small save of the delivery's own stream, retried on a version conflict.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID, uuid4

from o2c.aggregates.delivery import HELD, Delivery
from o2c.application.context import CommandContext, EventMetadata
from o2c.application.errors import ConcurrencyConflict
from o2c.application.ports import EventStorePort
from o2c.domain.errors import InvalidInput, NotFound, RuleViolation

_SAVE_ATTEMPTS = 5
# A letter's attachment is a rendered document, not an archive: refuse what cannot be mailed.
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class DocumentStorePort(Protocol):
    """Attachment bytes addressed by their SHA-256 digest, readable by any worker process."""

    def put(self, digest: str, content: bytes, content_type: str) -> None:
        """Store ``content`` under ``digest`` (storing the same bytes again changes nothing)."""

    def get(self, digest: str) -> bytes | None:
        """The bytes stored under ``digest``, or ``None``."""


@dataclass(frozen=True)
class QueuedDelivery:
    """A delivery as queued: its id, the digest of its attachment and the log position."""

    delivery_id: UUID
    digest: str
    position: int
    # Queued to an address that bounced before: held, not to be sent.
    held: bool = False


def digest_of(content: bytes) -> str:
    """The SHA-256 digest (lowercase hex) a delivery names its attachment by."""
    return hashlib.sha256(content).hexdigest()


class DeliveryService:
    """Queues deliveries and records the outcome of their attempts."""

    def __init__(
        self,
        store: EventStorePort,
        documents: DocumentStorePort,
        listeners: list[Callable[[int], None]] | None = None,
        *,
        email_channel: str = "email",
        held_reason: Callable[[str], str | None] | None = None,
    ) -> None:
        self.store = store
        self.documents = documents
        # Why letters to an address are held (it bounced), or None: a letter queued to such an
        # address is held in the same save, so a run can count it and a person sees it at once.
        self.held_reason = held_reason or (lambda address: None)
        # Without an SMTP server (the embedded default) e-mail goes to the outbox directory:
        # the delivery then says so (channel ``file``) rather than claim an e-mail was sent.
        self.email_channel = email_channel
        # Shared with the command service: the embedded projections and webhooks hear of it.
        self.listeners = listeners if listeners is not None else []

    def queue_delivery(
        self,
        *,
        customer_id: UUID,
        document: str,
        content: bytes,
        filename: str,
        channel: str,
        to: str,
        subject: str,
        body: str = "",
        content_type: str = "application/pdf",
        delivery_id: UUID | None = None,
        ctx: CommandContext | None = None,
    ) -> QueuedDelivery:
        """Queue ``content`` for sending to ``to`` over ``channel``.

        With a ``delivery_id`` of its own choosing (derived, say, from the invoice and the
        reason for sending) a caller can queue idempotently: the same id with the same
        attachment answers the first queueing again; with other bytes it is refused.
        """
        delivery_id = delivery_id or uuid4()
        existing = self.store.get(delivery_id)
        if existing is not None:
            if isinstance(existing, Delivery) and existing.digest == digest_of(content):
                return QueuedDelivery(
                    delivery_id,
                    existing.digest,
                    self.store.last_position(),
                    existing.status == HELD,
                )
            raise RuleViolation(f"id {delivery_id} already exists", code="already-exists")
        delivery = self.prepare(
            delivery_id=delivery_id,
            customer_id=customer_id,
            document=document,
            content=content,
            filename=filename,
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            content_type=content_type,
        )
        position = self._save(delivery, ctx or CommandContext())
        return QueuedDelivery(delivery_id, delivery.digest, position, delivery.status == HELD)

    def prepare(
        self,
        *,
        delivery_id: UUID,
        customer_id: UUID,
        document: str,
        content: bytes,
        filename: str,
        channel: str,
        to: str,
        subject: str,
        body: str = "",
        content_type: str = "application/pdf",
    ) -> Delivery:
        """A new delivery, not yet saved, for a caller that saves it with its own changes (a
        dunning run queues its reminder letter in the save that records the reminders).

        The attachment is stored first; a letter to a flagged address comes back held.
        """
        if not content:
            raise InvalidInput("the document is empty", code="invalid-document")
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput("the document is too large to send", code="document-too-large")
        digest = digest_of(content)
        if channel == "email":
            channel = self.email_channel
        # Validated before the bytes are stored: a refused letter leaves nothing behind.
        delivery = Delivery.queue(
            delivery_id,
            customer_id,
            document,
            digest,
            channel,
            to,
            subject,
            filename,
            content_type,
            body,
        )
        self.documents.put(digest, content, content_type)
        held = None if channel == "peppol" else self.held_reason(to)
        if held is not None:
            delivery.hold(held)
        return delivery

    def get(self, delivery_id: UUID) -> Delivery:
        """The delivery, or ``NotFound``."""
        found = self.store.get(delivery_id)
        if not isinstance(found, Delivery):
            raise NotFound(f"delivery {delivery_id} not found", code="delivery-not-found")
        return found

    def record_sent(self, delivery_id: UUID, document_url: str) -> Delivery:
        """The channel accepted the message."""
        return self._change(delivery_id, lambda d: d.mark_sent(document_url))

    def record_failed(
        self, delivery_id: UUID, error: str, max_attempts: int, *, permanent: bool = False
    ) -> Delivery:
        """An attempt failed; the delivery ends failed once ``max_attempts`` were made (or at
        once when the failure is ``permanent``)."""
        return self._change(
            delivery_id, lambda d: d.mark_failed(error, max_attempts, permanent=permanent)
        )

    def record_held(self, delivery_id: UUID, reason: str) -> Delivery:
        """Not sent: the address is flagged."""
        return self._change(delivery_id, lambda d: d.hold(reason))

    def record_bounced(self, delivery_id: UUID, reason: str) -> Delivery:
        """A delivery-status notification reported the sent message undeliverable."""
        return self._change(delivery_id, lambda d: d.bounce(reason))

    def _change(self, delivery_id: UUID, change: Callable[[Delivery], object]) -> Delivery:
        for attempt in range(1, _SAVE_ATTEMPTS + 1):
            delivery = self.get(delivery_id)
            change(delivery)
            if not delivery.pending_events:
                return delivery
            try:
                self._save(delivery, CommandContext())
            except ConcurrencyConflict:
                if attempt == _SAVE_ATTEMPTS:
                    raise
                continue
            return delivery
        raise ConcurrencyConflict("unreachable")  # pragma: no cover

    def _save(self, delivery: Delivery, ctx: CommandContext) -> int:
        position = self.store.save(
            [delivery], EventMetadata.for_command(ctx, {delivery.id: delivery.customer_id})
        )
        for listener in self.listeners:
            try:
                listener(position)
            except Exception:  # a listener must not fail a recorded fact
                continue
        return position
