"""BankStatement: one statement of one of our bank accounts, and what became of each line.

The statement is recorded once, whole (``BankStatementImported``), with every line as the bank
reported it; its id is derived from the bank account and the file's own statement id, so a file
imported a second time finds the statement already there and records nothing. Cash application
then decides each credit line exactly once: posted as a payment (``BankLineApplied``, naming
the payment, the rule that matched it, how sure it was and who decided) or left for a person
(``BankLineQueued``, with the matcher's ranked suggestions). A queued line can still be applied
by hand; an applied line never again.

A line the bank reported before (in another statement of the same account, or listed twice in
this one) is marked a duplicate when the statement is recorded and is never posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.aggregates.copying import CopiesOneLevelDeep
from o2c.domain.errors import InvalidInput, NotFound, RuleViolation
from o2c.events.catalog import topic

_NAMESPACE = UUID("5b0c6f1e-2d4a-4c1b-9e0f-7a3d2c1b0a99")

PENDING = "pending"  # recorded, not decided yet
APPLIED = "applied"
UNMATCHED = "unmatched"  # queued for a person
DUPLICATE = "duplicate"
DEBIT = "debit"  # money paid out: not cash application's business


def statement_uuid(account_id: str, statement_id: str) -> UUID:
    """The aggregate id of a statement: the same file always gives the same id."""
    return uuid5(_NAMESPACE, f"{account_id}\x1f{statement_id}")


def line_uuid(statement: UUID, line_id: str) -> UUID:
    """A statement line's id in the API (bank line ids are only unique per account)."""
    return uuid5(statement, line_id)


@dataclass(frozen=True)
class LineState:
    """What the statement keeps of a line to decide it once."""

    amount: Decimal
    booked_on: date
    status: str
    payment_id: UUID | None = None


class BankStatement(CopiesOneLevelDeep, Aggregate):
    """A statement's lines and the decision taken on each."""

    TOPIC = "o2c.BankStatement"

    class Event(Aggregate.Event):
        TOPIC = "o2c.BankStatement.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.BankStatement.Created"

    # Events about the statement as a whole: its stream is keyed by itself, not a customer.
    ABOUT_NO_CUSTOMER = True

    @classmethod
    def record(
        cls,
        account_id: str,
        statement_id: str,
        currency: str,
        period: tuple[date, date],
        created_on: date | None,
        file_format: str,
        lines: list[dict[str, Any]],
    ) -> BankStatement:
        """Record a statement read from a file; each line dict carries ``duplicate_of``."""
        ids = [line["line_id"] for line in lines]
        if len(set(ids)) != len(ids):
            raise InvalidInput("line ids of a statement must be unique", code="invalid-statement")
        return cls._create(
            cls.BankStatementImported,  # type: ignore[attr-defined]  # defined by @event
            id=statement_uuid(account_id, statement_id),
            account_id=account_id,
            statement_id=statement_id,
            currency=currency,
            period_start=period[0],
            period_end=period[1],
            created_on=created_on,
            file_format=file_format,
            lines=lines,
        )

    @event("BankStatementImported", topic=topic("BankStatementImported"))
    def __init__(
        self,
        account_id: str,
        statement_id: str,
        currency: str,
        period_start: date,
        period_end: date,
        created_on: date | None,
        file_format: str,
        lines: list[dict[str, Any]],
    ) -> None:
        self.account_id = account_id
        self.statement_id = statement_id
        self.currency = currency
        self.period_start = period_start
        self.period_end = period_end
        self.lines: dict[str, LineState] = {}
        for line in lines:
            if line.get("duplicate_of"):
                status = DUPLICATE
            elif not line["credit"]:
                status = DEBIT
            else:
                status = PENDING
            self.lines[line["line_id"]] = LineState(
                Decimal(line["amount"]), line["booked_on"], status
            )

    def line(self, line_id: str) -> LineState:
        """A line by its bank id, or ``NotFound``."""
        found = self.lines.get(line_id)
        if found is None:
            raise NotFound(f"line {line_id} is not on this statement", code="bank-line-not-found")
        return found

    def undecided(self) -> list[str]:
        """Credit lines no decision was recorded for yet, in file order."""
        return [k for k, v in self.lines.items() if v.status == PENDING]

    def ensure_can_apply(self, line_id: str, amount: Decimal, on: date, *, manual: bool) -> bool:
        """True if the line may be posted now as ``amount`` received ``on``.

        Cash application posts only undecided lines (False for the others: a concurrent run got
        there first); a person may also apply a queued one. Applying an applied line, a duplicate
        or a debit is refused.
        """
        state = self.line(line_id)
        if amount != state.amount:
            raise InvalidInput(
                f"line {line_id} is {state.amount}, not {amount}", code="bank-line-amount"
            )
        if on < state.booked_on:
            raise InvalidInput(
                f"line {line_id} was booked on {state.booked_on}: cannot be received on {on}",
                code="date-before-receipt",
            )
        if state.status == PENDING or (manual and state.status == UNMATCHED):
            return True
        if not manual:
            return False
        messages = {
            APPLIED: ("the line is already applied", "bank-line-applied"),
            DUPLICATE: ("the line is a duplicate of one seen before", "bank-line-duplicate"),
            DEBIT: ("the line is a debit, not a receipt", "bank-line-not-credit"),
        }
        detail, code = messages[state.status]
        raise RuleViolation(detail, code=code)

    def apply_line(
        self,
        line_id: str,
        payment_id: UUID,
        customer_id: UUID,
        rule: str,
        score: float,
        applied_by: str,
    ) -> None:
        """Record that the line was posted as ``payment_id`` (checked by ``ensure_can_apply``)."""
        self._line_applied(line_id, payment_id, customer_id, rule, float(score), applied_by)

    @event("BankLineApplied", topic=topic("BankLineApplied"))
    def _line_applied(
        self,
        line_id: str,
        payment_id: UUID,
        customer_id: UUID,
        rule: str,
        score: float,
        applied_by: str,
    ) -> None:
        state = self.lines[line_id]
        self.lines[line_id] = LineState(state.amount, state.booked_on, APPLIED, payment_id)

    def queue_line(self, line_id: str, suggestions: list[dict[str, Any]], reason: str) -> bool:
        """Leave an undecided line for a person; False (nothing recorded) if it was decided."""
        if self.line(line_id).status != PENDING:
            return False
        self._line_queued(line_id, suggestions, reason)
        return True

    @event("BankLineQueued", topic=topic("BankLineQueued"))
    def _line_queued(self, line_id: str, suggestions: list[dict[str, Any]], reason: str) -> None:
        state = self.lines[line_id]
        self.lines[line_id] = LineState(state.amount, state.booked_on, UNMATCHED)
