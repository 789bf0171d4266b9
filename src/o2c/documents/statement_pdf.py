"""The statement of account PDF: bookings over a period with their running balance."""

from __future__ import annotations

from decimal import Decimal

from o2c.documents.language import Language, Texts
from o2c.documents.letter import Data, RenderedPdf, letter_data
from o2c.documents.model import StatementOfAccount
from o2c.documents.typst_engine import compile_pdf


def render_statement_pdf(statement: StatementOfAccount, language: Language) -> RenderedPdf:
    """The PDF of ``statement`` in ``language``, with its SHA-256."""
    data = statement_data(statement, language)
    return RenderedPdf.of(compile_pdf("statement", data, created=statement.issue_date))


def statement_data(statement: StatementOfAccount, language: Language) -> Data:
    """What ``statement.typ`` lays out, every text formatted in ``language``."""
    texts = Texts(language)
    currency = statement.currency
    period = texts(
        "period",
        start=texts.date(statement.period_start),
        end=texts.date(statement.period_end),
    )
    facts = [(texts("issue_date"), texts.date(statement.issue_date))]
    if statement.customer_number:
        facts.append((texts("number"), statement.customer_number))
    data = letter_data(
        title=texts("statement"),
        seller=statement.letterhead.seller,
        customer=statement.customer,
        texts=texts,
        facts=facts,
        logo=statement.letterhead.logo,
        payment=statement.letterhead.payment,
    )

    def amount(value: Decimal) -> str:
        return texts.money(value, currency) if value else ""

    opening = [
        texts.short_date(statement.period_start),
        texts("opening_balance"),
        "",
        "",
        "",
        texts.money(statement.opening_balance, currency),
    ]
    rows = [opening] + [
        [
            texts.short_date(line.booked_on),
            texts.get(f"kind_{line.kind}", line.kind),
            line.reference,
            amount(line.debit),
            amount(line.credit),
            texts.money(line.balance, currency),
        ]
        for line in statement.lines
    ]
    closing = statement.closing_balance
    data["intro"] = [texts("statement_intro", period=period)]
    data["header"] = [
        texts("date"),
        texts("kind"),
        texts("reference"),
        texts("debit"),
        texts("credit"),
        texts("balance"),
    ]
    data["rows"] = rows
    label = texts("balance_credit") if closing < 0 else texts("balance_due")
    data["totals"] = [
        [texts("closing_balance"), texts.money(closing, currency)],
        [label, texts.money(abs(closing), currency)],
    ][int(closing != 0) :]
    data["notes"] = []
    return data
