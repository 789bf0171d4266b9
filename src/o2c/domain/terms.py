"""Payment terms: net days and an optional early-payment discount (e.g. 2/10 net 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from o2c.domain.errors import InvalidInput


@dataclass(frozen=True)
class PaymentTerms:
    """``net_days`` until due; ``discount_percent`` off if paid within ``discount_days``."""

    net_days: int
    discount_percent: Decimal | None = None
    discount_days: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.net_days <= 3650:
            raise InvalidInput("net_days must be between 0 and 3650", code="invalid-terms")
        has_pct = self.discount_percent is not None
        has_days = self.discount_days is not None
        if has_pct != has_days:
            raise InvalidInput(
                "discount_percent and discount_days go together", code="invalid-terms"
            )
        if self.discount_percent is not None and not (
            Decimal(0) < self.discount_percent < Decimal(100)
        ):
            raise InvalidInput("discount_percent must be between 0 and 100", code="invalid-terms")
        if self.discount_days is not None and not 0 <= self.discount_days <= self.net_days:
            raise InvalidInput("discount_days must be between 0 and net_days", code="invalid-terms")

    def due_on(self, issued_on: date) -> date:
        """Due date of an invoice issued on ``issued_on``."""
        return _days_after(issued_on, self.net_days, "due date")

    def discount_until(self, issued_on: date) -> date | None:
        """Last day a payment earns the discount, or ``None`` without a discount."""
        if self.discount_days is None:
            return None
        return _days_after(issued_on, self.discount_days, "discount date")

    def as_dict(self) -> dict[str, object]:
        """Primitive form stored inside events."""
        return {
            "net_days": self.net_days,
            "discount_percent": self.discount_percent,
            "discount_days": self.discount_days,
        }


def _days_after(start: date, days: int, what: str) -> date:
    # Python dates end at 9999-12-31; an invoice issued near the end is bad input, not a crash.
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise InvalidInput(
            f"the {what} of {start.isoformat()} plus {days} days would be after 9999-12-31",
            code="date-out-of-range",
        ) from None
