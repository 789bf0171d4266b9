"""How read models store money and dates so SQL sums and date arithmetic are exact and portable.

Money is an integer count of thousandths ("mills"): every supported currency has at most three
decimals, so this is exact, and integer ``SUM`` behaves the same on SQLite and PostgreSQL (SQLite
has no decimal type). Business dates are stored as proleptic ordinals (``date.toordinal()``) so
"days past due" is a plain subtraction in SQL on both databases.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from o2c.domain.money import quantum

MILLS = 1000


def to_mills(amount: str | Decimal | int) -> int:
    """``"12.34"`` → ``12340``."""
    return int(Decimal(str(amount)) * MILLS)


def from_mills(mills: int | None, currency: str | None = None) -> str:
    """``12340`` → ``"12.34"`` (at the currency's exponent when known)."""
    value = Decimal(int(mills or 0)) / MILLS
    value = value.quantize(quantum(currency)) if currency else value.quantize(Decimal("0.01"))
    return str(value)


def to_day(iso: str | date | None) -> int | None:
    """ISO date → ordinal day number."""
    if iso is None:
        return None
    d = iso if isinstance(iso, date) else date.fromisoformat(iso)
    return d.toordinal()


def from_day(day: int | None) -> str | None:
    """Ordinal day number → ISO date."""
    return None if day is None else date.fromordinal(int(day)).isoformat()
