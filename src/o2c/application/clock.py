"""Today's business date, judged in the configured time zone.

The service asks this clock (never ``date.today()``, the machine's local zone) what "today" is:
the date a command without one is booked on, and the latest date a command may carry. Tests pass
a settable clock instead.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


class BusinessDay:
    """A clock answering today's date in one IANA time zone (``UTC``, ``Europe/Berlin`` …)."""

    def __init__(self, zone: str = "UTC") -> None:
        self.zone = ZoneInfo(zone)

    def __call__(self) -> date:
        return datetime.now(self.zone).date()
