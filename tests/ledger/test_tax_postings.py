"""Posting rules for taxed facts, on envelopes built by hand in the stored shapes: revenue and
output tax per (category, rate), credit notes, the tax part of discounts and write-offs with and
without bad-debt relief; facts recorded before taxes (the legacy fixtures) post as they always
did, gross."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from o2c.aggregates.invoice import OPENING_BALANCE_SKU
from o2c.events.envelope import EventEnvelope
from o2c.ledger.postings import (
    Entry,
    Line,
    Role,
    TaxMovement,
    discount_tax_held,
    parse_chart,
    post,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "stored_events"
INVOICE, CUSTOMER = "inv-1", "cust-1"
ISSUED = 740_000

R, REV, TAX = Role.RECEIVABLE, Role.REVENUE, Role.OUTPUT_TAX


class _Books:
    """Every account in EUR, every invoice issued on day ``ISSUED``; discounts hold ``held``."""

    def __init__(self, held: tuple[TaxMovement, ...] = ()) -> None:
        self.held = held

    def discount_tax_of(self, invoice_id: str, payment_id: str) -> tuple[TaxMovement, ...]:
        return self.held

    def currency_of(self, customer_id: str) -> str:
        return "EUR"

    def issued_day_of(self, invoice_id: str) -> int:
        return ISSUED


def envelope(
    event_type: str, data: dict[str, Any], aggregate_type: str = "Invoice"
) -> EventEnvelope:
    return EventEnvelope(
        position=7,
        event_id="e-7",
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=INVOICE,
        version=1,
        customer_id=CUSTOMER,
        recorded_at="2026-01-01T00:00:00+00:00",
        actor="system",
        command_id="c",
        correlation_id="c",
        causation_id="c",
        schema_version=1,
        prev_hash="0" * 64,
        hash="0" * 64,
        data=data,
    )


def group(category: str, rate: str, taxable: str, tax: str) -> dict[str, Any]:
    code = None if category == "S" else f"VATEX-EU-{category}"
    return {
        "category": category,
        "rate": rate,
        "taxable": taxable,
        "tax": tax,
        "exemption_reason_code": code,
        "exemption_reason": None,
    }


# An invoice of 100.00 at 19 %, 50.00 at 7 % and 30.00 zero rated: 180.00 net, 22.50 tax.
BREAKDOWN = [group("S", "19.00", "100.00", "19.00"), group("S", "7.00", "50.00", "3.50")]
BREAKDOWN.append(group("Z", "0.00", "30.00", "0.00"))


def issued(**extra: Any) -> dict[str, Any]:
    return {
        "customer_id": CUSTOMER,
        "order_id": "order-1",
        "number": "INV-000001",
        "currency": "EUR",
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "180.00", "amount": "180.00"}],
        "total": "202.50",
        "issued_on": "2026-01-05",
        "net_total": "180.00",
        "tax_total": "22.50",
        "tax_breakdown": BREAKDOWN,
        **extra,
    }


def posted(event_type: str, data: dict[str, Any]) -> Entry:
    entry = post(envelope(event_type, data), _Books())
    assert entry is not None
    assert entry.balanced
    return entry


def test_an_invoice_credits_revenue_and_output_tax_per_category_and_rate() -> None:
    entry = posted("InvoiceIssued", issued())
    assert entry.fact == "invoice"
    assert entry.lines == (
        Line(R, debit=202_500),
        Line(REV, credit=100_000, category="S", rate="19.00"),
        Line(REV, credit=50_000, category="S", rate="7.00"),
        Line(REV, credit=30_000, category="Z", rate="0.00"),
        Line(TAX, credit=19_000, category="S", rate="19.00"),
        Line(TAX, credit=3_500, category="S", rate="7.00"),
    )
    assert entry.tax == (
        TaxMovement("S", "19.00", 100_000, 19_000),
        TaxMovement("S", "7.00", 50_000, 3_500),
        TaxMovement("Z", "0.00", 30_000, 0),
    )


def test_rates_read_back_as_numbers_are_written_at_two_decimals() -> None:
    rows = [group("S", "19", "100.00", "19.00")]
    entry = posted("InvoiceIssued", issued(total="119.00", tax_breakdown=rows))
    assert {x.rate for x in entry.lines if x.role is not R} == {"19.00"}


def test_a_credit_note_takes_net_and_tax_back_per_group() -> None:
    parts = [group("S", "19.00", "10.00", "1.90"), group("Z", "0.00", "5.00", "0.00")]
    data = {
        "credit_note_id": "cn-1",
        "amount": "16.90",
        "issued_on": "2026-01-03",
        "number": "CN-000001",
        "net_total": "15.00",
        "tax_total": "1.90",
        "tax_breakdown": parts,
    }
    entry = posted("CreditNoteApplied", data)
    assert entry.fact == "credit_note"
    assert entry.posting_day == ISSUED  # dated before the invoice: posted on its issue date
    assert entry.document_id == "cn-1"
    assert entry.lines == (
        Line(Role.CREDIT_NOTES, debit=10_000, category="S", rate="19.00"),
        Line(Role.CREDIT_NOTES, debit=5_000, category="Z", rate="0.00"),
        Line(TAX, debit=1_900, category="S", rate="19.00"),
        Line(R, credit=16_900, document=INVOICE),
    )
    assert entry.tax == (
        TaxMovement("S", "19.00", -10_000, -1_900),
        TaxMovement("Z", "0.00", -5_000, 0),
    )


def test_a_discount_moves_its_tax_out_of_sales_discounts_into_output_tax() -> None:
    parts = [group("S", "19.00", "3.36", "0.64"), group("S", "7.00", "1.87", "0.13")]
    data = {
        "payment_id": "pay-1",
        "amount": "6.00",
        "taken_on": "2026-01-10",
        "net_total": "5.23",
        "tax_total": "0.77",
        "tax_breakdown": [*parts, group("Z", "0.00", "0.77", "0.00")],
    }
    entry = posted("DiscountTaken", data)
    assert entry.fact == "discount_tax"
    assert entry.document_id == "pay-1"
    assert entry.lines == (
        Line(TAX, debit=640, category="S", rate="19.00"),
        Line(TAX, debit=130, category="S", rate="7.00"),
        Line(Role.DISCOUNTS, credit=640, category="S", rate="19.00"),
        Line(Role.DISCOUNTS, credit=130, category="S", rate="7.00"),
    )
    assert [m.taxable for m in entry.tax] == [-3_360, -1_870, -770]


def test_a_discount_on_a_zero_rated_invoice_still_lowers_the_taxable_amount() -> None:
    data = {
        "payment_id": "pay-1",
        "amount": "2.00",
        "taken_on": "2026-01-10",
        "tax_breakdown": [group("Z", "0.00", "2.00", "0.00")],
    }
    entry = posted("DiscountTaken", data)
    assert entry.lines == ()
    assert entry.tax == (TaxMovement("Z", "0.00", -2_000, 0),)


def written_off(relief: bool) -> dict[str, Any]:
    return {
        "write_off_id": "wo-1",
        "amount": "119.00",
        "written_off_on": "2026-03-01",
        "net_total": "100.00",
        "tax_total": "19.00",
        "tax_breakdown": [group("S", "19.00", "100.00", "19.00")],
        "tax_relief": relief,
    }


def test_a_write_off_with_relief_reclaims_its_tax() -> None:
    entry = posted("InvoiceWrittenOff", written_off(relief=True))
    assert entry.lines == (
        Line(Role.BAD_DEBT, debit=100_000, category="S", rate="19.00"),
        Line(TAX, debit=19_000, category="S", rate="19.00"),
        Line(R, credit=119_000, document=INVOICE),
    )
    assert entry.tax == (TaxMovement("S", "19.00", -100_000, -19_000),)


def test_a_write_off_without_relief_is_bad_debt_gross_and_keeps_the_tax_owed() -> None:
    entry = posted("InvoiceWrittenOff", written_off(relief=False))
    assert entry.lines == (
        Line(Role.BAD_DEBT, debit=119_000),
        Line(R, credit=119_000, document=INVOICE),
    )
    assert entry.tax == ()


def test_an_opening_balance_with_no_tax_data_still_clears_to_3900() -> None:
    lines = [{"sku": OPENING_BALANCE_SKU, "quantity": 1, "unit_price": "50.00", "amount": "50.00"}]
    data = issued(order_id=None, lines=lines, total="50.00", tax_breakdown=None)
    entry = posted("InvoiceIssued", data)
    assert entry.fact == "opening_balance"
    assert [x.role for x in entry.lines] == [R, Role.OPENING]


LEGACY = {
    "InvoiceIssued": ("invoice", Role.RECEIVABLE, Role.REVENUE, "total"),
    "CreditNoteApplied": ("credit_note", Role.CREDIT_NOTES, Role.RECEIVABLE, "amount"),
    "InvoiceWrittenOff": ("write_off", Role.BAD_DEBT, Role.RECEIVABLE, "amount"),
}
LEGACY_FIXTURES = sorted(
    p
    for p in (FIXTURES / "legacy").glob("*.json")
    if p.stem.split(".")[0] in {*LEGACY, "DiscountTaken"}
)


def fixture_envelopes(path: Path) -> list[EventEnvelope]:
    """The fixture's event as read today (upcast: tax fields null), and with no tax fields at
    all, as a consumer of the oldest form would see it."""
    recorded = json.loads(path.read_text())["decoded"]["envelope"]
    bare = {k: v for k, v in recorded["data"].items() if "tax" not in k}
    return [
        EventEnvelope(position=3, **recorded),
        EventEnvelope(position=3, **{**recorded, "data": bare}),
    ]


@pytest.mark.parametrize("path", LEGACY_FIXTURES, ids=lambda p: p.stem)
def test_facts_recorded_before_taxes_post_gross_as_before(path: Path) -> None:
    assert LEGACY_FIXTURES
    for env in fixture_envelopes(path):
        entry = post(env, _Books())
        if env.event_type == "DiscountTaken":
            assert entry is None  # the discount posts from the payment's side, gross
            continue
        assert entry is not None
        fact, debit, credit, field = LEGACY[env.event_type]
        mills = round(float(env.data[field]) * 1000)
        assert entry.fact == fact
        assert [(x.role, x.debit, x.credit) for x in entry.lines] == [
            (debit, mills, 0),
            (credit, 0, mills),
        ]
        assert all(x.category is None and x.rate is None for x in entry.lines)
        assert entry.tax == ()


def test_the_output_tax_account_is_in_the_chart_and_renumbered_like_any_other() -> None:
    assert parse_chart("")[Role.OUTPUT_TAX] == ("2200", "Output tax")
    assert parse_chart("output_tax=2210:VAT payable")[Role.OUTPUT_TAX] == ("2210", "VAT payable")
    with pytest.raises(ValueError, match="same account number"):
        parse_chart("output_tax=2100")


HELD = (TaxMovement("S", "19.00", 3_360, 640), TaxMovement("Z", "0.00", 2_000, 0))


def deallocated(discount: str) -> EventEnvelope:
    data = {
        "payment_id": "pay-1",
        "invoice_id": INVOICE,
        "amount": "100.00",
        "discount": discount,
        "deallocated_on": "2026-01-12",
    }
    return envelope("PaymentDeallocated", data, aggregate_type="Account")


def test_a_discount_given_back_whole_returns_its_tax_exactly() -> None:
    entry = post(deallocated("6.00"), _Books(HELD))
    assert entry is not None and entry.balanced
    assert entry.lines[3:] == (
        Line(Role.DISCOUNTS, debit=640, category="S", rate="19.00"),
        Line(TAX, credit=640, category="S", rate="19.00"),
    )
    assert entry.tax == HELD
    assert discount_tax_held(deallocated("6.00"), _Books(HELD))[2] == ()


def test_part_of_a_discount_given_back_returns_its_share_of_each_group() -> None:
    # 3.00 of the 6.00: 2.00 of the 4.00 at 19 % (0.32 tax), 1.00 of the 2.00 zero rated.
    entry = post(deallocated("3.00"), _Books(HELD))
    assert entry is not None and entry.balanced
    assert entry.tax == (TaxMovement("S", "19.00", 1_680, 320), TaxMovement("Z", "0.00", 1_000, 0))
    left = discount_tax_held(deallocated("3.00"), _Books(HELD))[2]
    assert left == (TaxMovement("S", "19.00", 1_680, 320), TaxMovement("Z", "0.00", 1_000, 0))


def test_a_discount_earned_before_taxes_is_given_back_as_before() -> None:
    entry = post(deallocated("2.00"), _Books())
    assert entry is not None
    assert [x.role for x in entry.lines] == [Role.UNAPPLIED, Role.DISCOUNTS, R]
    assert entry.tax == ()
