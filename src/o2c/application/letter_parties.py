"""Who a letter is from and to: the seller's letterhead, the customer as addressee, the
customer's language and the contact a kind of letter goes to.

Read from the write side (the ``Company`` record and the customer's account), so a letter
names the parties as they are recorded now, never as a lagging read model shows them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import Company
from o2c.documents import Language, Letterhead, Logo, LogoFormat
from o2c.einvoice import Address, Contact, Party, PaymentInstructions

# Reminders go to the dunning contact, statements to the statements contact; either falls
# back to the billing contact, who receives the invoices.
DUNNING_ROLES = ("dunning", "billing")
STATEMENT_ROLES = ("statements", "billing")

_UNSAFE_IN_FILENAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class Recipient:
    """The contact a letter is addressed to."""

    role: str
    email: str
    name: str | None = None


def _address(value: dict[str, Any] | None) -> Address:
    if not value:
        # Not recorded yet: the letter shows the name alone rather than not being written.
        return Address(country="")
    return Address(
        country=str(value.get("country") or ""),
        lines=tuple(str(line) for line in value.get("lines") or ()),
        city=value.get("city"),
        postal_code=value.get("postal_code"),
    )


def seller_party(company: Company) -> Party:
    """The seller as its profile records it."""
    d = company.details
    contact = Contact(d.get("contact_name"), d.get("phone"), d.get("email"))
    return Party(
        name=str(d.get("legal_name") or ""),
        address=_address(d.get("address")),
        vat_id=d.get("vat_id"),
        tax_registration_id=d.get("tax_registration_id"),
        legal_registration_id=d.get("legal_registration_id"),
        contact=contact if any((contact.name, contact.phone, contact.email)) else None,
    )


def letterhead(company: Company) -> Letterhead:
    """Seller, bank account to pay to (when recorded) and logo."""
    d = company.details
    payment = (
        PaymentInstructions(iban=d["iban"], bic=d.get("bic"), account_name=d.get("legal_name"))
        if d.get("iban")
        else None
    )
    logo = None
    if company.logo is not None:
        fmt = LogoFormat.SVG if company.logo["media_type"] == "image/svg+xml" else LogoFormat.PNG
        logo = Logo(base64.b64decode(company.logo["content"]), fmt)
    return Letterhead(seller_party(company), payment, logo)


def customer_party(account: CustomerAccount) -> Party:
    """The customer as addressee: legal name (else the account's name) and address."""
    d = account.details
    return Party(
        name=str(d.get("legal_name") or account.name),
        address=_address(d.get("address")),
        vat_id=d.get("vat_id"),
    )


def language_of(account: CustomerAccount, company: Company | None) -> Language:
    """The customer's language, else the seller's default, else English."""
    code = account.details.get("language")
    if not code and company is not None:
        code = company.details.get("default_language")
    return Language.of(code)


def recipient(account: CustomerAccount, roles: Sequence[str]) -> Recipient | None:
    """The first contact with an e-mail address in ``roles`` order, or ``None``."""
    contacts = account.details.get("contacts") or []
    for role in roles:
        for contact in contacts:
            if contact.get("role") == role and contact.get("email"):
                return Recipient(role, str(contact["email"]), contact.get("name"))
    return None


def customer_number(account: CustomerAccount) -> str | None:
    """The customer number, if one was given."""
    number = account.details.get("customer_number")
    return None if number is None else str(number)


def filename(prefix: str, *parts: str) -> str:
    """A file name made of letters, digits, dots and dashes (what a delivery accepts)."""
    stem = "-".join(_UNSAFE_IN_FILENAME.sub("-", part).strip("-") for part in (prefix, *parts))
    return f"{stem[:140]}.pdf"
