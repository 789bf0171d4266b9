"""The reminder letter a dunning run sends each customer it reminds.

One letter per customer and run, listing the invoices reminded that day at their levels, titled
and worded for the highest of them. It is queued for delivery to the customer's dunning contact
(else the billing contact) in the same save that records the reminders: a run that recorded
reminders has queued their letter, and a retried or repeated run records neither again. Without
a contact nothing is sent and the run's answer says ``no_contact``; a letter to an address that
bounced is queued held, so a collector sees it.

The same letter is rendered again on demand from what the run recorded (``ReminderSent`` on
each invoice: date, level, days past due, open amount), so it shows what was sent. Where the
dunning policy has fees or an interest rate, the letter states them (the fee of each reminder it
sends, the interest accrued on its invoices to its date); an interest invoice charges them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.aggregates.invoice import Invoice
from o2c.application import letter_parties as parties
from o2c.application.deliveries import DeliveryService
from o2c.application.handlers.collections import open_changes
from o2c.application.ports import EventStorePort
from o2c.application.results import LetterResult, RemindersResult, Result
from o2c.application.unit_of_work import UnitOfWork
from o2c.commands import SendReminders
from o2c.documents import (
    Language,
    OverdueInvoice,
    ReminderLetter,
    render_reminder_pdf,
)
from o2c.documents.language import Texts
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import DomainError
from o2c.domain.late_interest import late_interest
from o2c.domain.money import zero

# Delivery ids of letters derive from this namespace and what the letter is (never random), so
# the same letter is never queued twice under two ids.
LETTERS_NAMESPACE = UUID("6f1d2c0e-6b7a-5f43-9a51-0c2b7d1e8a34")
_TITLED_LEVELS = 3


@dataclass(frozen=True)
class RemindedInvoice:
    """An invoice as a dunning run reminded it."""

    invoice_id: UUID
    number: str
    issued_on: date | None
    due_on: date
    open_amount: Decimal
    days_past_due: int
    level: int


@dataclass(frozen=True)
class StatedCharges:
    """The late charges a letter states (``None``: none configured): the fees of the reminders
    it sends and the interest accrued on its invoices up to its date. They are charged only by
    an interest invoice (``POST /v1/customers/{id}/interest-invoices``)."""

    fee: Decimal | None = None
    interest: Decimal | None = None


def stated_charges(
    store: EventStorePort,
    policy: DunningPolicy,
    reminded: Sequence[RemindedInvoice],
    as_of: date,
    currency: str,
) -> StatedCharges:
    """Fees (each reminded invoice's fee at its level) and interest (on what was open each day
    past due, up to ``as_of``) a letter states, per the dunning policy."""
    fee: Decimal | None = None
    if any(f > 0 for f in policy.fees):
        fee = sum((policy.fee(item.level) for item in reminded), zero(currency))
    interest: Decimal | None = None
    if policy.interest_rate:
        interest = sum(
            (
                late_interest(
                    open_changes(store.history(item.invoice_id)),
                    due_on=item.due_on,
                    charged_through=None,
                    through=as_of,
                    rate=policy.interest_rate,
                    currency=currency,
                )
                for item in reminded
            ),
            zero(currency),
        )
    return StatedCharges(fee or None, interest or None)


def reminder_letter(
    company: Company,
    account: CustomerAccount,
    as_of: date,
    reminded: Sequence[RemindedInvoice],
    charges: StatedCharges = StatedCharges(),
) -> ReminderLetter:
    """The letter of one run for one customer, in the customer's language."""
    level = max(item.level for item in reminded)
    texts = Texts(parties.language_of(account, company))
    ordered = sorted(reminded, key=lambda item: (item.due_on, item.number))
    return ReminderLetter(
        letterhead=parties.letterhead(company),
        customer=parties.customer_party(account),
        currency=account.currency,
        level=level,
        issue_date=as_of,
        text=texts(f"reminder_text_{min(level, _TITLED_LEVELS)}"),
        invoices=tuple(
            OverdueInvoice(
                item.number, item.due_on, item.open_amount, item.days_past_due, item.issued_on
            )
            for item in ordered
        ),
        customer_number=parties.customer_number(account),
        fee=charges.fee,
        interest=charges.interest,
    )


def render_letter(
    company: Company,
    account: CustomerAccount,
    as_of: date,
    reminded: Sequence[RemindedInvoice],
    charges: StatedCharges = StatedCharges(),
) -> bytes:
    """The letter's PDF bytes."""
    letter = reminder_letter(company, account, as_of, reminded, charges)
    return render_reminder_pdf(letter, parties.language_of(account, company)).pdf


def letter_filename(account: CustomerAccount, as_of: date) -> str:
    """``reminder-<customer number>-<date>.pdf``."""
    who = parties.customer_number(account) or str(account.id)[:8]
    return parties.filename("reminder", who, as_of.isoformat())


def letter_delivery_id(customer_id: UUID, as_of: date, level: int) -> UUID:
    """The delivery id of a customer's reminder letter of ``as_of`` at ``level``."""
    return uuid5(LETTERS_NAMESPACE, f"reminder:{customer_id}:{as_of.isoformat()}:{level}")


