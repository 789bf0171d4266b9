"""The parties an invoice names: the seller and its customers, as EN 16931 needs them.

Every rule here checks one field the way a tax office or a Peppol access point will: a country is
an ISO 3166 alpha-2 code, a VAT ID passes its country's checksum (``python-stdnum``) and, inside
the EU, its prefix is the address's country (Greece writes ``EL``, Northern Ireland ``XI``), an
electronic address is a Peppol participant id ``scheme:id``. Values are kept JSON-native (strings,
lists, dicts), because they travel in events as they are.

A customer's tax treatment, when nobody set it, follows from where it is: the seller's own
country is domestic, another EU country with a VAT ID is an intra-EU supply (without one the
buyer is taxed like a domestic one), anywhere else is an export.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pycountry
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from o2c.domain.billing_policy import checked_policy
from o2c.domain.errors import InvalidInput
from o2c.domain.tax import TaxTreatment

LANGUAGES = ("en", "de", "fr")
CONTACT_ROLES = ("billing", "dunning", "statements")

# EU member states by ISO 3166 code; the VAT prefix differs for Greece.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
_VAT_PREFIX = {"GR": "EL"}
_EU_PREFIXES = frozenset({_VAT_PREFIX.get(c, c) for c in EU_COUNTRIES} | {"XI"})

# ``scheme:id``: a four-digit ISO 6523 ICD scheme (0088 GLN, 9930 German VAT, 0204 Leitweg-ID…)
# and the identifier, as Peppol's participant identifiers are written.
_PEPPOL_ID = re.compile(r"[0-9]{4}:[A-Za-z0-9][A-Za-z0-9.:_+\-/]{0,99}")
# Deliberately loose: one @, something on each side, a dot in the domain, no spaces. Mail
# delivery is the real check; this catches the typo that makes a reminder go nowhere.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def country(code: str, field: str = "address.country") -> str:
    """An ISO 3166-1 alpha-2 country code, upper case; 422 ``invalid-country`` otherwise."""
    upper = code.strip().upper()
    if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
        raise InvalidInput(
            f"{field} {code!r} is not an ISO 3166 country code", code="invalid-country"
        )
    return upper


def address(value: Mapping[str, Any]) -> dict[str, Any]:
    """A postal address ``{lines, city, postal_code, country}``, trimmed and checked."""
    lines = [str(line).strip() for line in value.get("lines") or [] if str(line).strip()]
    city = str(value.get("city") or "").strip()
    if not lines or not city:
        raise InvalidInput("an address needs at least one line and a city", code="invalid-address")
    postal = str(value.get("postal_code") or "").strip()
    return {
        "lines": lines,
        "city": city,
        "postal_code": postal or None,
        "country": country(str(value.get("country") or "")),
    }


def vat_id(value: str, address_country: str | None) -> str:
    """A VAT ID in compact form (``DE136695976``), checked against its country's rules.

    An EU VAT ID must pass its checksum, and when the address is in the EU its prefix must be
    the address's country. Outside the EU the country's own format is checked where
    ``python-stdnum`` knows it; an identifier of a country it does not know is kept as given.
    """
    raw = value.strip()
    prefix = re.sub(r"[\s.\-]", "", raw)[:2].upper()
    if prefix in _EU_PREFIXES:
        if not eu_vat.is_valid(raw):
            raise InvalidInput(f"VAT ID {raw!r} fails its checksum", code="invalid-vat-id")
        compact = str(eu_vat.compact(raw))
        if address_country in EU_COUNTRIES and prefix not in _prefixes_of(address_country):
            raise InvalidInput(
                f"VAT ID {compact} is not of the address's country {address_country}",
                code="invalid-vat-id",
            )
        return compact
    if address_country in EU_COUNTRIES:
        expected = _VAT_PREFIX.get(address_country, address_country)
        raise InvalidInput(
            f"VAT ID {raw!r} does not start with {expected}, the address's country",
            code="invalid-vat-id",
        )
    return _national_vat_id(raw, address_country)


def _prefixes_of(eu_country: str) -> frozenset[str]:
    prefixes = {_VAT_PREFIX.get(eu_country, eu_country)}
    if eu_country == "GR":
        prefixes.add("GR")
    return frozenset(prefixes)


def _national_vat_id(raw: str, address_country: str | None) -> str:
    module = None
    if address_country is not None:
        try:
            module = get_cc_module(address_country.lower(), "vat")
        except ImportError:
            module = None
    if module is None:
        if not raw or len(raw) > 40:
            raise InvalidInput("a VAT ID has 1 to 40 characters", code="invalid-vat-id")
        return raw
    try:
        return str(module.validate(raw))
    except ValidationError as exc:
        raise InvalidInput(
            f"VAT ID {raw!r} is not a valid {address_country} tax number", code="invalid-vat-id"
        ) from exc


def peppol_id(value: str) -> str:
    """A Peppol participant id ``scheme:id`` (``0088:4035811991021``, ``9930:DE136695976``)."""
    text = value.strip()
    if not _PEPPOL_ID.fullmatch(text):
        raise InvalidInput(
            f"{value!r} is not a Peppol participant id 'scheme:id' (four-digit scheme)",
            code="invalid-peppol-id",
        )
    return text


def email(value: str, field: str = "email") -> str:
    """An e-mail address, trimmed."""
    text = value.strip()
    if not _EMAIL.fullmatch(text):
        raise InvalidInput(f"{field} {value!r} is not an e-mail address", code="invalid-email")
    return text


def language(value: str) -> str:
    """A document language o2c writes: en, de or fr."""
    text = value.strip().lower()
    if text not in LANGUAGES:
        raise InvalidInput(
            f"language {value!r} is not one of {', '.join(LANGUAGES)}", code="invalid-language"
        )
    return text


def contacts(values: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Contacts by role (billing, dunning, statements), each with a name and an e-mail."""
    checked = []
    for item in values:
        role = str(item.get("role") or "")
        if role not in CONTACT_ROLES:
            raise InvalidInput(
                f"contact role {role!r} is not one of {', '.join(CONTACT_ROLES)}",
                code="invalid-contact",
            )
        name = str(item.get("name") or "").strip() or None
        checked.append({"role": role, "name": name, "email": email(str(item.get("email") or ""))})
    return checked


