"""Dunning policy: which reminder level is due for an invoice on a given date, how long a promise
to pay holds dunning back, and the late charges (a fee per level, annual interest) it states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from o2c.domain.errors import InvalidInput

DEFAULT_LEVELS: tuple[int, ...] = (1, 15, 30)
DEFAULT_PROMISE_GRACE_DAYS = 2


@dataclass(frozen=True)
class DunningPolicy:
    """Reminder level ``n`` (1-based) is sent once days past due reach ``levels[n-1]``.

    ``promise_grace_days``: a promise to pay holds dunning back until its date plus these days.
    ``fees``: the fee a reminder of level ``n`` charges (``fees[n-1]``; none past the list) and
    ``interest_rate``: the annual late-payment interest in percent (``None``: none). Both are
    off by default.
    """

    levels: tuple[int, ...] = DEFAULT_LEVELS
    promise_grace_days: int = DEFAULT_PROMISE_GRACE_DAYS
    fees: tuple[Decimal, ...] = ()
    interest_rate: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.levels or any(d < 1 for d in self.levels):
            raise InvalidInput("dunning levels must be positive days", code="invalid-dunning")
        if list(self.levels) != sorted(set(self.levels)):
            raise InvalidInput("dunning levels must strictly increase", code="invalid-dunning")
        if not 0 <= self.promise_grace_days <= 365:
            raise InvalidInput("promise grace days must be 0 to 365", code="invalid-dunning")
        if any(not fee.is_finite() or fee < 0 for fee in self.fees):
            raise InvalidInput("dunning fees must not be negative", code="invalid-dunning")
        rate = self.interest_rate
        if rate is not None and (not rate.is_finite() or not 0 <= rate <= 100):
            raise InvalidInput("the interest rate is 0 to 100 percent", code="invalid-dunning")

    @classmethod
    def parse(cls, text: str) -> DunningPolicy:
        """Parse ``"1,15,30"``."""
        try:
            return cls(tuple(int(p) for p in text.split(",") if p.strip()))
        except ValueError as exc:
            raise InvalidInput(f"bad dunning levels {text!r}", code="invalid-dunning") from exc

    def next_level(self, current_level: int, days_past_due: int) -> int | None:
        """The next level to send, or ``None`` when nothing new is due yet."""
        if current_level >= len(self.levels):
            return None
        if days_past_due >= self.levels[current_level]:
            return current_level + 1
        return None

    def promise_deadline(self, promised_on: date) -> date:
        """The last day a promise made for ``promised_on`` can still be kept."""
        return promised_on + timedelta(days=self.promise_grace_days)

    def fee(self, level: int) -> Decimal:
        """The fee a reminder of ``level`` charges (zero when none is configured)."""
        return self.fees[level - 1] if 0 < level <= len(self.fees) else Decimal(0)

    @property
    def charges(self) -> bool:
        """True when reminders charge a fee or interest."""
        return any(f > 0 for f in self.fees) or bool(self.interest_rate)
