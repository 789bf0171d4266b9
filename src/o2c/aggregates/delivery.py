"""Delivery: one document sent to one recipient over one channel, and what became of it.

A delivery is queued with everything needed to send it: the document (``invoice:<id>``), the
SHA-256 digest of the attachment's bytes (the bytes themselves are kept outside the event log,
addressed by that digest, so the log stays small and the digest proves which bytes were sent),
the channel and the address. A worker then sends it: ``DeliverySent`` names the Message-ID,
which derives from the delivery id alone, so however often a send is retried (after a failure or
a crash between sending and recording), the recipient only ever sees one message identity.

A failed attempt is recorded with its number; the last allowed one is ``final`` and ends the
delivery. A sent e-mail may bounce later (``DeliveryBounced``): its address is then flagged and
further letters to it are ``held`` instead of sent. A Peppol delivery is handed to the access
point by announcing the document (``DocumentReady``, with a link to fetch it) in the same
transaction that records it sent.
"""

from __future__ import annotations

import re
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.events.catalog import topic

CHANNELS = ("email", "file", "peppol")
DOCUMENT_KINDS = ("invoice", "credit-note", "statement", "reminder", "document")

QUEUED, SENT, FAILED, BOUNCED, HELD = "queued", "sent", "failed", "bounced", "held"
STATUSES = (QUEUED, SENT, FAILED, BOUNCED, HELD)

_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_DOCUMENT = re.compile(r"^[a-z][a-z-]*:[^\s:]{1,100}$")
# A pragmatic address check: one @, no spaces or header-breaking characters; the SMTP server
# is the judge of the rest (and a bounce reports what it refused).
_EMAIL = re.compile(r"^[^\s@<>,;\"]{1,64}@[^\s@<>,;\"]{1,255}$")
# A Peppol participant: scheme (4 digits) and identifier, e.g. 0088:4000001123452.
_PEPPOL = re.compile(r"^[0-9]{4}:[^\s]{1,50}$")
_LINE_BREAK = re.compile(r"[\r\n]")


def message_id_for(delivery_id: UUID) -> str:
    """The one Message-ID a delivery is ever sent with."""
    return f"<{delivery_id}@o2c>"


def delivery_id_from_message_id(message_id: str) -> UUID | None:
    """The delivery a Message-ID was made for, or ``None`` if it is not one of ours."""
    found = re.fullmatch(r"\s*<([0-9a-fA-F-]{36})@o2c>\s*", message_id)
    if found is None:
        return None
    try:
        return UUID(found.group(1))
    except ValueError:
        return None


def check_address(channel: str, to: str) -> None:
    """Refuse an address the channel cannot use (before anything is queued)."""
    if channel not in CHANNELS:
        raise InvalidInput(
            f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}", code="invalid-channel"
        )
    pattern = _PEPPOL if channel == "peppol" else _EMAIL
    if not pattern.fullmatch(to):
        what = "a Peppol participant id (scheme:id)" if channel == "peppol" else "an e-mail address"
        raise InvalidInput(f"{to!r} is not {what}", code="invalid-address")


def check_document(document: str, digest: str, subject: str, filename: str) -> None:
    """Refuse a malformed document reference, digest, subject or file name."""
    if not _DOCUMENT.fullmatch(document):
        raise InvalidInput(
            f"document must be kind:id (e.g. invoice:<uuid>), not {document!r}",
            code="invalid-document",
        )
    if not _DIGEST.fullmatch(digest):
        raise InvalidInput("digest must be a lowercase hex SHA-256", code="invalid-digest")
    if _LINE_BREAK.search(subject) or not 0 < len(subject) <= 200:
        raise InvalidInput("subject must be one line of 1-200 characters", code="invalid-subject")
    if not re.fullmatch(r"[\w][\w .-]{0,150}", filename):
        raise InvalidInput(
            "filename must be letters, digits, space, dot, dash or underscore",
            code="invalid-filename",
        )