def tax_treatment(value: str) -> str:
    """One of domestic, intra_eu, export, exempt."""
    try:
        return TaxTreatment(value).value
    except ValueError as exc:
        allowed = ", ".join(t.value for t in TaxTreatment)
        raise InvalidInput(
            f"tax_treatment {value!r} is not one of {allowed}", code="invalid-tax-treatment"
        ) from exc


def billing_policy(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """A billing policy as event data (a mode alone, or ``{mode, period, send}``)."""
    return checked_policy(value)


def iban(value: str) -> str:
    """An IBAN in compact form (country format and checksum checked)."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise InvalidInput(f"{value!r} is not a valid IBAN", code="invalid-iban") from exc


def bic(value: str) -> str:
    """A BIC (SWIFT code) in compact form."""
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise InvalidInput(f"{value!r} is not a valid BIC", code="invalid-bic") from exc


def derived_tax_treatment(
    customer_country: str | None, seller_country: str | None, has_vat_id: bool
) -> TaxTreatment | None:
    """The tax treatment of a customer nobody set one for; ``None`` while a country is unknown.

    The seller's own country is domestic. Between EU countries a buyer with a VAT ID receives an
    intra-EU supply; one without (a consumer) is charged the seller's VAT like a domestic one.
    Any other country is an export.
    """
    if customer_country is None or seller_country is None:
        return None
    if customer_country == seller_country:
        return TaxTreatment.DOMESTIC
    if customer_country in EU_COUNTRIES and seller_country in EU_COUNTRIES:
        return TaxTreatment.INTRA_EU if has_vat_id else TaxTreatment.DOMESTIC
    return TaxTreatment.EXPORT


def changed(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``wanted`` whose value differs from ``current`` (absent counts as None)."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}


# A customer's party fields, in the order they are shown; ``tax_treatment_source`` says whether a
# person set the tax treatment (``set``) or it follows from the address (``derived``, the default).
CUSTOMER_FIELDS = (
    "customer_number",
    "legal_name",
    "address",
    "vat_id",
    "peppol_id",
    "buyer_reference",
    "language",
    "contacts",
    "tax_treatment",
    "tax_treatment_source",
    "billing_policy",
)
SET, DERIVED = "set", "derived"

_CHECKS: dict[str, Any] = {
    "address": address,
    "peppol_id": peppol_id,
    "language": language,
    "contacts": contacts,
    "tax_treatment": tax_treatment,
    "billing_policy": billing_policy,
}


def _text(value: Any) -> str | None:
    text = str(value).strip()
    return text or None


def _checked(updates: Mapping[str, Any]) -> dict[str, Any]:
    """Each given field checked on its own; ``None`` (or an empty text) clears it."""
    out: dict[str, Any] = {}
    for key, value in updates.items():
        if value is None or value == "":
            out[key] = None
        elif key in _CHECKS:
            out[key] = _CHECKS[key](value)
        else:
            out[key] = _text(value)
    return out


def customer_details(
    current: Mapping[str, Any], updates: Mapping[str, Any], seller_country: str | None
) -> dict[str, Any]:
    """What changes when ``updates`` (party fields; absent: unchanged, None: cleared) apply to a
    customer's ``current`` details: only the fields whose value differs.

    The result is checked as a whole: the VAT ID against the resulting address's country, and
    the tax treatment derived again unless a person set it (``tax_treatment: null`` hands it back
    to the derivation).
    """
    unknown = set(updates) - (set(CUSTOMER_FIELDS) - {"tax_treatment_source"})
    if unknown:
        raise InvalidInput(f"not a customer field: {', '.join(sorted(unknown))}")
    before = {"tax_treatment_source": DERIVED, **current}
    wanted = {**before, **_checked(updates)}
    home = (wanted.get("address") or {}).get("country")
    if wanted.get("vat_id"):
        wanted["vat_id"] = vat_id(wanted["vat_id"], home)
    if "tax_treatment" in updates:
        wanted["tax_treatment_source"] = DERIVED if wanted["tax_treatment"] is None else SET
    if wanted["tax_treatment_source"] == DERIVED:
        derived = derived_tax_treatment(home, seller_country, bool(wanted.get("vat_id")))
        wanted["tax_treatment"] = None if derived is None else derived.value
    return changed(before, wanted)


COMPANY_FIELDS = (
    "legal_name",
    "address",
    "vat_id",
    "tax_registration_id",
    "legal_registration_id",
    "peppol_id",
    "iban",
    "bic",
    "email",
    "phone",
    "contact_name",
    "default_language",
)


def company_profile(profile: Mapping[str, Any]) -> dict[str, Any]:
    """The seller's whole profile, checked: a legal name and an address are required."""
    unknown = set(profile) - set(COMPANY_FIELDS)
    if unknown:
        raise InvalidInput(f"not a company field: {', '.join(sorted(unknown))}")
    given = {k: profile.get(k) for k in COMPANY_FIELDS}
    checks: dict[str, Any] = {
        "address": address,
        "peppol_id": peppol_id,
        "iban": iban,
        "bic": bic,
        "email": email,
        "default_language": language,
    }
    out: dict[str, Any] = {}
    for key, value in given.items():
        if value is None or value == "":
            out[key] = None
        else:
            out[key] = checks[key](value) if key in checks else _text(value)
    if out["legal_name"] is None or out["address"] is None:
        raise InvalidInput("the seller needs a legal name and an address", code="invalid-company")
    if out["vat_id"]:
        out["vat_id"] = vat_id(out["vat_id"], out["address"]["country"])
    out["default_language"] = out["default_language"] or LANGUAGES[0]
    return out
