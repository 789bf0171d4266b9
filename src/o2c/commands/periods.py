"""Commands on the books as a whole: closing a period."""

from __future__ import annotations

from datetime import date

from o2c.commands.base import BusinessDate, Command, Reason


class ClosePeriod(Command):
    """Move the lock date forward to ``through``: nothing dated on or before it may be booked.

    ``through`` is not a business date the close books a fact on (it is the lock date itself),
    so the command declares none: the close's own rule refuses a date at or before the lock.
    """

    through: BusinessDate
    reason: Reason

    def dates_not_after_today(self, today: date) -> list[date]:
        """A period that has not ended yet cannot be closed."""
        return [self.through]
