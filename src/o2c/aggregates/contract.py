"""Contract: a recurring charge to a customer, invoiced period by period by billing runs.

A contract has lines (priced and taxed as order lines are), an interval (month, quarter,
year), a first day, an optional last day, and whether each period is billed in advance or in
arrears. Billing runs invoice each period exactly once: the period indices an invoice covers
are recorded here in the same transaction as the invoice, and a period already recorded is
never offered again.

A change of lines or a cancellation takes effect from the first period that starts after the
day it is made (the period running then is invoiced whole at the lines it started with): there
is no proration. A change or cancellation dated so far back that it would reach a period already
invoiced is refused: that period's invoice is corrected by a credit note instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.aggregates.copying import CopiesOneLevelDeep
from o2c.aggregates.order import OrderLine
from o2c.aggregates.order import check_lines as check_order_lines
from o2c.domain.billing_periods import (
    BILLING_TIMING,
    INTERVAL_MONTHS,
    ContractPeriod,
    Schedule,
)
from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.domain.money import round_money
from o2c.events.catalog import topic

STATUS_ACTIVE = "active"
STATUS_CANCELLED = "cancelled"
STATUS_ENDED = "ended"
# At most this many periods go on one invoice: a contract entered long after it started is
# caught up over the following runs rather than on one invoice of hundreds of lines.
MAX_PERIODS_PER_INVOICE = 24


@dataclass(frozen=True)
class DuePeriod:
    """A period ready to invoice, with the lines that hold for it."""

    period: ContractPeriod
    lines: tuple[OrderLine, ...]

    def invoice_lines(self, contract_id: UUID, currency: str) -> list[dict[str, Any]]:
        """The period's invoice lines: each contract line at its quantity, price and tax, naming
        the contract and the period it charges."""
        out: list[dict[str, Any]] = []
        for ln in self.lines:
            net = round_money(ln.unit_price * ln.quantity, currency)
            fields = ln.as_dict()
            out.append(
                {
                    **fields,
                    "amount": net,
                    "net": net,
                    "contract_id": str(contract_id),
                    "period_start": self.period.start.isoformat(),
                    "period_end": self.period.end.isoformat(),
                }
            )
        return out


def check_lines(lines: list[OrderLine], currency: str) -> None:
    """A contract's lines, checked as an order's are."""
    check_order_lines(lines, currency, "contract", "a contract's period total")


class Contract(CopiesOneLevelDeep, Aggregate):
    """A recurring contract: its schedule, its lines per period, and the periods invoiced."""

    TOPIC = "o2c.Contract"

    class Event(Aggregate.Event):
        TOPIC = "o2c.Contract.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.Contract.Created"

    class ContractStarted(Created):
        """A contract entered: customer, currency, lines, interval, first and last day, and
        whether periods are billed in advance or in arrears."""

        TOPIC = topic("ContractStarted")

        customer_id: UUID
        currency: str
        lines: list[dict[str, Any]]
        interval: str
        billing: str
        start_on: date
        end_on: date | None

    @classmethod
    def start(
        cls,
        contract_id: UUID,
        customer_id: UUID,
        currency: str,
        lines: list[OrderLine],
        interval: str,
        billing: str,
        start_on: date,
        end_on: date | None,
    ) -> Contract:
        """Enter a contract."""
        if interval not in INTERVAL_MONTHS:
            raise InvalidInput(
                f"interval must be one of {', '.join(INTERVAL_MONTHS)}", code="invalid-interval"
            )
        if billing not in BILLING_TIMING:
            raise InvalidInput(
                f"billing must be one of {', '.join(BILLING_TIMING)}", code="invalid-billing"
            )
        if end_on is not None and end_on < start_on:
            raise InvalidInput("end_on must not be before start_on", code="invalid-period")
        check_lines(lines, currency)
        Schedule(start_on, interval).period(0)  # refuses a calendar past year 9999
        return cls._create(
            cls.ContractStarted,
            id=contract_id,
            customer_id=customer_id,
            currency=currency,
            lines=[ln.as_dict() for ln in lines],
            interval=interval,
            billing=billing,
            start_on=start_on,
            end_on=end_on,
        )

    @event(ContractStarted)
    def __init__(
        self,
        customer_id: UUID,
        currency: str,
        lines: list[dict[str, Any]],
        interval: str,
        billing: str,
        start_on: date,
        end_on: date | None,
    ) -> None:
        self.customer_id = customer_id
        self.currency = currency
        self.interval = interval
        self.billing = billing
        self.start_on = start_on
        self.end_on = end_on
        # (first period, lines) in period order: the lines of period k are those of the last
        # entry whose first period is <= k.
        self.versions: list[tuple[int, tuple[OrderLine, ...]]] = [
            (0, tuple(OrderLine.from_dict(ln) for ln in lines))
        ]
        self.next_index = 0  # periods before it are invoiced
        self.end_index = self.schedule.end_index(end_on)
        self.status = STATUS_ACTIVE
        self.invoice_ids: list[UUID] = []

    @property
    def schedule(self) -> Schedule:
        """The contract's calendar."""
        return Schedule(self.start_on, self.interval)

    def lines_for(self, index: int) -> tuple[OrderLine, ...]:
        """The lines that hold for period ``index``."""
        found = self.versions[0][1]
        for first, lines in self.versions:
            if first <= index:
                found = lines
        return found

    def due_periods(self, as_of: date) -> list[DuePeriod]:
        """The periods not yet invoiced that are due on or before ``as_of``, oldest first."""
        due: list[DuePeriod] = []
        index = self.next_index
        while len(due) < MAX_PERIODS_PER_INVOICE:
            if self.end_index is not None and index >= self.end_index:
                break
            period = self.schedule.period(index)
            if period.due_on(self.billing) > as_of:
                break
            due.append(DuePeriod(period, self.lines_for(index)))
            index += 1
        return due

    # ---- changes ------------------------------------------------------------------------------

    def _effective(self, on: date) -> int:
        """The first period a change made ``on`` reaches; refused if it was invoiced."""
        if self.status != STATUS_ACTIVE:
            raise RuleViolation(f"the contract is {self.status}", code="contract-not-active")
        first = self.schedule.first_starting_after(on)
        if first < self.next_index:
            raise RuleViolation(
                f"period {first + 1} starting {self.schedule.period(first).start} is already "
                "invoiced: a change dated then would reach it (credit its invoice instead)",
                code="contract-period-invoiced",
            )
        return first

    def change_lines(self, lines: list[OrderLine], changed_on: date) -> int:
        """New lines from the first period starting after ``changed_on``; returns its index."""
        check_lines(lines, self.currency)
        first = self._effective(changed_on)
        if self.end_index is not None and first >= self.end_index:
            raise RuleViolation(
                "the contract has no period left for the change to reach", code="contract-ended"
            )
        self._changed([ln.as_dict() for ln in lines], first, changed_on)
        return first

    @event("ContractChanged", topic=topic("ContractChanged"))
    def _changed(self, lines: list[dict[str, Any]], from_period: int, changed_on: date) -> None:
        kept = [(i, ls) for i, ls in self.versions if i < from_period]
        self.versions = [*kept, (from_period, tuple(OrderLine.from_dict(ln) for ln in lines))]

    def cancel(self, reason: str, cancelled_on: date) -> int:
        """No period starting after ``cancelled_on`` is invoiced; returns the first such."""
        first = self._effective(cancelled_on)
        if self.end_index is not None:
            first = min(first, self.end_index)
        self._cancelled(reason, cancelled_on, first)
        return first

    @event("ContractCancelled", topic=topic("ContractCancelled"))
    def _cancelled(self, reason: str, cancelled_on: date, from_period: int) -> None:
        self.end_index = from_period
        self.status = STATUS_CANCELLED

    # ---- invoicing ----------------------------------------------------------------------------

    def invoice(self, invoice_id: UUID, periods: list[DuePeriod], issued_on: date) -> None:
        """Record ``periods`` (the next ones, in order) as invoiced on ``invoice_id``."""
        indices = [p.period.index for p in periods]
        if not indices or indices != list(range(self.next_index, self.next_index + len(indices))):
            raise RuleViolation(
                "only the next periods not yet invoiced can be invoiced",
                code="contract-period-invoiced",
            )
        self._invoiced(
            invoice_id,
            [
                {"index": p.period.index, "start": p.period.start, "end": p.period.end}
                for p in periods
            ],
            issued_on,
        )

    @event("ContractPeriodsInvoiced", topic=topic("ContractPeriodsInvoiced"))
    def _invoiced(self, invoice_id: UUID, periods: list[dict[str, Any]], issued_on: date) -> None:
        self.next_index = int(periods[-1]["index"]) + 1
        self.invoice_ids.append(invoice_id)
        ended = self.end_index is not None and self.next_index >= self.end_index
        if ended and self.status == STATUS_ACTIVE:
            self.status = STATUS_ENDED
