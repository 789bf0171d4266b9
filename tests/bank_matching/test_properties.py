"""Properties of every match, whatever the book and the line: never more than there is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.domain.bank_matching import KnownPayer, Matcher, OpenInvoiceRef, Receipt

NS = UUID("0b7e3c52-0000-4000-8000-000000000000")
CUSTOMERS = [uuid5(NS, f"customer-{n}") for n in range(3)]
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "NL91ABNA0417164300"]
PAYERS = [
    KnownPayer(customer, f"Customer {n} GmbH", (IBANS[n],), "EUR")
    for n, customer in enumerate(CUSTOMERS)
]
TODAY = date(2026, 1, 15)

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def books(draw: st.DrawFn) -> list[OpenInvoiceRef]:
    count = draw(st.integers(min_value=1, max_value=12))
    book = []
    for n in range(count):
        amount = draw(cents)
        discounted = draw(st.booleans())
        book.append(
            OpenInvoiceRef(
                invoice_id=uuid5(NS, f"invoice-{n}"),
                customer_id=draw(st.sampled_from(CUSTOMERS)),
                number=f"INV-{n + 1:06d}",
                open_amount=amount,
                currency="EUR",
                due_on=TODAY - timedelta(days=draw(st.integers(0, 90))),
                discount_amount=(amount * Decimal("0.02")).quantize(Decimal("0.01"))
                if discounted
                else Decimal("0.00"),
                discount_until=TODAY + timedelta(days=draw(st.integers(-5, 5)))
                if discounted
                else None,
                disputed=draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return book


@st.composite
def receipts(draw: st.DrawFn, book: list[OpenInvoiceRef]) -> Receipt:
    # Amounts near the book's own (a few invoices, less a discount) make matches likely.
    picked = draw(st.lists(st.sampled_from(book), min_size=1, max_size=3, unique=True))
    amount = sum((i.open_amount for i in picked), Decimal(0))
    amount -= draw(st.sampled_from([Decimal(0), picked[0].discount_amount, Decimal("0.01")]))
    amount = draw(st.one_of(st.just(amount), cents))
    numbers = " ".join(
        draw(st.sampled_from([i.number, str(int(i.number[4:])), i.number.lower(), ""]))
        for i in picked
    )
    return Receipt(
        amount=max(amount, Decimal("0.01")),
        currency="EUR",
        booked_on=TODAY,
        remittance=numbers,
        payer_name=draw(st.sampled_from([None, "Customer 0", "customer 1 ag"])),
        payer_iban=draw(st.sampled_from([None, *IBANS])),
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), tolerance=st.sampled_from([Decimal(0), Decimal("0.02")]))
def test_a_match_never_applies_more_than_the_receipt_or_an_invoice_owes(
    data: st.DataObject, tolerance: Decimal
) -> None:
    book = data.draw(books())
    by_id = {i.invoice_id: i for i in book}
    matcher = Matcher(book, PAYERS, tolerance=tolerance)
    line = data.draw(receipts(book))
    decision = matcher.decide(line)
    scores = [s.score for s in decision.suggestions]
    assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
    if decision.match is None:
        return
    match = decision.match
    assert 0.0 <= match.score <= 1.0
    assert sum((a.amount for a in match.allocations), Decimal(0)) <= line.amount
    assert len({a.invoice_id for a in match.allocations}) == len(match.allocations)
    for allocation in match.allocations:
        invoice = by_id[allocation.invoice_id]
        assert not invoice.disputed
        assert invoice.customer_id == match.customer_id
        assert allocation.amount > 0
        assert allocation.amount + allocation.discount <= invoice.open_amount
        if allocation.discount:
            assert invoice.discount_until is not None and line.booked_on <= invoice.discount_until
            assert allocation.discount <= invoice.discount_amount


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_settled_invoice_is_never_matched_again(data: st.DataObject) -> None:
    book = data.draw(books())
    matcher = Matcher(book, PAYERS)
    line = data.draw(receipts(book))
    owed = {i.invoice_id: i.open_amount for i in book}
    for _ in range(3):  # the same payment, again and again
        decision = matcher.decide(line)
        if decision.match is None:
            break
        matcher.applied(decision.match)
        for allocation in decision.match.allocations:
            owed[allocation.invoice_id] -= allocation.amount + allocation.discount
            assert owed[allocation.invoice_id] >= 0
