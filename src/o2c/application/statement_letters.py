"""Statements of account: the PDF of one customer's period, and statement runs.

A statement is built from the statements read model (opening balance, each booking with its
running balance, closing balance) and the parties as recorded, in the customer's language.

A run (``StatementRuns.run``) sends one for every customer with a non-zero balance or a
booking in the period, to the statements contact (else the billing contact). Each customer is
its own save, never one transaction over the portfolio; the delivery id derives from the
customer and the period, so a run repeated (or resumed after a crash) queues nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID, uuid5

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.application import letter_parties as parties
from o2c.application.context import CommandContext
from o2c.application.deliveries import DeliveryService
from o2c.application.ports import EventStorePort
from o2c.application.reminder_letters import LETTERS_NAMESPACE
from o2c.documents import StatementLine, StatementOfAccount, render_statement_pdf
from o2c.documents.language import Texts
from o2c.domain.business_dates import ensure_not_in_future
from o2c.domain.errors import InvalidInput, RuleViolation

_PAGE = 500


class StatementSourcePort(Protocol):
    """One page of a customer's statement from the read model (``None``: no such customer):
    ``currency``, ``opening_balance``, ``closing_balance``, ``lines`` (``date``, ``kind``,
    ``reference``, ``invoice_number``, ``debit``, ``credit``, ``balance``) and ``next``."""

    def __call__(
        self, customer_id: UUID, start: date, end: date, after: str | None
    ) -> Mapping[str, Any] | None: ...


class StatementCustomersPort(Protocol):
    """Customers with a non-zero balance on ``end`` or a booking in ``start`` … ``end``, once
    the read model applied everything up to ``min_position``."""

    def __call__(self, start: date, end: date, min_position: int) -> Iterable[UUID]: ...


def company_of(store: EventStorePort) -> Company:
    """The seller's profile; a letter cannot be written without one."""
    company = store.get(COMPANY_ID)
    if not isinstance(company, Company):
        raise RuleViolation(
            "no seller profile yet: PUT /v1/company first", code="company-not-set-up"
        )
    return company


def statement_of_account(
    source: StatementSourcePort,
    company: Company,
    account: CustomerAccount,
    start: date,
    end: date,
    issue_date: date,
) -> StatementOfAccount | None:
    """The statement of ``start`` … ``end`` (``None`` if the read model has no such customer)."""
    first = source(account.id, start, end, None)
    if first is None:
        return None
    lines: list[StatementLine] = []
    page: Mapping[str, Any] | None = first
    while page is not None:
        lines.extend(_line(line, start) for line in page["lines"])
        after = page.get("next")
        page = source(account.id, start, end, after) if after else None
    return StatementOfAccount(
        letterhead=parties.letterhead(company),
        customer=parties.customer_party(account),
        currency=str(first["currency"]),
        period_start=start,
        period_end=end,
        issue_date=issue_date,
        opening_balance=Decimal(str(first["opening_balance"])),
        lines=tuple(lines),
        closing_balance=Decimal(str(first["closing_balance"])),
        customer_number=parties.customer_number(account),
    )


def _line(line: Mapping[str, Any], start: date) -> StatementLine:
    booked = line.get("date")
    return StatementLine(
        booked_on=date.fromisoformat(booked) if booked else start,
        kind=str(line["kind"]),
        reference=str(line.get("invoice_number") or line["reference"]),
        debit=Decimal(str(line["debit"])),
        credit=Decimal(str(line["credit"])),
        balance=Decimal(str(line["balance"])),
    )


def render_statement(
    source: StatementSourcePort,
    company: Company,
    account: CustomerAccount,
    start: date,
    end: date,
    issue_date: date,
) -> bytes | None:
    """The statement's PDF bytes in the customer's language."""
    statement = statement_of_account(source, company, account, start, end, issue_date)
    if statement is None:
        return None
    return render_statement_pdf(statement, parties.language_of(account, company)).pdf


def statement_filename(account: CustomerAccount, start: date, end: date) -> str:
    """``statement-<customer number>-<from>-<to>.pdf``."""
    who = parties.customer_number(account) or str(account.id)[:8]
    return parties.filename("statement", who, start.isoformat(), end.isoformat())


def statement_delivery_id(customer_id: UUID, start: date, end: date) -> UUID:
    """The delivery id of a customer's statement of one period."""
    return uuid5(LETTERS_NAMESPACE, f"statement:{customer_id}:{start}:{end}")


@dataclass
class StatementRunResult:
    """What a statement run did: per customer, queued, queued held (the address bounced),
    queued before (by an earlier run of the same period), or skipped (no contact)."""

    as_of: date
    start: date
    customers: int = 0
    queued: int = 0
    held: int = 0
    already_queued: int = 0
    skipped_no_contact: int = 0


Progress = Callable[[int, StatementRunResult], None]


class StatementRuns:
    """Sends the statements of a period to every customer who has one."""

    def __init__(
        self,
        store: EventStorePort,
        deliveries: DeliveryService,
        source: StatementSourcePort,
        customers: StatementCustomersPort,
        today: Callable[[], date],
    ) -> None:
        self.store = store
        self.deliveries = deliveries
        self.source = source
        self.customers = customers
        self.today = today

    def run(
        self,
        as_of: date,
        start: date | None = None,
        ctx: CommandContext | None = None,
        progress: Progress | None = None,
    ) -> StatementRunResult:
        """Queue the statements of ``start`` (default: the first of ``as_of``'s month) …
        ``as_of``."""
        ensure_not_in_future([as_of], self.today())
        start = start or as_of.replace(day=1)
        if start > as_of:
            raise InvalidInput("'from' must not be after 'as_of'", code="invalid-period")
        company = company_of(self.store)
        ctx = ctx or CommandContext()
        result = StatementRunResult(as_of, start)
        for customer_id in self.customers(start, as_of, self.store.last_position()):
            result.customers += 1
            self._one(customer_id, company, start, as_of, ctx, result)
            if progress is not None:
                progress(result.customers, result)
        return result

    def _one(
        self,
        customer_id: UUID,
        company: Company,
        start: date,
        end: date,
        ctx: CommandContext,
        result: StatementRunResult,
    ) -> None:
        account = self.store.get(customer_id)
        if not isinstance(account, CustomerAccount):
            return
        to = parties.recipient(account, parties.STATEMENT_ROLES)
        if to is None:
            result.skipped_no_contact += 1
            return
        delivery_id = statement_delivery_id(customer_id, start, end)
        if self.store.version_of(delivery_id) is not None:
            result.already_queued += 1
            return
        pdf = render_statement(self.source, company, account, start, end, end)
        if pdf is None:
            return
        language = parties.language_of(account, company)
        texts = Texts(language)
        period = texts("period", start=texts.date(start), end=texts.date(end))
        seller = str(company.details.get("legal_name") or "")
        queued = self.deliveries.queue_delivery(
            customer_id=customer_id,
            document=f"statement:{customer_id}.{start.isoformat()}.{end.isoformat()}",
            content=pdf,
            filename=statement_filename(account, start, end),
            channel="email",
            to=to.email,
            subject=texts("mail_statement_subject", period=period, seller=seller)[:200],
            body=texts("mail_statement_body", period=period, seller=seller),
            delivery_id=delivery_id,
            ctx=ctx,
        )
        if queued.held:
            result.held += 1
        else:
            result.queued += 1