class ReminderLetters:
    """Follows ``SendReminders``: queues the customer's letter in the command's own save."""

    def __init__(self, deliveries: DeliveryService) -> None:
        self.deliveries = deliveries

    def __call__(self, cmd: SendReminders, result: Result, uow: UnitOfWork) -> Result:
        assert isinstance(result, RemindersResult)
        if not result.reminders:
            return result
        letter = self._queue(cmd.customer_id, cmd.as_of, result, uow)
        return result.model_copy(update={"letters": [letter]})

    def _queue(
        self, customer_id: UUID, as_of: date, result: RemindersResult, uow: UnitOfWork
    ) -> LetterResult:
        account = uow.get(customer_id, CustomerAccount)
        to = parties.recipient(account, parties.DUNNING_ROLES)
        if to is None:
            return LetterResult(customer_id=customer_id, status="no_contact")
        company = uow.store.get(COMPANY_ID)
        if not isinstance(company, Company):
            return LetterResult(
                customer_id=customer_id,
                status="no_letterhead",
                to=to.email,
                reason="no seller profile yet: PUT /v1/company",
            )
        reminded = [
            _reminded(uow.get(r.invoice_id, Invoice), r.level, r.days_past_due)
            for r in result.reminders
        ]
        level = max(item.level for item in reminded)
        delivery_id = letter_delivery_id(customer_id, as_of, level)
        if delivery_id in uow.seen or uow.store.version_of(delivery_id) is not None:
            # A second run of the same day that found newly overdue invoices: its own letter.
            invoices = ",".join(sorted(str(item.invoice_id) for item in reminded))
            delivery_id = uuid5(delivery_id, invoices)
        language = parties.language_of(account, company)
        try:
            charges = stated_charges(
                uow.store, uow.dunning_policy, reminded, as_of, account.currency
            )
            pdf = render_letter(company, account, as_of, reminded, charges)
            delivery = self.deliveries.prepare(
                delivery_id=delivery_id,
                customer_id=customer_id,
                document=f"reminder:{customer_id}.{as_of.isoformat()}",
                content=pdf,
                filename=letter_filename(account, as_of),
                channel="email",
                to=to.email,
                **_mail(language, company, level, [item.number for item in reminded]),
            )
        except DomainError as err:  # a letter that cannot be made must not stop the reminders
            return LetterResult(
                customer_id=customer_id, status="not_sent", to=to.email, reason=str(err)
            )
        uow.add(delivery)
        held = delivery.status == "held"
        return LetterResult(
            customer_id=customer_id,
            status="held" if held else "queued",
            delivery_id=delivery_id,
            to=to.email,
            reason=self.deliveries.held_reason(to.email) if held else None,
        )


def _mail(language: Language, company: Company, level: int, numbers: list[str]) -> dict[str, str]:
    texts = Texts(language)
    seller = str(company.details.get("legal_name") or "")
    title = texts(f"reminder_{min(level, _TITLED_LEVELS)}")
    return {
        "subject": texts("mail_reminder_subject", title=title, seller=seller)[:200],
        "body": texts("mail_reminder_body", numbers=", ".join(numbers), seller=seller),
    }


def _reminded(invoice: Invoice, level: int, days_past_due: int) -> RemindedInvoice:
    return RemindedInvoice(
        invoice.id,
        invoice.number,
        invoice.issued_on,
        invoice.due_on,
        invoice.open_amount,
        days_past_due,
        level,
    )


# ---- the letter again, from what the run recorded -------------------------------------------


def _reminders_of(store: EventStorePort, invoice_id: UUID) -> list[object]:
    return [e for e in store.history(invoice_id) if type(e).__name__ == "ReminderSent"]


def reminded_at_level(store: EventStorePort, invoice: Invoice, level: int) -> date | None:
    """The date ``invoice`` was reminded at ``level``, or ``None`` if it never was."""
    for event in _reminders_of(store, invoice.id):
        if getattr(event, "level", None) == level:
            as_of = event.as_of  # type: ignore[attr-defined]
            assert isinstance(as_of, date)
            return as_of
    return None


def reminded_on(
    store: EventStorePort, invoices: Iterable[Invoice], as_of: date
) -> list[RemindedInvoice]:
    """Those of ``invoices`` reminded on ``as_of``, as that reminder recorded them."""
    found: list[RemindedInvoice] = []
    for invoice in invoices:
        for event in _reminders_of(store, invoice.id):
            if getattr(event, "as_of", None) != as_of:
                continue
            recorded = getattr(event, "open_amount", None)
            found.append(
                RemindedInvoice(
                    invoice.id,
                    invoice.number,
                    invoice.issued_on,
                    invoice.due_on,
                    recorded if isinstance(recorded, Decimal) else invoice.open_amount,
                    int(event.days_past_due),  # type: ignore[attr-defined]
                    int(event.level),  # type: ignore[attr-defined]
                )
            )
    return found
