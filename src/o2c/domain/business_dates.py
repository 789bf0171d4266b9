"""The rule every dated command obeys: a fact cannot happen in the future.

A command's business date (when an order was placed, goods shipped, an invoice issued, cash
received, a note credited, a debt written off, a dispute opened, a payment reversed …, a dunning
run's ``as_of``, a period close's ``through``) is chosen by the caller. A date later than today is
refused: a reminder "as of" 2099 would count decades past due, and a payment dated next year would
put ledger lines into a period nobody can close yet. Queries may still ask about any date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from o2c.domain.errors import InvalidInput

DATE_IN_FUTURE = "date-in-future"


def ensure_not_in_future(dates: Iterable[date], today: date) -> None:
    """Refuse the latest of ``dates`` when it is later than ``today``."""
    latest = max(dates, default=None)
    if latest is not None and latest > today:
        raise InvalidInput(
            f"{latest} is in the future (today is {today}): a fact cannot be dated after today",
            code=DATE_IN_FUTURE,
        )
