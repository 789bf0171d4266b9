"""The reminder letter PDF of one dunning level, with payment instructions.

One overdue invoice: the payment is asked with that invoice's RF creditor reference (the bank
matcher maps it back to the invoice). Several: with the invoice numbers as remittance text,
which the matcher reads as a list of references.
"""

from __future__ import annotations

from o2c.documents.language import Language, Texts
from o2c.documents.letter import Data, PaymentRequest, RenderedPdf, letter_data, payment_data
from o2c.documents.model import ReminderLetter
from o2c.documents.typst_engine import compile_pdf
from o2c.domain.creditor_reference import creditor_reference

MAX_TITLED_LEVEL = 3


def render_reminder_pdf(letter: ReminderLetter, language: Language) -> RenderedPdf:
    """The PDF of ``letter`` in ``language``, with its SHA-256."""
    data = reminder_data(letter, language)
    return RenderedPdf.of(compile_pdf("reminder", data, created=letter.issue_date))


def reminder_data(letter: ReminderLetter, language: Language) -> Data:
    """What ``reminder.typ`` lays out, every text formatted in ``language``."""
    texts = Texts(language)
    currency = letter.currency
    title = texts(f"reminder_{min(letter.level, MAX_TITLED_LEVEL)}")
    facts = [(texts("issue_date"), texts.date(letter.issue_date))]
    if letter.customer_number:
        facts.append((texts("number"), letter.customer_number))
    if letter.pay_by:
        facts.append((texts("due_date"), texts.date(letter.pay_by)))
    head = letter.letterhead
    data = letter_data(
        title=title,
        seller=head.seller,
        customer=letter.customer,
        texts=texts,
        facts=facts,
        logo=head.logo,
        payment=head.payment,
    )
    data["salutation"] = texts("salutation")
    data["text"] = [p.strip() for p in letter.text.split("\n\n") if p.strip()]
    data["heading"] = texts("overdue_invoices")
    data["header"] = [
        texts("invoice_number"),
        texts("issue_date"),
        texts("due_date"),
        texts("days_overdue"),
        texts("open_amount"),
    ]
    data["rows"] = [
        [
            invoice.number,
            texts.short_date(invoice.issue_date) if invoice.issue_date else "",
            texts.short_date(invoice.due_date),
            str(invoice.days_past_due),
            texts.money(invoice.open_amount, currency),
        ]
        for invoice in letter.invoices
    ]
    totals = []
    if letter.fee:
        totals.append([texts("fee"), texts.money(letter.fee, currency)])
    if letter.interest:
        totals.append([texts("interest"), texts.money(letter.interest, currency)])
    totals.append([texts("total_due"), texts.money(letter.total_due, currency)])
    data["totals"] = totals
    data["closing"] = texts("closing")
    if head.payment is not None and letter.total_due > 0:
        numbers = [invoice.number for invoice in letter.invoices]
        reference = creditor_reference(numbers[0]) if len(numbers) == 1 else None
        remittance = None if reference else " ".join(numbers)
        request = PaymentRequest(
            head.payment, letter.total_due, currency, letter.pay_by, reference, remittance
        )
        data["payment"] = payment_data(request, head.seller, texts)
    return data
