"""The parts every letter shares, as template data: sender, recipient, footer, payment box."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from babel import Locale
from stdnum import iso11649

from o2c.documents.epc_qr import epc_payload, qr_svg
from o2c.documents.language import Texts
from o2c.documents.model import Logo
from o2c.einvoice import Party, PaymentInstructions

Data = dict[str, Any]


class RenderedPdf(NamedTuple):
    """A rendered document: the PDF bytes and their SHA-256 (hex), which a delivery records.

    ``factur_x`` says whether the PDF carries the CII e-invoice as ``factur-x.xml``.
    """

    pdf: bytes
    sha256: str
    factur_x: bool = False

    @classmethod
    def of(cls, pdf: bytes, *, factur_x: bool = False) -> RenderedPdf:
        """``pdf`` with its digest."""
        return cls(pdf, hashlib.sha256(pdf).hexdigest(), factur_x)


@dataclass(frozen=True)
class PaymentRequest:
    """What a payment box asks for: an amount to a seller's account, with a reference."""

    payment: PaymentInstructions
    amount: Decimal
    currency: str
    pay_by: date | None
    reference: str | None
    remittance: str | None = None


def country_name(code: str, texts: Texts) -> str:
    """The country of an ISO 3166 code in the letter's language (the code if unknown)."""
    name = Locale.parse(texts.language.value).territories.get(code.upper())
    return str(name) if name else code


def address_lines(party: Party, texts: Texts, *, home_country: str | None) -> list[str]:
    """Name, street lines, post code and city, and the country when abroad."""
    address = party.address
    city = " ".join(part for part in (address.postal_code, address.city) if part)
    lines = [party.name, *address.lines, city]
    if home_country is None or address.country.upper() != home_country.upper():
        lines.append(country_name(address.country, texts))
    return [line for line in lines if line]


def letter_data(
    *,
    title: str,
    seller: Party,
    customer: Party,
    texts: Texts,
    facts: list[tuple[str, str]],
    logo: Logo | None,
    payment: PaymentInstructions | None,
) -> Data:
    """Sender, recipient, facts block and footer: what ``common.typ`` lays out."""
    home = seller.address.country
    seller_lines = address_lines(seller, texts, home_country=None)
    contact = seller.contact
    reach = [
        f"{texts('phone')} {contact.phone}" if contact and contact.phone else "",
        f"{texts('email')} {contact.email}" if contact and contact.email else "",
    ]
    legal = [
        f"{texts('vat_id')} {seller.vat_id}" if seller.vat_id else "",
        f"{texts('tax_number')} {seller.tax_registration_id}" if seller.tax_registration_id else "",
        f"{texts('register')} {seller.legal_registration_id}"
        if seller.legal_registration_id
        else "",
    ]
    bank = [
        f"{texts('iban')} {format_iban(payment.iban)}" if payment else "",
        f"{texts('bic')} {payment.bic}" if payment and payment.bic else "",
    ]
    data: Data = {
        "lang": texts.language.value,
        "title": title,
        "page_label": texts("page", page="{page}", pages="{pages}"),
        "seller": {
            "name": seller.name,
            "return_line": " · ".join(seller_lines),
            "footer": [
                [seller.name, ", ".join(seller_lines[1:])],
                [line for line in reach + bank if line],
                [line for line in legal if line],
            ],
        },
        "customer": {"lines": address_lines(customer, texts, home_country=home)},
        "facts": [list(fact) for fact in facts],
    }
    if logo is not None:
        data["logo"] = {"format": logo.format.value, "bytes": list(logo.data)}
    return data


def format_iban(iban: str) -> str:
    """An IBAN in groups of four, as printed."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def payment_data(request: PaymentRequest, seller: Party, texts: Texts) -> Data:
    """The payment box: sentence, account, reference and, for euro, the EPC QR code."""
    amount = texts.money(request.amount, request.currency)
    sentence = (
        texts("pay_by", amount=amount, date=texts.date(request.pay_by))
        if request.pay_by
        else texts("pay_now", amount=amount)
    )
    payment = request.payment
    holder = payment.account_name or seller.name
    rows = [[texts("account_holder"), holder], [texts("iban"), format_iban(payment.iban)]]
    if payment.bic:
        rows.append([texts("bic"), payment.bic])
    if request.reference:
        rows.append([texts("reference"), iso11649.format(request.reference)])
    elif request.remittance:
        rows.append([texts("reference"), request.remittance])
    data: Data = {
        "heading": texts("payment"),
        "sentence": sentence,
        "rows": rows,
        "qr_hint": texts("qr_hint"),
    }
    if request.currency == "EUR":
        payload = epc_payload(
            name=holder,
            iban=payment.iban,
            bic=payment.bic,
            amount=request.amount,
            reference=request.reference,
            remittance=request.remittance,
        )
        if payload is not None:
            data["qr_svg"] = qr_svg(payload)
    return data