class Delivery(Aggregate):
    """One document on its way to one recipient."""

    TOPIC = "o2c.Delivery"

    class Event(Aggregate.Event):
        TOPIC = "o2c.Delivery.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.Delivery.Created"

    @classmethod
    def queue(
        cls,
        delivery_id: UUID,
        customer_id: UUID,
        document: str,
        digest: str,
        channel: str,
        to: str,
        subject: str,
        filename: str,
        content_type: str,
        body: str,
    ) -> Delivery:
        """Queue a document for sending (the attachment must already be stored)."""
        check_address(channel, to)
        check_document(document, digest, subject, filename)
        return cls._create(
            cls.DeliveryQueued,  # type: ignore[attr-defined]  # defined by @event
            id=delivery_id,
            customer_id=customer_id,
            document=document,
            digest=digest,
            channel=channel,
            to=to,
            subject=subject,
            filename=filename,
            content_type=content_type,
            body=body,
        )

    @event("DeliveryQueued", topic=topic("DeliveryQueued"))
    def __init__(
        self,
        customer_id: UUID,
        document: str,
        digest: str,
        channel: str,
        to: str,
        subject: str,
        filename: str,
        content_type: str,
        body: str,
    ) -> None:
        self.customer_id = customer_id
        self.document = document
        self.digest = digest
        self.channel = channel
        self.to = to
        self.subject = subject
        self.filename = filename
        self.content_type = content_type
        self.body = body
        self.status = QUEUED
        self.attempts = 0
        self.message_id: str | None = None

    @property
    def message_id_to_send(self) -> str:
        """The Message-ID every attempt of this delivery carries."""
        return message_id_for(self.id)

    @property
    def pending(self) -> bool:
        """Still to be sent (neither sent, failed for good, bounced nor held)."""
        return self.status == QUEUED

    def _ensure_pending(self, doing: str) -> None:
        if not self.pending:
            raise RuleViolation(
                f"delivery {self.id} is {self.status}: it cannot be {doing}",
                code="delivery-not-pending",
            )

    def mark_sent(self, document_url: str) -> None:
        """Record the send; a Peppol delivery announces its document to the access point."""
        self._ensure_pending("sent")
        if self.channel == "peppol":
            self._document_ready(
                self.document, self.digest, self.to, self.filename, self.content_type, document_url
            )
        self._sent(self.message_id_to_send)

    @event("DocumentReady", topic=topic("DocumentReady"))
    def _document_ready(
        self,
        document: str,
        digest: str,
        to: str,
        filename: str,
        content_type: str,
        url: str,
    ) -> None:
        pass

    @event("DeliverySent", topic=topic("DeliverySent"))
    def _sent(self, message_id: str) -> None:
        self.status = SENT
        self.message_id = message_id
        self.attempts += 1

    def mark_failed(self, error: str, max_attempts: int, *, permanent: bool = False) -> bool:
        """Record a failed attempt; returns ``True`` when no other follows (the last one
        allowed, or a refusal no retry can change)."""
        self._ensure_pending("failed")
        attempt = self.attempts + 1
        final = permanent or attempt >= max_attempts
        self._failed(attempt, error[:1000], final)
        return final

    @event("DeliveryFailed", topic=topic("DeliveryFailed"))
    def _failed(self, attempt: int, error: str, final: bool) -> None:
        self.attempts = attempt
        if final:
            self.status = FAILED

    def hold(self, reason: str) -> None:
        """Keep the letter back: its address bounced before."""
        self._ensure_pending("held")
        self._held(self.to, reason)

    @event("DeliveryHeld", topic=topic("DeliveryHeld"))
    def _held(self, address: str, reason: str) -> None:
        self.status = HELD

    def bounce(self, reason: str) -> bool:
        """Record a bounce of a sent delivery; ``False`` if it was recorded before."""
        if self.status == BOUNCED:
            return False
        if self.status != SENT:
            raise RuleViolation(
                f"delivery {self.id} is {self.status}: only a sent delivery can bounce",
                code="delivery-not-sent",
            )
        self._bounced(self.to, reason[:1000])
        return True

    @event("DeliveryBounced", topic=topic("DeliveryBounced"))
    def _bounced(self, address: str, reason: str) -> None:
        self.status = BOUNCED
