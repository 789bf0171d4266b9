"""Party rules: VAT IDs, countries, contacts, the derived tax treatment and change detection."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import LOGO_MAX_BYTES, Company
from o2c.domain import parties
from o2c.domain.errors import InvalidInput
from o2c.domain.tax import TaxTreatment
from o2c.domain.terms import PaymentTerms

PARIS = {"lines": ["1 rue de Rivoli"], "city": "Paris", "postal_code": "75001", "country": "fr"}
BERLIN = {
    "lines": ["Unter den Linden 1"],
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}
NEW_YORK = {"lines": ["1 Main St"], "city": "New York", "country": "US"}


def _code(call: Any, *args: Any) -> str:
    with pytest.raises(InvalidInput) as err:
        call(*args)
    return err.value.code


@pytest.mark.parametrize(
    ("vat", "country"),
    [
        ("DE136695976", "DE"),
        ("FR40303265045", "FR"),
        ("BE0403170701", "BE"),
        ("IT00743110157", "IT"),
    ],
)
def test_valid_eu_vat_ids_pass_and_come_back_compact(vat: str, country: str) -> None:
    spaced = f"{vat[:2]} {vat[2:5]} {vat[5:]}"
    assert parties.vat_id(spaced, country) == vat


def test_a_vat_id_failing_its_checksum_is_refused() -> None:
    assert _code(parties.vat_id, "DE136695977", "DE") == "invalid-vat-id"


def test_inside_the_eu_the_prefix_must_be_the_address_country() -> None:
    assert _code(parties.vat_id, "DE136695976", "FR") == "invalid-vat-id"
    assert _code(parties.vat_id, "12345", "FR") == "invalid-vat-id"
    # Outside the EU a foreign EU VAT ID (a branch's) is checked by its checksum only.
    assert parties.vat_id("DE136695976", "US") == "DE136695976"


def test_greece_writes_el() -> None:
    assert parties.vat_id("EL094259216", "GR") == "EL094259216"


def test_non_eu_vat_ids_are_checked_where_the_country_has_a_format() -> None:
    assert parties.vat_id("CHE-116.281.710 MWST", "CH")
    assert _code(parties.vat_id, "CHE-116.281.711 MWST", "CH") == "invalid-vat-id"
    assert parties.vat_id("12-3456789", "US") == "12-3456789"


def test_field_rules() -> None:
    assert parties.country("de") == "DE"
    assert _code(parties.country, "XX") == "invalid-country"
    assert _code(parties.country, "DEU") == "invalid-country"
    assert _code(parties.language, "es") == "invalid-language"
    assert parties.language("DE") == "de"
    assert parties.peppol_id("9930:DE136695976") == "9930:DE136695976"
    assert _code(parties.peppol_id, "DE136695976") == "invalid-peppol-id"
    assert _code(parties.email, "no-at-sign") == "invalid-email"
    assert _code(parties.contacts, [{"role": "sales", "email": "a@b.de"}]) == "invalid-contact"
    assert _code(parties.billing_policy, "monthly") == "invalid-billing-policy"
    assert _code(parties.billing_policy, "periodic") == "billing-policy-unsupported"
    assert _code(parties.tax_treatment, "zero") == "invalid-tax-treatment"
    assert _code(parties.address, {"lines": [], "city": "X", "country": "DE"}) == "invalid-address"
    assert parties.iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert _code(parties.iban, "DE89 3704 0044 0532 0130 01") == "invalid-iban"
    assert _code(parties.bic, "NOTABIC") == "invalid-bic"


@pytest.mark.parametrize(
    ("customer", "seller", "vat", "expected"),
    [
        ("DE", "DE", False, TaxTreatment.DOMESTIC),
        ("DE", "DE", True, TaxTreatment.DOMESTIC),
        ("FR", "DE", True, TaxTreatment.INTRA_EU),
        ("FR", "DE", False, TaxTreatment.DOMESTIC),  # an EU consumer pays the seller's VAT
        ("US", "DE", True, TaxTreatment.EXPORT),
        ("CH", "DE", False, TaxTreatment.EXPORT),
        ("FR", "US", True, TaxTreatment.EXPORT),  # a seller outside the EU exports
        (None, "DE", True, None),
        ("FR", None, True, None),
    ],
)
def test_derived_tax_treatment(
    customer: str | None, seller: str | None, vat: bool, expected: TaxTreatment | None
) -> None:
    assert parties.derived_tax_treatment(customer, seller, vat) == expected


def test_details_derive_the_treatment_until_a_person_sets_it() -> None:
    first = parties.customer_details(
        {}, {"address": PARIS, "vat_id": "FR40303265045"}, seller_country="DE"
    )
    assert first["tax_treatment"] == "intra_eu" and "tax_treatment_source" not in first
    moved = parties.customer_details(first, {"address": BERLIN, "vat_id": "DE136695976"}, "DE")
    assert moved["tax_treatment"] == "domestic"
    current = {**first, **moved}
    set_ = parties.customer_details(current, {"tax_treatment": "exempt"}, "DE")
    assert set_ == {"tax_treatment": "exempt", "tax_treatment_source": "set"}
    current |= set_
    # A set treatment stays when the address moves; null hands it back to the derivation.
    assert parties.customer_details(current, {"address": NEW_YORK, "vat_id": None}, "DE") == {
        "address": parties.address(NEW_YORK),
        "vat_id": None,
    }
    assert parties.customer_details(current, {"tax_treatment": None}, "DE") == {
        "tax_treatment": "domestic",
        "tax_treatment_source": "derived",
    }


def test_a_vat_id_is_checked_against_the_resulting_address() -> None:
    current = parties.customer_details({}, {"address": BERLIN, "vat_id": "DE136695976"}, "DE")
    with pytest.raises(InvalidInput) as err:
        parties.customer_details(current, {"address": PARIS}, "DE")
    assert err.value.code == "invalid-vat-id"


def test_nothing_given_or_nothing_different_changes_nothing() -> None:
    assert parties.customer_details({}, {}, "DE") == {}
    current = parties.customer_details({}, {"legal_name": "Acme SA", "language": "fr"}, "DE")
    assert (
        parties.customer_details(current, {"legal_name": " Acme SA ", "language": "FR"}, "DE") == {}
    )


def test_unknown_fields_are_refused() -> None:
    assert _code(parties.customer_details, {}, {"tax_treatment_source": "set"}, "DE")
    assert _code(parties.company_profile, {"legal_name": "X", "address": BERLIN, "x": 1})


def _account() -> CustomerAccount:
    return CustomerAccount.open(uuid4(), "Acme", "EUR", Decimal(1000), PaymentTerms(30))


# A change is drawn as a dict of some party fields, each a valid value or None (cleared).
_FIELD_VALUES: dict[str, list[Any]] = {
    "customer_number": ["C-1", "C-2", None],
    "legal_name": ["Acme SA", "Acme GmbH", None],
    "address": [PARIS, BERLIN, NEW_YORK, None],
    "peppol_id": ["0088:4035811991021", None],
    "buyer_reference": ["04011000-1234512345-06", None],
    "language": ["en", "de", "fr", None],
    "contacts": [[{"role": "billing", "name": "Ann", "email": "ap@acme.example"}], [], None],
    "tax_treatment": ["domestic", "intra_eu", "export", "exempt", None],
    "billing_policy": ["manual", {"mode": "manual", "send": True}, None],
}
changes = st.dictionaries(
    st.sampled_from(sorted(_FIELD_VALUES)),
    st.integers(0, 3),
    max_size=4,
).map(lambda picks: {k: _FIELD_VALUES[k][i % len(_FIELD_VALUES[k])] for k, i in picks.items()})


@given(st.lists(changes, max_size=8))
def test_folding_the_recorded_changes_gives_the_account_details(
    patches: list[dict[str, Any]],
) -> None:
    acc = _account()
    for patch in patches:
        acc.change_details(patch, seller_country="DE")
    folded: dict[str, Any] = {}
    events = acc.collect_events()
    for e in events[1:]:
        assert e.changes, "an event that changes nothing was recorded"
        folded |= e.changes
    assert folded == acc.details
    # Applying the final state again records nothing.
    settable = {k: v for k, v in acc.details.items() if k != "tax_treatment_source"}
    if acc.details.get("tax_treatment_source") != "set":
        settable.pop("tax_treatment", None)
    assert acc.change_details(settable, seller_country="DE") == {}


def test_company_records_only_what_changed_and_a_left_out_field_is_cleared() -> None:
    company = Company.start()
    first = company.replace_details(
        {"legal_name": "Seller GmbH", "address": BERLIN, "vat_id": "DE136695976", "phone": "1"}
    )
    assert first["vat_id"] == "DE136695976" and first["default_language"] == "en"
    assert "iban" not in first  # None before, None after
    second = company.replace_details(
        {"legal_name": "Seller GmbH", "address": BERLIN, "vat_id": "DE136695976"}
    )
    assert second == {"phone": None}
    assert company.country == "DE"
    with pytest.raises(InvalidInput):
        company.replace_details({"legal_name": "Seller GmbH"})


def test_logo_is_png_or_svg_within_200_kb() -> None:
    company = Company.start()
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 10
    assert company.replace_logo("image/png", png)
    assert not company.replace_logo("image/png", png)
    assert company.logo is not None and base64.b64decode(company.logo["content"]) == png
    assert _code(company.replace_logo, "image/gif", png) == "invalid-logo"
    assert _code(company.replace_logo, "image/png", b"<svg/>") == "invalid-logo"
    assert _code(company.replace_logo, "image/svg+xml", b"<svg" + b" " * LOGO_MAX_BYTES) == (
        "invalid-logo"
    )
    assert company.replace_logo("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"/>')
    assert company.remove_logo() and company.logo is None and not company.remove_logo()


def test_details_survive_a_snapshot_and_older_snapshots_have_none() -> None:
    acc = _account()
    acc.change_details({"legal_name": "Acme SA", "address": PARIS}, seller_country="DE")
    state = acc.snapshot_state()
    again = CustomerAccount.from_snapshot_state(acc.id, acc.version, state)
    assert again.details == acc.details
    del state["details"]
    assert CustomerAccount.from_snapshot_state(acc.id, acc.version, state).details == {}
