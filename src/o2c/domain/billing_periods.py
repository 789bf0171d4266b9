"""Billing periods: a periodic customer's cut-off, and a recurring contract's periods.

A billing run as of a date invoices a ``periodic`` customer up to the end of the latest whole
period that ended on or before that date: weeks run Monday to Sunday, months from the first to
the last day. A run on any day of December (before the 31st) thus has a monthly cut-off of 30
November; running it every day invoices each shipment once, in the first run after its period.

A contract's periods follow its start date: period ``k`` of a monthly contract starting on
15 January starts on the 15th of the ``k``-th month after (a start on the 31st falls on the last
day of shorter months), and ends the day before the next one starts. A period billed in advance
is due on its first day, one billed in arrears the day after its last. There is no proration:
each period is invoiced whole, at the lines that hold for it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from o2c.domain.errors import InvalidInput

WEEK, MONTH = "week", "month"
INTERVAL_MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
IN_ADVANCE, IN_ARREARS = "in_advance", "in_arrears"
BILLING_TIMING = (IN_ADVANCE, IN_ARREARS)


def cut_off(period: str, as_of: date) -> date:
    """The last day of the latest whole ``period`` (week or month) ended on or before ``as_of``."""
    if period == WEEK:
        # Monday is weekday 0: a Sunday is its own cut-off, any other day goes back to Sunday.
        return as_of - timedelta(days=(as_of.weekday() + 1) % 7)
    if period == MONTH:
        last = calendar.monthrange(as_of.year, as_of.month)[1]
        return as_of if as_of.day == last else as_of.replace(day=1) - timedelta(days=1)
    raise InvalidInput(f"no billing period {period!r}", code="invalid-billing-policy")


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, its day clamped to the month's last day."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise InvalidInput("a contract period would pass year 9999", code="date-out-of-range")
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


@dataclass(frozen=True)
class ContractPeriod:
    """Period ``index`` of a contract: its first and last day."""

    index: int
    start: date
    end: date

    def due_on(self, billing: str) -> date:
        """The first day the period may be invoiced: its start in advance, else after its end."""
        return self.start if billing == IN_ADVANCE else self.end + timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """A contract's calendar: first day, interval, and the first period it no longer has
    (``None``: open-ended)."""

    start_on: date
    interval: str

    @property
    def months(self) -> int:
        """Months per period."""
        return INTERVAL_MONTHS[self.interval]

    def period(self, index: int) -> ContractPeriod:
        """Period ``index`` (0 is the first)."""
        start = add_months(self.start_on, index * self.months)
        end = add_months(self.start_on, (index + 1) * self.months) - timedelta(days=1)
        return ContractPeriod(index, start, end)

    def first_starting_after(self, day: date) -> int:
        """The index of the first period that starts after ``day``: where a change or a
        cancellation made on ``day`` takes effect (the period running then is kept whole)."""
        if day < self.start_on:
            return 0
        # Months between the start and day, a lower bound; walk forward (at most a step or two).
        months = (day.year - self.start_on.year) * 12 + day.month - self.start_on.month
        index = max(0, months // self.months - 1)
        while self.period(index).start <= day:
            index += 1
        return index

    def end_index(self, end_on: date | None) -> int | None:
        """The first period not billed for a contract ending on ``end_on``: every period that
        starts on or before it is billed whole."""
        return None if end_on is None else self.first_starting_after(end_on)
