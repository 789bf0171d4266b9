"""The seller: one ``Company`` record per book, as every invoice and credit note must name it.

A single aggregate with a fixed id (like the invoice numbering and the period lock). Each change
records only the fields that changed, the first profile included, so the log says exactly what
the seller's name, address or bank details were from when to when; an issued document copies
them at issue, so a later change never rewrites it. The logo travels apart from the details: it
is large, and the details are published downstream while the image is not.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.domain import parties
from o2c.domain.errors import InvalidInput
from o2c.events.catalog import topic

COMPANY_ID = uuid5(UUID("8d6c9a8e-3c1f-4a55-9a53-0f1d6f0c2a11"), "company")
LOGO_MAX_BYTES = 200 * 1024
LOGO_TYPES = ("image/png", "image/svg+xml")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Company(Aggregate):
    """The seller's profile (``details``) and logo."""

    TOPIC = "o2c.Company"
    # Its events belong to the book, not to a customer (their Kafka key is the company id).
    ABOUT_NO_CUSTOMER = True

    class Event(Aggregate.Event):
        TOPIC = "o2c.Company.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.Company.Created"

    @classmethod
    def start(cls) -> Company:
        """Create the record (the first profile only)."""
        return cls._create(
            cls.CompanyProfileStarted,  # type: ignore[attr-defined]  # defined by @event
            id=COMPANY_ID,
        )

    @event("CompanyProfileStarted", topic=topic("CompanyProfileStarted"))
    def __init__(self) -> None:
        self.details: dict[str, Any] = {}
        self.logo: dict[str, Any] | None = None

    @property
    def country(self) -> str | None:
        """The seller's country (ISO 3166), once an address is set."""
        address = self.details.get("address")
        return None if address is None else str(address["country"])

    def replace_details(self, profile: dict[str, Any]) -> dict[str, Any]:
        """Replace the whole profile (a field left out is cleared); returns what changed."""
        changes = parties.changed(self.details, parties.company_profile(profile))
        if changes:
            self._details_changed(changes)
        return changes

    @event("CompanyDetailsChanged", topic=topic("CompanyDetailsChanged"))
    def _details_changed(self, changes: dict[str, Any]) -> None:
        self.details = {**self.details, **changes}

    def replace_logo(self, media_type: str, content: bytes) -> bool:
        """Set the logo (PNG or SVG, at most 200 KB); False if it is the one already set."""
        check_logo(media_type, content)
        digest = hashlib.sha256(content).hexdigest()
        if self.logo is not None and self.logo["sha256"] == digest:
            return False
        self._logo_changed(media_type, base64.b64encode(content).decode(), digest)
        return True

    def remove_logo(self) -> bool:
        """Remove the logo; False if there was none."""
        if self.logo is None:
            return False
        self._logo_changed(None, None, None)
        return True

    @event("CompanyLogoChanged", topic=topic("CompanyLogoChanged"))
    def _logo_changed(
        self, media_type: str | None, content: str | None, sha256: str | None
    ) -> None:
        self.logo = (
            None
            if media_type is None
            else {"media_type": media_type, "content": content, "sha256": sha256}
        )


def check_logo(media_type: str, content: bytes) -> None:
    """A logo must be a PNG or an SVG document of at most 200 KB."""
    if media_type not in LOGO_TYPES:
        raise InvalidInput(
            f"a logo is {' or '.join(LOGO_TYPES)}, not {media_type!r}", code="invalid-logo"
        )
    if not content or len(content) > LOGO_MAX_BYTES:
        raise InvalidInput(
            f"a logo has 1 to {LOGO_MAX_BYTES} bytes, not {len(content)}", code="invalid-logo"
        )
    if media_type == "image/png" and not content.startswith(_PNG_SIGNATURE):
        raise InvalidInput("the logo is not a PNG image", code="invalid-logo")
    if media_type == "image/svg+xml" and b"<svg" not in content[:4096]:
        raise InvalidInput("the logo is not an SVG document", code="invalid-logo")
