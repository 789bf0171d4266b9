"""Commands on the parties: the seller's profile and logo, a customer's master data.

The shapes are checked here (lengths, text without control characters); what a field means (an
ISO country, a VAT ID's checksum against the address's country, a Peppol id, a language o2c
writes) is checked in the domain (``o2c.domain.parties``), which answers each with its own code.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from o2c.commands.base import Command, SingleLine

Short = Annotated[SingleLine, Field(max_length=100)]
Name = Annotated[SingleLine, Field(max_length=200)]


class AddressIn(BaseModel):
    """A postal address: up to 3 lines, city, postal code and ISO 3166 alpha-2 country."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lines: Annotated[list[Name], Field(min_length=1, max_length=3, examples=[["Hauptstr. 1"]])]
    city: Name
    postal_code: Annotated[SingleLine, Field(max_length=20)] | None = None
    country: Annotated[SingleLine, Field(min_length=2, max_length=2, examples=["DE"])]


class ContactIn(BaseModel):
    """A person to write to for one purpose: ``billing``, ``dunning`` or ``statements``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Annotated[SingleLine, Field(max_length=20, examples=["billing"])]
    name: Name | None = None
    email: Annotated[SingleLine, Field(max_length=254, examples=["ap@example.com"])]


class BillingPolicyIn(BaseModel):
    """When invoices are made (``manual``, ``on_shipment``, ``periodic`` with a ``period`` of
    ``week`` or ``month``) and whether an issued invoice is sent to the billing contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Annotated[SingleLine, Field(max_length=20, examples=["manual"])] = "manual"
    period: Annotated[SingleLine, Field(max_length=10, examples=["month"])] | None = None
    send: bool = False


VatId = Annotated[SingleLine, Field(max_length=40, examples=["DE136695976"])]
PeppolId = Annotated[SingleLine, Field(max_length=120, examples=["9930:DE136695976"])]
Language = Annotated[SingleLine, Field(max_length=8, description="en, de or fr")]


class CustomerFields(BaseModel):
    """A customer's party fields; each left out is unchanged, each null is cleared."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = (
        "customer_number",
        "legal_name",
        "address",
        "vat_id",
        "peppol_id",
        "buyer_reference",
        "language",
        "contacts",
        "tax_treatment",
        "billing_policy",
    )

    customer_number: Annotated[SingleLine, Field(max_length=50, examples=["C-10001"])] | None = None
    legal_name: Name | None = None
    address: AddressIn | None = None
    vat_id: VatId | None = None
    peppol_id: PeppolId | None = None
    buyer_reference: Short | None = Field(
        None, description="BT-10, e.g. a German Leitweg-ID", examples=["04011000-1234512345-06"]
    )
    language: Language | None = None
    contacts: Annotated[list[ContactIn], Field(max_length=20)] | None = None
    tax_treatment: (
        Annotated[
            SingleLine,
            Field(
                max_length=20,
                description="domestic, intra_eu, export or exempt; null: derived from the address",
            ),
        ]
        | None
    ) = None
    billing_policy: (
        BillingPolicyIn
        | Annotated[SingleLine, Field(max_length=20, description="a mode alone, not sent")]
        | None
    ) = None

    def party_updates(self) -> dict[str, Any]:
        """The party fields the caller gave (null included), JSON-native."""
        given = self.model_dump(mode="json", include=set(self.PARTY_FIELDS), exclude_unset=True)
        return dict(given)


class ChangeCustomerDetails(CustomerFields, Command):
    """Change a customer's party details; only what differs is recorded."""

    customer_id: UUID


class CompanyFields(BaseModel):
    """The seller's profile as documents name it."""

    legal_name: Name
    address: AddressIn
    vat_id: VatId | None = None
    tax_registration_id: Short | None = None
    # A company register number (EN 16931 BT-30), e.g. "HRB 12345 B".
    legal_registration_id: Short | None = None
    peppol_id: PeppolId | None = None
    iban: (
        Annotated[SingleLine, Field(max_length=64, examples=["DE89370400440532013000"])] | None
    ) = None
    bic: Annotated[SingleLine, Field(max_length=11, examples=["COBADEFFXXX"])] | None = None
    email: Annotated[SingleLine, Field(max_length=254)] | None = None
    phone: Annotated[SingleLine, Field(max_length=40)] | None = None
    contact_name: Name | None = None
    default_language: Language = "en"


class ReplaceCompanyProfile(CompanyFields, Command):
    """Set the seller's whole profile (a field left out is cleared); admin only."""


class ChangeCompanyLogo(Command):
    """Set the seller's logo (PNG or SVG, at most 200 KB) or, with no media type, remove it."""

    media_type: Annotated[SingleLine, Field(max_length=40)] | None = None
    # Room for a little more than 200 KB, so a logo just too large hears why.
    content_base64: Annotated[str, Field(max_length=400_000)] | None = None
